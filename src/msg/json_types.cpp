// msg/json_types.cpp — see json_types.hpp.
#include "msg/json_types.hpp"

namespace wirestack::msg {
namespace {

const std::string& expect_string(const nlohmann::json& j, const char* what) {
  if (!j.is_string()) throw DecodeException("", std::string("expected ") + what + ", got " + j.type_name());
  return j.get_ref<const std::string&>();
}

// Parses with `parse` (a wire-layer text parser returning Result<T, string>)
// and throws its message on failure: the message already says what is wrong.
template <class T, class Parse>
T parse_or_throw(const nlohmann::json& j, const char* what, Parse parse) {
  auto r = parse(expect_string(j, what));
  if (!r) throw DecodeException("", r.error());
  return *r;
}

}  // namespace

std::string join_path(std::string_view parent, std::string_view child) {
  if (parent.empty()) return std::string(child);
  if (child.empty()) return std::string(parent);
  std::string out(parent);
  if (child.front() != '[') out += '.';
  out += child;
  return out;
}

std::string describe(const nlohmann::json::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with("[json.exception.")) {
    if (const auto close = what.find("] "); close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  constexpr std::string_view kTypeMust = "type must be ";
  constexpr std::string_view kButIs = ", but is ";
  if (what.starts_with(kTypeMust)) {
    if (const auto but = what.find(kButIs); but != std::string_view::npos) {
      const std::string_view want = what.substr(kTypeMust.size(), but - kTypeMust.size());
      const std::string_view got = what.substr(but + kButIs.size());
      const bool vowel = !want.empty() && std::string_view("aeiou").find(want.front()) != std::string_view::npos;
      return std::string("expected ") + (vowel ? "an " : "a ") + std::string(want) + ", got " + std::string(got);
    }
  }
  return std::string(what);
}

void to_json(nlohmann::json& j, const Blob& b) { j = base64_encode(b.bytes); }
void from_json(const nlohmann::json& j, Blob& b) {
  b.bytes = parse_or_throw<ByteVec>(j, "base64 text", base64_decode);
}

void to_json(nlohmann::json& j, const Iso8601& t) { j = format_time(t.time, TimeFormat::iso8601, t.utc_offset); }
void from_json(const nlohmann::json& j, Iso8601& t) {
  const ParsedTime p = parse_or_throw<ParsedTime>(j, R"(an ISO 8601 time "YYYY-MM-DDTHH:MM:SSZ")", parse_time);
  t = Iso8601{p.time, p.utc_offset};
}

void to_json(nlohmann::json& j, const TimeFormat& f) { j = f == TimeFormat::plain ? "plain" : "iso8601"; }
void from_json(const nlohmann::json& j, TimeFormat& f) {
  const char* const kWant = R"(expected "plain" or "iso8601")";
  const std::string& s = expect_string(j, kWant + 9);
  if (s == "plain") {
    f = TimeFormat::plain;
  } else if (s == "iso8601") {
    f = TimeFormat::iso8601;
  } else {
    throw DecodeException("", std::string(kWant) + ", got " + dump(j));
  }
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json, std::string> parse_json(std::string_view text, std::size_t max_depth) {
  // A pass over the text that counts brackets outside strings: cheap, and it
  // bounds the recursion of everything done with the value afterwards.
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return Unexpected{"nesting deeper than " + std::to_string(max_depth) + " levels at byte " +
                          std::to_string(i)};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Unexpected{describe(e)};
  }
}

}  // namespace wirestack::msg

namespace wirestack {

void to_json(nlohmann::json& j, const MacAddress& a) { j = a.to_string(); }
void from_json(const nlohmann::json& j, MacAddress& a) {
  a = msg::parse_or_throw<MacAddress>(j, R"(a MAC address "aa:bb:cc:dd:ee:ff")", MacAddress::parse);
}
void to_json(nlohmann::json& j, const IpAddress& a) { j = a.to_string(); }
void from_json(const nlohmann::json& j, IpAddress& a) {
  a = msg::parse_or_throw<IpAddress>(j, R"(an IP address like "10.0.1.7" or "2001:db8::1")", IpAddress::parse);
}
void to_json(nlohmann::json& j, const IpPrefix& p) { j = p.to_string(); }
void from_json(const nlohmann::json& j, IpPrefix& p) {
  p = msg::parse_or_throw<IpPrefix>(j, R"(an IP prefix like "10.0.1.0/24" or "2001:db8::/32")", IpPrefix::parse);
}
void to_json(nlohmann::json& j, const IpEndpoint& e) { j = e.to_string(); }
void from_json(const nlohmann::json& j, IpEndpoint& e) {
  e = msg::parse_or_throw<IpEndpoint>(j, R"(an endpoint like "10.0.1.7:80" or "[2001:db8::1]:80")", IpEndpoint::parse);
}

}  // namespace wirestack

namespace nlohmann {

void adl_serializer<std::chrono::system_clock::time_point>::to_json(json& j,
                                                                    const std::chrono::system_clock::time_point& t) {
  j = wirestack::msg::format_time(t, wirestack::msg::TimeFormat::plain);
}
void adl_serializer<std::chrono::system_clock::time_point>::from_json(const json& j,
                                                                      std::chrono::system_clock::time_point& t) {
  t = wirestack::msg::parse_or_throw<wirestack::msg::ParsedTime>(j, R"(a date "YYYY-MM-DD HH:MM:SS")",
                                                                 wirestack::msg::parse_time)
          .time;
}
void adl_serializer<wirestack::Duration>::to_json(json& j, const wirestack::Duration& d) {
  j = wirestack::msg::format_duration(d);
}
void adl_serializer<wirestack::Duration>::from_json(const json& j, wirestack::Duration& d) {
  d = wirestack::msg::parse_or_throw<wirestack::Duration>(j, R"(a duration like "1.5s" or "250ms")",
                                                          wirestack::msg::parse_duration);
}

}  // namespace nlohmann
