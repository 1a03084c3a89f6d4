// msg/text_forms.hpp — the text forms of values JSON has no type for: wall-
// clock times, durations and byte strings. Pure functions on strings; the JSON
// hooks in json_types.hpp are built on them.
//
// Time points (std::chrono::system_clock, always UTC: no time zone database,
// no environment is read):
//   TimeFormat::plain    "2026-11-27 20:41:39"   the seed lesson's '%Y-%m-%d %X';
//                                                 whole seconds (floored)
//   TimeFormat::iso8601  "2026-11-27T20:41:39Z", "2026-11-27T20:41:39.250Z",
//                        "2026-11-27T21:41:39+01:00" (RFC 3339 profile of ISO
//                        8601; fraction in groups of 3 digits, only if non-zero)
// parse_time() accepts both: 'T' (or 't') or a space between date and time,
// 1..9 fraction digits, an offset 'Z' or +HH:MM / -HH:MM. The offset is
// required after 'T' (a local time without an offset names no instant) and
// optional after a space (the plain form is UTC). Impossible dates and times
// (2026-02-30, 25:00:00, a leap second 23:59:60) are refused, as are instants
// system_clock cannot hold (outside 1677-09-21 .. 2262-04-11).
//
// Durations: an integer or decimal number and one unit, ns, us (or µs), ms or
// s: "1.5s", "250ms", "20us", "7ns", "-3s", "0s". format_duration picks the
// largest unit the magnitude reaches and writes the exact value, so
// parse_duration(format_duration(d)) == d for every nanosecond count.
//
// Byte strings: base64, RFC 4648 section 4 alphabet, with padding; decoding is
// strict (no whitespace, padding required, non-zero pad bits refused), so each
// byte string has exactly one text form.
//
//   format_time(t);                            // "2026-11-27 20:41:39"
//   format_time(t, TimeFormat::iso8601);       // "2026-11-27T20:41:39Z"
//   auto p = parse_time("2026-11-27T21:41:39+01:00");  // p->time == t
//   format_duration(std::chrono::milliseconds{1500});  // "1.5s"
//   base64_encode(as_bytes("hi"));             // "aGk="
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

namespace wirestack::msg {

using SysTime = std::chrono::system_clock::time_point;

enum class TimeFormat : std::uint8_t { plain, iso8601 };

// `utc_offset` (iso8601 only) writes the local time at that offset, with the
// offset: "+01:00". Precondition: |utc_offset| < 24h.
std::string format_time(SysTime t, TimeFormat format = TimeFormat::plain,
                        std::chrono::minutes utc_offset = std::chrono::minutes{0});

struct ParsedTime {
  SysTime time;                    // the instant (UTC)
  std::chrono::minutes utc_offset;  // as written; 0 for 'Z' and for the plain form
  TimeFormat format;               // plain for the space form, iso8601 for 'T'
};
Result<ParsedTime, std::string> parse_time(std::string_view text);

std::string format_duration(Duration d);
Result<Duration, std::string> parse_duration(std::string_view text);

std::string base64_encode(Bytes data);
Result<ByteVec, std::string> base64_decode(std::string_view text);

}  // namespace wirestack::msg
