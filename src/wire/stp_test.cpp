// wire/stp_test.cpp — BPDUs: a frame built by scapy parsed and emitted again,
// TCNs, the LLC checks, truncation and the text line.
#include "wire/stp.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "wire/dissect.hpp"

namespace wirestack {
namespace {

using namespace std::chrono_literals;

constexpr MacAddress kPortMac = MacAddress::from_parts(0x025742, 0x000101);

// scapy: Dot3(dst='01:80:c2:00:00:00', src='02:57:42:00:01:01')/LLC(dsap=0x42,
//   ssap=0x42, ctrl=3)/STP(bpdutype=0, bpduflags=0x81, rootid=4096,
//   rootmac='02:57:42:00:01:00', pathcost=19, bridgeid=32768,
//   bridgemac='02:57:42:00:02:00', portid=0x8002, age=1.0, maxage=20,
//   hellotime=2, fwddelay=15)
constexpr auto kConfigFrame = bytes_of(
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x00, 0x02, 0x57, 0x42, 0x00, 0x01, 0x01,  // dst, src
    0x00, 0x26,                                                              // 802.3 length 38
    0x42, 0x42, 0x03,                                                        // LLC
    0x00, 0x00, 0x00, 0x00, 0x81,                                            // proto, version, config, TC+TCA
    0x10, 0x00, 0x02, 0x57, 0x42, 0x00, 0x01, 0x00,                          // root 1000.02:57:42:00:01:00
    0x00, 0x00, 0x00, 0x13,                                                  // cost 19
    0x80, 0x00, 0x02, 0x57, 0x42, 0x00, 0x02, 0x00,                          // bridge 8000.02:57:42:00:02:00
    0x80, 0x02,                                                              // port 0x8002
    0x01, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0f, 0x00);                         // 1 s, 20 s, 2 s, 15 s

BpduRepr expected_config() {
  BpduRepr b;
  b.topology_change = true;
  b.topology_change_ack = true;
  b.root = BridgeId{0x1000, MacAddress::from_parts(0x025742, 0x000100)};
  b.root_path_cost = 19;
  b.bridge = BridgeId{0x8000, MacAddress::from_parts(0x025742, 0x000200)};
  b.port_id = 0x8002;
  b.message_age = 1s;
  b.max_age = 20s;
  b.hello_time = 2s;
  b.forward_delay = 15s;
  return b;
}

TEST(Bpdu, ParsesAConfigurationBpduBuiltByScapy) {
  auto b = parse_bpdu_frame(kConfigFrame);
  ASSERT_TRUE(b.has_value()) << to_string(b.error());
  EXPECT_EQ(*b, expected_config());
}

TEST(Bpdu, EmitsTheSameBytesPaddedToTheMinimumFrame) {
  const ByteVec frame = bpdu_frame(kPortMac, expected_config());
  ASSERT_EQ(frame.size(), kEthernetMinFrameLen);
  EXPECT_TRUE(std::equal(kConfigFrame.begin(), kConfigFrame.end(), frame.begin()));
  EXPECT_TRUE(std::all_of(frame.begin() + kConfigFrame.size(), frame.end(), [](std::byte b) { return b == std::byte{0}; }));
}

TEST(Bpdu, TopologyChangeNotificationRoundTrips) {
  const ByteVec frame = bpdu_frame(kPortMac, BpduRepr::tcn());
  EXPECT_EQ(load_be16(frame, 12), 7u);  // LLC 3 + BPDU 4
  EXPECT_EQ(load_u8(frame, 17 + 3), 0x80u);
  auto b = parse_bpdu_frame(frame);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(*b, BpduRepr::tcn());
}

TEST(Bpdu, RejectsWhatIsNotAnStpBpdu) {
  ByteVec f(kConfigFrame.begin(), kConfigFrame.end());
  f[14] = std::byte{0xaa};  // SNAP, not STP
  EXPECT_EQ(parse_bpdu_frame(f).error(), WireError::unsupported);
  f = ByteVec(kConfigFrame.begin(), kConfigFrame.end());
  f[18] = std::byte{0x01};  // protocol id 1
  EXPECT_EQ(parse_bpdu_frame(f).error(), WireError::unsupported);
  f = ByteVec(kConfigFrame.begin(), kConfigFrame.end());
  f[20] = std::byte{0x42};  // unknown BPDU type
  EXPECT_EQ(parse_bpdu_frame(f).error(), WireError::unsupported);
  f = ByteVec(kConfigFrame.begin(), kConfigFrame.end());
  f[12] = std::byte{0x08};  // an EtherType: Ethernet II
  EXPECT_EQ(parse_bpdu_frame(f).error(), WireError::unsupported);
}

TEST(Bpdu, EveryTruncationIsAnError) {
  for (std::size_t n = 0; n < kConfigFrame.size(); ++n) {
    ByteVec f(kConfigFrame.begin(), kConfigFrame.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_bpdu_frame(f).has_value()) << n << " bytes";
  }
  // The length field saying more than the frame holds.
  ByteVec f(kConfigFrame.begin(), kConfigFrame.end());
  f[13] = std::byte{0x40};
  EXPECT_EQ(parse_bpdu_frame(f).error(), WireError::bad_length);
}

TEST(Bpdu, PrintsLikeTcpdump) {
  std::ostringstream os;
  os << expected_config();
  EXPECT_EQ(os.str(),
            "STP 802.1d, Config, Flags [TC, TC ack], bridge-id 8000.02:57:42:00:02:00.8002, root-id "
            "1000.02:57:42:00:01:00, root-pathcost 19, message-age 1.00s, max-age 20.00s, hello-time 2.00s, "
            "forwarding-delay 15.00s");
  os.str("");
  os << BpduRepr::tcn();
  EXPECT_EQ(os.str(), "STP 802.1d, Topology Change");
}

TEST(Bpdu, TheDissectorShowsTheBpdu) {
  const Dissection d = dissect(kConfigFrame);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d.bpdu.has_value());
  EXPECT_EQ(*d.bpdu, expected_config());
  ASSERT_EQ(d.layers.size(), 2u);
  EXPECT_EQ(d.layers[0].text, "02:57:42:00:01:01 > 01:80:c2:00:00:00, 802.3 length 38, LLC dsap 0x42 ssap 0x42 ui");
  EXPECT_EQ(d.layers[1].protocol, "STP");
  EXPECT_EQ(d.layers[1].text.rfind("STP 802.1d, Config, Flags [TC, TC ack]", 0), 0u);
}

}  // namespace
}  // namespace wirestack
