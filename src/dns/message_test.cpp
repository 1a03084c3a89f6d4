#include "dns/message.hpp"

#include <gtest/gtest.h>

#include "wire/ipv4_address.hpp"

namespace wirestack::dns {
namespace {

Name N(std::string_view s) { return *Name::parse(s); }

// Captured on loopback (December 2026): dig 9.18 asking dnsmasq 2.89 for
// www.campus A (+noedns), dnsmasq configured with --cname=www.campus,web.campus
// and web.campus = 10.0.0.80 in an addn-hosts file.
const ByteVec kDigQuery = from_hex("894601200001000000000000037777770663616d7075730000010001");
const ByteVec kDnsmasqCnameReply = from_hex(
    "894685800001000200000000037777770663616d7075730000010001c00c0005000100000000000c037765620663616d70757300"
    "c028000100010000000000040a000050");
// dig web.campus TXT (EDNS0 with a cookie option) and dnsmasq's answer.
const ByteVec kDigTxtQuery = from_hex(
    "859d01200001000000000001037765620663616d707573000010000100002904d000000000000c000a00086bc946f025fe7b67");
const ByteVec kDnsmasqTxtReply = from_hex(
    "859d85800001000100000001037765620663616d7075730000100001c00c0010000100000000000c0b68656c6c6f20776f726c64"
    "00002904d0000000000000");
// dig nothere.campus A: NXDOMAIN without an SOA (dnsmasq has none for --local).
const ByteVec kDnsmasqNxdomain =
    from_hex("267c81830001000000000000076e6f74686572650663616d7075730000010001");

TEST(HeaderView, ReadsDigsFlags) {
  auto h = HeaderView::checked(kDigQuery);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id(), 0x8946);
  EXPECT_FALSE(h->qr());
  EXPECT_TRUE(h->rd());
  EXPECT_TRUE(h->ad());  // dig sets AD in queries (RFC 6840 5.7)
  EXPECT_EQ(h->opcode(), Opcode::query);
  EXPECT_EQ(h->qdcount(), 1);
  EXPECT_FALSE(HeaderView::checked(Bytes(kDigQuery).first(11)));
}

TEST(Message, ParsesDigsQuery) {
  auto m = Message::parse(kDigQuery);
  ASSERT_TRUE(m) << m.error();
  ASSERT_EQ(m->questions.size(), 1u);
  EXPECT_EQ(m->questions[0], (Question{.name = N("www.campus"), .type = Type::a, .klass = kClassIn}));
  EXPECT_TRUE(m->answers.empty());
  EXPECT_FALSE(m->edns_udp_size());
}

TEST(Message, ParsesDnsmasqsCnameChainThroughAPointerIntoRdata) {
  auto m = Message::parse(kDnsmasqCnameReply);
  ASSERT_TRUE(m) << m.error();
  EXPECT_TRUE(m->header.qr);
  EXPECT_TRUE(m->header.aa);
  EXPECT_TRUE(m->header.ra);
  EXPECT_EQ(m->header.rcode, Rcode::noerror);
  ASSERT_EQ(m->answers.size(), 2u);
  EXPECT_EQ(m->answers[0].to_string(), "www.campus. 0 IN CNAME web.campus.");
  EXPECT_EQ(m->answers[1].to_string(), "web.campus. 0 IN A 10.0.0.80");
  EXPECT_EQ(m->answers[1].data, Rdata{AddressData{Ipv4Address(10, 0, 0, 80)}});
}

TEST(Message, ParsesTxtAndKeepsOptOpaque) {
  auto q = Message::parse(kDigTxtQuery);
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->edns_udp_size(), 1232);
  ASSERT_EQ(q->additional.size(), 1u);
  EXPECT_EQ(q->additional[0].type, Type::opt);
  EXPECT_EQ(std::get<OpaqueData>(q->additional[0].data).bytes.size(), 12u);  // the cookie option
  auto r = Message::parse(kDnsmasqTxtReply);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->answers.size(), 1u);
  EXPECT_EQ(r->answers[0].data, Rdata{TxtData{{"hello world"}}});
  EXPECT_EQ(r->answers[0].to_string(), "web.campus. 0 IN TXT \"hello world\"");
}

TEST(Message, ParsesNxdomain) {
  auto m = Message::parse(kDnsmasqNxdomain);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header.rcode, Rcode::nxdomain);
}

TEST(Message, EmitsTheBytesDnsmasqSent) {
  // dnsmasq wrote the CNAME's target in full; we compress it (RFC 1035
  // allows it for CNAME), and the A record's owner points into it, as
  // dnsmasq's did: 6 bytes shorter, the same message.
  auto m = Message::parse(kDnsmasqCnameReply);
  ASSERT_TRUE(m);
  const ByteVec ours = m->emit();
  EXPECT_EQ(to_hex(ours, ""),
            "894685800001000200000000037777770663616d7075730000010001c00c0005000100000000000603776562c010"
            "c028000100010000000000040a000050");
  EXPECT_EQ(*Message::parse(ours), *m);
  auto t = Message::parse(kDnsmasqTxtReply);
  EXPECT_EQ(to_hex(t->emit()), to_hex(kDnsmasqTxtReply));
  EXPECT_EQ(to_hex(Message::parse(kDigTxtQuery)->emit()), to_hex(kDigTxtQuery));
}

Message every_type() {
  Message m;
  m.header = Header{.id = 7, .qr = true, .aa = true, .rcode = Rcode::noerror};
  m.questions.push_back({N("campus"), Type::any, kClassIn});
  const auto rec = [](std::string_view name, Type t, Rdata d) {
    return Record{.name = N(name), .type = t, .klass = kClassIn, .ttl = 300, .data = std::move(d)};
  };
  m.answers = {
      rec("web.campus", Type::a, AddressData{Ipv4Address(10, 0, 0, 80)}),
      rec("web.campus", Type::aaaa, AddressData{*IpAddress::parse("2001:db8::80")}),
      rec("www.campus", Type::cname, NameData{N("web.campus")}),
      rec("80.0.0.10.in-addr.arpa", Type::ptr, NameData{N("web.campus")}),
      rec("campus", Type::ns, NameData{N("ns.campus")}),
      rec("campus", Type::soa, SoaData{N("ns.campus"), N("admin.campus"), 2026120701, 3600, 600, 86400, 60}),
      rec("campus", Type::txt, TxtData{{"v=1", std::string("a\0b", 3), ""}}),
      rec("campus", Type::mx, OpaqueData{from_hex("000a0000")}),
  };
  return m;
}

TEST(Message, RoundTripsEveryType) {
  const Message m = every_type();
  const ByteVec bytes = m.emit();
  auto back = Message::parse(bytes);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->answers[3].to_string(), "80.0.0.10.in-addr.arpa. 300 IN PTR web.campus.");
  EXPECT_EQ(back->answers[5].to_string(), "campus. 300 IN SOA ns.campus. admin.campus. 2026120701 3600 600 86400 60");
  EXPECT_EQ(back->answers[6].to_string(), "campus. 300 IN TXT \"v=1\" \"a\\000b\" \"\"");
  EXPECT_EQ(back->answers[7].to_string(), "campus. 300 IN MX \\# 4 000a0000");
}

TEST(Message, CutsWholeRecordsAndSetsTcWhenTooLong) {
  Message m = every_type();
  const std::size_t full = m.emit().size();
  const ByteVec cut = m.emit(full - 1);
  auto back = Message::parse(cut);
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(back->header.tc);
  EXPECT_EQ(back->answers.size(), m.answers.size() - 1);
  // Only additional records left out: no TC (RFC 2181 9).
  Message extra = every_type();
  extra.additional.push_back(extra.answers[0]);
  const ByteVec cut2 = extra.emit(full);
  auto back2 = Message::parse(cut2);
  ASSERT_TRUE(back2);
  EXPECT_FALSE(back2->header.tc);
  EXPECT_TRUE(back2->additional.empty());
}

TEST(Message, RefusesMalformed) {
  // A count announcing more records than the bytes can hold.
  ByteVec huge = kDigQuery;
  huge[6] = std::byte{0xff};
  huge[7] = std::byte{0xff};
  EXPECT_EQ(Message::parse(huge).error(), DnsError::truncated);
  // Cut inside the question.
  EXPECT_EQ(Message::parse(Bytes(kDigQuery).first(kDigQuery.size() - 1)).error(), DnsError::truncated);
  // An A record of 5 bytes.
  ByteVec bad_a = kDnsmasqCnameReply;
  bad_a.push_back(std::byte{0});
  bad_a[bad_a.size() - 6] = std::byte{5};  // rdlength 4 -> 5
  EXPECT_EQ(Message::parse(bad_a).error(), DnsError::bad_rdata);
  // A question name that points at itself.
  ByteVec loop = kDigQuery;
  loop.resize(12);
  for (int b : {0xc0, 12, 0, 1, 0, 1}) loop.push_back(static_cast<std::byte>(b));
  EXPECT_EQ(Message::parse(loop).error(), DnsError::bad_pointer);
  // Extra bytes.
  ByteVec trailing = kDigQuery;
  trailing.push_back(std::byte{0});
  EXPECT_EQ(Message::parse(trailing).error(), DnsError::trailing_bytes);
}

TEST(Message, SummarisesInOneLine) {
  EXPECT_EQ(summary(kDigQuery), "query 0x8946 A www.campus.");
  EXPECT_EQ(summary(kDnsmasqCnameReply), "answer 0x8946 NOERROR aa A www.campus. [CNAME web.campus., A 10.0.0.80]");
  EXPECT_EQ(summary(kDnsmasqNxdomain), "answer 0x267c NXDOMAIN A nothere.campus.");
  EXPECT_FALSE(summary(from_hex("0102")));
}

TEST(Types, NamesBothWays) {
  EXPECT_EQ(to_string(Type::aaaa), "AAAA");
  EXPECT_EQ(to_string(static_cast<Type>(99)), "TYPE99");
  EXPECT_EQ(type_from_string("cname"), Type::cname);
  EXPECT_EQ(type_from_string("TYPE99"), static_cast<Type>(99));
  EXPECT_FALSE(type_from_string("BOGUS"));
}

}  // namespace
}  // namespace wirestack::dns
