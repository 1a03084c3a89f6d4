// msg/text_forms_test.cpp — time, duration and base64 text, exact strings and
// exact error messages.
#include "msg/text_forms.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

namespace wirestack::msg {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// 2026-11-27 20:41:39 UTC, built from the calendar, not from our parser.
const SysTime kT = sys_days{year{2026} / 11 / 27} + 20h + 41min + 39s;

std::string time_error(std::string_view text) {
  auto r = parse_time(text);
  EXPECT_FALSE(r) << text << " parsed";
  return r ? "" : r.error();
}

TEST(TimeText, FormatsPlainAndIso8601) {
  EXPECT_EQ(format_time(kT), "2026-11-27 20:41:39");
  EXPECT_EQ(format_time(kT, TimeFormat::iso8601), "2026-11-27T20:41:39Z");
  EXPECT_EQ(format_time(kT + 250ms, TimeFormat::iso8601), "2026-11-27T20:41:39.250Z");
  EXPECT_EQ(format_time(kT + 1us, TimeFormat::iso8601), "2026-11-27T20:41:39.000001Z");
  EXPECT_EQ(format_time(kT + 7ns, TimeFormat::iso8601), "2026-11-27T20:41:39.000000007Z");
  EXPECT_EQ(format_time(kT + 999ms), "2026-11-27 20:41:39");  // plain: whole seconds, floored
  EXPECT_EQ(format_time(kT, TimeFormat::iso8601, 60min), "2026-11-27T21:41:39+01:00");
  EXPECT_EQ(format_time(kT, TimeFormat::iso8601, -(5h + 30min)), "2026-11-27T15:11:39-05:30");
  EXPECT_EQ(format_time(kT, TimeFormat::iso8601, 4h), "2026-11-28T00:41:39+04:00");  // next day there
}

TEST(TimeText, FormatsBeforeTheEpochAndAtTheEnds) {
  EXPECT_EQ(format_time(SysTime{}), "1970-01-01 00:00:00");
  EXPECT_EQ(format_time(SysTime{} - 1ns, TimeFormat::iso8601), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_time(SysTime::min(), TimeFormat::iso8601), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(format_time(SysTime::max(), TimeFormat::iso8601), "2262-04-11T23:47:16.854775807Z");
}

TEST(TimeText, ParsesEveryAcceptedForm) {
  struct Case {
    const char* text;
    SysTime t;
    minutes offset;
    TimeFormat format;
  };
  for (const Case& c : {Case{"2026-11-27 20:41:39", kT, 0min, TimeFormat::plain},
                        Case{"2026-11-27T20:41:39Z", kT, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27t20:41:39z", kT, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27T20:41:39+00:00", kT, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27T20:41:39-00:00", kT, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27T21:41:39+01:00", kT, 60min, TimeFormat::iso8601},
                        Case{"2026-11-27T15:11:39-05:30", kT, -330min, TimeFormat::iso8601},
                        Case{"2026-11-27T20:41:39.5Z", kT + 500ms, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27T20:41:39.000000001Z", kT + 1ns, 0min, TimeFormat::iso8601},
                        Case{"2026-11-27 21:41:39.25+01:00", kT + 250ms, 60min, TimeFormat::plain},
                        Case{"2028-02-29 00:00:00", sys_days{year{2028} / 2 / 29}, 0min, TimeFormat::plain}}) {
    auto r = parse_time(c.text);
    ASSERT_TRUE(r) << c.text << ": " << r.error();
    EXPECT_EQ(r->time, c.t) << c.text;
    EXPECT_EQ(r->utc_offset, c.offset) << c.text;
    EXPECT_EQ(r->format, c.format) << c.text;
  }
}

TEST(TimeText, RoundTripsToTheNanosecondInIso8601) {
  for (SysTime t : {kT, kT + 123456789ns, SysTime{} - 1ns, SysTime::min(), SysTime::max()}) {
    const std::string text = format_time(t, TimeFormat::iso8601);
    auto back = parse_time(text);
    ASSERT_TRUE(back) << text << ": " << back.error();
    EXPECT_EQ(back->time, t) << text;
  }
}

TEST(TimeText, RefusesImpossibleDatesAndTimes) {
  EXPECT_EQ(time_error("2026-02-30 10:00:00"), "time '2026-02-30 10:00:00': impossible date 2026-02-30");
  EXPECT_EQ(time_error("2027-02-29 10:00:00"), "time '2027-02-29 10:00:00': impossible date 2027-02-29");
  EXPECT_EQ(time_error("2026-13-01 10:00:00"), "time '2026-13-01 10:00:00': impossible date 2026-13-01");
  EXPECT_EQ(time_error("2026-00-10 10:00:00"), "time '2026-00-10 10:00:00': impossible date 2026-00-10");
  EXPECT_EQ(time_error("2026-11-27 25:00:00"), "time '2026-11-27 25:00:00': impossible time 25:00:00");
  EXPECT_EQ(time_error("2026-11-27 20:60:00"), "time '2026-11-27 20:60:00': impossible time 20:60:00");
  EXPECT_THAT(time_error("2016-12-31 23:59:60"), HasSubstr("leap second 23:59:60 cannot be represented"));
  EXPECT_EQ(time_error("2026-11-27T20:41:39+24:00"), "time '2026-11-27T20:41:39+24:00': impossible UTC offset +24:00");
}

TEST(TimeText, RefusesOtherShapes) {
  const std::string shape = R"(expected "YYYY-MM-DD HH:MM:SS" or ISO 8601 "YYYY-MM-DDTHH:MM:SSZ")";
  for (const char* bad : {"", "2026-11-27", "26-11-27 20:41:39", "2026/11/27 20:41:39", "2026-11-27_20:41:39",
                          "2026-11-27 20:41", "2026-1-27 20:41:39", "+2026-11-27 20:41:39", "now"}) {
    EXPECT_EQ(time_error(bad), "time '" + std::string(bad) + "': " + shape);
  }
  EXPECT_EQ(time_error("2026-11-27T20:41:39"),
            "time '2026-11-27T20:41:39': missing UTC offset: end with 'Z' or '+HH:MM'");
  EXPECT_EQ(time_error("2026-11-27T20:41:39.Z"), "time '2026-11-27T20:41:39.Z': expected digits after '.'");
  EXPECT_THAT(time_error("2026-11-27T20:41:39.1234567891Z"), HasSubstr("more than 9 fraction digits"));
  EXPECT_THAT(time_error("2026-11-27T20:41:39+0100"), HasSubstr("UTC offset must be 'Z' or +HH:MM / -HH:MM"));
  EXPECT_THAT(time_error("2026-11-27 20:41:39 "), HasSubstr("unexpected ' ' after the time"));
  EXPECT_THAT(time_error("2026-11-27T20:41:39Zjunk"), HasSubstr("unexpected text after the UTC offset"));
  EXPECT_THAT(time_error("1677-09-21 00:12:43"), HasSubstr("outside the range system_clock can hold"));
  EXPECT_THAT(time_error("9999-12-31 23:59:59"), HasSubstr("outside the range system_clock can hold"));
}

TEST(TimeText, ClipsLongInputInErrors) {
  const std::string junk(10000, 'x');
  const std::string e = time_error(junk);
  EXPECT_LT(e.size(), 200u);
  EXPECT_THAT(e, HasSubstr("xxx...': expected"));
}

TEST(DurationText, FormatsInTheLargestUnitExactly) {
  EXPECT_EQ(format_duration(0ns), "0s");
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(20us), "20us");
  EXPECT_EQ(format_duration(7ns), "7ns");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(1s + 1ns), "1.000000001s");
  EXPECT_EQ(format_duration(1500us), "1.5ms");
  EXPECT_EQ(format_duration(-3s), "-3s");
  EXPECT_EQ(format_duration(-1ns), "-1ns");
  EXPECT_EQ(format_duration(Duration::max()), "9223372036.854775807s");
  EXPECT_EQ(format_duration(Duration::min()), "-9223372036.854775808s");
}

TEST(DurationText, ParsesEveryUnitAndRoundTrips) {
  EXPECT_EQ(*parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("20us"), 20us);
  EXPECT_EQ(*parse_duration("20\xc2\xb5s"), 20us);
  EXPECT_EQ(*parse_duration("7ns"), 7ns);
  EXPECT_EQ(*parse_duration("0.000000001s"), 1ns);
  EXPECT_EQ(*parse_duration("1.50ms"), 1500us);  // trailing zeros are not precision
  EXPECT_EQ(*parse_duration("-0.5s"), -500ms);
  EXPECT_EQ(*parse_duration("0s"), 0ns);
  for (Duration d : {Duration::max(), Duration::min(), Duration{1}, Duration{-999'999'999}, Duration{123456789012345},
                     Duration{1'000'000}, Duration{1'000}}) {
    const std::string text = format_duration(d);
    auto back = parse_duration(text);
    ASSERT_TRUE(back) << text << ": " << back.error();
    EXPECT_EQ(*back, d) << text;
  }
}

TEST(DurationText, RefusesWithReasons) {
  const std::string shape = R"(expected a number and a unit (ns, us, ms, s) like "1.5s" or "250ms")";
  EXPECT_EQ(parse_duration("15").error(), "duration '15': " + shape);
  EXPECT_EQ(parse_duration("").error(), "duration '': " + shape);
  EXPECT_EQ(parse_duration(".5s").error(), "duration '.5s': " + shape);
  EXPECT_EQ(parse_duration("1.s").error(), "duration '1.s': " + shape);
  EXPECT_EQ(parse_duration("2h").error(), "duration '2h': unknown unit 'h' " + shape);
  EXPECT_EQ(parse_duration("1.5ns").error(), "duration '1.5ns': finer than a nanosecond");
  EXPECT_EQ(parse_duration("9223372036.854775808s").error(),
            "duration '9223372036.854775808s': out of range (about +-292 years)");
  EXPECT_TRUE(parse_duration("-9223372036.854775808s"));
  EXPECT_FALSE(parse_duration("99999999999999999999999ns"));
}

TEST(Base64, EncodesRfc4648TestVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(as_bytes("")), "");
  EXPECT_EQ(base64_encode(as_bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(as_bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(as_bytes("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(as_bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(as_bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(as_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(bytes_of(0xfb, 0xff, 0xbf)), "+/+/");
}

TEST(Base64, DecodesAndRoundTripsEveryByte) {
  EXPECT_EQ(*base64_decode("Zm9vYmE="), ByteVec(as_bytes("fooba").begin(), as_bytes("fooba").end()));
  ByteVec all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::byte>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const ByteVec part(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(*base64_decode(base64_encode(part)), part) << n;
  }
}

TEST(Base64, RefusesNonCanonicalText) {
  EXPECT_EQ(base64_decode("Zg").error(), "base64 'Zg': length 2 is not a multiple of 4 (padding with '=' is required)");
  EXPECT_EQ(base64_decode("Zh==").error(), "base64 'Zh==': non-zero bits under the padding");
  EXPECT_EQ(base64_decode("Zm=v").error(), "base64 'Zm=v': '=' before the end");
  EXPECT_THAT(base64_decode("Zm9v\nYg==").error(), HasSubstr("length 9 is not a multiple of 4"));
  EXPECT_EQ(base64_decode("Zm9v Yg=").error(), "base64 'Zm9v Yg=': character at offset 4 is not in the base64 alphabet");
  EXPECT_EQ(base64_decode("Zm9*").error(), "base64 'Zm9*': character at offset 3 is not in the base64 alphabet");
  EXPECT_EQ(base64_decode("Zg==Zg==").error(), "base64 'Zg==Zg==': '=' before the end");
}

}  // namespace
}  // namespace wirestack::msg
