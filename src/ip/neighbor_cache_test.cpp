// ip/neighbor_cache_test.cpp — NeighborCache with explicit times: every state
// transition of RFC 4861 7.3.3 (INCOMPLETE, REACHABLE, STALE, DELAY, PROBE),
// the NA update rules of 7.2.5, the hints of NS/RS/RA/Redirect, upper-layer
// confirmation (7.3.1), the queue and table bounds, eviction, printing.
//
// Peers are fe80::N with MAC 02:00:00:00:00:0N.
#include "ip/neighbor_cache.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace wirestack::ip {
namespace {

using namespace std::chrono_literals;

constexpr MacAddress mac(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }
constexpr Ipv6Address ip(std::uint16_t n) { return Ipv6Address(0xfe80, 0, 0, 0, 0, 0, 0, n); }
constexpr Instant t(Duration d) { return at(d); }
ByteVec pkt(int tag) { return ByteVec{static_cast<std::byte>(tag)}; }

Solicit multicast(std::uint16_t n) { return Solicit{.target = ip(n)}; }
Solicit unicast(std::uint16_t n) { return Solicit{.target = ip(n), .mac = mac(n), .unicast = true}; }

// Brings fe80::n to REACHABLE at `when` through a solicited NA.
void make_reachable(NeighborCache& nc, std::uint16_t n, Instant when) {
  (void)nc.resolve_or_queue(ip(n), pkt(0), when);
  (void)nc.poll(when);
  (void)nc.on_advert(ip(n), false, true, true, mac(n), when);
}

// Creates fe80::n in STALE through an NS carrying its address (7.3.3).
void make_stale(NeighborCache& nc, std::uint16_t n, Instant when) {
  ASSERT_EQ(nc.on_hint(ip(n), mac(n), NdHintSource::neighbor_solicit, when).verdict, NeighborVerdict::created);
}

TEST(NeighborCache, ReachableTimeIsBaseTimesTheCallersFactorRfc4861_6_3_2) {
  EXPECT_EQ(randomized_reachable_time(30s, 0.5), 15s);
  EXPECT_EQ(randomized_reachable_time(30s, 1.5), 45s);
  EXPECT_EQ(randomized_reachable_time(30s, 0.1), 15s);  // clamped to MIN_RANDOM_FACTOR
  EXPECT_EQ(randomized_reachable_time(30s, 9.0), 45s);  // clamped to MAX_RANDOM_FACTOR
  NeighborCache nc({}, 1.2);
  EXPECT_EQ(nc.reachable_time(), 36s);
  nc.set_base_reachable_time(10s, 0.5);  // an RA's Reachable Time (6.3.4)
  EXPECT_EQ(nc.reachable_time(), 5s);
  nc.set_base_reachable_time(0s, 1.0);  // 0 = unspecified: unchanged
  EXPECT_EQ(nc.reachable_time(), 5s);
}

TEST(NeighborCache, IncompleteSendsMulticastNsEveryRetransTimerThenFailsRfc4861_7_2_2) {
  NeighborCache nc;
  auto r = nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  EXPECT_EQ(r.status, NdResolveStatus::queued);
  EXPECT_TRUE(r.poll_due);
  EXPECT_EQ(nc.poll_at(), t(0s));
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::incomplete);
  EXPECT_EQ(nc.poll(t(0s)).solicits, std::vector<Solicit>{multicast(2)});
  EXPECT_EQ(nc.resolve_or_queue(ip(2), pkt(2), t(100ms)).status, NdResolveStatus::queued);
  EXPECT_EQ(nc.poll_at(), t(1s));
  EXPECT_TRUE(nc.poll(t(999ms)).solicits.empty());
  EXPECT_EQ(nc.poll(t(1s)).solicits, std::vector<Solicit>{multicast(2)});
  EXPECT_EQ(nc.poll(t(2s)).solicits, std::vector<Solicit>{multicast(2)});  // MAX_MULTICAST_SOLICIT = 3
  EXPECT_EQ(nc.poll_at(), t(3s));
  EXPECT_TRUE(nc.poll(t(2999ms)).failed.empty());

  // RetransTimer after the third: failed, queued packets back for ICMPv6 code 3.
  auto p = nc.poll(t(3s));
  EXPECT_TRUE(p.solicits.empty());
  ASSERT_EQ(p.failed.size(), 2u);
  EXPECT_EQ(p.failed[0], (FailedPacket6{ip(2), pkt(1)}));
  EXPECT_EQ(p.failed[1], (FailedPacket6{ip(2), pkt(2)}));
  EXPECT_EQ(p.unreachable, std::vector<Ipv6Address>{ip(2)});
  EXPECT_EQ(nc.size(), 0u);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
  EXPECT_EQ(nc.counters().multicast_solicits, 3u);
  EXPECT_EQ(nc.counters().resolution_failures, 1u);
  EXPECT_EQ(nc.counters().failed_packets, 2u);
}

TEST(NeighborCache, RetransTimerFromTheConfigAndFromAnRa) {
  NeighborCache nc({.retrans_timer = 250ms});
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  (void)nc.poll(t(0s));
  EXPECT_EQ(nc.poll_at(), t(250ms));
  nc.set_retrans_timer(2s);
  (void)nc.poll(t(250ms));
  EXPECT_EQ(nc.poll_at(), t(2250ms));
  nc.set_retrans_timer(0s);  // unspecified: unchanged
  EXPECT_EQ(nc.config().retrans_timer, 2s);
}

TEST(NeighborCache, SolicitedNaCompletesIncompleteToReachableAndReleasesQueueRfc4861_7_2_5) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  (void)nc.resolve_or_queue(ip(2), pkt(2), t(0s));
  (void)nc.poll(t(0s));
  auto in = nc.on_advert(ip(2), true, true, false, mac(2), t(10ms));
  EXPECT_EQ(in.verdict, NeighborVerdict::resolved);
  ASSERT_EQ(in.released.size(), 2u);
  EXPECT_EQ(in.released[0], (ReadyPacket6{ip(2), mac(2), pkt(1)}));
  EXPECT_EQ(in.released[1], (ReadyPacket6{ip(2), mac(2), pkt(2)}));
  EXPECT_EQ(nc.state(ip(2), t(10ms)), NeighborState::reachable);
  EXPECT_TRUE(nc.is_router(ip(2)));
  EXPECT_EQ(nc.poll_at(), std::nullopt);  // nothing to send while REACHABLE
  auto r = nc.resolve_or_queue(ip(2), pkt(3), t(20ms));
  EXPECT_EQ(r.status, NdResolveStatus::resolved);
  EXPECT_EQ(r.mac, mac(2));
  EXPECT_FALSE(r.poll_due);
}

TEST(NeighborCache, UnsolicitedNaCompletesIncompleteToStaleRfc4861_7_2_5) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  auto in = nc.on_advert(ip(2), false, false, true, mac(2), t(0s));
  EXPECT_EQ(in.verdict, NeighborVerdict::resolved);
  EXPECT_EQ(in.released.size(), 1u);
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::stale);
}

TEST(NeighborCache, NaWithoutTargetLinkLayerAddressIgnoredWhileIncompleteRfc4861_7_2_5) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  auto in = nc.on_advert(ip(2), false, true, true, std::nullopt, t(0s));
  EXPECT_EQ(in.verdict, NeighborVerdict::ignored);
  EXPECT_TRUE(in.released.empty());
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::incomplete);
}

TEST(NeighborCache, NaForUnknownTargetIsDiscardedAndCreatesNothingRfc4861_7_2_5) {
  NeighborCache nc;
  EXPECT_EQ(nc.on_advert(ip(9), false, false, true, mac(9), t(0s)).verdict, NeighborVerdict::no_entry);
  EXPECT_EQ(nc.size(), 0u);
  EXPECT_EQ(nc.counters().adverts_ignored, 1u);
}

TEST(NeighborCache, ReachableBecomesStaleAfterReachableTimeRfc4861_7_3_3) {
  NeighborCache nc({}, 1.0);  // ReachableTime 30 s
  make_reachable(nc, 2, t(0s));
  EXPECT_EQ(nc.state(ip(2), t(29999ms)), NeighborState::reachable);
  EXPECT_EQ(nc.state(ip(2), t(30s)), NeighborState::stale);
  EXPECT_EQ(nc.poll_at(), std::nullopt);  // the move sends nothing
}

TEST(NeighborCache, SendingToStaleMovesToDelayThenProbeWithUnicastNsRfc4861_7_3_3) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  EXPECT_EQ(nc.poll_at(), std::nullopt);  // STALE waits for traffic
  auto r = nc.resolve_or_queue(ip(2), pkt(1), t(10s));
  EXPECT_EQ(r.status, NdResolveStatus::resolved);  // STALE still sends
  EXPECT_EQ(r.mac, mac(2));
  EXPECT_TRUE(r.poll_due);
  EXPECT_EQ(nc.state(ip(2), t(10s)), NeighborState::delay);
  EXPECT_EQ(nc.poll_at(), t(15s));  // DELAY_FIRST_PROBE_TIME
  EXPECT_EQ(nc.resolved(ip(2), t(12s)), mac(2));  // DELAY sends too, timer unchanged
  EXPECT_EQ(nc.poll_at(), t(15s));
  EXPECT_TRUE(nc.poll(t(14999ms)).solicits.empty());

  EXPECT_EQ(nc.poll(t(15s)).solicits, std::vector<Solicit>{unicast(2)});
  EXPECT_EQ(nc.state(ip(2), t(15s)), NeighborState::probe);
  EXPECT_EQ(nc.resolved(ip(2), t(15500ms)), mac(2));  // PROBE sends too
  EXPECT_EQ(nc.poll(t(16s)).solicits, std::vector<Solicit>{unicast(2)});
  EXPECT_EQ(nc.poll(t(17s)).solicits, std::vector<Solicit>{unicast(2)});  // MAX_UNICAST_SOLICIT = 3
  EXPECT_EQ(nc.poll_at(), t(18s));
  auto p = nc.poll(t(18s));
  EXPECT_TRUE(p.solicits.empty());
  EXPECT_TRUE(p.failed.empty());
  EXPECT_EQ(p.unreachable, std::vector<Ipv6Address>{ip(2)});  // "the entry SHOULD be deleted"
  EXPECT_EQ(nc.state(ip(2), t(18s)), std::nullopt);
  EXPECT_EQ(nc.counters().unicast_solicits, 3u);
  EXPECT_EQ(nc.counters().probe_failures, 1u);
}

TEST(NeighborCache, SolicitedNaInProbeConfirmsReachableRfc4861_7_3_3) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  (void)nc.resolved(ip(2), t(0s));
  (void)nc.poll(t(5s));
  ASSERT_EQ(nc.state(ip(2), t(5s)), NeighborState::probe);
  auto in = nc.on_advert(ip(2), false, true, false, mac(2), t(5100ms));
  EXPECT_EQ(in.verdict, NeighborVerdict::updated);
  EXPECT_EQ(nc.state(ip(2), t(5100ms)), NeighborState::reachable);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
  // The next expiry and the next DELAY restart the probe count.
  (void)nc.resolved(ip(2), t(40s));
  EXPECT_EQ(nc.state(ip(2), t(40s)), NeighborState::delay);
  EXPECT_EQ(nc.poll(t(45s)).solicits.size(), 1u);
  EXPECT_EQ(nc.entries(t(45s))[0].solicits_sent, 1u);
}

TEST(NeighborCache, SolicitedNaInDelayConfirmsReachableRfc4861_7_3_3) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  (void)nc.resolved(ip(2), t(0s));
  (void)nc.on_advert(ip(2), false, true, false, std::nullopt, t(1s));  // no TLLA: rule II
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::reachable);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
}

TEST(NeighborCache, UpperLayerConfirmationMovesToReachableRfc4861_7_3_1) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  (void)nc.resolved(ip(2), t(0s));  // DELAY
  EXPECT_TRUE(nc.confirm_reachable(ip(2), t(2s)));
  EXPECT_EQ(nc.state(ip(2), t(2s)), NeighborState::reachable);
  EXPECT_EQ(nc.state(ip(2), t(31999ms)), NeighborState::reachable);
  EXPECT_EQ(nc.state(ip(2), t(32s)), NeighborState::stale);
  // Not for INCOMPLETE (no address yet) nor unknown entries.
  (void)nc.resolve_or_queue(ip(3), pkt(1), t(33s));
  EXPECT_FALSE(nc.confirm_reachable(ip(3), t(33s)));
  EXPECT_EQ(nc.state(ip(3), t(33s)), NeighborState::incomplete);
  EXPECT_FALSE(nc.confirm_reachable(ip(4), t(33s)));
}

TEST(NeighborCache, NaOverrideClearDifferentAddressReachableGoesStaleOnlyRfc4861_7_2_5_Ia) {
  NeighborCache nc;
  make_reachable(nc, 2, t(0s));
  auto in = nc.on_advert(ip(2), false, true, false, mac(7), t(1s));
  EXPECT_EQ(in.verdict, NeighborVerdict::updated);
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::stale);
  EXPECT_EQ(nc.entries(t(1s))[0].mac, mac(2));  // "do not update the entry in any other way"
}

TEST(NeighborCache, NaOverrideClearDifferentAddressOtherwiseIgnoredRfc4861_7_2_5_Ib) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  auto in = nc.on_advert(ip(2), true, true, false, mac(7), t(1s));
  EXPECT_EQ(in.verdict, NeighborVerdict::ignored);
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::stale);
  EXPECT_EQ(nc.entries(t(1s))[0].mac, mac(2));
  EXPECT_FALSE(nc.is_router(ip(2)));  // MUST NOT update the cache: IsRouter too
}

TEST(NeighborCache, NaOverrideSetDifferentAddressUnsolicitedRecordsAndGoesStaleRfc4861_7_2_5_II) {
  NeighborCache nc;
  make_reachable(nc, 2, t(0s));
  auto in = nc.on_advert(ip(2), false, false, true, mac(7), t(1s));
  EXPECT_EQ(in.verdict, NeighborVerdict::updated);
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::stale);
  EXPECT_EQ(nc.entries(t(1s))[0].mac, mac(7));
}

TEST(NeighborCache, NaOverrideSetDifferentAddressSolicitedRecordsAndReachableRfc4861_7_2_5_II) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  (void)nc.on_advert(ip(2), false, true, true, mac(7), t(1s));
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::reachable);
  EXPECT_EQ(nc.entries(t(1s))[0].mac, mac(7));
}

TEST(NeighborCache, NaUnsolicitedSameAddressLeavesStateRfc4861_7_2_5_II) {
  NeighborCache nc;
  make_stale(nc, 2, t(0s));
  auto in = nc.on_advert(ip(2), false, false, true, mac(2), t(1s));
  EXPECT_EQ(in.verdict, NeighborVerdict::unchanged);
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::stale);
  // Same with O clear: the address is the same, so rule II applies.
  EXPECT_EQ(nc.on_advert(ip(2), false, false, false, mac(2), t(1s)).verdict, NeighborVerdict::unchanged);
  EXPECT_EQ(nc.on_advert(ip(2), false, false, false, std::nullopt, t(1s)).verdict, NeighborVerdict::unchanged);
}

TEST(NeighborCache, NaClearingRouterFlagIsReportedRfc4861_7_2_5) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  (void)nc.on_advert(ip(2), true, true, true, mac(2), t(0s));
  ASSERT_TRUE(nc.is_router(ip(2)));
  auto in = nc.on_advert(ip(2), false, false, true, mac(2), t(1s));
  EXPECT_TRUE(in.router_lost);
  EXPECT_FALSE(nc.is_router(ip(2)));
  EXPECT_FALSE(nc.on_advert(ip(2), false, false, true, mac(2), t(1s)).router_lost);
}

TEST(NeighborCache, NsWithSourceAddressCreatesStaleEntryRfc4861_7_2_3) {
  NeighborCache nc;
  auto in = nc.on_hint(ip(2), mac(2), NdHintSource::neighbor_solicit, t(0s));
  EXPECT_EQ(in.verdict, NeighborVerdict::created);
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::stale);
  EXPECT_FALSE(nc.is_router(ip(2)));
  // An NS without the option creates nothing.
  EXPECT_EQ(nc.on_hint(ip(3), std::nullopt, NdHintSource::neighbor_solicit, t(0s)).verdict,
            NeighborVerdict::no_entry);
  EXPECT_EQ(nc.size(), 1u);
}

TEST(NeighborCache, HintCompletesIncompleteToStaleAndReleasesQueueRfc4861_7_3_3) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  auto in = nc.on_hint(ip(2), mac(2), NdHintSource::neighbor_solicit, t(0s));
  EXPECT_EQ(in.verdict, NeighborVerdict::resolved);
  EXPECT_EQ(in.released, (std::vector<ReadyPacket6>{{ip(2), mac(2), pkt(1)}}));
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::stale);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
}

TEST(NeighborCache, HintWithDifferentAddressGoesStaleSameAddressUnchangedRfc4861_7_3_3) {
  NeighborCache nc;
  make_reachable(nc, 2, t(0s));
  EXPECT_EQ(nc.on_hint(ip(2), mac(2), NdHintSource::neighbor_solicit, t(1s)).verdict, NeighborVerdict::unchanged);
  EXPECT_EQ(nc.state(ip(2), t(1s)), NeighborState::reachable);
  EXPECT_EQ(nc.on_hint(ip(2), mac(8), NdHintSource::neighbor_solicit, t(2s)).verdict, NeighborVerdict::updated);
  EXPECT_EQ(nc.state(ip(2), t(2s)), NeighborState::stale);
  EXPECT_EQ(nc.entries(t(2s))[0].mac, mac(8));
  // In PROBE: a new address also moves it back to STALE and stops the probes.
  (void)nc.resolved(ip(2), t(3s));
  (void)nc.poll(t(8s));
  ASSERT_EQ(nc.state(ip(2), t(8s)), NeighborState::probe);
  (void)nc.on_hint(ip(2), mac(9), NdHintSource::neighbor_solicit, t(8500ms));
  EXPECT_EQ(nc.state(ip(2), t(8500ms)), NeighborState::stale);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
}

TEST(NeighborCache, RouterSolicitClearsIsRouterRfc4861_6_2_6) {
  NeighborCache nc;
  (void)nc.on_hint(ip(2), mac(2), NdHintSource::router_advert, t(0s));
  ASSERT_TRUE(nc.is_router(ip(2)));
  auto in = nc.on_hint(ip(2), std::nullopt, NdHintSource::router_solicit, t(1s));  // even without SLLA
  EXPECT_TRUE(in.router_lost);
  EXPECT_FALSE(nc.is_router(ip(2)));
}

TEST(NeighborCache, RouterAdvertSetsIsRouterAndCreatesStaleRfc4861_6_3_4) {
  NeighborCache nc;
  EXPECT_EQ(nc.on_hint(ip(2), mac(2), NdHintSource::router_advert, t(0s)).verdict, NeighborVerdict::created);
  EXPECT_TRUE(nc.is_router(ip(2)));
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::stale);
  make_stale(nc, 3, t(0s));
  (void)nc.on_hint(ip(3), std::nullopt, NdHintSource::router_advert, t(1s));  // no SLLA, entry exists
  EXPECT_TRUE(nc.is_router(ip(3)));
}

TEST(NeighborCache, RedirectTargetLearnedRfc4861_8_3) {
  NeighborCache nc;
  (void)nc.on_hint(ip(2), mac(2), NdHintSource::redirect_router, t(0s));
  EXPECT_TRUE(nc.is_router(ip(2)));
  EXPECT_EQ(nc.state(ip(2), t(0s)), NeighborState::stale);
  (void)nc.on_hint(ip(3), mac(3), NdHintSource::redirect_host, t(0s));
  EXPECT_FALSE(nc.is_router(ip(3)));
}

TEST(NeighborCache, PerAddressAndTotalQueueBounds) {
  NeighborCache nc({.max_queued_per_address = 2, .max_queued_total = 3});
  EXPECT_EQ(nc.resolve_or_queue(ip(2), pkt(1), t(0s)).status, NdResolveStatus::queued);
  EXPECT_EQ(nc.resolve_or_queue(ip(2), pkt(2), t(0s)).status, NdResolveStatus::queued);
  EXPECT_EQ(nc.resolve_or_queue(ip(2), pkt(3), t(0s)).status, NdResolveStatus::queue_full);
  EXPECT_EQ(nc.resolve_or_queue(ip(3), pkt(4), t(0s)).status, NdResolveStatus::queued);
  auto r = nc.resolve_or_queue(ip(4), pkt(5), t(0s));
  EXPECT_EQ(r.status, NdResolveStatus::queue_full);  // total bound, but resolution started
  EXPECT_TRUE(r.poll_due);
  EXPECT_EQ(nc.counters().queue_drops, 2u);
  auto in = nc.on_advert(ip(2), false, true, true, mac(2), t(0s));
  EXPECT_EQ(in.released.size(), 2u);  // the newest over the bound was the one dropped
  EXPECT_EQ(in.released[1].packet, pkt(2));
  EXPECT_EQ(nc.resolve_or_queue(ip(4), pkt(6), t(0s)).status, NdResolveStatus::queued);  // room again
}

TEST(NeighborCache, EvictsStaleUnusedLongestThenReachableClosestToExpiry) {
  NeighborCache nc({.max_entries = 3});
  make_stale(nc, 2, t(0s));
  make_stale(nc, 3, t(1s));
  make_reachable(nc, 4, t(2s));
  (void)nc.resolved(ip(2), t(3s));  // fe80::2 now in DELAY: not evictable
  make_stale(nc, 5, t(4s));         // evicts fe80::3 (the only STALE)
  EXPECT_EQ(nc.state(ip(3), t(4s)), std::nullopt);
  EXPECT_EQ(nc.counters().evictions, 1u);
  make_stale(nc, 6, t(5s));  // evicts fe80::5 (STALE before REACHABLE)
  EXPECT_EQ(nc.state(ip(5), t(5s)), std::nullopt);
  EXPECT_EQ(nc.state(ip(4), t(5s)), NeighborState::reachable);
}

TEST(NeighborCache, TableFullOfEntriesInUseRefusesNewOnes) {
  NeighborCache nc({.max_entries = 1});
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  EXPECT_EQ(nc.resolve_or_queue(ip(3), pkt(2), t(0s)).status, NdResolveStatus::table_full);
  EXPECT_EQ(nc.on_hint(ip(3), mac(3), NdHintSource::neighbor_solicit, t(0s)).verdict, NeighborVerdict::table_full);
  EXPECT_EQ(nc.counters().table_full_drops, 1u);
  EXPECT_EQ(nc.size(), 1u);
}

TEST(NeighborCache, StaticEntriesAreNeverChangedByNd) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(2), pkt(1), t(0s));
  std::vector<ReadyPacket6> released;
  ASSERT_TRUE(nc.add_static(ip(2), mac(2), t(0s), &released));
  EXPECT_EQ(released, (std::vector<ReadyPacket6>{{ip(2), mac(2), pkt(1)}}));
  EXPECT_EQ(nc.on_advert(ip(2), true, true, true, mac(9), t(1s)).verdict, NeighborVerdict::static_entry);
  EXPECT_EQ(nc.on_hint(ip(2), mac(9), NdHintSource::router_advert, t(1s)).verdict, NeighborVerdict::static_entry);
  EXPECT_FALSE(nc.confirm_reachable(ip(2), t(1s)));
  EXPECT_EQ(nc.resolved(ip(2), t(100s)), mac(2));
  EXPECT_EQ(nc.state(ip(2), t(100s)), NeighborState::permanent);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
}

TEST(NeighborCache, FlushReturnsQueuedPacketsKeepsStatic) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(3), pkt(1), t(0s));
  make_stale(nc, 4, t(0s));
  ASSERT_TRUE(nc.add_static(ip(2), mac(2), t(0s)));
  auto failed = nc.flush();
  EXPECT_EQ(failed, (std::vector<FailedPacket6>{{ip(3), pkt(1)}}));
  EXPECT_EQ(nc.size(), 1u);
  EXPECT_EQ(nc.poll_at(), std::nullopt);
}

TEST(NeighborCache, PollListsAreInAddressOrder) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(5), pkt(1), t(0s));
  (void)nc.resolve_or_queue(ip(3), pkt(2), t(0s));
  EXPECT_EQ(nc.poll(t(0s)).solicits, (std::vector<Solicit>{multicast(3), multicast(5)}));
}

TEST(NeighborCache, EntriesPrint) {
  NeighborCache nc;
  (void)nc.resolve_or_queue(ip(3), pkt(1), t(0s));
  (void)nc.poll(t(0s));
  (void)nc.on_hint(ip(2), mac(2), NdHintSource::router_advert, t(0s));
  std::ostringstream os;
  for (const auto& e : nc.entries(t(0s))) os << e << '\n';
  EXPECT_EQ(os.str(),
            "fe80::2 lladdr 02:00:00:00:00:02 router STALE\n"
            "fe80::3 INCOMPLETE solicits 1 queued 1\n");
}

}  // namespace
}  // namespace wirestack::ip
