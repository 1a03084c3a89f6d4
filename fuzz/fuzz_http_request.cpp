// HTTP request parser: the input is a byte stream as a client would send it
// (the seeds are real curl and Chromium heads). It is fed once whole and once
// in random-size chunks (sizes drawn from a generator seeded by the input, so
// a crash reproduces); both must give the same requests and the same error.
// Every request must re-serialize (write_request) to bytes that parse back to
// the same request, respect the limits, and resolve_path of its target must
// never climb out of the served directory.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/client.hpp"
#include "http/request_parser.hpp"
#include "http/static_files.hpp"

using namespace wirestack;
using namespace wirestack::http;

namespace {

struct Outcome {
  std::vector<Request> requests;
  std::size_t heads = 0;
  std::optional<HttpError> error;
  bool operator==(const Outcome&) const = default;
};

void drain(RequestParser& p, Outcome& out) {
  for (;;) {
    auto ev = p.next();
    if (!ev) {
      out.error = ev.error();
      auto again = p.next();  // an error is final
      FUZZ_CHECK(!again && again.error() == ev.error());
      return;
    }
    if (std::holds_alternative<NeedMore>(*ev)) return;
    if (auto* h = std::get_if<HeadComplete>(&*ev)) {
      FUZZ_CHECK(h->head != nullptr && h->head->body.empty());
      ++out.heads;
      continue;
    }
    out.requests.push_back(std::get<Request>(std::move(*ev)));
  }
}

// splitmix64: chunk sizes from a seed derived from the input.
std::uint64_t next_random(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Outcome run(std::string_view stream, const RequestLimits& limits, std::uint64_t seed) {
  RequestParser p(limits);
  Outcome out;
  std::size_t at = 0;
  while (at < stream.size() && !out.error) {
    // seed 0: one feed of everything; otherwise chunks of 1..64 bytes, mostly small.
    const std::size_t n = seed == 0 ? stream.size() : 1 + next_random(seed) % (next_random(seed) % 2 ? 4 : 64);
    p.feed(stream.substr(at, n));
    at += n;
    drain(p, out);
  }
  if (stream.empty()) drain(p, out);
  return out;
}

void check(std::string_view stream, const RequestLimits& limits, std::uint64_t seed) {
  const Outcome whole = run(stream, limits, 0);
  const Outcome pieces = run(stream, limits, seed | 1);
  FUZZ_CHECK(whole == pieces);
  FUZZ_CHECK(whole.requests.size() <= stream.size());
  FUZZ_CHECK(whole.heads <= whole.requests.size() + 1);
  if (whole.error) {
    const int s = whole.error->status;
    FUZZ_CHECK(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
    FUZZ_CHECK(!whole.error->reason.empty() && whole.error->reason.find('\n') == std::string::npos);
  }
  std::size_t body_bytes = 0;
  for (const Request& r : whole.requests) {
    body_bytes += r.body.size();
    FUZZ_CHECK(r.method.size() + r.target.size() + 10 <= limits.max_request_line);
    FUZZ_CHECK(r.headers.size() <= limits.max_header_count);
    FUZZ_CHECK(r.body.size() <= limits.max_body_bytes);
    FUZZ_CHECK(is_token(r.method));
    for (const HeaderField& f : r.headers) FUZZ_CHECK(is_token(f.name) && is_field_value(f.value));

    // Round trip. HeaderField lines may grow by one byte each ("a:b" -> "a: b"),
    // so the second parse gets room beyond the first one's limits.
    const std::string bytes = write_request(r);
    RequestParser again({.max_request_line = limits.max_request_line,
                         .max_header_bytes = 2 * limits.max_header_bytes + 2 * limits.max_header_count,
                         .max_header_count = limits.max_header_count,
                         .max_body_bytes = limits.max_body_bytes});
    again.feed(bytes);
    Outcome back;
    drain(again, back);
    FUZZ_CHECK(!back.error);
    FUZZ_CHECK(back.requests.size() == 1 && back.requests[0] == r);
    FUZZ_CHECK(again.buffered() == 0 && !again.in_progress());

    if (auto rel = resolve_path(r.target)) {
      const std::string& p = *rel;
      FUZZ_CHECK(!p.empty() && p.front() != '/');
      FUZZ_CHECK(p.find('\0') == std::string::npos && p.find('\\') == std::string::npos);
      FUZZ_CHECK(p != ".." && !p.starts_with("../") && p.find("/../") == std::string::npos && !p.ends_with("/.."));
    }
  }
  FUZZ_CHECK(body_bytes <= stream.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = 0xcbf29ce484222325ULL;  // FNV-1a of the input
  for (unsigned char c : stream) seed = (seed ^ c) * 0x100000001b3ULL;
  check(stream, RequestLimits{}, seed);
  // Small limits, so that inputs of a few hundred bytes reach every limit.
  check(stream, {.max_request_line = 64, .max_header_bytes = 128, .max_header_count = 4, .max_body_bytes = 32}, seed);
  return 0;
}
