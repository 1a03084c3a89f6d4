// tcp/connection_urgent_test.cpp — urgent data (RFC 9293 3.8.5 and
// 3.10.7.4's sixth step, MUST-30 to MUST-33, as RFC 6093 advises): the
// urgent pointer names the octet after the urgent data, the data stays in
// line (nothing lost or moved), the application learns how much of what it
// has yet to read is urgent, and our own urgent data is marked on every
// segment below the pointer until it is acknowledged.
#include <gtest/gtest.h>

#include "tcp/connection_harness.hpp"

namespace wirestack::tcp {
namespace {

using namespace testing;

constexpr std::uint16_t U = TcpFlags::kUrg;

TcpRepr urgent(TcpRepr r, std::uint16_t pointer) {
  r.urgent = pointer;
  return r;
}

class UrgentTest : public ConnectionHarness {};

// "abcdef" with SEG.UP = 4: "abcd" is urgent. It is read in line, in order,
// and the count of urgent bytes still to read falls as they are read.
TEST_F(UrgentTest, UrgentDataStaysInLineAndIsCountedUntilRead) {
  establish();
  EXPECT_FALSE(c_->urgent_pending());
  peer(urgent(in(A | U | P, 5001, 1001, 4000), 4), 20ms, "abcdef");
  ASSERT_TRUE(c_->urgent_pending());
  EXPECT_EQ(*c_->urgent_pending(), 4u);
  EXPECT_EQ(c_->urgent_signals(), 1u);
  std::array<std::byte, 3> three{};
  ASSERT_EQ(c_->recv(three), 3u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(three.data()), 3), "abc");
  ASSERT_TRUE(c_->urgent_pending());
  EXPECT_EQ(*c_->urgent_pending(), 1u);
  EXPECT_EQ(read_all(), "def");  // nothing taken out of the stream
  EXPECT_FALSE(c_->urgent_pending());
  // Its ACK is an ordinary one: ours has nothing urgent.
  const auto acks = sends(250ms);
  ASSERT_FALSE(acks.empty());
  EXPECT_FALSE(acks.back().tcp.flags.urg());
}

// RCV.UP <- max(RCV.UP, SEG.UP): a pointer ahead of the data that has
// arrived counts bytes not yet here; a later segment with a lower pointer
// changes nothing; a higher one is signalled again.
TEST_F(UrgentTest, PointerMayLeadTheDataAndOnlyAdvances) {
  establish();
  peer(urgent(in(A | U, 5001, 1001, 4000), 10), 20ms, "ab");  // urgent up to 5011, 2 bytes here
  ASSERT_TRUE(c_->urgent_pending());
  EXPECT_EQ(*c_->urgent_pending(), 10u);
  peer(urgent(in(A | U, 5003, 1001, 4000), 2), 30ms, "cdefgh");  // SEG.UP 5005: behind RCV.UP
  EXPECT_EQ(*c_->urgent_pending(), 10u);
  EXPECT_EQ(c_->urgent_signals(), 1u);
  peer(urgent(in(A | U, 5009, 1001, 4000), 20), 40ms, "ijkl");  // 5029: ahead
  EXPECT_EQ(*c_->urgent_pending(), 28u);
  EXPECT_EQ(c_->urgent_signals(), 2u);
  EXPECT_EQ(read_all(), "abcdefghijkl");
  EXPECT_EQ(*c_->urgent_pending(), 16u);  // the urgent data not yet arrived
}

// A pointer at the data already read (SEG.UP = 0 at RCV.NXT) marks nothing.
TEST_F(UrgentTest, PointerAtTheReadPositionIsNotNews) {
  establish();
  peer(urgent(in(A | U, 5001, 1001, 4000), 0), 20ms, "xy");
  EXPECT_FALSE(c_->urgent_pending());
  EXPECT_EQ(c_->urgent_signals(), 0u);
  EXPECT_EQ(read_all(), "xy");
}

// send_urgent("!") after "hello": the segment carries URG with SEG.UP = 6,
// the octet after '!'. Once the peer acknowledges it, no segment is urgent.
TEST_F(UrgentTest, OurUrgentDataIsMarkedUntilAcknowledged) {
  establish();
  ASSERT_TRUE(c_->send(as_bytes(std::string_view("hello"))));
  ASSERT_TRUE(c_->send_urgent(as_bytes(std::string_view("!"))));
  auto segs = sends(20ms);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(text(segs[0]), "hello!");
  EXPECT_TRUE(segs[0].tcp.flags.urg());
  EXPECT_EQ(segs[0].tcp.urgent, 6u);
  peer(in(A, 5001, 1007, 4000), 30ms);
  ASSERT_TRUE(c_->send(as_bytes(std::string_view("more"))));
  segs = sends(30ms);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(text(segs[0]), "more");
  EXPECT_FALSE(segs[0].tcp.flags.urg());
}

// MUST-30: urgent data of any length. 100,000 urgent bytes: the pointer
// field says 65,535 (the most it can) until the end is within reach, then
// the exact distance; every data segment below the end is marked.
TEST_F(UrgentTest, UrgentDataLongerThanThePointerFieldIsMarkedThroughout) {
  ConnectionConfig cfg = plain();
  cfg.send_buffer = 128 * 1024;
  establish(cfg);
  std::string big(100'000, 'u');
  ASSERT_EQ(*c_->send_urgent(as_bytes(std::string_view(big))), 100'000u);
  std::uint32_t acked = 1001;
  std::size_t seen = 0;
  for (int round = 0; round < 200 && acked < 1001 + 100'000; ++round) {
    const auto segs = sends(20ms + round * 10ms);
    for (const auto& s : segs) {
      if (s.payload.empty()) continue;
      ++seen;
      ASSERT_TRUE(s.tcp.flags.urg()) << "segment at " << s.tcp.seq;
      const std::uint32_t to_end = 1001 + 100'000 - s.tcp.seq;
      EXPECT_EQ(s.tcp.urgent, std::min<std::uint32_t>(to_end, 65535)) << "segment at " << s.tcp.seq;
      acked = s.tcp.seq + static_cast<std::uint32_t>(s.payload.size());
    }
    peer(in(A, 5001, acked, 4000), 25ms + round * 10ms);
  }
  EXPECT_EQ(acked, 1001u + 100'000);
  EXPECT_GT(seen, 60u);
}

}  // namespace
}  // namespace wirestack::tcp
