#include "dns/resolver.hpp"

#include <gtest/gtest.h>

#include "wire/ipv4_address.hpp"

namespace wirestack::dns {
namespace {

using namespace std::chrono_literals;

Name N(std::string_view s) { return *Name::parse(s); }
Instant at(Duration d) { return Instant{d}; }

const IpEndpoint kServer{Ipv4Address(10, 0, 0, 53), 53};

// Our own authoritative server plays the far side.
class LookupTest : public ::testing::Test {
 protected:
  LookupTest() {
    std::string text = R"($ORIGIN campus.
@     SOA ns admin 1 3600 600 86400 60
web   A   10.0.0.80
www   CNAME web
out   CNAME web.other.
)";
    for (int i = 0; i < 40; ++i) text += "many A 10.0.1." + std::to_string(i) + "\n";
    zone_ = *load_master(text, "campus");
    other_ = *load_master("$ORIGIN other.\n@ SOA ns admin 1 2 3 4 5\nweb A 192.0.2.1\n", "other");
  }
  // The server's reply to what the lookup sent (UDP or TCP framing).
  ByteVec serve(const Lookup::Transmit& t, const Zone& z) {
    if (t.transport == Transport::udp) return *answer(z, t.bytes, Transport::udp, stats_);
    TcpFramer f;
    f.push(t.bytes);
    return frame_tcp(*answer(z, *f.next(), Transport::tcp, stats_));
  }
  Zone zone_;
  Zone other_;
  AnswerStats stats_;
  Rng rng_{7};
};

TEST_F(LookupTest, AsksOnceAndTakesTheAnswer) {
  Lookup look(N("web.campus"), Type::a, kServer, {.edns_size = 0}, rng_, at(0s));
  auto tx = look.poll_transmit(at(0s));
  ASSERT_TRUE(tx);
  EXPECT_EQ(tx->transport, Transport::udp);
  EXPECT_EQ(tx->to, kServer);
  EXPECT_FALSE(look.poll_transmit(at(0s)));
  EXPECT_EQ(look.poll_at(), at(1s));
  look.on_udp(kServer, serve(*tx, zone_), at(10ms));
  ASSERT_TRUE(look.done());
  ASSERT_TRUE(look.result());
  EXPECT_EQ(look.result()->addresses(), (std::vector<IpAddress>{Ipv4Address(10, 0, 0, 80)}));
  EXPECT_EQ(look.result()->queries, 1);
  EXPECT_FALSE(look.poll_at());
}

TEST_F(LookupTest, TheIdComesFromTheRng) {
  Rng a(1), b(1), c(2);
  Lookup la(N("web.campus"), Type::a, kServer, {}, a, at(0s));
  Lookup lb(N("web.campus"), Type::a, kServer, {}, b, at(0s));
  Lookup lc(N("web.campus"), Type::a, kServer, {}, c, at(0s));
  const auto id = [](Lookup& l) { return HeaderView(l.poll_transmit(at(0s))->bytes).id(); };
  const auto ia = id(la);
  EXPECT_EQ(ia, id(lb));
  EXPECT_NE(ia, id(lc));
}

TEST_F(LookupTest, RetriesWithDoublingTimeoutsThenGivesUp) {
  Lookup look(N("web.campus"), Type::a, kServer, {.timeout = 1s, .attempts = 3}, rng_, at(0s));
  ASSERT_TRUE(look.poll_transmit(at(0s)));
  EXPECT_FALSE(look.poll_transmit(at(999ms)));
  ASSERT_TRUE(look.poll_transmit(at(1s)));   // second try, waits 2 s
  EXPECT_EQ(look.poll_at(), at(3s));
  ASSERT_TRUE(look.poll_transmit(at(3s)));   // third, waits 4 s
  EXPECT_FALSE(look.poll_transmit(at(7s)));
  ASSERT_TRUE(look.done());
  EXPECT_EQ(look.result().error().code, LookupErrc::timeout);
  EXPECT_EQ(look.result().error().message, "no answer from 10.0.0.53:53 after 3 tries for web.campus.");
}

TEST_F(LookupTest, IgnoresAnswersThatFailTheChecks) {
  Lookup look(N("web.campus"), Type::a, kServer, {}, rng_, at(0s));
  auto tx = look.poll_transmit(at(0s));
  const ByteVec good = serve(*tx, zone_);
  look.on_udp({Ipv4Address(10, 0, 0, 66), 53}, good, at(1ms));  // another address
  look.on_udp({kServer.addr, 5353}, good, at(1ms));               // another port
  ByteVec wrong_id = good;
  wrong_id[1] ^= std::byte{1};
  look.on_udp(kServer, wrong_id, at(1ms));
  // Another question with our id.
  Message other = *Message::parse(good);
  other.questions[0].name = N("www.campus");
  look.on_udp(kServer, other.emit(), at(1ms));
  look.on_udp(kServer, from_hex("0102"), at(1ms));  // garbage
  EXPECT_FALSE(look.done());
  EXPECT_EQ(look.ignored(), 5u);
  look.on_udp(kServer, good, at(2ms));
  ASSERT_TRUE(look.done());
  EXPECT_TRUE(look.result());
}

TEST_F(LookupTest, FallsBackToTcpOnTruncation) {
  Lookup look(N("many.campus"), Type::a, kServer, {.edns_size = 0}, rng_, at(0s));
  auto udp = look.poll_transmit(at(0s));
  look.on_udp(kServer, serve(*udp, zone_), at(1ms));
  EXPECT_FALSE(look.done());
  auto tcp = look.poll_transmit(at(1ms));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->transport, Transport::tcp);
  const ByteVec reply = serve(*tcp, zone_);
  look.on_tcp_data(Bytes(reply).first(100), at(2ms));  // in two pieces
  EXPECT_FALSE(look.done());
  look.on_tcp_data(Bytes(reply).subspan(100), at(3ms));
  ASSERT_TRUE(look.done());
  ASSERT_TRUE(look.result());
  EXPECT_EQ(look.result()->addresses().size(), 40u);
  EXPECT_TRUE(look.result()->used_tcp);
  EXPECT_EQ(look.result()->queries, 2);
}

TEST_F(LookupTest, TcpClosedEarlyEndsTheLookup) {
  Lookup look(N("many.campus"), Type::a, kServer, {.edns_size = 0}, rng_, at(0s));
  look.on_udp(kServer, serve(*look.poll_transmit(at(0s)), zone_), at(1ms));
  ASSERT_TRUE(look.poll_transmit(at(1ms)));
  look.on_tcp_closed(at(2ms));
  ASSERT_TRUE(look.done());
  EXPECT_EQ(look.result().error().code, LookupErrc::tcp_failed);
}

TEST_F(LookupTest, FollowsCnamesInsideTheAnswerAndAcrossQueries) {
  Lookup www(N("www.campus"), Type::a, kServer, {}, rng_, at(0s));
  www.on_udp(kServer, serve(*www.poll_transmit(at(0s)), zone_), at(1ms));
  ASSERT_TRUE(www.done());
  EXPECT_EQ(www.result()->canonical, N("web.campus"));
  EXPECT_EQ(www.result()->chain.size(), 1u);
  EXPECT_EQ(www.result()->addresses().size(), 1u);
  // out.campus -> web.other.: our server stops at its zone's edge, so the
  // lookup asks again for web.other (here a second zone answers).
  Lookup out(N("out.campus"), Type::a, kServer, {}, rng_, at(0s));
  out.on_udp(kServer, serve(*out.poll_transmit(at(0s)), zone_), at(1ms));
  EXPECT_FALSE(out.done());
  auto again = out.poll_transmit(at(1ms));
  ASSERT_TRUE(again);
  EXPECT_EQ(Message::parse(again->bytes)->questions[0].name, N("web.other"));
  out.on_udp(kServer, serve(*again, other_), at(2ms));
  ASSERT_TRUE(out.done());
  EXPECT_EQ(out.result()->addresses(), (std::vector<IpAddress>{Ipv4Address(192, 0, 2, 1)}));
  EXPECT_EQ(out.result()->queries, 2);
}

TEST_F(LookupTest, NxdomainNodataAndServerErrors) {
  Lookup nx(N("nothere.campus"), Type::a, kServer, {}, rng_, at(0s));
  nx.on_udp(kServer, serve(*nx.poll_transmit(at(0s)), zone_), at(1ms));
  ASSERT_TRUE(nx.done());
  EXPECT_EQ(nx.result()->rcode, Rcode::nxdomain);
  Lookup nodata(N("web.campus"), Type::aaaa, kServer, {}, rng_, at(0s));
  nodata.on_udp(kServer, serve(*nodata.poll_transmit(at(0s)), zone_), at(1ms));
  ASSERT_TRUE(nodata.done());
  EXPECT_EQ(nodata.result()->rcode, Rcode::noerror);
  EXPECT_TRUE(nodata.result()->answers.empty());
  Lookup refused(N("example.org"), Type::a, kServer, {}, rng_, at(0s));
  refused.on_udp(kServer, serve(*refused.poll_transmit(at(0s)), zone_), at(1ms));
  ASSERT_TRUE(refused.done());
  EXPECT_EQ(refused.result().error().code, LookupErrc::server_error);
  EXPECT_EQ(refused.result().error().rcode, Rcode::refused);
  EXPECT_EQ(refused.result().error().message, "10.0.0.53:53 answered REFUSED for example.org.");
}

}  // namespace
}  // namespace wirestack::dns
