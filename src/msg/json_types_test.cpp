// msg/json_types_test.cpp — the extended encoder: every taught type both
// ways, errors naming the field, a user struct, and the seed lesson's example.
#include "msg/json_types.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace demo {  // a user's own types, taught in their namespace

using wirestack::Duration;
using wirestack::IpAddress;
using wirestack::Ipv4Address;
using wirestack::MacAddress;

struct Sighting {
  wirestack::msg::SysTime when;
  MacAddress mac;
  IpAddress ip;
  Duration rtt{};
  wirestack::msg::Blob payload;
  std::optional<std::string> note;
  friend bool operator==(const Sighting&, const Sighting&) = default;
};

void to_json(nlohmann::json& j, const Sighting& s) {
  j = {{"when", s.when}, {"mac", s.mac}, {"ip", s.ip}, {"rtt", s.rtt}, {"payload", s.payload}};
  if (s.note) j["note"] = *s.note;
}
void from_json(const nlohmann::json& j, Sighting& s) {
  wirestack::msg::FieldReader(j)
      .required("when", s.when)
      .required("mac", s.mac)
      .required("ip", s.ip)
      .required("rtt", s.rtt)
      .required("payload", s.payload)
      .optional("note", s.note);
}

struct Report {
  std::string site;
  std::uint16_t port = 0;
  std::vector<Sighting> seen;
  friend bool operator==(const Report&, const Report&) = default;
};
void to_json(nlohmann::json& j, const Report& r) { j = {{"site", r.site}, {"port", r.port}, {"seen", r.seen}}; }
void from_json(const nlohmann::json& j, Report& r) {
  wirestack::msg::FieldReader(j).required("site", r.site).optional("port", r.port).required("seen", r.seen);
}

struct Untaught {};

struct Picky {
  int v = 0;
};
inline void from_json(const nlohmann::json&, Picky&) { throw std::runtime_error("picky refuses"); }
struct Nest {
  Picky picky;
};
inline void from_json(const nlohmann::json& j, Nest& n) { wirestack::msg::FieldReader(j).required("picky", n.picky); }

}  // namespace demo

namespace wirestack::msg {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using nlohmann::json;

const SysTime kT = sys_days{year{2026} / 11 / 27} + 20h + 41min + 39s;

const demo::Sighting kSighting{
    .when = kT,
    .mac = MacAddress::from_parts(0x025753, 0x000001),
    .ip = Ipv4Address(10, 0, 1, 10),
    .rtt = 1500us,
    .payload = Blob{{std::byte{'h'}, std::byte{'i'}, std::byte{0xff}}},
    .note = std::nullopt,
};

template <class T>
std::string decode_error(const json& j, std::string_view path = "params") {
  auto r = decode<T>(j, path);
  EXPECT_FALSE(r) << dump(j) << " decoded";
  return r ? "" : r.error().to_string();
}

static_assert(JsonEncodable<SysTime> && JsonEncodable<MacAddress> && JsonEncodable<Duration> && JsonEncodable<Blob>);
static_assert(JsonEncodable<demo::Sighting> && JsonDecodable<demo::Sighting>);
static_assert(!JsonEncodable<demo::Untaught> && !JsonDecodable<demo::Untaught>);
static_assert(!JsonEncodable<Instant>);  // the stack's clock is not a date
static_assert(!JsonEncodable<int*>);

// The seed lesson: json.dumps({"now": datetime.now()}, cls=DateEncoder),
// with the format it meant ('%Y-%m-%d %X'), and back. The "current time" is
// fixed: a test never reads a clock.
TEST(SeedLesson, CurrentTimeThroughTheExtendedEncoderAndBack) {
  const SysTime now = kT;
  const json message = {{"now", encode(now)}};
  EXPECT_EQ(dump(message), R"({"now":"2026-11-27 20:41:39"})");
  auto back = decode<SysTime>(json::parse(dump(message)).at("now"));
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, now);
  // And in nlohmann's own idiom: assignment and get<>.
  json j = now;
  EXPECT_EQ(j, "2026-11-27 20:41:39");
  EXPECT_EQ(j.get<SysTime>(), now);
}

TEST(JsonTypes, TimePointPlainByDefaultIso8601ByWrapper) {
  EXPECT_EQ(encode(kT + 250ms), "2026-11-27 20:41:39");  // plain: whole seconds
  EXPECT_EQ(encode(Iso8601{kT + 250ms}), "2026-11-27T20:41:39.250Z");
  EXPECT_EQ(encode(Iso8601{kT, 60min}), "2026-11-27T21:41:39+01:00");
  EXPECT_EQ(*decode<SysTime>("2026-11-27T21:41:39+01:00"), kT);  // either form decodes
  EXPECT_EQ(*decode<Iso8601>("2026-11-27T21:41:39+01:00"), (Iso8601{kT, 60min}));
  EXPECT_EQ(*decode<Iso8601>("2026-11-27 20:41:39"), Iso8601{kT});
  EXPECT_EQ(*decode<Iso8601>(encode(Iso8601{kT + 1ns})), Iso8601{kT + 1ns});
}

TEST(JsonTypes, EveryTypeRoundTrips) {
  const auto mac = MacAddress::from_parts(0x001b21, 0xabcdef);
  EXPECT_EQ(encode(mac), "00:1b:21:ab:cd:ef");
  EXPECT_EQ(*decode<MacAddress>(encode(mac)), mac);
  EXPECT_EQ(encode(IpAddress(Ipv4Address(192, 0, 2, 1))), "192.0.2.1");
  EXPECT_EQ(*decode<IpAddress>("192.0.2.1"), IpAddress(Ipv4Address(192, 0, 2, 1)));
  const IpPrefix p4 = Ipv4Prefix(Ipv4Address(10, 0, 1, 7), 24);
  EXPECT_EQ(encode(p4), "10.0.1.7/24");
  EXPECT_EQ(*decode<IpPrefix>(encode(p4)), p4);
  const Ipv6Address a6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
  EXPECT_EQ(encode(IpAddress(a6)), "2001:db8::1");
  EXPECT_EQ(*decode<IpAddress>("2001:DB8:0:0:0:0:0:1"), IpAddress(a6));
  const IpPrefix p6 = Ipv6Prefix(a6, 64);
  EXPECT_EQ(encode(p6), "2001:db8::1/64");
  EXPECT_EQ(*decode<IpPrefix>(encode(p6)), p6);
  const IpEndpoint e6{a6, 8080};
  EXPECT_EQ(encode(e6), "[2001:db8::1]:8080");
  EXPECT_EQ(*decode<IpEndpoint>(encode(e6)), e6);
  EXPECT_EQ(*decode<IpEndpoint>("10.0.1.7:80"), (IpEndpoint{Ipv4Address(10, 0, 1, 7), 80}));
  EXPECT_EQ(encode(Duration{1500ms}), "1.5s");
  EXPECT_EQ(*decode<Duration>("250ms"), 250ms);
  EXPECT_EQ(*decode<Duration>(encode(Duration{-1ns})), -1ns);
  const Blob blob{{std::byte{0}, std::byte{0xfb}, std::byte{0xff}}};
  EXPECT_EQ(encode(blob), "APv/");
  EXPECT_EQ(*decode<Blob>("APv/"), blob);
  EXPECT_EQ(encode(TimeFormat::iso8601), "iso8601");
  EXPECT_EQ(*decode<TimeFormat>("plain"), TimeFormat::plain);
}

TEST(JsonTypes, WrongShapesNameTheFieldAndTheExpectation) {
  EXPECT_EQ(decode_error<SysTime>(42, "params.when"),
            R"(params.when: expected a date "YYYY-MM-DD HH:MM:SS", got number)");
  EXPECT_EQ(decode_error<SysTime>("2026-02-30 10:00:00", "params.when"),
            "params.when: time '2026-02-30 10:00:00': impossible date 2026-02-30");
  EXPECT_EQ(decode_error<MacAddress>("zz:00:00:00:00:00"),
            "params: MAC address 'zz:00:00:00:00:00': 'zz' is not a hex byte");
  EXPECT_EQ(decode_error<MacAddress>(json::array()), R"(params: expected a MAC address "aa:bb:cc:dd:ee:ff", got array)");
  EXPECT_EQ(decode_error<IpAddress>(true), R"(params: expected an IP address like "10.0.1.7" or "2001:db8::1", got boolean)");
  EXPECT_EQ(decode_error<IpPrefix>("10.0.0.1"), "params: IPv4 prefix '10.0.0.1': missing '/PREFIX' (for example 10.0.0.1/24)");
  EXPECT_EQ(decode_error<IpEndpoint>("10.0.0.1"), "params: endpoint '10.0.0.1': missing ':PORT'");
  EXPECT_EQ(decode_error<Duration>(1.5), R"(params: expected a duration like "1.5s" or "250ms", got number)");
  EXPECT_EQ(decode_error<Blob>("Zg"),
            "params: base64 'Zg': length 2 is not a multiple of 4 (padding with '=' is required)");
  EXPECT_EQ(decode_error<TimeFormat>("rfc822"), R"(params: expected "plain" or "iso8601", got "rfc822")");
  EXPECT_EQ(decode_error<std::string>(7), "params: expected a string, got number");
  EXPECT_EQ(decode_error<std::uint8_t>(300), "params: expected an integer in 0..255, got 300");
  EXPECT_EQ(decode_error<std::int16_t>(-1.5), "params: expected an integer in -32768..32767, got -1.5");
  EXPECT_EQ(decode_error<int>("1"), "params: expected an integer in -2147483648..2147483647, got string");
  EXPECT_EQ(decode_error<std::vector<IpAddress>>(json{"10.0.0.1", "10.0.0.256"}),
            "params[1]: IPv4 address '10.0.0.256': part '256' is greater than 255");
  EXPECT_EQ(decode_error<MacAddress>(1, ""), R"(expected a MAC address "aa:bb:cc:dd:ee:ff", got number)");
}

TEST(JsonTypes, UserStructRoundTripsThroughFieldReader) {
  json j = encode(kSighting);
  EXPECT_EQ(dump(j), R"({"ip":"10.0.1.10","mac":"02:57:53:00:00:01","payload":"aGn/","rtt":"1.5ms",)"
                     R"("when":"2026-11-27 20:41:39"})");
  auto back = decode<demo::Sighting>(j);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, kSighting);

  demo::Sighting noted = kSighting;
  noted.note = "seen twice";
  auto back2 = decode<demo::Sighting>(json::parse(dump(encode(noted))));
  ASSERT_TRUE(back2) << back2.error().to_string();
  EXPECT_EQ(*back2, noted);
}

TEST(JsonTypes, UserStructErrorsNameTheField) {
  json j = encode(kSighting);
  j["when"] = 1764276099;
  EXPECT_EQ(decode_error<demo::Sighting>(j), R"(params.when: expected a date "YYYY-MM-DD HH:MM:SS", got number)");
  j = encode(kSighting);
  j["mac"] = "02:57:53:00:00";
  EXPECT_EQ(decode_error<demo::Sighting>(j),
            "params.mac: MAC address '02:57:53:00:00': expected 6 groups of 2 hex digits like aa:bb:cc:dd:ee:ff");
  j = encode(kSighting);
  j.erase("rtt");
  EXPECT_EQ(decode_error<demo::Sighting>(j), "params.rtt: missing (required)");
  j = encode(kSighting);
  j["note"] = 5;
  EXPECT_EQ(decode_error<demo::Sighting>(j), "params.note: expected a string, got number");
  EXPECT_EQ(decode_error<demo::Sighting>(json::array()), "params: expected an object, got array");
  j = encode(kSighting);
  j["extra"] = "ignored";  // newer peers may add members
  EXPECT_TRUE(decode<demo::Sighting>(j));
}

TEST(JsonTypes, NestedStructErrorsCarryTheWholePath) {
  demo::Report report{.site = "campus", .port = 8080, .seen = {kSighting, kSighting}};
  json j = encode(report);
  auto back = decode<demo::Report>(j);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(*back, report);

  j["seen"][1]["ip"] = "10.0.1";
  EXPECT_EQ(decode_error<demo::Report>(j), "params.seen[1].ip: IPv4 address '10.0.1': expected 4 parts, got 3");
  j = encode(report);
  j["port"] = 70000;
  EXPECT_EQ(decode_error<demo::Report>(j), "params.port: expected an integer in 0..65535, got 70000");
  j = encode(report);
  j["seen"] = json::object();
  EXPECT_EQ(decode_error<demo::Report>(j), "params.seen: expected an array, got object");
}

TEST(JsonTypes, DecodeNeverThrows) {
  // nlohmann's own exceptions (here out_of_range from a short array) and a
  // user hook's std::exception come back as values.
  EXPECT_EQ((decode_error<std::array<int, 2>>(json{1}, "xy")), "xy: array index 1 is out of range");
  EXPECT_EQ(decode_error<demo::Picky>(json::object(), "p"), "p: picky refuses");
  EXPECT_EQ(decode_error<demo::Nest>(json{{"picky", 1}}, "p"), "p.picky: picky refuses");
}

TEST(JsonText, DumpReplacesBadUtf8InsteadOfThrowing) {
  const json j = std::string("a\xff" "b");
  EXPECT_EQ(dump(j), "\"a\xef\xbf\xbd" "b\"");
}

TEST(JsonText, ParseRefusesDeepNestingAndReportsSyntaxErrors) {
  EXPECT_TRUE(parse_json(std::string(64, '[') + std::string(64, ']')));
  auto deep = parse_json(std::string(65, '[') + std::string(65, ']'));
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error(), "nesting deeper than 64 levels at byte 64");
  EXPECT_TRUE(parse_json(R"(["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"["])"));
  auto bad = parse_json("{x");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error(), ::testing::StartsWith("parse error at line 1, column 2: syntax error"));
  auto not_utf8 = parse_json("\"\xc0\xaf\"");
  ASSERT_FALSE(not_utf8);
  EXPECT_THAT(not_utf8.error(), ::testing::HasSubstr("ill-formed UTF-8"));
}

}  // namespace
}  // namespace wirestack::msg
