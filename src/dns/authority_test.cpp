#include "dns/authority.hpp"

#include <gtest/gtest.h>

namespace wirestack::dns {
namespace {

Name N(std::string_view s) { return *Name::parse(s); }

constexpr std::string_view kZone = R"($ORIGIN campus.
$TTL 300
@     SOA ns admin 1 3600 600 86400 60
      NS  ns
ns    A   10.0.0.53
web   A   10.0.0.80
web   AAAA 2001:db8::80
www   CNAME web
alias CNAME www
away  CNAME www.example.org.
loop1 CNAME loop2
loop2 CNAME loop1
gone  CNAME nothere
a.b.deep A 10.0.0.9
info  TXT "hello"
)";

class AuthorityTest : public ::testing::Test {
 protected:
  AuthorityTest() {
    std::string text(kZone);
    for (int i = 0; i < 40; ++i) text += "many A 10.0.1." + std::to_string(i) + "\n";
    auto z = load_master(text, "campus.zone");
    EXPECT_TRUE(z) << z.error();
    zone_ = *z;
  }
  Message ask(std::string_view name, Type type, Transport t = Transport::udp, std::optional<std::uint16_t> edns = {}) {
    Message q;
    q.header = Header{.id = 0x1234, .rd = true};
    q.questions.push_back({N(name), type, kClassIn});
    if (edns) q.additional.push_back({.name = Name{}, .type = Type::opt, .klass = *edns, .ttl = 0, .data = OpaqueData{}});
    return ask_bytes(q.emit(), t);
  }
  Message ask_bytes(Bytes query, Transport t = Transport::udp) {
    auto out = answer(zone_, query, t, stats_);
    EXPECT_TRUE(out);
    if (!out) return {};
    last_size_ = out->size();
    auto m = Message::parse(*out);
    EXPECT_TRUE(m) << m.error();
    return m ? *m : Message{};
  }
  static std::vector<std::string> lines(const std::vector<Record>& rrs) {
    std::vector<std::string> out;
    for (const auto& r : rrs) out.push_back(r.to_string());
    return out;
  }
  Zone zone_;
  AnswerStats stats_;
  std::size_t last_size_ = 0;
};

TEST_F(AuthorityTest, AnswersDigsCapturedQueryThroughTheCname) {
  // dig www.campus A +noedns (id 0x8946, RD and AD set).
  const ByteVec q = from_hex("894601200001000000000000037777770663616d7075730000010001");
  const Message r = ask_bytes(q);
  EXPECT_EQ(r.header.id, 0x8946);
  EXPECT_TRUE(r.header.qr);
  EXPECT_TRUE(r.header.aa);
  EXPECT_TRUE(r.header.rd);
  EXPECT_FALSE(r.header.ra);  // we do not recurse
  EXPECT_EQ(r.header.rcode, Rcode::noerror);
  EXPECT_EQ(lines(r.answers),
            (std::vector<std::string>{"www.campus. 300 IN CNAME web.campus.", "web.campus. 300 IN A 10.0.0.80"}));
  EXPECT_EQ(stats_.answered, 1u);
}

TEST_F(AuthorityTest, EveryTypeAndTheChain) {
  EXPECT_EQ(lines(ask("web.campus", Type::aaaa).answers), (std::vector<std::string>{"web.campus. 300 IN AAAA 2001:db8::80"}));
  EXPECT_EQ(lines(ask("campus", Type::ns).answers), (std::vector<std::string>{"campus. 300 IN NS ns.campus."}));
  EXPECT_EQ(ask("campus", Type::soa).answers.size(), 1u);
  EXPECT_EQ(lines(ask("INFO.campus", Type::txt).answers), (std::vector<std::string>{"INFO.campus. 300 IN TXT \"hello\""}));
  EXPECT_EQ(ask("alias.campus", Type::a).answers.size(), 3u);  // alias -> www -> web A
  EXPECT_EQ(lines(ask("www.campus", Type::cname).answers), (std::vector<std::string>{"www.campus. 300 IN CNAME web.campus."}));
  const Message away = ask("away.campus", Type::a);
  EXPECT_EQ(away.header.rcode, Rcode::noerror);
  EXPECT_EQ(away.answers.size(), 1u);  // the client follows it out of our zone
  EXPECT_EQ(ask("web.campus", Type::any).answers.size(), 2u);
  const Message loop = ask("loop1.campus", Type::a);
  EXPECT_EQ(loop.answers.size(), 9u);  // 8 hops followed, then stop
}

TEST_F(AuthorityTest, NxdomainAndNodataCarryTheSoa) {
  const Message nx = ask("nothere.campus", Type::a);
  EXPECT_EQ(nx.header.rcode, Rcode::nxdomain);
  EXPECT_TRUE(nx.header.aa);
  EXPECT_EQ(lines(nx.authority), (std::vector<std::string>{"campus. 60 IN SOA ns.campus. admin.campus. 1 3600 600 86400 60"}));
  const Message nodata = ask("ns.campus", Type::aaaa);
  EXPECT_EQ(nodata.header.rcode, Rcode::noerror);
  EXPECT_TRUE(nodata.answers.empty());
  EXPECT_EQ(nodata.authority.size(), 1u);
  const Message ent = ask("deep.campus", Type::a);  // empty non-terminal
  EXPECT_EQ(ent.header.rcode, Rcode::noerror);
  EXPECT_EQ(ent.authority.size(), 1u);
  const Message gone = ask("gone.campus", Type::a);  // CNAME to a name that is not there
  EXPECT_EQ(gone.header.rcode, Rcode::nxdomain);
  EXPECT_EQ(gone.answers.size(), 1u);
  EXPECT_EQ(stats_.nxdomain, 2u);
  EXPECT_EQ(stats_.nodata, 2u);
}

TEST_F(AuthorityTest, RefusesOtherZonesAndOtherClasses) {
  const Message r = ask("www.example.org", Type::a);
  EXPECT_EQ(r.header.rcode, Rcode::refused);
  EXPECT_FALSE(r.header.aa);
  Message q;
  q.questions.push_back({N("web.campus"), Type::a, 3});  // CHAOS
  EXPECT_EQ(ask_bytes(q.emit()).header.rcode, Rcode::refused);
  EXPECT_EQ(ask("campus", Type::axfr).header.rcode, Rcode::notimp);
  EXPECT_EQ(stats_.refused, 2u);
}

TEST_F(AuthorityTest, BadQueriesGetFormerrOrNotimpOrNothing) {
  Message two;
  two.questions = {{N("web.campus"), Type::a, kClassIn}, {N("www.campus"), Type::a, kClassIn}};
  EXPECT_EQ(ask_bytes(two.emit()).header.rcode, Rcode::formerr);
  Message none;
  EXPECT_EQ(ask_bytes(none.emit()).header.rcode, Rcode::formerr);
  Message status;
  status.header.opcode = Opcode::status;
  status.questions = {{N("web.campus"), Type::a, kClassIn}};
  EXPECT_EQ(ask_bytes(status.emit()).header.rcode, Rcode::notimp);
  // A question whose name points at itself: FORMERR with the id, no question.
  const ByteVec loop = from_hex("abcd01000001000000000000c00c00010001");
  const Message f = ask_bytes(loop);
  EXPECT_EQ(f.header.rcode, Rcode::formerr);
  EXPECT_EQ(f.header.id, 0xabcd);
  EXPECT_TRUE(f.questions.empty());
  // Too short, and responses: dropped.
  EXPECT_FALSE(answer(zone_, from_hex("abcd0100"), Transport::udp, stats_));
  Message resp;
  resp.header.qr = true;
  resp.questions = {{N("web.campus"), Type::a, kClassIn}};
  EXPECT_FALSE(answer(zone_, resp.emit(), Transport::udp, stats_));
  EXPECT_EQ(stats_.dropped, 2u);
  EXPECT_EQ(stats_.formerr, 3u);
}

TEST_F(AuthorityTest, TruncatesAt512AndAnswersWholeOverTcp) {
  // 40 A records of 16 bytes each after a 28-byte question: 668 bytes.
  const Message udp = ask("many.campus", Type::a);
  EXPECT_TRUE(udp.header.tc);
  EXPECT_LE(last_size_, 512u);
  EXPECT_EQ(udp.answers.size(), (512u - 28u) / 16u);
  EXPECT_EQ(stats_.truncated, 1u);
  const Message tcp = ask("many.campus", Type::a, Transport::tcp);
  EXPECT_FALSE(tcp.header.tc);
  EXPECT_EQ(tcp.answers.size(), 40u);
  // EDNS0: a 1232-byte buffer takes them all, and the reply carries our OPT.
  const Message edns = ask("many.campus", Type::a, Transport::udp, 1232);
  EXPECT_FALSE(edns.header.tc);
  EXPECT_EQ(edns.answers.size(), 40u);
  EXPECT_EQ(edns.edns_udp_size(), kEdnsSize);
  // A requester's size below 512 counts as 512 (RFC 6891 6.2.5).
  EXPECT_TRUE(ask("many.campus", Type::a, Transport::udp, 100).header.tc);
}

TEST_F(AuthorityTest, EdnsVersionOneIsBadvers) {
  Message q;
  q.header = Header{.id = 9};
  q.questions.push_back({N("web.campus"), Type::a, kClassIn});
  q.additional.push_back({.name = Name{}, .type = Type::opt, .klass = 1232, .ttl = 1u << 16, .data = OpaqueData{}});
  const Message r = ask_bytes(q.emit());
  EXPECT_EQ(r.header.rcode, Rcode::noerror);  // the low 4 bits of 16
  ASSERT_EQ(r.additional.size(), 1u);
  EXPECT_EQ(r.additional[0].ttl >> 24, 1u);   // the high 8 bits: 16 >> 4
  EXPECT_TRUE(r.answers.empty());
  EXPECT_EQ(stats_.badvers, 1u);
}

TEST(TcpFramer, SplitsAStreamIntoMessages) {
  const ByteVec a = from_hex("0102030405060708090a0b0c");
  const ByteVec framed = frame_tcp(a);
  EXPECT_EQ(to_hex(framed, ""), "000c0102030405060708090a0b0c");
  TcpFramer f;
  ByteVec stream = framed;
  stream.insert(stream.end(), framed.begin(), framed.end());
  f.push(Bytes(stream).first(5));
  EXPECT_FALSE(f.next());
  f.push(Bytes(stream).subspan(5));
  EXPECT_EQ(f.next(), a);
  EXPECT_EQ(f.next(), a);
  EXPECT_FALSE(f.next());
  TcpFramer zero;
  zero.push(from_hex("0000"));
  EXPECT_FALSE(zero.next());
  EXPECT_TRUE(zero.bad());
}

}  // namespace
}  // namespace wirestack::dns
