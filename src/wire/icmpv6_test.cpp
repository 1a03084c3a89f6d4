// wire/icmpv6_test.cpp — Icmpv6Packet, Icmpv6Repr (echo, the four errors,
// RS, RA, NS, NA, Redirect), the invoking-packet helpers and the RFC 4443
// 2.4(e) rule, on bytes scapy built (checksums over the IPv6 pseudo-header).
#include "wire/icmpv6.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace wirestack {
namespace {

Ipv6Address A(const char* text) { return *Ipv6Address::parse(text); }

const Ipv6Address kH1 = A("2001:db8::1");
const Ipv6Address kH2 = A("2001:db8::2");
const Ipv6Address kLl1 = A("fe80::1");
const Ipv6Address kLl2 = A("fe80::2");

// scapy: IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoRequest(id=0x1234, seq=1, data=b'abcd')
const ByteVec kEcho = from_hex("80004d481234000161626364");
// IPv6(src='fe80::1', dst='ff02::1:ff00:2', hlim=255)/ICMPv6ND_NS(tgt='fe80::2')/SLLA 02:00:00:00:00:01
const ByteVec kNs = from_hex("87007a9700000000fe8000000000000000000000000000020101020000000001");
// IPv6(src='fe80::2', dst='fe80::1', hlim=255)/ICMPv6ND_NA(tgt='fe80::2', S=1, O=1)/TLLA 02:00:00:00:00:02
const ByteVec kNa = from_hex("8800181a60000000fe8000000000000000000000000000020201020000000002");
// IPv6(src='fe80::1', dst='ff02::2', hlim=255)/ICMPv6ND_RS()/SLLA
const ByteVec kRs = from_hex("85007a2c000000000101020000000001");
// IPv6(src='fe80::1', dst='ff02::1', hlim=255)/ICMPv6ND_RA(chlim=64, M=1, routerlifetime=1800,
//   reachabletime=30000, retranstimer=1000)/SLLA/MTU 1500/PrefixInfo 2001:db8:1::/64 L A 86400 14400
const ByteVec kRa = from_hex(
    "8600b2374088070800007530000003e8010102000000000105010000000005dc030440c000015180000038400000000020010db80001000000"
    "00000000000000");
// IPv6(src='fe80::1', dst='2001:db8::1', hlim=255)/ICMPv6ND_Redirect(tgt='fe80::2', dst='2001:db8::9')/TLLA/
//   RedirectedHdr(first 48 bytes of kInvoking)
const ByteVec kRedirect = from_hex(
    "8900e87400000000fe80000000000000000000000000000220010db80000000000000000000000090201020000000002040700000000000060"
    "000000000d114020010db800000000000000000000000120010db800000000000000000000000204d20009000d5bb2");
// The invoking packet: IPv6(src='2001:db8::1', dst='2001:db8::2')/UDP(sport=1234, dport=9)/b'hello'
const ByteVec kInvoking = from_hex(
    "60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d20009000d5bb268656c6c6f");
// From 2001:db8::fe to 2001:db8::1: Packet Too Big, MTU 1400, quoting kInvoking.
const ByteVec kPtb = from_hex("02002a7000000578" + std::string(
    "60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d20009000d5bb268656c6c6f"));
// From 2001:db8::2 to 2001:db8::1: port unreachable (code 4); parameter problem code 2 pointer 42.
const ByteVec kUnreach = from_hex("010431e000000000" + std::string(
    "60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d20009000d5bb268656c6c6f"));
const ByteVec kParam = from_hex("04022eb80000002a" + std::string(
    "60000000000d114020010db800000000000000000000000120010db800000000000000000000000204d20009000d5bb268656c6c6f"));

Icmpv6Repr parse(const ByteVec& b, const Ipv6Address& src, const Ipv6Address& dst) {
  auto view = Icmpv6Packet::checked(b);
  EXPECT_TRUE(view);
  auto r = Icmpv6Repr::parse(*view, src, dst);
  EXPECT_TRUE(r) << (r ? "" : to_string(r.error()));
  return r ? *r : Icmpv6Repr{};
}

// emit(parse(b)) == b, into a dirty buffer.
void expect_round_trip(const ByteVec& b, const Ipv6Address& src, const Ipv6Address& dst) {
  const Icmpv6Repr r = parse(b, src, dst);
  ASSERT_EQ(r.buffer_len(), b.size());
  ByteVec out(b.size(), std::byte{0xa5});
  r.emit(Icmpv6PacketMut(out), src, dst);
  EXPECT_EQ(out, b);
}

std::string text(const Icmpv6Repr& r) {
  std::ostringstream os;
  os << r;
  return os.str();
}

TEST(Icmpv6Packet, Rfc4443_2_1_RejectsFewerThan8Bytes) {
  EXPECT_EQ(Icmpv6Packet::checked(Bytes(kEcho).first(7)).error(), WireError::truncated);
}

TEST(Icmpv6Repr, Rfc4443_2_3_ChecksumCoversThePseudoHeader) {
  auto view = Icmpv6Packet::checked(kEcho);
  ASSERT_TRUE(view);
  EXPECT_TRUE(Icmpv6Repr::parse(*view, kH1, kH2));
  // The same bytes between other addresses do not verify.
  EXPECT_EQ(Icmpv6Repr::parse(*view, kH1, A("2001:db8::3")).error(), WireError::bad_checksum);
  auto bad = kEcho;
  bad[9] ^= std::byte{1};
  EXPECT_EQ(Icmpv6Repr::parse(*Icmpv6Packet::checked(bad), kH1, kH2).error(), WireError::bad_checksum);
  EXPECT_TRUE(Icmpv6Repr::parse(*Icmpv6Packet::checked(bad), kH1, kH2, {.verify_rx = false, .fill_tx = true}));
}

TEST(Icmpv6Repr, Rfc4443_4_1_EchoRequestAndReply) {
  const auto r = parse(kEcho, kH1, kH2);
  const auto* echo = std::get_if<Icmpv6EchoRequest>(&r.message);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->ident, 0x1234);
  EXPECT_EQ(echo->seq_no, 1);
  EXPECT_EQ(echo->data.size(), 4u);
  EXPECT_EQ(text(r), "ICMP6, echo request, id 4660, seq 1, length 12");
  expect_round_trip(kEcho, kH1, kH2);
  // RFC 4443 4.2: the reply carries the data back, checksummed the other way.
  const Icmpv6Repr reply{.message = echo_reply_to(*echo)};
  ByteVec out(reply.buffer_len());
  reply.emit(Icmpv6PacketMut(out), kH2, kH1);
  const auto back = parse(out, kH2, kH1);
  EXPECT_EQ(back.type(), Icmpv6Type::echo_reply);
  EXPECT_FALSE(back.is_error());
}

TEST(Icmpv6Repr, EchoWithNonzeroCodeIsCarriedAsOther) {
  auto b = kEcho;
  b[1] = std::byte{1};
  auto v = Icmpv6Repr::parse(*Icmpv6Packet::checked(b), kH1, kH2, {.verify_rx = false, .fill_tx = true});
  ASSERT_TRUE(v);
  EXPECT_TRUE(std::holds_alternative<Icmpv6Other>(v->message));
}

TEST(Icmpv6Repr, Rfc4443_3_2_PacketTooBigCarriesTheMtu) {
  const auto r = parse(kPtb, A("2001:db8::fe"), kH1);
  const auto* ptb = std::get_if<Icmpv6PacketTooBig>(&r.message);
  ASSERT_TRUE(ptb);
  EXPECT_EQ(ptb->param, 1400u);
  EXPECT_EQ(ptb->invoking.size(), kInvoking.size());
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(text(r), "ICMP6, packet too big, mtu 1400, length 61");
  expect_round_trip(kPtb, A("2001:db8::fe"), kH1);
}

TEST(Icmpv6Repr, Rfc4443_3_1_DestinationUnreachablePort) {
  const auto r = parse(kUnreach, kH2, kH1);
  const auto* u = std::get_if<Icmpv6DstUnreachable>(&r.message);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->code, Icmpv6UnreachableCode::port);
  EXPECT_EQ(text(r), "ICMP6, destination unreachable, unreachable port, 2001:db8::2 udp port 9, length 61");
  expect_round_trip(kUnreach, kH2, kH1);
}

TEST(Icmpv6Repr, Rfc4443_3_4_ParameterProblemCarriesThePointer) {
  const auto r = parse(kParam, kH2, kH1);
  const auto* p = std::get_if<Icmpv6ParameterProblem>(&r.message);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code, Icmpv6ParamProblemCode::unrecognized_option);
  EXPECT_EQ(p->param, 42u);
  expect_round_trip(kParam, kH2, kH1);
}

TEST(Icmpv6Repr, Rfc4443_3_3_TimeExceededRoundTrips) {
  const Icmpv6Repr r{.message = Icmpv6TimeExceeded{.code = Icmpv6TimeExceededCode::reassembly, .param = 0,
                                                   .invoking = kInvoking}};
  ByteVec out(r.buffer_len());
  r.emit(Icmpv6PacketMut(out), kH2, kH1);
  EXPECT_EQ(parse(out, kH2, kH1), r);
  EXPECT_EQ(text(r), "ICMP6, time exceeded reassembly, length 61");
}

TEST(Icmpv6Repr, Rfc4443_2_4_ErrorWhoseBodyIsNotAnIpv6HeaderIsRefused) {
  Icmpv6Repr r{.message = Icmpv6DstUnreachable{.code = Icmpv6UnreachableCode::port, .param = 0,
                                               .invoking = Bytes(kInvoking).first(39)}};
  ByteVec out(r.buffer_len());
  r.emit(Icmpv6PacketMut(out), kH2, kH1);
  EXPECT_EQ(Icmpv6Repr::parse(*Icmpv6Packet::checked(out), kH2, kH1).error(), WireError::truncated);
  ByteVec v4 = kInvoking;
  v4[0] = std::byte{0x45};
  r.message = Icmpv6DstUnreachable{.code = Icmpv6UnreachableCode::port, .param = 0, .invoking = v4};
  out.assign(r.buffer_len(), std::byte{0});
  r.emit(Icmpv6PacketMut(out), kH2, kH1);
  EXPECT_EQ(Icmpv6Repr::parse(*Icmpv6Packet::checked(out), kH2, kH1).error(), WireError::bad_version);
}

TEST(Icmpv6Repr, Rfc4861_4_3_NeighborSolicitation) {
  const auto r = parse(kNs, kLl1, A("ff02::1:ff00:2"));
  const auto* ns = std::get_if<NdNeighborSolicit>(&r.message);
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->target, kLl2);
  EXPECT_EQ(ns->options.size(), 8u);
  EXPECT_TRUE(r.is_nd());
  EXPECT_EQ(text(r), "ICMP6, neighbor solicitation, who has fe80::2, length 32");
  expect_round_trip(kNs, kLl1, A("ff02::1:ff00:2"));
}

TEST(Icmpv6Repr, Rfc4861_4_4_NeighborAdvertisementFlags) {
  const auto r = parse(kNa, kLl2, kLl1);
  const auto* na = std::get_if<NdNeighborAdvert>(&r.message);
  ASSERT_TRUE(na);
  EXPECT_FALSE(na->router);
  EXPECT_TRUE(na->solicited);
  EXPECT_TRUE(na->override);
  EXPECT_EQ(na->target, kLl2);
  EXPECT_EQ(text(r), "ICMP6, neighbor advertisement, tgt is fe80::2, Flags [solicited, override], length 32");
  expect_round_trip(kNa, kLl2, kLl1);
}

TEST(Icmpv6Repr, Rfc4861_4_1_RouterSolicitation) {
  const auto r = parse(kRs, kLl1, A("ff02::2"));
  ASSERT_TRUE(std::holds_alternative<NdRouterSolicit>(r.message));
  EXPECT_EQ(std::get<NdRouterSolicit>(r.message).options.size(), 8u);
  expect_round_trip(kRs, kLl1, A("ff02::2"));
}

TEST(Icmpv6Repr, Rfc4861_4_2_RouterAdvertisementFields) {
  const auto r = parse(kRa, kLl1, A("ff02::1"));
  const auto* ra = std::get_if<NdRouterAdvert>(&r.message);
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->cur_hop_limit, 64);
  EXPECT_TRUE(ra->managed);
  EXPECT_FALSE(ra->other);
  EXPECT_EQ(ra->router_lifetime, 1800);
  EXPECT_EQ(ra->reachable_time, 30000u);
  EXPECT_EQ(ra->retrans_timer, 1000u);
  EXPECT_EQ(ra->options.size(), 48u);
  EXPECT_EQ(text(r), "ICMP6, router advertisement, hop limit 64, flags [managed], router lifetime 1800s, length 64");
  expect_round_trip(kRa, kLl1, A("ff02::1"));
}

TEST(Icmpv6Repr, Rfc4861_4_5_Redirect) {
  const auto r = parse(kRedirect, kLl1, kH1);
  const auto* rd = std::get_if<NdRedirect>(&r.message);
  ASSERT_TRUE(rd);
  EXPECT_EQ(rd->target, kLl2);
  EXPECT_EQ(rd->destination, A("2001:db8::9"));
  EXPECT_EQ(text(r), "ICMP6, redirect, 2001:db8::9 to fe80::2, length 104");
  expect_round_trip(kRedirect, kLl1, kH1);
}

TEST(Icmpv6Repr, Rfc4861_NdMessagesShorterThanTheirFixedPartAreTruncated) {
  for (const auto& [msg, fixed] : {std::pair{&kRs, 8u}, {&kRa, 16u}, {&kNs, 24u}, {&kNa, 24u}, {&kRedirect, 40u}}) {
    for (std::size_t n = 8; n < fixed; ++n) {
      auto v = Icmpv6Packet::checked(Bytes(*msg).first(n));
      ASSERT_TRUE(v);
      EXPECT_EQ(Icmpv6Repr::parse(*v, kLl1, kLl2, {.verify_rx = false, .fill_tx = true}).error(),
                WireError::truncated)
          << n;
    }
  }
}

TEST(Icmpv6Quote, Rfc4443_2_4_c_QuotesAtMost1232Bytes) {
  const ByteVec big(3000, std::byte{7});
  EXPECT_EQ(icmpv6_quote(big).size(), 1232u);
  EXPECT_EQ(icmpv6_quote(kInvoking).size(), kInvoking.size());
  // An error quoting 1232 bytes makes a 1280-byte packet.
  EXPECT_EQ(kIpv6HeaderLen + kIcmpv6HeaderLen + icmpv6_quote(big).size(), kIpv6MinMtu);
}

TEST(Icmpv6Invoking, FindsTheUpperLayerOfTheQuotedPacket) {
  auto inv = parse_invoking(kInvoking);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->header.dst, kH2);
  EXPECT_EQ(inv->protocol, IpProtocol::udp);
  ASSERT_EQ(inv->upper.size(), 13u);
  EXPECT_EQ(load_be16(inv->upper, 2), 9);
  // Through a Destination Options header, and cut inside it.
  ByteVec with_opts(kInvoking.begin(), kInvoking.begin() + 40);
  with_opts[6] = std::byte{60};
  with_opts[5] = std::byte{16};
  for (int b : {17, 0, 1, 4, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}) with_opts.push_back(std::byte(b));
  inv = parse_invoking(with_opts);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->protocol, IpProtocol::udp);
  EXPECT_EQ(inv->upper.size(), 8u);
  inv = parse_invoking(Bytes(with_opts).first(44));
  ASSERT_TRUE(inv);
  EXPECT_TRUE(inv->upper.empty());
  EXPECT_EQ(parse_invoking(Bytes(kInvoking).first(20)).error(), WireError::truncated);
}

TEST(Icmpv6ErrorAllowed, Rfc4443_2_4_e_NoErrorsAboutErrorsMulticastOrUnspecifiedSources) {
  const Ipv6Repr unicast{.src = kH1, .dst = kH2, .next_header = IpProtocol::udp};
  constexpr auto unreach = Icmpv6Type::dst_unreachable;
  EXPECT_TRUE(icmpv6_error_allowed(unreach, 4, unicast, std::nullopt, false));
  EXPECT_TRUE(icmpv6_error_allowed(unreach, 4, unicast, Icmpv6Type::echo_request, false));
  EXPECT_FALSE(icmpv6_error_allowed(unreach, 4, unicast, Icmpv6Type::packet_too_big, false));  // (e.1)
  EXPECT_FALSE(icmpv6_error_allowed(unreach, 4, unicast, Icmpv6Type::redirect, false));        // (e.2)
  EXPECT_FALSE(icmpv6_error_allowed(unreach, 4, unicast, std::nullopt, true));                 // (e.4)
  Ipv6Repr multicast = unicast;
  multicast.dst = A("ff02::1");
  EXPECT_FALSE(icmpv6_error_allowed(unreach, 4, multicast, std::nullopt, false));  // (e.3)
  EXPECT_TRUE(icmpv6_error_allowed(Icmpv6Type::packet_too_big, 0, multicast, std::nullopt, true));
  EXPECT_TRUE(icmpv6_error_allowed(Icmpv6Type::param_problem, 2, multicast, std::nullopt, false));
  EXPECT_FALSE(icmpv6_error_allowed(Icmpv6Type::param_problem, 0, multicast, std::nullopt, false));
  Ipv6Repr anonymous = unicast;
  anonymous.src = Ipv6Address::unspecified();
  EXPECT_FALSE(icmpv6_error_allowed(unreach, 4, anonymous, std::nullopt, false));  // (e.6)
}

}  // namespace
}  // namespace wirestack
