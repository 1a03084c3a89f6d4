// HTTP response parser (the client side): the input is what a server sends
// until it closes the connection. It is parsed whole and in random-size
// chunks (seeded by the input), as the answer to a GET and to a HEAD; the two
// segmentations must agree. Each response must respect the limits, and its
// status, body and non-framing fields must survive write_response and a
// second parse. parse_url gets the first line too.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "http/client.hpp"
#include "http/response_parser.hpp"
#include "http/response_writer.hpp"

using namespace wirestack;
using namespace wirestack::http;

namespace {

struct Outcome {
  std::vector<Response> responses;
  std::optional<HttpError> error;
  bool operator==(const Outcome&) const = default;
};

std::uint64_t next_random(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void drain(ResponseParser& p, Outcome& out) {
  for (;;) {
    auto r = p.next();
    if (!r) {
      out.error = r.error();
      return;
    }
    if (!*r) return;
    out.responses.push_back(std::move(**r));
  }
}

Outcome run(std::string_view stream, bool head, const ResponseLimits& limits, std::uint64_t seed) {
  ResponseParser p(limits);
  p.set_head_request(head);
  Outcome out;
  for (std::size_t at = 0; at < stream.size() && !out.error;) {
    const std::size_t n = seed == 0 ? stream.size() : 1 + next_random(seed) % (next_random(seed) % 2 ? 4 : 64);
    p.feed(stream.substr(at, n));
    at += n;
    drain(p, out);
  }
  if (!out.error) {
    p.finish();
    drain(p, out);
  }
  return out;
}

Headers without_framing(const Headers& h) {
  Headers out;
  for (const HeaderField& f : h) {
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Transfer-Encoding") || iequals(f.name, "Connection") ||
        iequals(f.name, "Date"))
      continue;
    out.add(f.name, f.value);
  }
  return out;
}

void check(std::string_view stream, bool head, const ResponseLimits& limits, std::uint64_t seed) {
  const Outcome whole = run(stream, head, limits, 0);
  FUZZ_CHECK(whole == run(stream, head, limits, seed | 1));
  FUZZ_CHECK(whole.responses.size() <= stream.size());
  if (whole.error) FUZZ_CHECK(whole.error->status == 502 && !whole.error->reason.empty());
  std::size_t body_bytes = 0;
  for (const Response& r : whole.responses) {
    body_bytes += r.body.size();
    FUZZ_CHECK(r.status >= 100 && r.status <= 599);
    FUZZ_CHECK(r.status >= 200 || r.status == 101);  // other 1xx are skipped
    FUZZ_CHECK(r.body.size() <= limits.max_body_bytes && r.headers.size() <= limits.max_header_count);
    if (head || r.status == 204 || r.status == 304 || r.status < 200) FUZZ_CHECK(r.body.empty());

    Response w{.status = r.status, .headers = without_framing(r.headers), .body = r.body};
    ResponseParser again({.max_status_line = limits.max_status_line,
                          .max_header_bytes = 2 * limits.max_header_bytes + 64,
                          .max_header_count = limits.max_header_count + 2,
                          .max_body_bytes = limits.max_body_bytes});
    again.feed(write_response(w, {.keep_alive = false}));
    again.finish();
    auto back = again.next();
    FUZZ_CHECK(back && back->has_value());
    FUZZ_CHECK((*back)->status == r.status && (*back)->body == r.body);
    FUZZ_CHECK(without_framing((*back)->headers) == w.headers);
  }
  FUZZ_CHECK(body_bytes <= stream.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = 0xcbf29ce484222325ULL;
  for (unsigned char c : stream) seed = (seed ^ c) * 0x100000001b3ULL;
  const ResponseLimits small{.max_status_line = 64, .max_header_bytes = 128, .max_header_count = 4, .max_body_bytes = 32};
  for (bool head : {false, true}) {
    check(stream, head, ResponseLimits{}, seed);
    check(stream, head, small, seed);
  }
  if (auto url = parse_url(stream.substr(0, stream.find('\n')))) {
    FUZZ_CHECK(url->port != 0 && url->target.starts_with('/') && !url->host.empty());
    // The Host field leaves an IPv6 zone out (RFC 6874): the rest round-trips.
    auto again = parse_url("http://" + host_field(*url) + url->target);
    Url zoneless = *url;
    zoneless.zone.clear();
    FUZZ_CHECK(again && *again == zoneless);
    FUZZ_CHECK(url->zone.empty() || url->host.find(':') != std::string::npos);
  }
  return 0;
}
