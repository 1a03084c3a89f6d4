// sim/codel.hpp — CoDel (RFC 8289), the queue discipline a simulated link
// may run instead of plain drop-tail (LinkDirection::queue).
//
// Codel is the state machine alone, sans-IO: each packet's dequeue instant,
// its sojourn time and the backlog are passed in, and the answer is whether
// to signal congestion with it (drop it, or mark it CE when it is
// ECN-capable: RFC 8289 5.4 and RFC 3168, as Linux's codel with ecn does).
// It follows the pseudocode of RFC 8289 5, with one decision per packet: in
// the dropping state a packet is signalled when its dequeue time reaches
// drop_next, which then moves by INTERVAL / sqrt(count) (the control law);
// a dropped packet takes no transmission time, so the next packet is asked
// at the same instant, as the RFC's loop does.
//
// The link knows each frame's dequeue time when the frame is queued (one
// FIFO at a fixed rate: it starts when the frames before it have left), so
// it asks at enqueue, with that future instant, frames in dequeue order.
// The backlog it passes is the bytes ahead of the frame (those behind it
// have not arrived yet).
//
//   Codel c;                                   // target 5 ms, interval 100 ms
//   if (c.on_dequeue(when, when - queued_at, backlog, 1514)) mark_or_drop();
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/time.hpp"

namespace wirestack::sim {

struct CodelConfig {
  Duration target = std::chrono::milliseconds{5};      // acceptable standing queue delay
  Duration interval = std::chrono::milliseconds{100};  // a worst-case round trip
};

class Codel {
 public:
  explicit Codel(CodelConfig cfg = {}) : cfg_(cfg) {}
  // A packet leaves the queue at `now` after `sojourn` in it, with
  // `backlog_bytes` queued besides it; packets of at most `mtu` bytes.
  // true: signal congestion with this packet (drop, or mark CE).
  bool on_dequeue(Instant now, Duration sojourn, std::size_t backlog_bytes, std::size_t mtu);
  bool dropping() const { return dropping_; }
  std::uint32_t count() const { return count_; }
  Instant drop_next() const { return drop_next_; }

 private:
  bool ok_to_drop(Instant now, Duration sojourn, std::size_t backlog_bytes, std::size_t mtu);
  Instant control_law(Instant t) const;

  CodelConfig cfg_;
  Instant first_above_time_{};  // valid while above_
  Instant drop_next_{};
  std::uint32_t count_ = 0;
  std::uint32_t lastcount_ = 0;
  bool above_ = false;     // first_above_time_ is set (the RFC's "!= 0")
  bool dropping_ = false;
};

// The ECN field (RFC 3168 5: 0 Not-ECT, 1 and 2 ECT, 3 CE) of the IPv4 or
// IPv6 packet in Ethernet `frame`; 0 for anything else.
std::uint8_t frame_ecn(Bytes frame);
// Sets it to CE, fixing the IPv4 header checksum (RFC 1624).
void mark_ce(MutBytes frame);

}  // namespace wirestack::sim
