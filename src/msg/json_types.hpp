// msg/json_types.hpp — the seed's extended JSON encoder, in nlohmann/json's
// own idiom: values JSON has no type for become strings (text_forms.hpp) and
// decode back, and typed entry points turn every failure into a value.
//
// Taught types (docs/PROTOCOL.md has the table):
//   std::chrono::system_clock::time_point  "2026-11-27 20:41:39" (UTC)
//   msg::Iso8601{tp[, offset]}             "2026-11-27T20:41:39Z"
//   wirestack::Duration (nanoseconds)      "1.5s", "250ms", "20us", "7ns"
//   MacAddress                             "02:57:53:00:00:01"
//   IpAddress (either family)              "10.0.1.7", "2001:db8::1"
//   IpPrefix                               "10.0.1.0/24", "2001:db8::/32"
//   IpEndpoint                             "10.0.1.7:80", "[2001:db8::1]:80"
//   msg::Blob{ByteVec}                     base64 with padding: "aGk="
// Decoding a time point accepts both time forms. Byte vectors are taught only
// through msg::Blob: nlohmann already encodes std::vector<std::uint8_t> as an
// array of numbers, and a global change of that would surprise every user.
//
// Entry points:
//   json j = msg::encode(value);          // an untaught type fails to COMPILE
//                                         // with a message naming this file
//   auto v = msg::decode<T>(j, "params"); // Result<T, DecodeError>, never throws:
//     v.error().to_string() == R"(params.when: expected a date "YYYY-MM-DD HH:MM:SS", got number)"
//
// A user struct is taught with to_json/from_json beside it (same namespace);
// from_json reads fields through FieldReader, whose errors carry the path:
//   void from_json(const nlohmann::json& j, Event& e) {
//     msg::FieldReader(j).required("when", e.when).required("mac", e.mac).optional("note", e.note);
//   }
// The from_json hooks throw (that is nlohmann's contract, and what plain
// j.get<T>() users expect); msg::decode is where the throws stop.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "msg/text_forms.hpp"
#include "wire/ip_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::msg {

// A value of the wrong shape: where (a path such as "params.hosts[2].mac",
// empty for the root) and what.
struct DecodeError {
  std::string path;
  std::string message;  // expected a MAC address "aa:bb:cc:dd:ee:ff", got number
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
  friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

// Thrown by the from_json hooks and FieldReader; a nlohmann::json::exception,
// so code catching those catches it too. `path` is relative to the value the
// throwing hook was given; each enclosing FieldReader prepends its key.
class DecodeException : public nlohmann::json::exception {
 public:
  static constexpr int kId = 600;  // outside nlohmann's own ids
  DecodeException(std::string path, std::string detail)
      : nlohmann::json::exception(kId, (path.empty() ? detail : path + ": " + detail).c_str()),
        path_(std::move(path)), detail_(std::move(detail)) {}
  const std::string& path() const { return path_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string path_;
  std::string detail_;
};

// "a" + "b" -> "a.b"; "a" + "[2].c" -> "a[2].c"; either may be empty.
std::string join_path(std::string_view parent, std::string_view child);

// "expected a string, got number" from nlohmann's "[json.exception.type_error.302]
// type must be string, but is number"; other messages lose only the prefix.
std::string describe(const nlohmann::json::exception& e);

// Byte strings, as base64 text.
struct Blob {
  ByteVec bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};
void to_json(nlohmann::json& j, const Blob& b);
void from_json(const nlohmann::json& j, Blob& b);

// A time point written in ISO 8601 (and, with a non-zero offset, as the local
// time there: "2026-11-27T21:41:39+01:00"). Decoding keeps the offset read.
struct Iso8601 {
  SysTime time;
  std::chrono::minutes utc_offset{0};
  friend bool operator==(const Iso8601&, const Iso8601&) = default;
};
void to_json(nlohmann::json& j, const Iso8601& t);
void from_json(const nlohmann::json& j, Iso8601& t);

// "plain" or "iso8601" (the "format" member of the "time" method's params).
void to_json(nlohmann::json& j, const TimeFormat& f);
void from_json(const nlohmann::json& j, TimeFormat& f);

// The JSON text of `j`, compact. Never throws: a string that is not UTF-8
// (only a buggy handler can build one) gets U+FFFD in place of bad bytes.
std::string dump(const nlohmann::json& j);

// Parses JSON text without throwing. Nesting deeper than `max_depth` arrays
// and objects is refused before parsing, because copying, printing and
// comparing json values recurse once per level.
inline constexpr std::size_t kMaxJsonDepth = 64;
Result<nlohmann::json, std::string> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

}  // namespace wirestack::msg

// Types of the layers below, found by argument-dependent lookup.
namespace wirestack {
void to_json(nlohmann::json& j, const MacAddress& a);
void from_json(const nlohmann::json& j, MacAddress& a);
void to_json(nlohmann::json& j, const IpAddress& a);
void from_json(const nlohmann::json& j, IpAddress& a);
void to_json(nlohmann::json& j, const IpPrefix& p);
void from_json(const nlohmann::json& j, IpPrefix& p);
void to_json(nlohmann::json& j, const IpEndpoint& e);
void from_json(const nlohmann::json& j, IpEndpoint& e);
}  // namespace wirestack

// Standard types cannot gain ADL hooks (nothing may be added to std), so they
// get adl_serializer specializations, nlohmann's way for third-party types.
namespace nlohmann {
template <>
struct adl_serializer<std::chrono::system_clock::time_point> {
  static void to_json(json& j, const std::chrono::system_clock::time_point& t);  // plain form
  static void from_json(const json& j, std::chrono::system_clock::time_point& t);  // either form
};
template <>
struct adl_serializer<wirestack::Duration> {
  static void to_json(json& j, const wirestack::Duration& d);
  static void from_json(const json& j, wirestack::Duration& d);
};
}  // namespace nlohmann

namespace wirestack::msg {

template <class T>
concept JsonEncodable = std::is_constructible_v<nlohmann::json, const T&>;

template <class T>
concept JsonDecodable = requires(const nlohmann::json& j) { j.template get<T>(); };

// The concept is checked by a static_assert rather than a requires-clause on
// purpose: a failed constraint makes the compiler list nlohmann's candidate
// overloads for pages, while this says in one line what to do.
template <class T>
nlohmann::json encode(const T& value) {
  if constexpr (JsonEncodable<T>) {
    return nlohmann::json(value);
  } else {
    static_assert(JsonEncodable<T>,
                  "wirestack::msg::encode: no JSON encoding for this type; add to_json/from_json "
                  "(see docs/PROTOCOL.md)");
    return {};
  }
}

namespace detail {
template <class T>
struct IsVector : std::false_type {};
template <class U, class A>
struct IsVector<std::vector<U, A>> : std::bool_constant<!std::is_same_v<U, bool>> {};

// j as T; throws DecodeException (path relative to j). Integers are checked
// for range and fraction, which nlohmann's get<> silently truncates and wraps;
// vectors are read element by element so that errors name the index.
template <class T>
T get_as(const nlohmann::json& j) {
  if constexpr (IsVector<T>::value) {
    if (!j.is_array()) throw DecodeException("", std::string("expected an array, got ") + j.type_name());
    T out;
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
      const std::string index = "[" + std::to_string(i) + "]";
      try {
        out.push_back(get_as<typename T::value_type>(j[i]));
      } catch (const DecodeException& e) {
        throw DecodeException(join_path(index, e.path()), e.detail());
      } catch (const nlohmann::json::exception& e) {
        throw DecodeException(index, describe(e));
      }
    }
    return out;
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using L = std::numeric_limits<T>;
    const std::string range = "an integer in " + std::to_string(L::min()) + ".." + std::to_string(L::max());
    const bool fits = j.is_number_unsigned()  ? j.get<std::uint64_t>() <= static_cast<std::uint64_t>(L::max())
                      : j.is_number_integer() ? (j.get<std::int64_t>() >= static_cast<std::int64_t>(L::min()) &&
                                                 (j.get<std::int64_t>() < 0 ||
                                                  static_cast<std::uint64_t>(j.get<std::int64_t>()) <=
                                                      static_cast<std::uint64_t>(L::max())))
                                              : false;
    if (!fits) {
      throw DecodeException("", "expected " + range + ", got " +
                                    (j.is_number() ? dump(j) : std::string(j.type_name())));
    }
    return j.get<T>();
  } else {
    return j.get<T>();
  }
}
}  // namespace detail

template <class T>
Result<T, DecodeError> decode(const nlohmann::json& j, std::string_view path = {}) {
  if constexpr (!JsonDecodable<T>) {
    static_assert(JsonDecodable<T>,
                  "wirestack::msg::decode: no JSON decoding for this type; add from_json (see docs/PROTOCOL.md)");
    return Unexpected{DecodeError{}};
  } else {
    try {
      return detail::get_as<T>(j);
    } catch (const DecodeException& e) {
      return Unexpected{DecodeError{join_path(path, e.path()), e.detail()}};
    } catch (const nlohmann::json::exception& e) {
      return Unexpected{DecodeError{std::string(path), describe(e)}};
    } catch (const std::exception& e) {  // a user hook's own exception
      return Unexpected{DecodeError{std::string(path), e.what()}};
    }
  }
}

// Reads an object's members into a struct, inside a from_json hook. Errors
// throw DecodeException with the member's path; msg::decode turns that into a
// DecodeError. Members the reader is not asked about are ignored, so a newer
// peer may add fields.
class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& j) : j_(j) {
    if (!j.is_object()) throw DecodeException("", std::string("expected an object, got ") + j.type_name());
  }

  template <class T>
  FieldReader& required(std::string_view key, T& out) {
    const auto it = j_.find(key);
    if (it == j_.end()) throw DecodeException(std::string(key), "missing (required)");
    read(key, *it, out);
    return *this;
  }
  // Absent or null leaves `out` as it was (its default).
  template <class T>
  FieldReader& optional(std::string_view key, T& out) {
    const auto it = j_.find(key);
    if (it != j_.end() && !it->is_null()) read(key, *it, out);
    return *this;
  }
  template <class T>
  FieldReader& optional(std::string_view key, std::optional<T>& out) {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) {
      out.reset();
    } else {
      T v{};
      read(key, *it, v);
      out = std::move(v);
    }
    return *this;
  }

 private:
  template <class T>
  static void read(std::string_view key, const nlohmann::json& v, T& out) {
    static_assert(JsonDecodable<T>, "wirestack::msg::FieldReader: no JSON decoding for this member's type");
    try {
      out = detail::get_as<T>(v);
    } catch (const DecodeException& e) {
      throw DecodeException(join_path(key, e.path()), e.detail());
    } catch (const nlohmann::json::exception& e) {
      throw DecodeException(std::string(key), describe(e));
    } catch (const std::exception& e) {  // a user hook's own exception
      throw DecodeException(std::string(key), e.what());
    }
  }

  const nlohmann::json& j_;
};

}  // namespace wirestack::msg
