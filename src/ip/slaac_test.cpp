// ip/slaac_test.cpp — interface identifiers (RFC 4291 appendix A, RFC 5453,
// RFC 7217 5), link-local formation (RFC 4862 5.3), the Prefix Information
// rules of RFC 4862 5.5.3 a-e with the two-hour rule, lifetimes (5.5.4), and
// DAD_Counter retries (RFC 7217 6), with explicit times.
#include "ip/slaac.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace wirestack::ip {
namespace {

using namespace std::chrono_literals;

constexpr Instant t(Duration d) { return at(d); }

Ipv6Address addr(std::string_view s) { return *Ipv6Address::parse(s); }

StableIdSecret key_0_to_15() {
  StableIdSecret k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

SlaacConfig config() { return SlaacConfig{.id = {.secret = key_0_to_15(), .net_iface = "eth0"}}; }

NdPrefixInfo prefix(std::string_view p, std::uint32_t valid, std::uint32_t preferred, bool autonomous = true,
                    std::uint8_t len = 64) {
  return NdPrefixInfo{.prefix_len = len,
                      .on_link = true,
                      .autonomous = autonomous,
                      .valid_lifetime = valid,
                      .preferred_lifetime = preferred,
                      .prefix = addr(p)};
}

TEST(Slaac, InterfaceIdHelpers) {
  EXPECT_EQ(with_interface_id(addr("2001:db8:1:2:ffff::"), 0x0123456789abcdefULL), addr("2001:db8:1:2:123:4567:89ab:cdef"));
  EXPECT_EQ(interface_id_of(addr("2001:db8::123:4567:89ab:cdef")), 0x0123456789abcdefULL);
  EXPECT_EQ(link_local_address(1), addr("fe80::1"));
}

TEST(Slaac, ModifiedEui64InvertsUniversalLocalBitRfc4291AppendixA) {
  EXPECT_EQ(modified_eui64(*MacAddress::parse("34:56:78:9a:bc:de")), 0x365678fffe9abcdeULL);
  EXPECT_EQ(modified_eui64(*MacAddress::parse("02:00:00:00:00:01")), 0x000000fffe000001ULL);
  EXPECT_EQ(link_local_address(modified_eui64(*MacAddress::parse("02:00:00:00:00:01"))), addr("fe80::ff:fe00:1"));
}

TEST(Slaac, ReservedInterfaceIdsRfc5453) {
  EXPECT_TRUE(is_reserved_interface_id(0));                     // subnet-router anycast
  EXPECT_TRUE(is_reserved_interface_id(0x02005efffe000000ULL));  // reserved
  EXPECT_TRUE(is_reserved_interface_id(0x02005efffe005213ULL));  // proxy mobile IPv6
  EXPECT_TRUE(is_reserved_interface_id(0x02005efffeffffffULL));
  EXPECT_TRUE(is_reserved_interface_id(0xfdffffffffffff80ULL));  // subnet anycast (RFC 2526)
  EXPECT_TRUE(is_reserved_interface_id(0xffffffffffffffffULL));
  EXPECT_FALSE(is_reserved_interface_id(1));
  EXPECT_FALSE(is_reserved_interface_id(0x02005efffdffffffULL));
  EXPECT_FALSE(is_reserved_interface_id(0x02005eff00000000ULL));
  EXPECT_FALSE(is_reserved_interface_id(0xfdffffffffffff7fULL));
}

TEST(Slaac, SipHashReferenceVector) {
  // SipHash paper (Aumasson, Bernstein 2012), appendix A: key 00..0f,
  // message 00..0e, output a129ca6149be45e5 as a little-endian integer, so
  // the bytes e5 45 be 49 61 ca 29 a1.
  ByteVec msg;
  for (int i = 0; i < 15; ++i) msg.push_back(static_cast<std::byte>(i));
  EXPECT_EQ(siphash24_be(key_0_to_15(), msg), 0xe545be4961ca29a1ULL);
}

TEST(Slaac, StableIdHashesTheDocumentedLayoutRfc7217Section5) {
  StableIdParams p{.secret = key_0_to_15(), .net_iface = "eth0", .network_id = {std::byte{0xab}, std::byte{0xcd}}};
  const auto b = [](int v) { return static_cast<std::byte>(v); };
  // prefix 2001:0db8:0001:0002 | 4 "eth0" | 2 ab cd | counter 7
  const ByteVec msg{b(0x20), b(0x01), b(0x0d), b(0xb8), b(0x00), b(0x01), b(0x00), b(0x02), b(4), b('e'), b('t'),
                    b('h'),  b('0'),  b(2),    b(0xab), b(0xcd), b(7)};
  EXPECT_EQ(stable_interface_id(p, addr("2001:db8:1:2:ffff::1"), 7), siphash24_be(p.secret, msg));
}

TEST(Slaac, StableIdDependsOnEveryInputAndOnlyOnThemRfc7217Section5) {
  const StableIdParams base{.secret = key_0_to_15(), .net_iface = "eth0"};
  const Ipv6Address pfx = addr("2001:db8:1::");
  const Ipv6InterfaceId id = stable_interface_id(base, pfx, 0);
  EXPECT_EQ(stable_interface_id(base, addr("2001:db8:1::99"), 0), id);  // host bits of the prefix ignored
  std::set<Ipv6InterfaceId> ids{id};
  ids.insert(stable_interface_id(base, addr("2001:db8:2::"), 0));  // another prefix
  ids.insert(stable_interface_id(base, pfx, 1));                   // another DAD_Counter
  StableIdParams other = base;
  other.net_iface = "eth1";
  ids.insert(stable_interface_id(other, pfx, 0));
  other = base;
  other.network_id = {std::byte{1}};
  ids.insert(stable_interface_id(other, pfx, 0));
  other = base;
  other.secret[15] ^= 1;
  ids.insert(stable_interface_id(other, pfx, 0));
  // ("eth", "0") and ("eth0", "") hash differently thanks to the length bytes.
  other = base;
  other.net_iface = "eth";
  other.network_id = {std::byte{'0'}};
  ids.insert(stable_interface_id(other, pfx, 0));
  EXPECT_EQ(ids.size(), 7u);
}

TEST(Slaac, StableAddressStopsAfterIdgenRetriesRfc7217Section6) {
  const StableIdParams p{.secret = key_0_to_15(), .net_iface = "eth0"};
  const auto a = stable_address(p, addr("2001:db8::"), 3);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->dad_counter, 3);
  EXPECT_EQ(a->address, with_interface_id(addr("2001:db8::"), stable_interface_id(p, addr("2001:db8::"), 3)));
  EXPECT_FALSE(stable_address(p, addr("2001:db8::"), 4));
}

TEST(Slaac, LifetimeDeadlineInfinityRfc4861_4_6_2) {
  EXPECT_EQ(lifetime_deadline(t(5s), 10), t(15s));
  EXPECT_EQ(lifetime_deadline(t(5s), 0xffffffff), Instant::max());
}

TEST(Slaac, LinkLocalIsFe80PlusStableIdTentativeForeverRfc4862_5_3) {
  Slaac s(config());
  const auto ll = s.start_link_local(t(0s));
  ASSERT_TRUE(ll);
  EXPECT_EQ(*ll, link_local_address(stable_interface_id(config().id, addr("fe80::"), 0)));
  EXPECT_EQ(s.start_link_local(t(1s)), ll);  // idempotent
  EXPECT_FALSE(s.is_preferred(*ll, t(1s)));  // tentative: not usable before DAD
  EXPECT_TRUE(s.on_dad_succeeded(*ll));
  EXPECT_FALSE(s.on_dad_succeeded(*ll));
  EXPECT_TRUE(s.is_preferred(*ll, t(1000h)));
  EXPECT_EQ(s.poll_at(), std::nullopt);  // infinite lifetimes
}

TEST(Slaac, PrefixWithoutAutonomousFlagIgnoredRfc4862_5_5_3a) {
  Slaac s(config());
  EXPECT_EQ(s.on_prefix(prefix("2001:db8::", 100, 50, false), t(0s)).verdict, PrefixVerdict::not_autonomous);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Slaac, LinkLocalPrefixIgnoredRfc4862_5_5_3b) {
  Slaac s(config());
  EXPECT_EQ(s.on_prefix(prefix("fe80::", 100, 50), t(0s)).verdict, PrefixVerdict::link_local_prefix);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Slaac, PreferredOverValidIgnoredRfc4862_5_5_3c) {
  Slaac s(config());
  EXPECT_EQ(s.on_prefix(prefix("2001:db8::", 100, 101), t(0s)).verdict, PrefixVerdict::preferred_over_valid);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Slaac, PrefixLengthOtherThan64IgnoredRfc4862_5_5_3d) {
  Slaac s(config());
  EXPECT_EQ(s.on_prefix(prefix("2001:db8::", 100, 50, true, 48), t(0s)).verdict, PrefixVerdict::bad_prefix_length);
  EXPECT_EQ(s.on_prefix(prefix("2001:db8::", 100, 50, true, 80), t(0s)).verdict, PrefixVerdict::bad_prefix_length);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Slaac, NewPrefixWithZeroValidLifetimeFormsNothingRfc4862_5_5_3d) {
  Slaac s(config());
  EXPECT_EQ(s.on_prefix(prefix("2001:db8::", 0, 0), t(0s)).verdict, PrefixVerdict::zero_valid_lifetime);
  EXPECT_EQ(s.size(), 0u);
}

TEST(Slaac, NewPrefixFormsTentativeAddressWithItsLifetimesRfc4862_5_5_3d) {
  Slaac s(config());
  auto r = s.on_prefix(prefix("2001:db8:1::", 200, 100), t(10s));
  EXPECT_EQ(r.verdict, PrefixVerdict::created);
  ASSERT_TRUE(r.tentative);
  EXPECT_EQ(*r.tentative, with_interface_id(addr("2001:db8:1::"), stable_interface_id(config().id, addr("2001:db8:1::"), 0)));
  const auto list = s.addresses(t(10s));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0], (SlaacAddressInfo{.address = *r.tentative,
                                       .dad_counter = 0,
                                       .tentative = true,
                                       .preferred_until = t(110s),
                                       .valid_until = t(210s)}));
  // The same prefix again is e), not a second address; nor is it one with host bits.
  EXPECT_EQ(s.on_prefix(prefix("2001:db8:1::5", 200, 100), t(11s)).verdict, PrefixVerdict::updated);
  EXPECT_EQ(s.size(), 1u);
}

TEST(Slaac, KnownPrefixResetsPreferredLifetimeRfc4862_5_5_3e1) {
  Slaac s(config());
  ASSERT_TRUE(s.on_prefix(prefix("2001:db8::", 10000, 100), t(0s)).tentative);
  (void)s.on_prefix(prefix("2001:db8::", 10000, 3000), t(50s));
  EXPECT_EQ(s.addresses(t(50s))[0].preferred_until, t(3050s));
  (void)s.on_prefix(prefix("2001:db8::", 10000, 0), t(60s));  // preferred 0: deprecated now
  EXPECT_EQ(s.addresses(t(60s))[0].preferred_until, t(60s));
  EXPECT_TRUE(s.addresses(t(60s))[0].deprecated);
}

TEST(Slaac, TwoHourRuleLongerThanTwoHoursIsTakenRfc4862_5_5_3e2_1) {
  Slaac s(config());
  (void)s.on_prefix(prefix("2001:db8::", 86400, 3600), t(0s));
  (void)s.on_prefix(prefix("2001:db8::", 7201, 3600), t(100s));  // shorter than remaining, but > 2 h
  EXPECT_EQ(s.addresses(t(100s))[0].valid_until, t(7301s));
}

TEST(Slaac, TwoHourRuleLongerThanRemainingIsTakenRfc4862_5_5_3e2_1) {
  Slaac s(config());
  (void)s.on_prefix(prefix("2001:db8::", 600, 300), t(0s));
  (void)s.on_prefix(prefix("2001:db8::", 900, 300), t(100s));  // <= 2 h but > remaining 500 s
  EXPECT_EQ(s.addresses(t(100s))[0].valid_until, t(1000s));
}

TEST(Slaac, TwoHourRuleRemainingWithinTwoHoursIgnoresShorterRfc4862_5_5_3e2_2) {
  Slaac s(config());
  (void)s.on_prefix(prefix("2001:db8::", 3600, 1800), t(0s));
  (void)s.on_prefix(prefix("2001:db8::", 10, 10), t(100s));  // a forged RA cannot cut it to 10 s
  EXPECT_EQ(s.addresses(t(100s))[0].valid_until, t(3600s));
  EXPECT_EQ(s.addresses(t(100s))[0].preferred_until, t(110s));  // the preferred lifetime is reset anyway
  (void)s.on_prefix(prefix("2001:db8::", 0, 0), t(200s));      // nor to 0
  EXPECT_EQ(s.addresses(t(200s))[0].valid_until, t(3600s));
}

TEST(Slaac, TwoHourRuleOtherwiseResetToTwoHoursRfc4862_5_5_3e2_3) {
  Slaac s(config());
  (void)s.on_prefix(prefix("2001:db8::", 86400, 3600), t(0s));
  (void)s.on_prefix(prefix("2001:db8::", 60, 30), t(100s));  // remaining ~24 h: cut to 2 h, not 60 s
  EXPECT_EQ(s.addresses(t(100s))[0].valid_until, t(100s) + 2h);
  // Infinite remaining lifetime counts as more than two hours.
  Slaac s2(config());
  (void)s2.on_prefix(prefix("2001:db8::", 0xffffffff, 0xffffffff), t(0s));
  EXPECT_EQ(s2.poll_at(), std::nullopt);
  (void)s2.on_prefix(prefix("2001:db8::", 0, 0), t(5s));
  EXPECT_EQ(s2.addresses(t(5s))[0].valid_until, t(5s) + 2h);
  EXPECT_EQ(s2.addresses(t(5s))[0].preferred_until, t(5s));
  // And an infinite advertisement is always taken.
  (void)s2.on_prefix(prefix("2001:db8::", 0xffffffff, 0xffffffff), t(6s));
  EXPECT_EQ(s2.addresses(t(6s))[0].valid_until, Instant::max());
}

TEST(Slaac, DeprecatedThenRemovedAtTheEndOfItsLifetimesRfc4862_5_5_4) {
  Slaac s(config());
  const auto a = *s.on_prefix(prefix("2001:db8::", 200, 100), t(0s)).tentative;
  ASSERT_TRUE(s.on_dad_succeeded(a));
  EXPECT_TRUE(s.is_preferred(a, t(99s)));
  EXPECT_EQ(s.poll_at(), t(100s));
  auto p = s.poll(t(99s));
  EXPECT_TRUE(p.deprecated.empty());
  p = s.poll(t(100s));
  EXPECT_EQ(p.deprecated, std::vector<Ipv6Address>{a});
  EXPECT_FALSE(s.is_preferred(a, t(100s)));
  EXPECT_EQ(s.addresses(t(100s)).size(), 1u);  // deprecated addresses stay (existing connections)
  EXPECT_TRUE(s.poll(t(150s)).deprecated.empty());  // reported once
  EXPECT_EQ(s.poll_at(), t(200s));
  p = s.poll(t(200s));
  EXPECT_EQ(p.removed, std::vector<Ipv6Address>{a});
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.poll_at(), std::nullopt);
}

TEST(Slaac, DadFailureRetriesWithNextCounterUpToIdgenRetriesRfc7217Section6) {
  Slaac s(config());
  const Ipv6Address pfx = addr("2001:db8::");
  Ipv6Address a = *s.on_prefix(prefix("2001:db8::", 200, 100), t(0s)).tentative;
  std::set<Ipv6Address> seen{a};
  for (std::uint8_t c = 1; c <= kIdgenRetries; ++c) {
    const auto next = s.on_dad_failed(a);
    ASSERT_TRUE(next) << int{c};
    EXPECT_EQ(*next, with_interface_id(pfx, stable_interface_id(config().id, pfx, c)));
    EXPECT_EQ(s.addresses(t(1s))[0].dad_counter, c);
    EXPECT_EQ(s.addresses(t(1s))[0].valid_until, t(200s));  // lifetimes carried over
    EXPECT_EQ(s.size(), 1u);
    seen.insert(*next);
    a = *next;
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_FALSE(s.on_dad_failed(a));  // the fourth failure gives up
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.idgen_failures(), 1u);
  EXPECT_FALSE(s.on_dad_failed(a));  // no longer ours
}

TEST(Slaac, DadOutcomesOnlyForTentativeAddresses) {
  Slaac s(config());
  const auto a = *s.on_prefix(prefix("2001:db8::", 200, 100), t(0s)).tentative;
  EXPECT_FALSE(s.on_dad_succeeded(addr("2001:db8::1")));
  EXPECT_FALSE(s.on_dad_failed(addr("2001:db8::1")));
  ASSERT_TRUE(s.on_dad_succeeded(a));
  EXPECT_FALSE(s.on_dad_failed(a));  // an assigned address is not retried
  EXPECT_EQ(s.size(), 1u);
}

TEST(Slaac, AddressTableIsBounded) {
  SlaacConfig c = config();
  c.max_addresses = 2;
  Slaac s(c);
  ASSERT_TRUE(s.start_link_local(t(0s)));
  EXPECT_EQ(s.on_prefix(prefix("2001:db8:1::", 200, 100), t(0s)).verdict, PrefixVerdict::created);
  EXPECT_EQ(s.on_prefix(prefix("2001:db8:2::", 200, 100), t(0s)).verdict, PrefixVerdict::no_address);
  EXPECT_EQ(s.size(), 2u);
}

TEST(Slaac, AddressPrints) {
  Slaac s(config());
  const auto a = *s.on_prefix(prefix("2001:db8::", 200, 0), t(0s)).tentative;
  std::ostringstream os;
  os << s.addresses(t(0s))[0];
  EXPECT_EQ(os.str(), a.to_string() + "/64 tentative deprecated dad 0");
}

}  // namespace
}  // namespace wirestack::ip
