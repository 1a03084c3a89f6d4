// link/arp_cache_test.cpp — ArpCache with explicit times: resolution and
// retries at exact back-off instants, failure, the pending queue and its
// limits, expiry, every branch of RFC 826's reception algorithm (merge rule),
// gratuitous ARP, conflicts, probes, static entries, capacity, printing.
//
// Addresses: we are 10.0.0.1 / 02:00:00:00:00:01; peers 10.0.0.N / 02:00:00:00:00:0N.
#include "link/arp_cache.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace wirestack::link {
namespace {

using namespace std::chrono_literals;

constexpr MacAddress mac(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }
constexpr Ipv4Address ip(std::uint8_t n) { return Ipv4Address{10, 0, 0, n}; }

constexpr Ipv4Address kMyIp = ip(1);
constexpr MacAddress kMyMac = mac(1);

constexpr Instant t(Duration d) { return at(d); }

// A stand-in IPv4 datagram, recognisable by its one byte.
ByteVec dgram(int tag) { return ByteVec{static_cast<std::byte>(tag)}; }

ArpRepr request(MacAddress sha, Ipv4Address spa, Ipv4Address tpa) { return ArpRepr::request(sha, spa, tpa); }
ArpRepr reply(MacAddress sha, Ipv4Address spa, MacAddress tha, Ipv4Address tpa) {
  return ArpRepr{.operation = ArpOperation::reply,
                 .source_hardware = sha,
                 .source_protocol = spa,
                 .target_hardware = tha,
                 .target_protocol = tpa};
}
// Peer n answers our request.
ArpRepr reply_from(std::uint8_t n) { return reply(mac(n), ip(n), kMyMac, kMyIp); }

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Learns peer n as reachable at `when` (a request from it for us).
void learn(ArpCache& arp, std::uint8_t n, Instant when) {
  auto in = arp.on_arp(request(mac(n), ip(n), kMyIp), kMyIp, kMyMac, when);
  ASSERT_EQ(in.verdict, ArpVerdict::added);
}

// ---- Resolution, retries, failure -------------------------------------------

TEST(ArpCache, MissQueuesAndRequestsAtOnce) {
  ArpCache arp;
  EXPECT_EQ(arp.poll_at(), std::nullopt);
  auto r = arp.resolve_or_queue(ip(2), dgram(1), t(10s));
  EXPECT_EQ(r.status, ResolveStatus::queued);
  EXPECT_TRUE(r.request_due);
  EXPECT_EQ(arp.poll_at(), t(10s));

  auto p = arp.poll(t(10s));
  EXPECT_EQ(p.requests, std::vector<Ipv4Address>{ip(2)});
  EXPECT_TRUE(p.failed.empty());
  EXPECT_EQ(arp.poll_at(), t(11s));

  // A second datagram joins the pending resolution: no new request.
  auto r2 = arp.resolve_or_queue(ip(2), dgram(2), t(10s) + 1ms);
  EXPECT_EQ(r2.status, ResolveStatus::queued);
  EXPECT_FALSE(r2.request_due);
  EXPECT_TRUE(arp.poll(t(10s) + 1ms).requests.empty());

  EXPECT_EQ(arp.counters().requests_sent, 1u);
  EXPECT_EQ(arp.counters().misses, 2u);
  EXPECT_EQ(arp.counters().queued, 2u);
  EXPECT_EQ(arp.entries(t(10s)), (std::vector<ArpEntryInfo>{
                                     {.ip = ip(2), .state = ArpState::incomplete, .requests_sent = 1, .queued = 2}}));
}

TEST(ArpCache, RetriesAtExactBackoffInstantsThenFails) {
  ArpCache arp;  // 1 s, doubling, 3 retries: requests at 0, 1, 3, 7 s; failure at 15 s
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(1), t(0s)).status, ResolveStatus::queued);
  const std::vector<Instant> request_at{t(0s), t(1s), t(3s), t(7s)};
  for (Instant when : request_at) {
    ASSERT_EQ(arp.poll_at(), when);
    if (when > t(0s)) {
      auto early = arp.poll(when - 1ns);
      EXPECT_TRUE(early.requests.empty()) << "at " << to_nanos(when - 1ns);
      EXPECT_TRUE(early.failed.empty());
    }
    EXPECT_EQ(arp.poll(when).requests, std::vector<Ipv4Address>{ip(2)}) << "at " << to_nanos(when);
  }
  EXPECT_EQ(arp.poll_at(), t(15s));
  auto early = arp.poll(t(15s) - 1ns);
  EXPECT_TRUE(early.failed.empty());
  EXPECT_TRUE(early.requests.empty());

  auto p = arp.poll(t(15s));
  EXPECT_TRUE(p.requests.empty());
  EXPECT_EQ(p.failed, (std::vector<FailedPacket>{{.next_hop = ip(2), .datagram = dgram(1)}}));
  EXPECT_EQ(arp.poll_at(), std::nullopt);
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.counters().requests_sent, 4u);
  EXPECT_EQ(arp.counters().resolution_failures, 1u);
  EXPECT_EQ(arp.counters().failed_packets, 1u);
}

TEST(ArpCache, FailureReleasesEveryQueuedDatagramInOrderAndRestartsFresh) {
  ArpCache arp;
  ASSERT_EQ(arp.resolve_or_queue(ip(3), dgram(1), t(0s)).status, ResolveStatus::queued);
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(2), t(0s)).status, ResolveStatus::queued);
  ASSERT_EQ(arp.resolve_or_queue(ip(3), dgram(3), t(0s)).status, ResolveStatus::queued);
  // Both requests in IP order, whatever order the datagrams came in.
  EXPECT_EQ(arp.poll(t(0s)).requests, (std::vector<Ipv4Address>{ip(2), ip(3)}));
  for (Instant when : {t(1s), t(3s), t(7s)}) EXPECT_EQ(arp.poll(when).requests.size(), 2u);

  auto p = arp.poll(t(15s));
  EXPECT_EQ(p.failed, (std::vector<FailedPacket>{{ip(2), dgram(2)}, {ip(3), dgram(1)}, {ip(3), dgram(3)}}));
  EXPECT_EQ(arp.counters().resolution_failures, 2u);
  EXPECT_EQ(arp.counters().failed_packets, 3u);

  // The next datagram starts a new resolution from the beginning.
  auto r = arp.resolve_or_queue(ip(2), dgram(4), t(20s));
  EXPECT_EQ(r.status, ResolveStatus::queued);
  EXPECT_TRUE(r.request_due);
  EXPECT_EQ(arp.poll(t(20s)).requests, std::vector<Ipv4Address>{ip(2)});
  EXPECT_EQ(arp.poll_at(), t(21s));
}

TEST(ArpCache, BackoffFactorAndCapAreConfigurable) {
  ArpCache arp({.retry_interval = 500ms, .max_retries = 4, .backoff_factor = 3, .max_retry_interval = 2s});
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(1), t(0s)).status, ResolveStatus::queued);
  // Waits 0.5, 1.5, 2 (4.5 capped), 2, 2: requests at 0, 0.5, 2, 4, 6; failure at 8.
  std::vector<Instant> seen;
  for (int i = 0; i < 5; ++i) {
    Instant when = *arp.poll_at();
    seen.push_back(when);
    ASSERT_EQ(arp.poll(when).requests.size(), 1u);
  }
  EXPECT_EQ(seen, (std::vector<Instant>{t(0s), t(500ms), t(2s), t(4s), t(6s)}));
  EXPECT_EQ(arp.poll_at(), t(8s));
  EXPECT_EQ(arp.poll(t(8s)).failed.size(), 1u);
}

TEST(ArpCache, ReplyResolvesAndReleasesQueuedDatagramsInOrder) {
  ArpCache arp;
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(i), t(0s)).status, ResolveStatus::queued);
  ASSERT_EQ(arp.poll(t(0s)).requests.size(), 1u);

  auto in = arp.on_arp(reply_from(2), kMyIp, kMyMac, t(200ms));
  EXPECT_EQ(in.verdict, ArpVerdict::resolved);
  EXPECT_EQ(in.reply, std::nullopt);
  EXPECT_EQ(in.released, (std::vector<ReadyPacket>{{ip(2), mac(2), dgram(1)},
                                                   {ip(2), mac(2), dgram(2)},
                                                   {ip(2), mac(2), dgram(3)}}));
  EXPECT_EQ(arp.poll_at(), std::nullopt);  // no more retries
  EXPECT_TRUE(arp.poll(t(1s)).requests.empty());

  auto r = arp.resolve_or_queue(ip(2), dgram(4), t(1s));
  EXPECT_EQ(r.status, ResolveStatus::resolved);
  EXPECT_EQ(r.mac, mac(2));
  EXPECT_FALSE(r.request_due);
  EXPECT_EQ(arp.lookup(ip(2), t(1s)), mac(2));
  EXPECT_EQ(arp.counters().replies_received, 1u);
  EXPECT_EQ(arp.counters().released, 3u);
  EXPECT_EQ(arp.counters().hits, 2u);
  EXPECT_EQ(arp.counters().misses, 3u);
}

TEST(ArpCache, PerAddressQueueLimitDropsTheNewDatagram) {
  ArpCache arp({.max_queued_per_address = 3});
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(i), t(0s)).status, ResolveStatus::queued);
  auto r = arp.resolve_or_queue(ip(2), dgram(4), t(0s));
  EXPECT_EQ(r.status, ResolveStatus::queue_full);
  EXPECT_FALSE(r.request_due);
  EXPECT_EQ(arp.counters().queue_drops, 1u);
  EXPECT_EQ(arp.counters().queued, 3u);
  // Another address has its own queue.
  EXPECT_EQ(arp.resolve_or_queue(ip(3), dgram(5), t(0s)).status, ResolveStatus::queued);

  auto in = arp.on_arp(reply_from(2), kMyIp, kMyMac, t(1ms));
  ASSERT_EQ(in.released.size(), 3u);
  EXPECT_EQ(in.released.back().datagram, dgram(3));
}

// Linux's unres_qlen_bytes: the default holds a burst of small datagrams
// (a hundred SYNs a router forwards to one new next hop) and far fewer
// full-sized ones; each counts its size plus kQueuedOverhead.
TEST(ArpCache, PerAddressQueueIsBoundedInBytes) {
  ArpCache arp;
  const ArpCacheConfig& cfg = arp.config();
  const ByteVec syn(60, std::byte{1});
  for (int i = 0; i < 300; ++i) ASSERT_EQ(arp.resolve_or_queue(ip(2), ByteVec(syn), t(0s)).status, ResolveStatus::queued) << i;
  const ByteVec big(1500, std::byte{2});
  const std::size_t room = cfg.max_queued_bytes_per_address - 300 * (60 + ArpCacheConfig::kQueuedOverhead);
  const std::size_t fit = room / (1500 + ArpCacheConfig::kQueuedOverhead);
  for (std::size_t i = 0; i < fit; ++i) ASSERT_EQ(arp.resolve_or_queue(ip(2), ByteVec(big), t(0s)).status, ResolveStatus::queued) << i;
  EXPECT_EQ(arp.resolve_or_queue(ip(2), ByteVec(big), t(0s)).status, ResolveStatus::queue_full);
  EXPECT_EQ(arp.counters().queue_drops, 1u);
  // Another address has its own bytes.
  EXPECT_EQ(arp.resolve_or_queue(ip(3), ByteVec(big), t(0s)).status, ResolveStatus::queued);
  EXPECT_EQ(arp.on_arp(reply_from(2), kMyIp, kMyMac, t(1ms)).released.size(), 300 + fit);
}

TEST(ArpCache, GlobalQueueCapDropsAndStillStartsResolution) {
  ArpCache arp({.max_queued_per_address = 3, .max_queued_total = 4});
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(i), t(0s)).status, ResolveStatus::queued);
  EXPECT_EQ(arp.resolve_or_queue(ip(3), dgram(4), t(0s)).status, ResolveStatus::queued);
  auto r = arp.resolve_or_queue(ip(4), dgram(5), t(0s));
  EXPECT_EQ(r.status, ResolveStatus::queue_full);
  EXPECT_TRUE(r.request_due);  // the address is still resolved, for the next datagram
  EXPECT_EQ(arp.poll(t(0s)).requests, (std::vector<Ipv4Address>{ip(2), ip(3), ip(4)}));
  EXPECT_EQ(arp.counters().queue_drops, 1u);

  // Room comes back when a queue drains.
  ASSERT_EQ(arp.on_arp(reply_from(2), kMyIp, kMyMac, t(1ms)).released.size(), 3u);
  EXPECT_EQ(arp.resolve_or_queue(ip(4), dgram(6), t(2ms)).status, ResolveStatus::queued);
}

// ---- Expiry -------------------------------------------------------------------

TEST(ArpCache, EntryExpiresAtExactlyReachableTime) {
  ArpCache arp;  // 60 s
  learn(arp, 2, t(5s));
  EXPECT_EQ(arp.lookup(ip(2), t(65s) - 1ns), mac(2));
  EXPECT_EQ(arp.entries(t(65s) - 1ns).at(0).expires_in, 1ns);
  EXPECT_EQ(arp.lookup(ip(2), t(65s)), std::nullopt);
  EXPECT_TRUE(arp.entries(t(65s)).empty());
  EXPECT_EQ(arp.counters().entries_expired, 1u);
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.poll_at(), std::nullopt);  // expiry is not a deadline

  // After expiry, traffic resolves again.
  auto r = arp.resolve_or_queue(ip(2), dgram(1), t(66s));
  EXPECT_EQ(r.status, ResolveStatus::queued);
  EXPECT_TRUE(r.request_due);
}

TEST(ArpCache, LookupHitDoesNotRefreshButArpDoes) {
  ArpCache arp({.reachable_time = 10s});
  learn(arp, 2, t(0s));
  EXPECT_EQ(arp.lookup(ip(2), t(9s)), mac(2));
  // A broadcast request from the peer (for someone else) refreshes its entry.
  auto in = arp.on_arp(request(mac(2), ip(2), ip(7)), kMyIp, kMyMac, t(9s));
  EXPECT_EQ(in.verdict, ArpVerdict::updated);
  EXPECT_EQ(arp.lookup(ip(2), t(19s) - 1ns), mac(2));
  EXPECT_EQ(arp.lookup(ip(2), t(19s)), std::nullopt);
}

TEST(ArpCache, PollRemovesExpiredEntries) {
  ArpCache arp({.reachable_time = 10s});
  learn(arp, 2, t(0s));
  learn(arp, 3, t(5s));
  auto p = arp.poll(t(10s));
  EXPECT_TRUE(p.requests.empty());
  EXPECT_EQ(arp.size(), 1u);
  EXPECT_EQ(arp.counters().entries_expired, 1u);
}

// ---- RFC 826 reception: the merge rule ----------------------------------------

TEST(ArpCache, RequestForUsAddsSenderAndAsksForReply) {
  ArpCache arp;
  const ArpRepr req = request(mac(2), ip(2), kMyIp);
  auto in = arp.on_arp(req, kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::added);
  ASSERT_TRUE(in.reply.has_value());
  EXPECT_EQ(*in.reply, ArpRepr::reply_to(req, kMyMac));
  EXPECT_EQ(in.reply->target_hardware, mac(2));
  EXPECT_EQ(in.reply->source_protocol, kMyIp);
  EXPECT_TRUE(in.released.empty());
  EXPECT_EQ(arp.lookup(ip(2), t(1s)), mac(2));
  EXPECT_EQ(arp.counters().requests_received, 1u);
  EXPECT_EQ(arp.counters().requests_answered, 1u);
}

TEST(ArpCache, RequestNotForUsUpdatesAnExistingEntry) {
  ArpCache arp;
  learn(arp, 2, t(0s));
  // 10.0.0.2 now speaks from another MAC, asking for 10.0.0.7 (not us).
  auto in = arp.on_arp(request(mac(0x22), ip(2), ip(7)), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::updated);
  EXPECT_EQ(in.reply, std::nullopt);
  EXPECT_EQ(arp.lookup(ip(2), t(1s)), mac(0x22));
  EXPECT_EQ(arp.entries(t(1s)).at(0).expires_in, 60s);
}

TEST(ArpCache, RequestNotForUsAddsNothing) {
  ArpCache arp;
  auto in = arp.on_arp(request(mac(4), ip(4), ip(7)), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::not_learned);
  EXPECT_EQ(in.reply, std::nullopt);
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.lookup(ip(4), t(1s)), std::nullopt);
  EXPECT_EQ(arp.counters().requests_received, 1u);
}

TEST(ArpCache, RequestForUsFromKnownSenderUpdatesAndReplies) {
  ArpCache arp;
  learn(arp, 2, t(0s));
  auto in = arp.on_arp(request(mac(0x22), ip(2), kMyIp), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::updated);  // merge_flag set: not added twice
  EXPECT_TRUE(in.reply.has_value());
  EXPECT_EQ(arp.lookup(ip(2), t(1s)), mac(0x22));
  EXPECT_EQ(arp.size(), 1u);
}

TEST(ArpCache, UnsolicitedReplyForUsIsAddedWithoutReply) {
  ArpCache arp;
  auto in = arp.on_arp(reply_from(5), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::added);
  EXPECT_EQ(in.reply, std::nullopt);
  EXPECT_EQ(arp.lookup(ip(5), t(1s)), mac(5));
}

TEST(ArpCache, ReplyNotForUsIsNotLearned) {
  ArpCache arp;
  auto in = arp.on_arp(reply(mac(5), ip(5), mac(6), ip(6)), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::not_learned);
  EXPECT_EQ(arp.size(), 0u);
}

TEST(ArpCache, RequestNotForUsCompletesAPendingResolution) {
  // The address we are resolving broadcasts a request of its own: the merge
  // rule applies to the incomplete entry too, and the queue goes out.
  ArpCache arp;
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(1), t(0s)).status, ResolveStatus::queued);
  ASSERT_EQ(arp.poll(t(0s)).requests.size(), 1u);
  auto in = arp.on_arp(request(mac(2), ip(2), ip(9)), kMyIp, kMyMac, t(10ms));
  EXPECT_EQ(in.verdict, ArpVerdict::resolved);
  EXPECT_EQ(in.reply, std::nullopt);
  EXPECT_EQ(in.released, (std::vector<ReadyPacket>{{ip(2), mac(2), dgram(1)}}));
}

TEST(ArpCache, ExpiredEntryIsNotMergedInto) {
  ArpCache arp({.reachable_time = 10s});
  learn(arp, 2, t(0s));
  auto in = arp.on_arp(request(mac(2), ip(2), ip(7)), kMyIp, kMyMac, t(10s));
  EXPECT_EQ(in.verdict, ArpVerdict::not_learned);
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.counters().entries_expired, 1u);
}

TEST(ArpCache, GratuitousArpUpdatesAnExistingEntryOnly) {
  ArpCache arp;
  learn(arp, 2, t(0s));
  auto g = arp.on_arp(request(mac(0x22), ip(2), ip(2)), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(g.verdict, ArpVerdict::updated);
  EXPECT_EQ(g.reply, std::nullopt);
  EXPECT_EQ(arp.lookup(ip(2), t(1s)), mac(0x22));
  // Gratuitous reply form (RFC 5227 announcement as a reply) too.
  auto g2 = arp.on_arp(reply(mac(0x23), ip(2), MacAddress::broadcast(), ip(2)), kMyIp, kMyMac, t(2s));
  EXPECT_EQ(g2.verdict, ArpVerdict::updated);
  EXPECT_EQ(arp.lookup(ip(2), t(2s)), mac(0x23));
  // An unknown host announcing itself is not added.
  auto g3 = arp.on_arp(request(mac(3), ip(3), ip(3)), kMyIp, kMyMac, t(3s));
  EXPECT_EQ(g3.verdict, ArpVerdict::not_learned);
  EXPECT_EQ(arp.lookup(ip(3), t(3s)), std::nullopt);
}

// ---- Screening ----------------------------------------------------------------

TEST(ArpCache, ConflictIsCountedAndIgnored) {
  ArpCache arp;
  // Another MAC claims our address, asking for 10.0.0.2 and in a gratuitous ARP.
  auto a = arp.on_arp(request(mac(9), kMyIp, ip(2)), kMyIp, kMyMac, t(1s));
  auto b = arp.on_arp(request(mac(9), kMyIp, kMyIp), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(a.verdict, ArpVerdict::conflict);
  EXPECT_EQ(b.verdict, ArpVerdict::conflict);
  EXPECT_EQ(b.reply, std::nullopt);
  EXPECT_EQ(arp.counters().conflicts, 2u);
  EXPECT_EQ(arp.size(), 0u);
  // Our own announcement echoed back is not a conflict.
  auto own = arp.on_arp(request(kMyMac, kMyIp, kMyIp), kMyIp, kMyMac, t(2s));
  EXPECT_EQ(own.verdict, ArpVerdict::looped_back);
  EXPECT_EQ(arp.counters().conflicts, 2u);
  EXPECT_EQ(arp.counters().ignored, 1u);
}

TEST(ArpCache, ProbeIsAnsweredButNotLearned) {
  ArpCache arp;
  const ArpRepr probe = request(mac(2), Ipv4Address::any(), kMyIp);  // RFC 5227 probe for our address
  auto in = arp.on_arp(probe, kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::probe);
  ASSERT_TRUE(in.reply.has_value());
  EXPECT_EQ(in.reply->target_protocol, Ipv4Address::any());
  EXPECT_EQ(in.reply->target_hardware, mac(2));
  EXPECT_EQ(in.reply->source_protocol, kMyIp);
  EXPECT_EQ(arp.size(), 0u);
  // A probe for another address is neither learned nor answered.
  auto other = arp.on_arp(request(mac(3), Ipv4Address::any(), ip(5)), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(other.verdict, ArpVerdict::probe);
  EXPECT_EQ(other.reply, std::nullopt);
  EXPECT_EQ(arp.counters().probes, 2u);
  EXPECT_EQ(arp.counters().requests_received, 0u);
}

TEST(ArpCache, BadSendersAndOperationsAreIgnored) {
  ArpCache arp;
  const MacAddress group = MacAddress::from_parts(0x01005e, 0x000001);
  const std::vector<ArpRepr> bad{
      request(MacAddress::broadcast(), ip(2), kMyIp),
      request(group, ip(2), kMyIp),
      request(MacAddress{}, ip(2), kMyIp),
      request(mac(2), Ipv4Address::broadcast(), kMyIp),
      request(mac(2), Ipv4Address{224, 0, 0, 1}, kMyIp),
      request(mac(2), Ipv4Address{127, 0, 0, 1}, kMyIp),
  };
  for (const ArpRepr& a : bad) {
    auto in = arp.on_arp(a, kMyIp, kMyMac, t(1s));
    EXPECT_EQ(in.verdict, ArpVerdict::bad_sender) << a;
    EXPECT_EQ(in.reply, std::nullopt) << a;
  }
  ArpRepr rarp = request(mac(2), ip(2), kMyIp);
  rarp.operation = ArpOperation{3};
  EXPECT_EQ(arp.on_arp(rarp, kMyIp, kMyMac, t(1s)).verdict, ArpVerdict::bad_operation);
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.counters().ignored, bad.size() + 1);
}

TEST(ArpCache, UnconfiguredInterfaceIsNeverTheTarget) {
  ArpCache arp;
  auto in = arp.on_arp(request(mac(2), ip(2), Ipv4Address::any()), Ipv4Address::any(), kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::not_learned);
  EXPECT_EQ(in.reply, std::nullopt);
}

// ---- Static entries, flush, capacity -------------------------------------------

TEST(ArpCache, StaticEntriesNeverExpireAndArpDoesNotChangeThem) {
  ArpCache arp;
  ASSERT_TRUE(arp.add_static(ip(9), mac(9), t(0s)).has_value());
  EXPECT_EQ(arp.lookup(ip(9), t(1000000s)), mac(9));
  auto in = arp.on_arp(request(mac(0x99), ip(9), kMyIp), kMyIp, kMyMac, t(1000000s));
  EXPECT_EQ(in.verdict, ArpVerdict::static_entry);
  EXPECT_TRUE(in.reply.has_value());  // still answered
  EXPECT_EQ(arp.lookup(ip(9), t(1000000s)), mac(9));

  learn(arp, 2, t(1000000s));
  std::vector<FailedPacket> dropped = arp.flush();
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(arp.entries(t(1000000s)),
            (std::vector<ArpEntryInfo>{{.ip = ip(9), .state = ArpState::permanent, .mac = mac(9)}}));

  auto bad = arp.add_static(Ipv4Address::broadcast(), mac(9), t(1000000s));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), StaticEntryError::invalid_address);
}

TEST(ArpCache, StaticEntryCompletesAPendingResolution) {
  ArpCache arp;
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(1), t(0s)).status, ResolveStatus::queued);
  auto r = arp.add_static(ip(2), mac(2), t(1s));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<ReadyPacket>{{ip(2), mac(2), dgram(1)}}));
  EXPECT_EQ(arp.poll_at(), std::nullopt);
  EXPECT_EQ(arp.lookup(ip(2), t(2s)), mac(2));
}

TEST(ArpCache, FlushReturnsWaitingDatagramsAsFailed) {
  ArpCache arp;
  learn(arp, 5, t(0s));
  ASSERT_EQ(arp.resolve_or_queue(ip(3), dgram(1), t(0s)).status, ResolveStatus::queued);
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(2), t(0s)).status, ResolveStatus::queued);
  auto failed = arp.flush();
  EXPECT_EQ(failed, (std::vector<FailedPacket>{{ip(2), dgram(2)}, {ip(3), dgram(1)}}));
  EXPECT_EQ(arp.size(), 0u);
  EXPECT_EQ(arp.poll_at(), std::nullopt);
  EXPECT_EQ(arp.counters().failed_packets, 2u);
  // The global queue is empty again.
  EXPECT_EQ(arp.resolve_or_queue(ip(2), dgram(3), t(1s)).status, ResolveStatus::queued);
}

TEST(ArpCache, CapacityEvictsTheOldestReachableEntry) {
  ArpCache arp({.max_entries = 3});
  learn(arp, 4, t(1s));
  learn(arp, 2, t(2s));
  learn(arp, 3, t(3s));
  learn(arp, 5, t(4s));  // evicts 10.0.0.4, learned first
  EXPECT_EQ(arp.counters().evictions, 1u);
  EXPECT_EQ(arp.lookup(ip(4), t(4s)), std::nullopt);
  EXPECT_EQ(arp.lookup(ip(2), t(4s)), mac(2));
  EXPECT_EQ(arp.size(), 3u);
}

TEST(ArpCache, CapacityPurgesExpiredEntriesBeforeEvicting) {
  ArpCache arp({.reachable_time = 10s, .max_entries = 2});
  learn(arp, 2, t(0s));
  learn(arp, 3, t(5s));
  learn(arp, 4, t(10s));  // 10.0.0.2 expired at 10 s: purged, nothing evicted
  EXPECT_EQ(arp.counters().entries_expired, 1u);
  EXPECT_EQ(arp.counters().evictions, 0u);
  EXPECT_EQ(arp.lookup(ip(3), t(10s)), mac(3));
}

TEST(ArpCache, PendingAndStaticEntriesAreNeverEvicted) {
  ArpCache arp({.max_entries = 2});
  ASSERT_TRUE(arp.add_static(ip(9), mac(9), t(0s)).has_value());
  ASSERT_EQ(arp.resolve_or_queue(ip(2), dgram(1), t(0s)).status, ResolveStatus::queued);
  auto r = arp.resolve_or_queue(ip(3), dgram(2), t(0s));
  EXPECT_EQ(r.status, ResolveStatus::table_full);
  EXPECT_FALSE(r.request_due);
  EXPECT_EQ(arp.counters().table_full_drops, 1u);
  auto in = arp.on_arp(request(mac(4), ip(4), kMyIp), kMyIp, kMyMac, t(1s));
  EXPECT_EQ(in.verdict, ArpVerdict::table_full);
  EXPECT_TRUE(in.reply.has_value());  // answered even when not stored
  auto s = arp.add_static(ip(8), mac(8), t(1s));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error(), StaticEntryError::table_full);
}

// ---- Printing -------------------------------------------------------------------

TEST(ArpCache, EntriesAreInNumericIpOrderAndPrintDeterministically) {
  ArpCache arp;
  const Ipv4Address a{10, 0, 0, 30}, b{10, 0, 0, 4}, c{10, 0, 0, 200};
  ASSERT_EQ(arp.on_arp(request(mac(30), a, kMyIp), kMyIp, kMyMac, t(1s)).verdict, ArpVerdict::added);
  ASSERT_EQ(arp.resolve_or_queue(c, dgram(1), t(2s)).status, ResolveStatus::queued);
  ASSERT_TRUE(arp.add_static(b, mac(4), t(2s)).has_value());
  ASSERT_EQ(arp.poll(t(2s)).requests.size(), 1u);

  std::string text;
  for (const ArpEntryInfo& e : arp.entries(t(2500ms))) text += str(e) + "\n";
  EXPECT_EQ(text,
            "10.0.0.4 lladdr 02:00:00:00:00:04 PERMANENT\n"
            "10.0.0.30 lladdr 02:00:00:00:00:1e REACHABLE expires 58.500s\n"
            "10.0.0.200 INCOMPLETE requests 1 queued 1\n");
  EXPECT_EQ(str(ResolveStatus::queue_full), "queue_full");
  EXPECT_EQ(str(ArpVerdict::resolved), "resolved");
  EXPECT_EQ(str(StaticEntryError::table_full), "table_full");
}

TEST(ArpCache, SameInputsGiveTheSameRequestsWhateverTheInsertionOrder) {
  auto run = [](const std::vector<std::uint8_t>& order) {
    ArpCache arp;
    for (std::uint8_t n : order) {
      EXPECT_EQ(arp.resolve_or_queue(ip(n), dgram(n), t(0s)).status, ResolveStatus::queued);
    }
    std::vector<Ipv4Address> sent;
    while (auto when = arp.poll_at()) {
      auto p = arp.poll(*when);
      sent.insert(sent.end(), p.requests.begin(), p.requests.end());
      if (!p.failed.empty()) break;
    }
    return sent;
  };
  EXPECT_EQ(run({7, 3, 5}), run({5, 7, 3}));
  EXPECT_EQ(run({7, 3, 5}).front(), ip(3));
}

}  // namespace
}  // namespace wirestack::link
