#include "dns/zone.hpp"

#include <gtest/gtest.h>

namespace wirestack::dns {
namespace {

Name N(std::string_view s) { return *Name::parse(s); }

constexpr std::string_view kCampus = R"($ORIGIN campus.
$TTL 300
@   IN  SOA ns admin (
        2026120701 ; serial
        1h 10m 1d
        60 )       ; negative TTL
    IN  NS  ns
ns      A   10.0.0.53
web     A   10.0.0.80
web 60  IN  AAAA 2001:db8::80
www     CNAME web
alias   CNAME www
time    IN 120 A 10.0.0.7
80.0.0.10.in-addr.arpa. PTR web.campus.
info    TXT "hello world" "second; not a comment" plain
a.b.deep A 10.0.0.9
opaque  TYPE99 \# 3 abcdef
)";

Zone campus() {
  std::string text(kCampus);
  const auto at = text.find("80.0.0.10");
  text.erase(at, text.find('\n', at) - at + 1);
  auto z = load_master(text, "campus.zone");
  EXPECT_TRUE(z) << z.error();
  return *z;
}

TEST(MasterFile, LoadsEverySupportedForm) {
  const Zone zone = campus();
  const Zone* z = &zone;
  ASSERT_EQ(z->apexes().size(), 1u);
  EXPECT_EQ(z->apexes()[0], N("campus"));
  EXPECT_EQ(z->soa(N("campus")).to_string(), "campus. 300 IN SOA ns.campus. admin.campus. 2026120701 3600 600 86400 60");
  const auto* apex = z->find(N("CAMPUS"));
  ASSERT_NE(apex, nullptr);
  ASSERT_EQ(apex->size(), 2u);
  EXPECT_EQ((*apex)[1].to_string(), "campus. 300 IN NS ns.campus.");
  const auto* web = z->find(N("web.campus"));
  ASSERT_NE(web, nullptr);
  ASSERT_EQ(web->size(), 2u);
  EXPECT_EQ((*web)[0].to_string(), "web.campus. 300 IN A 10.0.0.80");
  EXPECT_EQ((*web)[1].to_string(), "web.campus. 60 IN AAAA 2001:db8::80");
  EXPECT_EQ(z->find(N("time.campus"))->front().ttl, 120u);
  EXPECT_EQ(z->find(N("alias.campus"))->front().to_string(), "alias.campus. 300 IN CNAME www.campus.");
}

TEST(MasterFile, OutOfZoneRecordIsAnErrorNamingItsLine) {
  // kCampus's PTR line lies outside campus.: the loader says so (campus()
  // below is the fixture without it).
  auto bad = load_master(kCampus, "campus.zone");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "campus.zone:14: 80.0.0.10.in-addr.arpa. is outside the zone");
}

TEST(MasterFile, TxtOpaqueAndEmptyNonTerminals) {
  const Zone z = campus();
  EXPECT_EQ(z.find(N("info.campus"))->front().to_string(),
            "info.campus. 300 IN TXT \"hello world\" \"second; not a comment\" \"plain\"");
  EXPECT_EQ(z.find(N("opaque.campus"))->front().to_string(), "opaque.campus. 300 IN TYPE99 \\# 3 abcdef");
  EXPECT_TRUE(z.exists(N("b.deep.campus")));
  EXPECT_TRUE(z.exists(N("deep.campus")));
  EXPECT_EQ(z.find(N("deep.campus")), nullptr);
  EXPECT_FALSE(z.exists(N("nothere.campus")));
  EXPECT_EQ(z.apex_for(N("x.y.campus"))->to_string(), "campus.");
  EXPECT_EQ(z.apex_for(N("example.org")), nullptr);
}

TEST(MasterFile, ErrorsNameTheLine) {
  const auto err = [](std::string_view text) {
    auto z = load_master(text, "z");
    return z ? std::string("loaded") : z.error();
  };
  const std::string soa = "$ORIGIN campus.\n@ SOA ns admin 1 2 3 4 5\n";
  EXPECT_EQ(err(soa + "web A 10.0.0\n"), "z:3: bad IPv4 address '10.0.0'");
  EXPECT_EQ(err(soa + "web AAAA 10.0.0.1\n"), "z:3: bad IPv6 address '10.0.0.1'");
  EXPECT_EQ(err(soa + "web A\n"), "z:3: A takes 1 field, not 0");
  EXPECT_EQ(err(soa + "web MX 10 mail\n"), "z:3: type MX is not supported here (A, AAAA, CNAME, PTR, NS, SOA, TXT, or TYPEnn \\# LEN HEX)");
  EXPECT_EQ(err(soa + "web BOGUS x\n"), "z:3: unknown record type 'BOGUS'");
  EXPECT_EQ(err(soa + "$INCLUDE other\n"), "z:3: unsupported directive $INCLUDE (only $ORIGIN and $TTL)");
  EXPECT_EQ(err(soa + "web CNAME a\nweb A 10.0.0.1\n"), "z:4: web.campus. has a CNAME and other data (RFC 1034 3.6.2)");
  EXPECT_EQ(err(soa + "web TXT \"open\n"), "z:3: unterminated quoted string");
  EXPECT_EQ(err(soa + "web TXT ( a\n"), "z:3: '(' never closed");
  EXPECT_EQ(err("$ORIGIN campus.\nweb A 10.0.0.1\n"), "z: no SOA record (a master file needs one at its apex)");
  EXPECT_EQ(err("  A 10.0.0.1\n"), "z:1: no previous owner name to repeat");
}

TEST(HostsFile, GivesAddressesAndPointers) {
  constexpr std::string_view kHosts = R"(# campus hosts
10.0.0.80   web.campus www.campus   # two names
10.0.0.7    time.campus
2001:db8::80 web.campus
)";
  auto z = load_zone(kHosts, "hosts");
  ASSERT_TRUE(z) << z.error();
  ASSERT_EQ(z->apexes().size(), 3u);
  EXPECT_EQ(z->apexes()[0], N("campus"));
  EXPECT_EQ(z->find(N("www.campus"))->front().to_string(), "www.campus. 300 IN A 10.0.0.80");
  ASSERT_EQ(z->find(N("web.campus"))->size(), 2u);
  EXPECT_EQ(z->find(N("80.0.0.10.in-addr.arpa"))->front().to_string(),
            "80.0.0.10.in-addr.arpa. 300 IN PTR web.campus.");
  EXPECT_NE(z->find(reverse_name(*IpAddress::parse("2001:db8::80"))), nullptr);
  EXPECT_EQ(reverse_name(*IpAddress::parse("2001:db8::1")).to_string(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
  EXPECT_EQ(z->soa(N("campus")).to_string(), "campus. 300 IN SOA campus. hostmaster.campus. 1 3600 600 86400 60");
  auto bad = load_zone("10.0.0.1 ok.campus\n10.0.0.300 bad.campus\n", "hosts");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "hosts:2: bad address '10.0.0.300'");
}

}  // namespace
}  // namespace wirestack::dns
