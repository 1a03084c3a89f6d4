// JSON-RPC requests as raw text: whatever comes in, the dispatcher answers
// with well-formed JSON-RPC (or, for notifications, nothing) and never throws
// or crashes. The same bytes also go through the text forms, whose round
// trips must be exact: a time or duration that parses prints back to text
// that parses to the same value, and base64 that decodes is canonical.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "msg/jsonrpc.hpp"
#include "msg/text_forms.hpp"

using namespace wirestack;
using nlohmann::json;

namespace {

// Params with every taught type, so params decoding is fuzzed too.
struct Everything {
  msg::SysTime when;
  MacAddress mac;
  IpAddress ip;
  IpPrefix net;
  IpEndpoint peer;
  Duration rtt{};
  msg::Blob blob;
  std::optional<std::uint16_t> port;
  std::vector<msg::Iso8601> times;
};
void from_json(const json& j, Everything& e) {
  msg::FieldReader(j)
      .required("when", e.when)
      .optional("mac", e.mac)
      .optional("ip", e.ip)
      .optional("net", e.net)
      .optional("peer", e.peer)
      .optional("rtt", e.rtt)
      .optional("blob", e.blob)
      .optional("port", e.port)
      .optional("times", e.times);
}
void to_json(json& j, const Everything& e) {
  j = {{"when", e.when}, {"mac", e.mac}, {"ip", e.ip}, {"net", e.net}, {"peer", e.peer}, {"rtt", e.rtt},
       {"blob", e.blob}, {"times", e.times}};
}

const msg::Dispatcher& dispatcher() {
  static const msg::Dispatcher d = [] {
    msg::Dispatcher r;
    msg::add_builtin_methods(r);
    r.add_typed<Everything>("everything", [](const Everything& e, const msg::Context&) -> msg::RpcResult {
      return msg::encode(e);
    });
    return r;
  }();
  return d;
}

void check_response(const json& r) {
  auto parsed = msg::parse_response(msg::dump(r));
  if (!parsed) std::fprintf(stderr, "bad response %s: %s\n", msg::dump(r).c_str(), parsed.error().c_str());
  FUZZ_CHECK(parsed.has_value());
}

void check_text_forms(std::string_view text) {
  if (auto t = msg::parse_time(text)) {
    for (auto format : {msg::TimeFormat::plain, msg::TimeFormat::iso8601}) {
      auto again = msg::parse_time(msg::format_time(t->time, format, t->utc_offset));
      FUZZ_CHECK(again.has_value());
      FUZZ_CHECK(format == msg::TimeFormat::plain ? again->time == std::chrono::floor<std::chrono::seconds>(t->time)
                                                  : again->time == t->time && again->utc_offset == t->utc_offset);
    }
  }
  if (auto d = msg::parse_duration(text)) {
    auto again = msg::parse_duration(msg::format_duration(*d));
    FUZZ_CHECK(again.has_value() && *again == *d);
  }
  if (auto b = msg::base64_decode(text)) FUZZ_CHECK(msg::base64_encode(*b) == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_text_forms(text);

  const msg::Context cx{.now = msg::SysTime{std::chrono::seconds{1764276099}}};
  const auto response = dispatcher().handle(text, cx);
  if (!response) return 0;  // notifications only
  auto j = msg::parse_json(*response);
  FUZZ_CHECK(j.has_value());
  if (j->is_array()) {
    FUZZ_CHECK(!j->empty());
    for (const json& r : *j) check_response(r);
  } else {
    check_response(*j);
  }
  return 0;
}
