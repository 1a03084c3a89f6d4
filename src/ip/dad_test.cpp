// ip/dad_test.cpp — Duplicate Address Detection (RFC 4862 5.4) with explicit
// times: the NS schedule (delay, DupAddrDetectTransmits, RetransTimer),
// success, duplicates from NS (5.4.3) and NA (5.4.4), address resolution
// ignored, looped-back NS recognised by the nonce (RFC 7527), the NS as
// check_nd() accepts it, and DAD with Slaac's RFC 7217 retries.
#include "ip/dad.hpp"

#include <gtest/gtest.h>

#include "ip/slaac.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::ip {
namespace {

using namespace std::chrono_literals;

constexpr Instant t(Duration d) { return at(d); }
Ipv6Address addr(std::string_view s) { return *Ipv6Address::parse(s); }

DadNonce nonce(std::uint8_t n) { return DadNonce{std::byte{n}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}}; }

const Ipv6Address kA = addr("fe80::1234");
const Ipv6Address kB = addr("2001:db8::99");

TEST(Dad, OneSolicitAfterTheDelayThenUniqueAfterRetransTimerRfc4862_5_4_2) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 300ms, nonce(1), t(0s)));
  EXPECT_TRUE(dad.tentative(kA));
  EXPECT_EQ(dad.poll_at(), t(300ms));
  auto p = dad.poll(t(299ms));
  EXPECT_TRUE(p.solicits.empty());
  p = dad.poll(t(300ms));
  EXPECT_EQ(p.solicits, (std::vector<DadSolicit>{{kA, nonce(1)}}));
  EXPECT_TRUE(p.unique.empty());
  EXPECT_EQ(dad.poll_at(), t(1300ms));
  EXPECT_TRUE(dad.poll(t(1299ms)).unique.empty());
  p = dad.poll(t(1300ms));
  EXPECT_TRUE(p.solicits.empty());
  EXPECT_EQ(p.unique, std::vector<Ipv6Address>{kA});
  EXPECT_FALSE(dad.tentative(kA));
  EXPECT_EQ(dad.poll_at(), std::nullopt);
  EXPECT_EQ(dad.counters().solicits_sent, 1u);
  EXPECT_EQ(dad.counters().succeeded, 1u);
}

TEST(Dad, DupAddrDetectTransmitsSolicitsRetransTimerApartRfc4862_5_4_2) {
  Dad dad({.dup_addr_detect_transmits = 3, .retrans_timer = 500ms});
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  EXPECT_EQ(dad.poll(t(0s)).solicits.size(), 1u);
  EXPECT_EQ(dad.poll(t(500ms)).solicits.size(), 1u);
  EXPECT_EQ(dad.poll(t(1s)).solicits.size(), 1u);
  auto p = dad.poll(t(1500ms));
  EXPECT_TRUE(p.solicits.empty());
  EXPECT_EQ(p.unique, std::vector<Ipv6Address>{kA});
}

TEST(Dad, ZeroTransmitsDisablesDadRfc4862_5_4) {
  Dad dad({.dup_addr_detect_transmits = 0});
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  auto p = dad.poll(t(0s));
  EXPECT_TRUE(p.solicits.empty());
  EXPECT_EQ(p.unique, std::vector<Ipv6Address>{kA});
}

TEST(Dad, NsFromUnspecifiedSourceIsAnotherNodesDadDuplicateRfc4862_5_4_3) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  (void)dad.poll(t(0s));
  const ByteVec theirs{std::byte{9}, std::byte{9}, std::byte{9}, std::byte{9}, std::byte{9}, std::byte{9}};
  EXPECT_EQ(dad.on_solicit(Ipv6Address::unspecified(), kA, Bytes{theirs}), DadVerdict::duplicate);
  EXPECT_FALSE(dad.tentative(kA));
  EXPECT_EQ(dad.poll_at(), std::nullopt);  // the run ended: no success later
  EXPECT_TRUE(dad.poll(t(5s)).unique.empty());
  EXPECT_EQ(dad.counters().duplicates, 1u);
}

TEST(Dad, NsWithoutNonceFromUnspecifiedSourceIsDuplicateRfc4862_5_4_3) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 1s, nonce(1), t(0s)));  // even before our own first NS
  EXPECT_EQ(dad.on_solicit(Ipv6Address::unspecified(), kA, std::nullopt), DadVerdict::duplicate);
  EXPECT_FALSE(dad.tentative(kA));
}

TEST(Dad, NsFromUnicastSourceIsAddressResolutionIgnoredRfc4862_5_4_3) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  EXPECT_EQ(dad.on_solicit(addr("fe80::7"), kA, std::nullopt), DadVerdict::address_resolution);
  EXPECT_TRUE(dad.tentative(kA));
  EXPECT_EQ(dad.counters().ignored, 1u);
}

TEST(Dad, OwnNonceLoopedBackIsNotADuplicateRfc7527) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  const DadNonce mine = dad.poll(t(0s)).solicits.at(0).nonce;
  EXPECT_EQ(dad.on_solicit(Ipv6Address::unspecified(), kA, Bytes{mine}), DadVerdict::looped_back);
  EXPECT_TRUE(dad.tentative(kA));
  EXPECT_EQ(dad.counters().looped_back, 1u);
  EXPECT_EQ(dad.poll(t(1s)).unique, std::vector<Ipv6Address>{kA});
}

TEST(Dad, NaForTentativeTargetIsDuplicateRfc4862_5_4_4) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  ASSERT_TRUE(dad.start(kB, 0s, nonce(2), t(0s)));
  EXPECT_EQ(dad.on_advert(kA), DadVerdict::duplicate);
  EXPECT_FALSE(dad.tentative(kA));
  EXPECT_TRUE(dad.tentative(kB));  // the other run goes on
  auto p = dad.poll(t(0s));
  EXPECT_EQ(p.solicits, (std::vector<DadSolicit>{{kB, nonce(2)}}));
}

TEST(Dad, MessagesForOtherTargetsAreNotDads) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  EXPECT_EQ(dad.on_advert(kB), DadVerdict::not_tentative);
  EXPECT_EQ(dad.on_solicit(Ipv6Address::unspecified(), kB, std::nullopt), DadVerdict::not_tentative);
  EXPECT_TRUE(dad.tentative(kA));
  // After success the address is no longer tentative: an NA for it is the caller's business.
  (void)dad.poll(t(0s));
  (void)dad.poll(t(1s));
  EXPECT_EQ(dad.on_advert(kA), DadVerdict::not_tentative);
}

TEST(Dad, StartTwiceCancelAndBound) {
  Dad dad({.max_runs = 1});
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  EXPECT_FALSE(dad.start(kA, 0s, nonce(1), t(0s)));
  EXPECT_FALSE(dad.start(kB, 0s, nonce(2), t(0s)));
  EXPECT_TRUE(dad.cancel(kA));
  EXPECT_FALSE(dad.cancel(kA));
  EXPECT_EQ(dad.poll_at(), std::nullopt);
  EXPECT_TRUE(dad.start(kB, 0s, nonce(2), t(0s)));
}

TEST(Dad, RunsAreListedInAddressOrder) {
  Dad dad;
  ASSERT_TRUE(dad.start(kB, 0s, nonce(2), t(0s)));
  ASSERT_TRUE(dad.start(kA, 0s, nonce(1), t(0s)));
  auto p = dad.poll(t(0s));
  EXPECT_EQ(p.solicits, (std::vector<DadSolicit>{{kB, nonce(2)}, {kA, nonce(1)}}));  // 2001:db8:: < fe80::
}

// The NS a caller builds from a DadSolicit (source ::, destination the
// solicited-node group, hop limit 255, no SLLA, the nonce) passes
// RFC 4861 7.1.1 as wire/ndisc.hpp checks it, and its nonce, looped back,
// is recognised.
TEST(Dad, SolicitAsSentPassesCheckNdRfc4861_7_1_1) {
  Dad dad;
  ASSERT_TRUE(dad.start(kA, 0s, nonce(7), t(0s)));
  const DadSolicit s = dad.poll(t(0s)).solicits.at(0);
  NdOptions opts;
  opts.nonce = Bytes{s.nonce};
  ByteVec opt_bytes(opts.buffer_len());
  opts.emit(opt_bytes);
  const Ipv6Repr ip{.src = Ipv6Address::unspecified(),
                    .dst = s.target.solicited_node(),
                    .next_header = IpProtocol::icmpv6,
                    .hop_limit = 255};
  const Icmpv6Repr ns{.message = NdNeighborSolicit{.target = s.target, .options = opt_bytes}};
  auto checked = check_nd(ip, ns);
  ASSERT_TRUE(checked);
  ASSERT_TRUE(checked->nonce);
  EXPECT_EQ(ipv6_multicast_mac(ip.dst).to_string(), "33:33:ff:00:12:34");
  EXPECT_EQ(dad.on_solicit(ip.src, s.target, checked->nonce), DadVerdict::looped_back);
}

// RFC 4862 5.4.5 + RFC 7217 6: a duplicate stable address is replaced by the
// one with DAD_Counter + 1, which then goes through DAD and is assigned.
TEST(Dad, DuplicateStableAddressRetriedWithNextCounterRfc7217Section6) {
  Slaac slaac({.id = {.secret = {1, 2, 3}, .net_iface = "eth0"}});
  Dad dad;
  const auto ll = slaac.start_link_local(t(0s));
  ASSERT_TRUE(ll);
  ASSERT_TRUE(dad.start(*ll, 400ms, nonce(1), t(0s)));
  (void)dad.poll(t(400ms));
  ASSERT_EQ(dad.on_advert(*ll), DadVerdict::duplicate);  // someone holds it
  const auto next = slaac.on_dad_failed(*ll);
  ASSERT_TRUE(next);
  EXPECT_NE(*next, *ll);
  EXPECT_TRUE(next->is_link_local());
  ASSERT_TRUE(dad.start(*next, 700ms, nonce(2), t(500ms)));  // IDGEN_DELAY draw
  EXPECT_EQ(dad.poll(t(1200ms)).solicits.size(), 1u);
  const auto p = dad.poll(t(2200ms));
  ASSERT_EQ(p.unique, std::vector<Ipv6Address>{*next});
  EXPECT_TRUE(slaac.on_dad_succeeded(*next));
  EXPECT_TRUE(slaac.is_preferred(*next, t(2200ms)));
  EXPECT_EQ(slaac.addresses(t(2200ms)).at(0).dad_counter, 1);
}

}  // namespace
}  // namespace wirestack::ip
