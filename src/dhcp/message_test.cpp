#include "dhcp/message.hpp"

#include <gtest/gtest.h>

namespace wirestack::dhcp {
namespace {

// Built by scapy 2.5 (an encoder that is not ours), December 2026:
// BOOTP(op=1, xid=0x3903f326, flags=0x8000, chaddr=52:54:00:12:34:56)/
// DHCP(options=[("message-type","discover"), ("param_req_list",[1,3,6,51,58,59]), "end"])
// and the OFFER of 10.0.1.100 from 10.0.1.1 with lease 3600, T1 1800, T2 3150,
// mask /24, router 10.0.1.1, name servers 10.0.1.53 and 10.0.1.54.
const ByteVec kScapyDiscover = from_hex(
    "010106003903f326000080000000000000000000000000000000000052540012345600000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000638253633501013706010306333a"
    "3bff");
const ByteVec kScapyOffer = from_hex(
    "020106003903f32600008000000000000a000164000000000000000052540012345600000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000006382536335010236040a00010133"
    "0400000e103a04000007083b0400000c4e0104ffffff0003040a00010106080a0001350a000136ff");

const MacAddress kMac = *MacAddress::parse("52:54:00:12:34:56");

Message offer() {
  Message m;
  m.op = kBootReply;
  m.xid = 0x3903f326;
  m.broadcast = true;
  m.yiaddr = Ipv4Address(10, 0, 1, 100);
  m.chaddr = kMac;
  m.type = MessageType::offer;
  m.server_id = Ipv4Address(10, 0, 1, 1);
  m.lease_seconds = 3600;
  m.t1_seconds = 1800;
  m.t2_seconds = 3150;
  m.subnet_mask = Ipv4Address(255, 255, 255, 0);
  m.routers = {Ipv4Address(10, 0, 1, 1)};
  m.dns_servers = {Ipv4Address(10, 0, 1, 53), Ipv4Address(10, 0, 1, 54)};
  return m;
}

// Emitted messages are padded to 300 bytes; scapy's are not.
void expect_same_then_zeros(const ByteVec& ours, const ByteVec& theirs) {
  ASSERT_EQ(ours.size(), kBootpMinimum);
  ASSERT_LE(theirs.size(), ours.size());
  EXPECT_EQ(ByteVec(ours.begin(), ours.begin() + static_cast<std::ptrdiff_t>(theirs.size())), theirs);
  for (std::size_t i = theirs.size(); i < ours.size(); ++i) EXPECT_EQ(ours[i], std::byte{0}) << i;
}

TEST(DhcpMessage, ParsesScapysDiscover) {
  auto m = Message::parse(kScapyDiscover);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->op, kBootRequest);
  EXPECT_EQ(m->type, MessageType::discover);
  EXPECT_EQ(m->xid, 0x3903f326u);
  EXPECT_TRUE(m->broadcast);
  EXPECT_EQ(m->chaddr, kMac);
  EXPECT_TRUE(m->ciaddr.is_unspecified());
  EXPECT_EQ(m->parameter_request, (std::vector<std::uint8_t>{1, 3, 6, 51, 58, 59}));
  EXPECT_FALSE(m->server_id);
}

TEST(DhcpMessage, ParsesScapysOfferAndEmitsItsBytes) {
  auto m = Message::parse(kScapyOffer);
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(*m, offer());
  expect_same_then_zeros(offer().emit(), kScapyOffer);
}

TEST(DhcpMessage, EmitsScapysDiscover) {
  Message m;
  m.xid = 0x3903f326;
  m.broadcast = true;
  m.chaddr = kMac;
  m.parameter_request = {1, 3, 6, 51, 58, 59};
  expect_same_then_zeros(m.emit(), kScapyDiscover);
}

TEST(DhcpMessage, RoundTripsEveryField) {
  Message m = offer();
  m.op = kBootRequest;
  m.type = MessageType::nak;
  m.hops = 2;
  m.secs = 7;
  m.ciaddr = Ipv4Address(10, 0, 1, 5);
  m.siaddr = Ipv4Address(10, 0, 1, 6);
  m.giaddr = Ipv4Address(10, 0, 2, 1);
  m.requested_ip = Ipv4Address(10, 0, 1, 7);
  m.parameter_request = {1, 3};
  m.text = "wrong network";
  auto back = Message::parse(m.emit());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, m);
}

// The options of kScapyOffer start at byte 240; these helpers rewrite them.
ByteVec with_options(std::string_view hex) {
  ByteVec b(kScapyOffer.begin(), kScapyOffer.begin() + kMinMessage);
  const ByteVec o = from_hex(hex);
  b.insert(b.end(), o.begin(), o.end());
  return b;
}

TEST(DhcpMessage, RefusesTruncatedAndForeignHeaders) {
  EXPECT_EQ(Message::parse(Bytes(kScapyOffer).first(239)).error().code, DhcpErrc::truncated);
  auto b = kScapyOffer;
  b[0] = std::byte{3};
  EXPECT_EQ(Message::parse(b).error().code, DhcpErrc::bad_op);
  b = kScapyOffer;
  b[2] = std::byte{16};  // hlen 16: not Ethernet
  EXPECT_EQ(Message::parse(b).error().code, DhcpErrc::bad_hardware);
  b = kScapyOffer;
  b[239] = std::byte{0x64};
  EXPECT_EQ(Message::parse(b).error().code, DhcpErrc::bad_cookie);
  EXPECT_EQ(to_string(Message::parse(b).error()), "no magic cookie 99.130.83.99 after the header (RFC 2131 3)");
}

TEST(DhcpMessage, RefusesOverlongOptionsNamingThem) {
  // lease time announcing 8 bytes with only 4 left.
  auto e = Message::parse(with_options("350102" "3308" "00000e10")).error();
  EXPECT_EQ(e.code, DhcpErrc::option_overrun);
  EXPECT_EQ(e.option, opt::lease_time);
  EXPECT_EQ(to_string(e), "option 51 (lease time) runs past the end of the message");
  // A code byte with no room for its length.
  EXPECT_EQ(Message::parse(with_options("35010233")).error().code, DhcpErrc::option_overrun);
}

TEST(DhcpMessage, RefusesKnownOptionsOfTheWrongSize) {
  auto e = Message::parse(with_options("350102" "3303000e10" "ff")).error();
  EXPECT_EQ(e, (DhcpError{DhcpErrc::bad_option_length, opt::lease_time, 3}));
  EXPECT_EQ(to_string(e), "option 51 (lease time) has length 3, which does not fit its type");
  EXPECT_EQ(Message::parse(with_options("350102" "0305" "0a00010100" "ff")).error().option, opt::router);
  EXPECT_EQ(Message::parse(with_options("350102" "0600" "ff")).error().option, opt::dns_servers);
  EXPECT_EQ(Message::parse(with_options("35020201" "ff")).error().option, opt::message_type);
  EXPECT_EQ(Message::parse(with_options("350102" "0105ffffff0000" "ff")).error().option, opt::subnet_mask);
}

TEST(DhcpMessage, RefusesBootpAndMissingEnd) {
  EXPECT_EQ(Message::parse(with_options("0104ffffff00ff")).error().code, DhcpErrc::no_message_type);
  EXPECT_EQ(Message::parse(with_options("350102")).error().code, DhcpErrc::no_end);
  EXPECT_EQ(Message::parse(with_options("350102000000")).error().code, DhcpErrc::no_end);  // pads, no end
  auto e = Message::parse(with_options("350109ff")).error();
  EXPECT_EQ(e.code, DhcpErrc::bad_message_type);
  EXPECT_EQ(to_string(e), "option 53 (message type) is 9, not one of 1..8");
}

TEST(DhcpMessage, SkipsPadsAndUnknownOptionsAndKeepsTheLastOfARepeatedOne) {
  // pad, hostname (12) "pc", type OFFER, lease 10 then lease 20, end, trailing garbage.
  auto m = Message::parse(with_options("00" "0c027063" "350102" "33040000000a" "330400000014" "ff" "1234"));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->type, MessageType::offer);
  EXPECT_EQ(m->lease_seconds, 20u);
}

// RFC 2132 9.3: option 52 moves options into `file` (1), `sname` (2) or both (3).
ByteVec overloaded(std::string_view main, std::string_view file_hex, std::string_view sname_hex) {
  ByteVec b = with_options(main);
  const ByteVec f = from_hex(file_hex);
  const ByteVec s = from_hex(sname_hex);
  std::copy(f.begin(), f.end(), b.begin() + 108);
  std::copy(s.begin(), s.end(), b.begin() + 44);
  return b;
}

TEST(DhcpMessage, ReadsOverloadedFileAndSnameFields) {
  // Main: type OFFER, overload 3, end. file: lease 60, router 10.0.1.1, end.
  // sname: server id 10.0.1.1 and no End (the field's end ends it).
  auto m = Message::parse(overloaded("350102" "340103" "ff", "33040000003c" "03040a000101" "ff", "36040a000101"));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->type, MessageType::offer);
  EXPECT_EQ(m->lease_seconds, 60u);
  EXPECT_EQ(m->routers, std::vector<Ipv4Address>{Ipv4Address(10, 0, 1, 1)});
  EXPECT_EQ(m->server_id, Ipv4Address(10, 0, 1, 1));
  // Overload 1 reads file only: sname's bytes stay a name.
  m = Message::parse(overloaded("350102" "340101" "ff", "33040000003c" "ff", "36040a000101"));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->lease_seconds, 60u);
  EXPECT_FALSE(m->server_id);
  // The message type itself may live in file.
  m = Message::parse(overloaded("340101" "ff", "350105" "ff", ""));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->type, MessageType::ack);
}

TEST(DhcpMessage, OverloadInsideTheFieldsIsNotFollowed) {
  // file says "overload 3" again and sname says "overload 1": each field is
  // read once, in order, so there is no loop; its 52s are skipped.
  auto m = Message::parse(overloaded("350102" "340103" "ff", "340103" "33040000003c" "ff", "340101" "ff"));
  ASSERT_TRUE(m) << m.error();
  EXPECT_EQ(m->lease_seconds, 60u);
  // Their own errors are the message's: an option running past file's end.
  auto e = Message::parse(overloaded("350102" "340101" "ff", std::string(125 * 2, '0') + "3308", "")).error();
  EXPECT_EQ(e, (DhcpError{DhcpErrc::option_overrun, opt::lease_time, 8}));
}

TEST(DhcpMessage, RefusesBadOverloadValues) {
  auto e = Message::parse(with_options("350102" "340104" "ff")).error();
  EXPECT_EQ(e, (DhcpError{DhcpErrc::bad_overload, opt::overload, 4}));
  EXPECT_EQ(to_string(e), "option 52 (option overload) is 4, not 1 (file), 2 (sname) or 3 (both)");
  EXPECT_EQ(Message::parse(with_options("350102" "34020101" "ff")).error(),
            (DhcpError{DhcpErrc::bad_option_length, opt::overload, 2}));
}

TEST(DhcpMessage, CutsOverlongListsOnEmit) {
  Message m;
  for (std::uint32_t i = 0; i < 70; ++i) m.dns_servers.push_back(Ipv4Address{i + 1});
  m.text = std::string(300, 'x');
  auto back = Message::parse(m.emit());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->dns_servers.size(), 63u);
  EXPECT_EQ(back->text.size(), 255u);
}

TEST(DhcpMessage, LeaseSecondsSaturateToInfinity) {
  EXPECT_EQ(to_lease_seconds(std::chrono::hours{1}), 3600u);
  EXPECT_EQ(to_lease_seconds(std::chrono::hours{24 * 365 * 200}), kInfiniteLease);
  EXPECT_EQ(to_lease_seconds(-std::chrono::seconds{5}), 0u);
}

TEST(DhcpMessage, SummaryNamesTheExchange) {
  EXPECT_EQ(offer().summary(),
            "OFFER 10.0.1.100 lease 3600s server 10.0.1.1 mask 255.255.255.0 router 10.0.1.1 dns 10.0.1.53 "
            "xid 0x3903f326 chaddr 52:54:00:12:34:56");
}

}  // namespace
}  // namespace wirestack::dhcp
