// transport/transport_test.cpp — the shared pieces: the ICMP error table for
// each protocol, the port allocator's order and its range check, handles.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "transport/error.hpp"
#include "transport/handle.hpp"
#include "transport/port_allocator.hpp"

namespace wirestack::transport {
namespace {

TEST(IcmpErrors, OneTableForBothProtocols) {
  using R = IcmpReason;
  // Linux icmp_err_convert[]: refused, net and host unreachable for both.
  for (Protocol p : {Protocol::tcp, Protocol::udp}) {
    EXPECT_EQ(error_for(p, R::port_unreachable), Errc::connection_refused);
    EXPECT_EQ(error_for(p, R::protocol_unreachable), Errc::connection_refused);
    EXPECT_EQ(error_for(p, R::net_unreachable), Errc::net_unreachable);
    EXPECT_EQ(error_for(p, R::host_unreachable), Errc::host_unreachable);
    EXPECT_EQ(error_for(p, R::admin_prohibited), Errc::host_unreachable);
  }
  // TCP leaves "too big" to path MTU discovery and keeps retransmitting
  // through soft errors; UDP passes them up (RFC 1122 4.1.3.3).
  EXPECT_EQ(error_for(Protocol::tcp, R::packet_too_big), std::nullopt);
  EXPECT_EQ(error_for(Protocol::udp, R::packet_too_big), Errc::message_too_long);
  EXPECT_EQ(error_for(Protocol::tcp, R::time_exceeded), std::nullopt);
  EXPECT_EQ(error_for(Protocol::udp, R::time_exceeded), Errc::host_unreachable);
}

TEST(PortAllocator, ChecksTheRangeOnce) {
  EXPECT_TRUE(check(PortRange{}));
  EXPECT_TRUE(check(PortRange{.first = 7, .last = 7}));
  EXPECT_NE(check(PortRange{.first = 0, .last = 10}).error().find("starts at port 0"), std::string::npos);
  EXPECT_NE(check(PortRange{.first = 600, .last = 500}).error().find("600-500 is empty"), std::string::npos);
  PortAllocator bad(1, PortRange{.first = 600, .last = 500});
  auto r = bad.pick(IpAddress{}, IpEndpoint{}, [](std::uint16_t) { return true; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::no_ephemeral_port);
}

TEST(PortAllocator, VisitsEveryPortOnceThenSaysSo) {
  PortAllocator ports(42, PortRange{.first = 60000, .last = 60009});
  std::set<std::uint16_t> seen;
  auto r = ports.pick(IpAddress{}, IpEndpoint{}, [&](std::uint16_t p) {
    EXPECT_GE(p, 60000);
    EXPECT_LE(p, 60009);
    seen.insert(p);
    return false;
  });
  EXPECT_EQ(seen.size(), 10u);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no free ephemeral port in 60000-60009: close some sockets or widen the range");
}

TEST(PortAllocator, TheStartDependsOnTheKeyAndThePeer) {
  const IpEndpoint a{*IpAddress::parse("10.0.0.2"), 80};
  const IpEndpoint b{*IpAddress::parse("2001:db8::2"), 80};
  auto first = [](std::uint64_t key, const IpEndpoint& peer) {
    PortAllocator ports(key, PortRange{});
    return *ports.pick(IpAddress{}, peer, [](std::uint16_t) { return true; });
  };
  EXPECT_EQ(first(1, a), first(1, a));  // seeded: reproducible
  std::set<std::uint16_t> starts{first(1, a), first(2, a), first(1, b), first(2, b)};
  EXPECT_GE(starts.size(), 3u);
}

TEST(Handle, PrintsItsProtocol) {
  std::ostringstream os;
  os << Handle<TcpTag>{3, 1} << ' ' << Handle<UdpTag>{4, 2};
  EXPECT_EQ(os.str(), "tcp#3.1 udp#4.2");
}

}  // namespace
}  // namespace wirestack::transport
