// wire/ipv6_ext_test.cpp — the extension-header chain walker, one test per
// rule (named after it, with its RFC section), on packet bytes.
#include "wire/ipv6_ext.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace wirestack {
namespace {

const Ipv6Address kA(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const Ipv6Address kB(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const Ipv6Address kAllNodes(0xff02, 0, 0, 0, 0, 0, 0, 1);

constexpr int kHbh = 0, kRouting = 43, kFrag = 44, kNone = 59, kDest = 60, kUdp = 17;

// An IPv6 packet from kA to `dst` whose payload is `payload` (bytes as ints).
ByteVec packet(int next, const std::vector<int>& payload, Ipv6Address dst = kB) {
  const Ipv6Repr r{.src = kA,
                   .dst = dst,
                   .next_header = IpProtocol{static_cast<std::uint8_t>(next)},
                   .payload_len = static_cast<std::uint16_t>(payload.size())};
  ByteVec b(r.total_len());
  r.emit(Ipv6PacketMut(b));
  for (std::size_t i = 0; i < payload.size(); ++i) b[40 + i] = static_cast<std::byte>(payload[i]);
  return b;
}

std::vector<int> cat(std::initializer_list<std::vector<int>> parts) {
  std::vector<int> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const std::vector<int> kUdpHeader = {0x04, 0xd2, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00};

Ipv6ChainResult walk(const ByteVec& b, const Ipv6ChainLimits& limits = {}) {
  auto p = Ipv6Packet::checked(b);
  EXPECT_TRUE(p);
  return walk_ipv6_chain(*p, limits);
}

Ipv6Deliver delivered(const Ipv6ChainResult& r) {
  EXPECT_TRUE(std::holds_alternative<Ipv6Deliver>(r));
  if (const auto* d = std::get_if<Ipv6Deliver>(&r)) return *d;
  return {};
}

Ipv6ChainDrop dropped(const Ipv6ChainResult& r) {
  EXPECT_TRUE(std::holds_alternative<Ipv6Drop>(r));
  if (const auto* d = std::get_if<Ipv6Drop>(&r)) return d->reason;
  return Ipv6ChainDrop::no_next_header;
}

Ipv6ParamProblem problem(const Ipv6ChainResult& r) {
  EXPECT_TRUE(std::holds_alternative<Ipv6ParamProblem>(r));
  if (const auto* p = std::get_if<Ipv6ParamProblem>(&r)) return *p;
  return {};
}

// A Destination Options header holding one option of `type` with 2 data
// bytes, then a PadN of 2.
std::vector<int> one_option(int next, int type) { return {next, 0, type, 2, 0, 0, 1, 0}; }

TEST(Ipv6Chain, NoExtensionHeadersDeliversTheUpperLayerAt40) {
  const auto d = delivered(walk(packet(kUdp, kUdpHeader)));
  EXPECT_EQ(d.protocol, IpProtocol::udp);
  EXPECT_EQ(d.offset, 40u);
  EXPECT_EQ(d.next_header_pointer, 6u);
  EXPECT_EQ(d.header_count, 0u);
  EXPECT_FALSE(d.fragment);
}

TEST(Ipv6Chain, Rfc8200_4_3_HopByHopFirstIsWalked) {
  const auto d = delivered(walk(packet(kHbh, cat({{kUdp, 0, 1, 4, 0, 0, 0, 0}, kUdpHeader}))));
  EXPECT_EQ(d.protocol, IpProtocol::udp);
  EXPECT_EQ(d.offset, 48u);
  EXPECT_EQ(d.next_header_pointer, 40u);
  EXPECT_EQ(d.header_count, 1u);
}

TEST(Ipv6Chain, Rfc8200_4_1_HopByHopNotFirstIsParameterProblemCode1) {
  const auto p = problem(walk(packet(kDest, cat({{kHbh, 0, 1, 4, 0, 0, 0, 0}, {kUdp, 0, 1, 4, 0, 0, 0, 0}}))));
  EXPECT_EQ(p.reason, Ipv6ChainDrop::hop_by_hop_not_first);
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::unrecognized_next_header);
  EXPECT_EQ(p.pointer, 40u);  // the Destination Options' Next Header byte
}

TEST(Ipv6Chain, Rfc8200_4_2_Pad1AndPadNAreSkipped) {
  const auto d = delivered(walk(packet(kDest, cat({{kUdp, 0, 0, 0, 1, 2, 0, 0}, kUdpHeader}))));
  EXPECT_EQ(d.offset, 48u);
}

TEST(Ipv6Chain, Rfc4942_2_1_9_5_PadNWithNonzeroDataIsDropped) {
  EXPECT_EQ(dropped(walk(packet(kDest, cat({{kUdp, 0, 1, 4, 0, 0, 1, 0}, kUdpHeader})))),
            Ipv6ChainDrop::nonzero_padding);
}

TEST(Ipv6Chain, Rfc4942_2_1_9_5_MoreThan7PaddingBytesAreDropped) {
  EXPECT_EQ(dropped(walk(packet(kDest, cat({{kUdp, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, kUdpHeader})))),
            Ipv6ChainDrop::padding_too_long);
  // Eight Pad1 in a row (2 + 6 + 8 = 16 bytes) too.
  EXPECT_EQ(dropped(walk(packet(kDest, cat({{kUdp, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, kUdpHeader})))),
            Ipv6ChainDrop::padding_too_long);
}

TEST(Ipv6Chain, Rfc8200_4_2_UnknownOptionAction00IsSkipped) {
  const auto d = delivered(walk(packet(kDest, cat({one_option(kUdp, 0x1e), kUdpHeader}))));
  EXPECT_EQ(d.offset, 48u);
}

TEST(Ipv6Chain, Rfc8200_4_2_UnknownOptionAction01DiscardsSilently) {
  EXPECT_EQ(dropped(walk(packet(kDest, cat({one_option(kUdp, 0x5e), kUdpHeader})))), Ipv6ChainDrop::unknown_option);
}

TEST(Ipv6Chain, Rfc8200_4_2_UnknownOptionAction10IsParameterProblemCode2EvenToMulticast) {
  for (const auto& dst : {kB, kAllNodes}) {
    const auto p = problem(walk(packet(kDest, cat({one_option(kUdp, 0x9e), kUdpHeader}), dst)));
    EXPECT_EQ(p.reason, Ipv6ChainDrop::unknown_option_icmp);
    EXPECT_EQ(p.code, Icmpv6ParamProblemCode::unrecognized_option);
    EXPECT_EQ(p.pointer, 42u);  // the option type
  }
}

TEST(Ipv6Chain, Rfc8200_4_2_UnknownOptionAction11IsParameterProblemUnlessMulticast) {
  const auto p = problem(walk(packet(kDest, cat({one_option(kUdp, 0xde), kUdpHeader}))));
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::unrecognized_option);
  EXPECT_EQ(p.pointer, 42u);
  EXPECT_EQ(dropped(walk(packet(kDest, cat({one_option(kUdp, 0xde), kUdpHeader}), kAllNodes))),
            Ipv6ChainDrop::unknown_option);
}

TEST(Ipv6Chain, Rfc8200_4_2_OptionRunningPastItsHeaderIsDropped) {
  EXPECT_EQ(dropped(walk(packet(kDest, cat({{kUdp, 0, 0x1e, 5, 0, 0, 0, 0}, kUdpHeader})))),
            Ipv6ChainDrop::bad_option_length);
  // A type byte as the last byte of the header: no room for its length.
  EXPECT_EQ(dropped(walk(packet(kDest, cat({{kUdp, 0, 1, 3, 0, 0, 0, 0x1e}, kUdpHeader})))),
            Ipv6ChainDrop::bad_option_length);
}

TEST(Ipv6Chain, Rfc8504_5_3_AtMostEightOptionsPerHeader) {
  std::vector<int> nine = {kUdp, 2};
  for (int i = 0; i < 9; ++i) nine.insert(nine.end(), {0x1e, 0});
  nine.insert(nine.end(), {1, 2, 0, 0});  // 2 + 18 + 4 = 24
  EXPECT_EQ(dropped(walk(packet(kDest, cat({nine, kUdpHeader})))), Ipv6ChainDrop::too_many_options);
  std::vector<int> eight = {kUdp, 2};
  for (int i = 0; i < 8; ++i) eight.insert(eight.end(), {0x1e, 0});
  eight.insert(eight.end(), {1, 4, 0, 0, 0, 0});
  EXPECT_EQ(delivered(walk(packet(kDest, cat({eight, kUdpHeader})))).offset, 64u);
}

TEST(Ipv6Chain, Rfc2711_RouterAlertIsRecognisedInHopByHopWithLength2) {
  EXPECT_EQ(delivered(walk(packet(kHbh, cat({{kUdp, 0, 5, 2, 0, 0, 1, 0}, kUdpHeader})))).offset, 48u);
  EXPECT_EQ(dropped(walk(packet(kHbh, cat({{kUdp, 0, 5, 3, 0, 0, 0, 0}, kUdpHeader})))),
            Ipv6ChainDrop::bad_option_length);
}

TEST(Ipv6Chain, Rfc5095_3_RoutingType0WithSegmentsLeftIsParameterProblemAtTheType) {
  std::vector<int> rh0 = {kUdp, 2, 0, 2, 0, 0, 0, 0};
  rh0.resize(24, 0x11);
  const auto p = problem(walk(packet(kRouting, cat({rh0, kUdpHeader}))));
  EXPECT_EQ(p.reason, Ipv6ChainDrop::routing_unsupported);
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::erroneous_header);
  EXPECT_EQ(p.pointer, 42u);
}

TEST(Ipv6Chain, Rfc8200_4_4_UnknownRoutingTypeWithSegmentsLeft0IsIgnored) {
  for (int type : {0, 3, 4, 253}) {
    const auto d = delivered(walk(packet(kRouting, cat({{kUdp, 0, type, 0, 0, 0, 0, 0}, kUdpHeader}))));
    EXPECT_EQ(d.offset, 48u) << type;
  }
}

TEST(Ipv6Chain, Rfc8200_4_4_UnknownRoutingTypeWithSegmentsLeftIsParameterProblem) {
  const auto p = problem(walk(packet(kDest, cat({{kRouting, 0, 1, 4, 0, 0, 0, 0}, {kUdp, 0, 3, 1, 0, 0, 0, 0},
                                                 kUdpHeader}))));
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::erroneous_header);
  EXPECT_EQ(p.pointer, 50u);
}

TEST(Ipv6Chain, Rfc8200_4_7_NoNextHeaderDropsQuietly) {
  EXPECT_EQ(dropped(walk(packet(kNone, {1, 2, 3}))), Ipv6ChainDrop::no_next_header);
  EXPECT_EQ(dropped(walk(packet(kDest, {kNone, 0, 1, 4, 0, 0, 0, 0}))), Ipv6ChainDrop::no_next_header);
}

TEST(Ipv6Chain, Rfc8200_4_5_LaterFragmentStopsAtTheFragmentHeader) {
  // offset 8, M = 0, ident 7; the data would not parse as anything.
  const auto d = delivered(walk(packet(kFrag, {kUdp, 0, 0x00, 0x08, 0, 0, 0, 7, kHbh, 0xff, 0xff, 0xff})));
  EXPECT_EQ(d.protocol, IpProtocol::udp);
  EXPECT_EQ(d.offset, 48u);
  ASSERT_TRUE(d.fragment);
  EXPECT_EQ(d.fragment->header.offset, 8);
  EXPECT_FALSE(d.fragment->header.more_fragments);
  EXPECT_EQ(d.fragment->header.ident, 7u);
  EXPECT_EQ(d.fragment->header_offset, 40u);
  EXPECT_EQ(d.fragment->next_header_field, 6u);
}

TEST(Ipv6Chain, Rfc6946_4_AtomicFragmentIsWalkedThroughAsAWholePacket) {
  const auto d = delivered(walk(packet(kFrag, cat({{kUdp, 0, 0, 0, 0, 0, 0, 9}, kUdpHeader}))));
  EXPECT_EQ(d.protocol, IpProtocol::udp);
  EXPECT_EQ(d.offset, 48u);
  ASSERT_TRUE(d.fragment);
  EXPECT_TRUE(d.fragment->header.atomic());
}

TEST(Ipv6Chain, Rfc7112_5_FirstFragmentWithTheWholeChainIsDelivered) {
  const auto d = delivered(
      walk(packet(kFrag, cat({{kDest, 0, 0, 1, 0, 0, 0, 9}, {kUdp, 0, 1, 4, 0, 0, 0, 0}, kUdpHeader}))));
  EXPECT_EQ(d.protocol, IpProtocol::udp);
  EXPECT_EQ(d.offset, 56u);
  ASSERT_TRUE(d.fragment);
  EXPECT_TRUE(d.fragment->header.more_fragments);
  EXPECT_EQ(d.header_count, 2u);
}

TEST(Ipv6Chain, Rfc7112_5_FirstFragmentWithoutTheUpperLayerHeaderIsParameterProblemCode3) {
  const auto p = problem(walk(packet(kFrag, cat({{kDest, 0, 0, 1, 0, 0, 0, 9}, {kUdp, 0, 1, 4, 0, 0, 0, 0}}))));
  EXPECT_EQ(p.reason, Ipv6ChainDrop::incomplete_first_fragment);
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::incomplete_chain);
  EXPECT_EQ(p.pointer, 0u);
  // ... and one whose Destination Options run past the fragment.
  const auto q = problem(walk(packet(kFrag, cat({{kDest, 0, 0, 1, 0, 0, 0, 9}, {kUdp, 1, 1, 4, 0, 0, 0, 0}}))));
  EXPECT_EQ(q.code, Icmpv6ParamProblemCode::incomplete_chain);
  // An unfragmented packet cut short is only truncated.
  EXPECT_EQ(dropped(walk(packet(kDest, {kUdp, 1, 1, 4, 0, 0, 0, 0}))), Ipv6ChainDrop::truncated);
}

TEST(Ipv6Chain, Rfc8200_4_5_FragmentWithMNotAMultipleOf8IsParameterProblemAtPayloadLength) {
  const auto p = problem(walk(packet(kFrag, cat({{kUdp, 0, 0, 1, 0, 0, 0, 9}, kUdpHeader, {1, 2, 3, 4}}))));
  EXPECT_EQ(p.reason, Ipv6ChainDrop::fragment_not_multiple_of_8);
  EXPECT_EQ(p.code, Icmpv6ParamProblemCode::erroneous_header);
  EXPECT_EQ(p.pointer, 4u);
}

TEST(Ipv6Chain, Rfc8200_4_5_FragmentPast65535IsParameterProblemAtTheOffset) {
  // offset 65528 (0xfff8), 16 bytes of data.
  const auto p = problem(walk(packet(kFrag, cat({{kUdp, 0, 0xff, 0xf9, 0, 0, 0, 9}, kUdpHeader, kUdpHeader}))));
  EXPECT_EQ(p.reason, Ipv6ChainDrop::fragment_too_long);
  EXPECT_EQ(p.pointer, 42u);
}

TEST(Ipv6Chain, SecondFragmentHeaderIsDropped) {
  EXPECT_EQ(dropped(walk(packet(kFrag, cat({{kFrag, 0, 0, 0, 0, 0, 0, 9}, {kUdp, 0, 0, 0, 0, 0, 0, 9}, kUdpHeader})))),
            Ipv6ChainDrop::repeated_fragment_header);
}

TEST(Ipv6Chain, Rfc8504_5_3_AtMostEightExtensionHeaders) {
  std::vector<int> chain;
  for (int i = 0; i < 8; ++i) chain.insert(chain.end(), {kDest, 0, 1, 4, 0, 0, 0, 0});
  chain[chain.size() - 8] = kUdp;
  EXPECT_EQ(delivered(walk(packet(kDest, cat({chain, kUdpHeader})))).header_count, 8u);
  chain[chain.size() - 8] = kDest;
  const std::vector<int> ninth = {kUdp, 0, 1, 4, 0, 0, 0, 0};
  EXPECT_EQ(dropped(walk(packet(kDest, cat({chain, ninth, kUdpHeader})))), Ipv6ChainDrop::too_many_headers);
}

TEST(Ipv6Chain, ALongChainOfDestinationOptionsEndsAtTheHeaderLimit) {
  // 500 headers each naming the next: a "loop" in all but name.
  std::vector<int> chain;
  for (int i = 0; i < 500; ++i) chain.insert(chain.end(), {kDest, 0, 1, 4, 0, 0, 0, 0});
  Ipv6ChainLimits lax;
  lax.max_headers = 10000;
  lax.max_chain_len = 100000;
  EXPECT_EQ(dropped(walk(packet(kDest, chain), lax)), Ipv6ChainDrop::truncated);
  EXPECT_EQ(dropped(walk(packet(kDest, chain))), Ipv6ChainDrop::too_many_headers);
}

TEST(Ipv6Chain, Rfc7112_ChainLongerThanTheLimitIsDropped) {
  Ipv6ChainLimits limits;
  limits.max_chain_len = 16;
  const std::vector<int> big = {kUdp, 2, 1, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // PadN of 22 is too much padding, but the length bound comes first.
  EXPECT_EQ(dropped(walk(packet(kDest, cat({big, kUdpHeader})), limits)), Ipv6ChainDrop::chain_too_long);
}

TEST(Ipv6Chain, HeaderRunningPastThePayloadIsTruncated) {
  EXPECT_EQ(dropped(walk(packet(kDest, {kUdp, 0, 1, 2, 0}))), Ipv6ChainDrop::truncated);     // < 8 bytes
  EXPECT_EQ(dropped(walk(packet(kFrag, {kUdp, 0, 0, 0, 0, 0}))), Ipv6ChainDrop::truncated);  // fragment < 8
}

TEST(Ipv6Chain, Rfc8200_4_ForwardingProcessesHopByHopOnly) {
  Ipv6ChainLimits router;
  router.hop_by_hop_only = true;
  const auto d = delivered(
      walk(packet(kHbh, cat({{kRouting, 0, 1, 4, 0, 0, 0, 0}, {kUdp, 0, 0, 5, 0, 0, 0, 0}, kUdpHeader})), router));
  EXPECT_EQ(d.protocol, IpProtocol{43});
  EXPECT_EQ(d.offset, 48u);
  EXPECT_EQ(delivered(walk(packet(kRouting, {kUdp, 0, 0, 5, 0, 0, 0, 0}), router)).offset, 40u);
}

TEST(Ipv6Unfragmentable, Rfc8200_4_5_UpToTheLastRoutingHeader) {
  auto len = [](const ByteVec& b) { return ipv6_unfragmentable_len(*Ipv6Packet::checked(b)); };
  EXPECT_EQ(len(packet(kUdp, kUdpHeader)), 40u);
  EXPECT_EQ(len(packet(kDest, cat({{kUdp, 0, 1, 4, 0, 0, 0, 0}, kUdpHeader}))), 40u);
  EXPECT_EQ(len(packet(kHbh, cat({{kDest, 0, 1, 4, 0, 0, 0, 0}, {kUdp, 0, 1, 4, 0, 0, 0, 0}, kUdpHeader}))), 48u);
  EXPECT_EQ(len(packet(kHbh, cat({{kDest, 0, 1, 4, 0, 0, 0, 0}, {kRouting, 0, 1, 4, 0, 0, 0, 0},
                                  {kDest, 0, 0, 0, 0, 0, 0, 0}, {kUdp, 0, 1, 4, 0, 0, 0, 0}, kUdpHeader}))),
            64u);
}

}  // namespace
}  // namespace wirestack
