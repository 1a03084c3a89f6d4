// msg/text_forms.cpp — see text_forms.hpp.
#include "msg/text_forms.hpp"

#include <array>
#include <cstdio>
#include <limits>

#include "base/assert.hpp"

namespace wirestack::msg {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

// The text quoted in an error, clipped so that a megabyte of garbage does not
// come back in the error message (cut on a UTF-8 character boundary).
std::string quote(std::string_view what, std::string_view text) {
  constexpr std::size_t kMax = 48;
  std::string out(what);
  out += " '";
  if (text.size() <= kMax) {
    out += text;
  } else {
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    out += text.substr(0, cut);
    out += "...";
  }
  out += "': ";
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` decimal digits at `at`; false if any is not a digit.
bool read_digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::string two(int v) {
  char b[4];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

}  // namespace

std::string format_time(SysTime t, TimeFormat format, minutes utc_offset) {
  WIRESTACK_ASSERT(utc_offset > minutes{-24 * 60} && utc_offset < minutes{24 * 60});
  if (format == TimeFormat::plain) utc_offset = minutes{0};
  // Split into whole seconds (floored) and nanoseconds on the counts: the
  // chrono expression t - floor<seconds>(t) overflows at system_clock's
  // minimum. Seconds also leave room for the offset.
  const std::int64_t ns = std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
  std::int64_t whole = ns / kNanosPerSecond;
  std::int64_t sub = ns % kNanosPerSecond;  // then 0..999'999'999
  if (sub < 0) {
    sub += kNanosPerSecond;
    whole -= 1;
  }
  const std::chrono::sys_seconds local{seconds{whole} + utc_offset};
  const auto day = std::chrono::floor<days>(local);
  const std::chrono::year_month_day ymd{day};
  const auto tod = (local - day).count();  // seconds into the day
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                format == TimeFormat::plain ? ' ' : 'T', static_cast<int>(tod / 3600),
                static_cast<int>(tod / 60 % 60), static_cast<int>(tod % 60));
  std::string out = buf;
  if (format == TimeFormat::plain) return out;
  if (sub != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, "%09lld", static_cast<long long>(sub));
    std::size_t digits = 9;
    while (digits > 3 && frac[digits - 1] == '0' && frac[digits - 2] == '0' && frac[digits - 3] == '0') digits -= 3;
    out += '.';
    out.append(frac, digits);
  }
  if (utc_offset == minutes{0}) return out + 'Z';
  const auto off = utc_offset.count();
  const auto mag = static_cast<int>(off < 0 ? -off : off);
  return out + (off < 0 ? '-' : '+') + two(mag / 60) + ':' + two(mag % 60);
}

Result<ParsedTime, std::string> parse_time(std::string_view text) {
  const auto fail = [&](const std::string& why) { return Unexpected{quote("time", text) + why}; };
  const char* const kShape = R"(expected "YYYY-MM-DD HH:MM:SS" or ISO 8601 "YYYY-MM-DDTHH:MM:SSZ")";
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 19 || !read_digits(text, 0, 4, y) || text[4] != '-' || !read_digits(text, 5, 2, mo) ||
      text[7] != '-' || !read_digits(text, 8, 2, d) || !read_digits(text, 11, 2, h) || text[13] != ':' ||
      !read_digits(text, 14, 2, mi) || text[16] != ':' || !read_digits(text, 17, 2, s)) {
    return fail(kShape);
  }
  const char sep = text[10];
  if (sep != ' ' && sep != 'T' && sep != 't') return fail(kShape);
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return fail("impossible date " + std::string(text.substr(0, 10)));
  if (h == 23 && mi == 59 && s == 60) {
    return fail("leap second 23:59:60 cannot be represented (system_clock does not count leap seconds)");
  }
  if (h > 23 || mi > 59 || s > 59) return fail("impossible time " + std::string(text.substr(11, 8)));

  std::size_t pos = 19;
  std::int64_t frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (++n > 9) return fail("more than 9 fraction digits (finer than a nanosecond)");
      frac = frac * 10 + (text[pos] - '0');
      ++pos;
    }
    if (n == 0) return fail("expected digits after '.'");
    for (; n < 9; ++n) frac *= 10;
  }
  int offset_min = 0;
  if (pos == text.size()) {
    if (sep != ' ') return fail("missing UTC offset: end with 'Z' or '+HH:MM'");
  } else if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int oh = 0, om = 0;
    if (text.size() - pos != 6 || !read_digits(text, pos + 1, 2, oh) || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, om)) {
      return fail("UTC offset must be 'Z' or +HH:MM / -HH:MM");
    }
    if (oh > 23 || om > 59) return fail("impossible UTC offset " + std::string(text.substr(pos)));
    offset_min = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return fail("unexpected '" + std::string(text.substr(pos, 1)) + "' after the time");
  }
  if (pos != text.size()) return fail("unexpected text after the UTC offset");

  // Seconds since the epoch fit an int64 for any 4-digit year; the
  // nanosecond count may not.
  const std::int64_t day_count = std::chrono::sys_days{ymd}.time_since_epoch().count();
  std::int64_t secs = day_count * 86400 + h * 3600 + mi * 60 + s - std::int64_t{offset_min} * 60;
  if (secs < 0 && frac > 0) {  // -1.5 s is (-1) s + (-0.5) s: the product stays in range near the minimum
    secs += 1;
    frac -= kNanosPerSecond;
  }
  std::int64_t nanos = 0;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &nanos) || __builtin_add_overflow(nanos, frac, &nanos)) {
    return fail("outside the range system_clock can hold (1677-09-21 .. 2262-04-11)");
  }
  const auto since_epoch = std::chrono::duration_cast<SysTime::duration>(nanoseconds{nanos});
  return ParsedTime{SysTime{since_epoch}, minutes{offset_min}, sep == ' ' ? TimeFormat::plain : TimeFormat::iso8601};
}

namespace {
struct DurationUnit {
  std::string_view name;
  std::int64_t nanos;
  std::size_t digits;  // decimal places a fraction of this unit may have
};
constexpr std::array<DurationUnit, 4> kUnits{{{"s", 1'000'000'000, 9}, {"ms", 1'000'000, 6}, {"us", 1'000, 3},
                                              {"ns", 1, 0}}};
}  // namespace

std::string format_duration(Duration d) {
  const std::int64_t n = d.count();
  // |n| as unsigned: -INT64_MIN does not fit an int64.
  const std::uint64_t mag = n < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
  if (mag == 0) return "0s";
  for (const DurationUnit& u : kUnits) {
    const auto unit = static_cast<std::uint64_t>(u.nanos);
    if (mag < unit) continue;
    std::string out = n < 0 ? "-" : "";
    out += std::to_string(mag / unit);
    if (const std::uint64_t frac = mag % unit; frac != 0) {
      std::string digits = std::to_string(frac);
      digits.insert(0, u.digits - digits.size(), '0');
      while (digits.back() == '0') digits.pop_back();
      out += '.' + digits;
    }
    return out += u.name;
  }
  return "0s";  // unreachable: mag >= 1 reaches "ns"
}

Result<Duration, std::string> parse_duration(std::string_view text) {
  const auto fail = [&](const std::string& why) { return Unexpected{quote("duration", text) + why}; };
  const char* const kShape = R"(expected a number and a unit (ns, us, ms, s) like "1.5s" or "250ms")";
  std::size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  const std::size_t int_begin = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  const std::string_view int_part = text.substr(int_begin, pos - int_begin);
  std::string_view frac_part;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_begin = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    frac_part = text.substr(frac_begin, pos - frac_begin);
    if (frac_part.empty()) return fail(kShape);
  }
  if (int_part.empty()) return fail(kShape);
  std::string_view unit_name = text.substr(pos);
  if (unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") unit_name = "us";  // micro sign, Greek mu
  const DurationUnit* unit = nullptr;
  for (const DurationUnit& u : kUnits) {
    if (u.name == unit_name) unit = &u;
  }
  if (unit == nullptr) return fail(unit_name.empty() ? kShape : "unknown unit '" + std::string(unit_name) + "' " + kShape);
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  if (frac_part.size() > unit->digits) return fail("finer than a nanosecond");

  // Magnitude in nanoseconds, checked: up to 2^63 - 1 (2^63 when negative).
  const std::uint64_t limit = std::uint64_t{1} << 63;
  const auto too_big = [&] { return fail("out of range (about +-292 years)"); };
  std::uint64_t mag = 0;
  for (char c : int_part) {
    if (__builtin_mul_overflow(mag, std::uint64_t{10}, &mag) ||
        __builtin_add_overflow(mag, static_cast<std::uint64_t>(c - '0'), &mag) || mag > limit) {
      return too_big();
    }
  }
  if (__builtin_mul_overflow(mag, static_cast<std::uint64_t>(unit->nanos), &mag)) return too_big();
  std::uint64_t frac = 0;
  for (std::size_t i = 0; i < unit->digits; ++i) frac = frac * 10 + (i < frac_part.size() ? static_cast<std::uint64_t>(frac_part[i] - '0') : 0);
  if (__builtin_add_overflow(mag, frac, &mag)) return too_big();
  if (mag > limit || (mag == limit && !negative)) return too_big();
  const auto value = negative ? static_cast<std::int64_t>(std::uint64_t{0} - mag) : static_cast<std::int64_t>(mag);
  return Duration{value};
}

namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(Bytes data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = std::to_integer<std::uint32_t>(data[i]) << 16 |
                            std::to_integer<std::uint32_t>(data[i + 1]) << 8 | std::to_integer<std::uint32_t>(data[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[v >> shift & 0x3f];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::to_integer<std::uint32_t>(data[i]) << 16;
    if (rest == 2) v |= std::to_integer<std::uint32_t>(data[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 0x3f];
    out += kAlphabet[v >> 12 & 0x3f];
    out += rest == 2 ? kAlphabet[v >> 6 & 0x3f] : '=';
    out += '=';
  }
  return out;
}

Result<ByteVec, std::string> base64_decode(std::string_view text) {
  const auto fail = [&](const std::string& why) { return Unexpected{quote("base64", text) + why}; };
  if (text.size() % 4 != 0) return fail("length " + std::to_string(text.size()) + " is not a multiple of 4 (padding with '=' is required)");
  ByteVec out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::size_t pad = 0;
    if (last && text[i + 3] == '=') pad = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      int x = 0;
      if (k >= 4 - pad) {
        x = 0;  // the '=' we counted
      } else if ((x = base64_value(c)) < 0) {
        return fail(c == '=' ? "'=' before the end" : "character at offset " + std::to_string(i + k) + " is not in the base64 alphabet");
      }
      v = v << 6 | static_cast<std::uint32_t>(x);
    }
    // RFC 4648 3.5: the bits under the padding must be zero, or two texts
    // would decode to the same bytes.
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) return fail("non-zero bits under the padding");
    out.push_back(static_cast<std::byte>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::byte>(v >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<std::byte>(v & 0xff));
  }
  return out;
}

}  // namespace wirestack::msg
