// Resolution events (InterfaceConfig::resolution_events): a tool can tell
// its user that a first packet was late because an ARP or ND request, or
// its answer, was lost, and that a neighbour had to ask for us twice.
#include <gtest/gtest.h>

#include <sstream>

#include "iface/test_net.hpp"
#include "wire/arp.hpp"

namespace wirestack::iface::testing {
namespace {

using namespace std::chrono_literals;

InterfaceConfig reporting() {
  InterfaceConfig c;
  c.resolution_events = true;
  return c;
}

std::string text(const ResolutionEvent& e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

bool is_arp(Bytes frame) {
  auto eth = EthernetFrame::checked(frame);
  return eth && eth->ethertype() == EtherType::arp;
}

bool is_arp_request(Bytes frame) {
  if (!is_arp(frame)) return false;
  auto eth = EthernetFrame::checked(frame);
  auto arp = ArpRepr::parse(*ArpPacket::checked(eth->payload()));
  return arp && arp->operation == ArpOperation::request && arp->source_protocol != arp->target_protocol;
}

TEST(ResolutionEvents, AFirstRequestAnsweredAtOnceIsOneResolvedEvent) {
  Pair p(reporting());
  ASSERT_TRUE(p.a.send_ping(ip(2), 1, 1, 8, p.net.now()));
  p.net.run_for(100ms);
  const auto events = p.a.take_resolution_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ResolutionEventKind::resolved);
  EXPECT_EQ(events[0].neighbor, IpAddress(ip(2)));
  EXPECT_EQ(events[0].mac, mac(2));
  EXPECT_EQ(events[0].requests, 1u);
  EXPECT_EQ(events[0].elapsed, 2ms);  // 1 ms each way on the test wire: the request left at once
  EXPECT_EQ(text(events[0]), "ARP: 10.0.0.2 is at 02:00:00:00:00:02 (answered 2.0 ms after our request)");
  EXPECT_TRUE(p.a.take_resolution_events().empty());  // taken
}

// The 1001/801/600 ms ping: the first request is lost, three echo
// requests wait for the retry a second later, and the user is told why.
TEST(ResolutionEvents, ALostFirstRequestIsARetryAndALateResolution) {
  Pair p(reporting());
  int requests = 0;
  p.net.drop = [&](std::size_t from, NicId, Bytes f) { return from == 0 && is_arp_request(f) && ++requests == 1; };
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    ASSERT_TRUE(p.a.send_ping(ip(2), 1, seq, 8, p.net.now()));
    p.net.run_for(200ms);
  }
  p.net.run_for(1s);
  const auto events = p.a.take_resolution_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ResolutionEventKind::retry);
  EXPECT_EQ(events[0].requests, 2u);
  EXPECT_EQ(events[0].elapsed, 1s);
  EXPECT_EQ(text(events[0]), "ARP: 10.0.0.2 has not answered in 1.000 s: request 2 sent");
  EXPECT_EQ(events[1].kind, ResolutionEventKind::resolved);
  EXPECT_EQ(events[1].requests, 2u);
  EXPECT_EQ(events[1].elapsed, 1002ms);
  EXPECT_EQ(text(events[1]),
            "ARP: 10.0.0.2 is at 02:00:00:00:00:02 (answered 1.002 s after the first of 2 requests: an earlier one or "
            "its answer was lost or late)");
  EXPECT_EQ(p.a.take_ping_replies().size(), 3u);  // all three, after the retry
}

TEST(ResolutionEvents, NoAnswerAtAllIsRetriesThenFailed) {
  Pair p(reporting());
  ASSERT_TRUE(p.a.send_ping(ip(9), 1, 1, 8, p.net.now()));  // nobody has 10.0.0.9
  p.net.run_for(30s);
  const auto events = p.a.take_resolution_events();
  const std::uint32_t max_requests = 1 + p.a.arp(0).config().max_retries;
  ASSERT_EQ(events.size(), max_requests);  // the retries, then the failure
  for (std::uint32_t i = 0; i + 1 < max_requests; ++i) {
    EXPECT_EQ(events[i].kind, ResolutionEventKind::retry);
    EXPECT_EQ(events[i].requests, i + 2);
  }
  EXPECT_EQ(events.back().kind, ResolutionEventKind::failed);
  EXPECT_EQ(events.back().requests, max_requests);
  EXPECT_EQ(text(events.back()), "ARP: 10.0.0.9 did not answer 4 requests in 15.000 s: given up, host unreachable");
}

// B asks for A twice, one second apart: A's first reply was lost on the way.
TEST(ResolutionEvents, ANeighbourAskingAgainSoonAfterOurAnswerIsReported) {
  Pair p(reporting());
  int replies = 0;
  p.net.drop = [&](std::size_t from, NicId, Bytes f) { return from == 0 && is_arp(f) && ++replies == 1; };
  ASSERT_TRUE(p.b.send_ping(ip(1), 1, 1, 8, p.net.now()));
  p.net.run_for(2s);
  EXPECT_EQ(p.b.take_ping_replies().size(), 1u);
  const auto events = p.a.take_resolution_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ResolutionEventKind::asked_again);
  EXPECT_EQ(events[0].neighbor, IpAddress(ip(2)));
  EXPECT_EQ(events[0].ours, IpAddress(ip(1)));
  EXPECT_EQ(events[0].elapsed, 1s);
  EXPECT_EQ(text(events[0]),
            "ARP: 10.0.0.2 asked for 10.0.0.1 again 1.000 s after we answered: our answer did not reach it in time");
}

// A neighbour re-resolving us long after (its entry expired) is no news.
TEST(ResolutionEvents, ANeighbourAskingAgainMuchLaterIsNotReported) {
  Pair p(reporting());
  ASSERT_TRUE(p.b.send_ping(ip(1), 1, 1, 8, p.net.now()));
  p.net.run_for(61s);  // B's entry (60 s) expires
  ASSERT_TRUE(p.b.send_ping(ip(1), 1, 2, 8, p.net.now()));
  p.net.run_for(1s);
  EXPECT_EQ(p.b.take_ping_replies().size(), 2u);
  EXPECT_TRUE(p.a.take_resolution_events().empty());
}

TEST(ResolutionEvents, OffByDefault) {
  Pair p;
  int requests = 0;
  p.net.drop = [&](std::size_t from, NicId, Bytes f) { return from == 0 && is_arp_request(f) && ++requests == 1; };
  ASSERT_TRUE(p.a.send_ping(ip(2), 1, 1, 8, p.net.now()));
  p.net.run_for(2s);
  EXPECT_EQ(p.a.take_ping_replies().size(), 1u);
  EXPECT_TRUE(p.a.take_resolution_events().empty());
}

// The same for IPv6: a lost Neighbor Solicitation.
TEST(ResolutionEvents, ALostNeighborSolicitationIsARetryAndALateResolution) {
  TestNet net;
  Interface& a = net.add("A", reporting());
  Interface& b = net.add("B", reporting());
  (void)a.add_nic(mac(1));
  (void)b.add_nic(mac(2));
  net.wire(0, 0, 1, 0);
  ASSERT_TRUE(a.add_address6(0, *Ipv6Prefix::parse("2001:db8::1/64")));
  ASSERT_TRUE(b.add_address6(0, *Ipv6Prefix::parse("2001:db8::2/64")));
  a.nic_up(0, net.now());
  b.nic_up(0, net.now());
  net.run_for(10ms);
  (void)a.take_resolution_events();
  int solicits = 0;
  net.drop = [&](std::size_t from, NicId, Bytes f) {
    return from == 0 && summary(f).find("neighbor solicitation, who has 2001:db8::2") != std::string::npos &&
           ++solicits == 1;
  };
  const Ipv6Address dst = *Ipv6Address::parse("2001:db8::2");
  ASSERT_TRUE(a.send_ping6(dst, 1, 1, 8, net.now()));
  net.run_for(3s);
  ASSERT_EQ(solicits, 2) << ::testing::PrintToString(net.trace());
  EXPECT_EQ(a.take_ping6_replies().size(), 1u);
  const auto events = a.take_resolution_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ResolutionEventKind::retry);
  EXPECT_EQ(text(events[0]), "ND: 2001:db8::2 has not answered in 1.000 s: solicitation 2 sent");
  EXPECT_EQ(events[1].kind, ResolutionEventKind::resolved);
  EXPECT_EQ(events[1].requests, 2u);
  EXPECT_EQ(events[1].mac, mac(2));
}

}  // namespace
}  // namespace wirestack::iface::testing
