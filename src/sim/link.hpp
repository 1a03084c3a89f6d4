// sim/link.hpp — a simulated full-duplex Ethernet link between two FramePorts.
//
// Side 0 and side 1 each attach a FramePort (a NIC, a switch port). send(side,
// frame) transmits from `side` to the other one; each direction has its own
// LinkDirection (rate, delay, queue, impairments), its own Rng stream
// (rng.derive(side)) and its own LinkCounters. Same seed => same outcome.
//
//   EventQueue q;
//   Link link(q, Rng(7), LinkDirection{.bits_per_second = 10'000'000, .delay = 1ms});
//   link.attach(0, &nic_a);
//   link.attach(1, &nic_b);
//   link.send(0, frame);            // nic_b.on_frame(frame) at 1ms + 1.2096ms
//   q.run_until_idle();
//
// What a frame goes through, in this order (IEEE 802.3 clauses 3-4):
//  1. The link must be up: a down link swallows the frame (dropped_down;
//     send() still returns true, the loss is the wire's, not the queue's).
//  2. Transmit queue, drop-tail by frame bytes: the frame being serialized is
//     on the wire, not in the queue; the others wait in it. If the
//     transmitter is busy and queue bytes + this frame > queue_limit_bytes,
//     the frame is dropped (dropped_queue) and send() returns false.
//     With Queue::codel, CoDel (RFC 8289, sim/codel.hpp) then judges the
//     frame by the time it will wait: an ECN-capable IP packet it signals is
//     marked CE (codel_marked), any other is dropped (codel_dropped; not
//     counted in frames_sent, send() returns true: it was queued).
//  3. Serialization, back to back. On the wire a frame of N bytes occupies
//     8 (preamble + SFD) + max(N, 60) (padded to the 64-byte minimum with the
//     FCS) + 4 (FCS) bytes, and the transmitter then stays idle for a 12-byte
//     inter-frame gap before the next frame. Times are ceil(bits * 1e9 / rate)
//     ns, each rounded on its own; bits_per_second == 0 means infinitely fast.
//  4. The last bit arrives `delay` (propagation) after it left, plus a uniform
//     0..jitter extra delay drawn per frame, so frames can overtake each other.
//  5. With probability `duplicate` the medium delivers a second copy (counted
//     `duplicated`); each copy then meets loss, bit errors and jitter on its own.
//  6. Loss with probability `loss` (dropped_loss, counted when sent).
//  7. Bit errors: each bit of frame + FCS flips independently with probability
//     bit_error_rate. The FCS is the real Ethernet CRC-32 (zlib crc32 of the
//     frame, appended least significant byte first) computed at send; the
//     receiver recomputes it and drops a mismatch (dropped_fcs). As on a real
//     wire, a corruption the CRC cannot see (odds ~2^-32) is delivered.
//  8. On arrival the link must still be up and must not have gone down since
//     the frame left (else dropped_down, counted at the arrival time); a side
//     with no port attached also counts as dropped_down. Otherwise the
//     receiving port's on_frame() gets the frame without the FCS.
//
// Per direction, at every instant:
//   frames_sent + duplicated == frames_delivered + dropped_loss + dropped_fcs
//                               + dropped_down + in_flight(side)
//
// Lifetime: a Link must not outlive its EventQueue; destroying a Link cancels
// the events it still has pending. It cannot move (its events point at it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "sim/codel.hpp"
#include "sim/event_queue.hpp"
#include "sim/frame_port.hpp"
#include "storage/fifo.hpp"

namespace wirestack::sim {

// On-the-wire overhead of one Ethernet frame (IEEE 802.3 clause 4.4.2).
inline constexpr std::size_t kEthernetPreambleLen = 8;  // 7 preamble + 1 start-of-frame delimiter
inline constexpr std::size_t kEthernetFcsBytes = 4;
inline constexpr std::size_t kEthernetInterFrameGap = 12;
inline constexpr std::size_t kEthernetMinPaddedLen = 60;  // without the FCS

// One direction of a link.
struct LinkDirection {
  std::uint64_t bits_per_second = 100'000'000;  // 0: infinitely fast
  Duration delay = Duration{1000};              // propagation, 1 us (~200 m of copper)
  std::size_t queue_limit_bytes = 64 * 1024;    // frames waiting, not the one being serialized
  double loss = 0;                              // probability a frame is lost
  double bit_error_rate = 0;                    // probability each bit flips
  double duplicate = 0;                         // probability a frame arrives twice
  Duration jitter = Duration::zero();           // uniform extra delay in [0, jitter]
  enum class Queue : std::uint8_t { drop_tail, codel };
  Queue queue = Queue::drop_tail;               // codel: AQM within queue_limit_bytes (item 2)
  CodelConfig codel{};
};

struct LinkCounters {
  std::uint64_t frames_sent = 0;  // accepted by the transmitter (not dropped at the queue)
  std::uint64_t bytes_sent = 0;   // their frame bytes, without the FCS
  std::uint64_t frames_delivered = 0;
  std::uint64_t bytes_delivered = 0;
  std::uint64_t dropped_queue = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_fcs = 0;   // bit errors caught by the FCS
  std::uint64_t dropped_down = 0;  // link down (or no port attached)
  std::uint64_t duplicated = 0;
  std::uint64_t codel_marked = 0;   // ECN-capable frames CoDel marked CE
  std::uint64_t codel_dropped = 0;  // Not-ECT frames CoDel dropped
  friend bool operator==(const LinkCounters&, const LinkCounters&) = default;
};

std::ostream& operator<<(std::ostream& os, const LinkCounters& c);

// Why a copy of a frame did not arrive, as LinkCounters counts it.
enum class Drop : std::uint8_t {
  none,   // it arrives (unless the link goes down while it travels: see DropTap)
  queue,  // the transmit queue was full: it never left the sender
  codel,  // CoDel dropped it in the queue (a Not-ECT frame)
  down,   // the link was down
  loss,   // lost on the wire
  fcs,    // bit errors on the wire; the receiver's FCS check drops it
};
// "lost on the wire (loss)", ...: what a capture comment and the narrative say.
const char* to_string(Drop d);

// What became of one frame a side handed to the link, decided when it was
// handed over (the simulator draws loss and bit errors then).
struct FrameFate {
  Drop drop = Drop::none;
  bool duplicated = false;     // the medium made a second copy
  Drop twin_drop = Drop::none;  // that copy's fate
  // Whether it left the queue (the link carried it, whatever happened next).
  bool sent() const { return drop != Drop::queue && drop != Drop::codel; }
  // Whether no copy arrives.
  bool lost() const { return drop != Drop::none && (!duplicated || twin_drop != Drop::none); }
  friend bool operator==(const FrameFate&, const FrameFate&) = default;
};

class Link {
 public:
  // Direction a_to_b (side 0 -> side 1) draws from rng.derive(0), b_to_a from rng.derive(1).
  Link(EventQueue& queue, Rng rng, LinkDirection a_to_b, LinkDirection b_to_a);
  Link(EventQueue& queue, Rng rng, LinkDirection both) : Link(queue, rng, both, both) {}
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // Borrows `port` (nullptr detaches); it receives what the other side sends.
  void attach(int side, FramePort* port);
  // Transmits a copy of `frame` (without FCS) from `side` to the other side.
  // Returns false when the transmit queue is full and the frame was dropped.
  bool send(int side, Bytes frame);
  // send() of frame's first `len` bytes, taking frame's storage for the
  // flight instead of copying it (frame gets a spare buffer back) when the
  // frame is accepted; as send() otherwise. `checksummed`: the sender's
  // stack filled in its TCP/UDP checksum; the receiving port is told so
  // (FramePort::on_frame_checksummed) when no bit of the copy can have
  // changed: never on a direction with a bit error rate.
  bool send_owned(int side, ByteVec& frame, std::size_t len, bool checksummed = false);
  // Whether `side`'s transmit queue has room for one more frame as large as
  // the largest it has sent (at least 1,514 bytes); a queue smaller than
  // that has room only when empty. When it has none, the port attached at
  // `side` is told (FramePort::on_room) as soon as it has: a host's card
  // uses it to stop its TCP from pulling segments instead of dropping them.
  bool has_room(int side);
  // Bytes `side`'s transmit queue takes now without dropping (SIZE_MAX on an
  // infinitely fast link, whose frames never wait): what a burst of frames
  // cut from one large segment (software GSO) may fill.
  std::size_t room_bytes(int side);

  // Takes the link down or up now. Going down flushes both transmit queues;
  // frames in flight are dropped when they would have arrived. Both attached
  // ports are told (FramePort::on_link_state), as a card sees its carrier.
  void set_up(bool up);
  // Does set_up(up) at `when` (>= now).
  void schedule_state(Instant when, bool up);
  bool is_up() const { return up_; }

  // Sees every frame a side hands to the link (accepted into the transmit
  // queue), stamped with the virtual time it was handed over: what a capture
  // on the sender's card would record. Used for traces; called before the
  // frame's loss is drawn. Empty function = no tap.
  using Tap = std::function<void(int from_side, Instant at, Bytes frame)>;
  void set_tap(Tap tap) { tap_ = std::move(tap); }
  // Sees every frame a side hands to the link with its fate, once it is
  // decided: after the tap, as the frame left the queue (CE-marked when
  // CoDel marked it, before any bit error), and also the frames the queue
  // or CoDel dropped and those handed to a link that is down (which the tap
  // does not see). For captures with comments and the narrative's losses;
  // empty function = nothing copied or checked for it.
  using FateTap = std::function<void(int from_side, Instant at, Bytes frame, FrameFate fate)>;
  void set_fate_tap(FateTap tap) { fate_tap_ = std::move(tap); }
  // Sees a copy lost after its fate tap said Drop::none: the link went down
  // while it was on the wire (called when it would have arrived).
  using DropTap = std::function<void(int from_side, Instant sent, Bytes frame, Drop why)>;
  void set_drop_tap(DropTap tap) { drop_tap_ = std::move(tap); }

  const LinkDirection& config(int from_side) const { return dir(from_side).config; }
  const LinkCounters& counters(int from_side) const { return dir(from_side).counters; }
  // Bytes waiting in `from_side`'s transmit queue now.
  std::size_t queued_bytes(int from_side) const;
  // Frames (and duplicate copies) from `from_side` travelling or queued, not yet arrived.
  std::size_t in_flight(int from_side) const { return dir(from_side).in_flight; }

  // The Ethernet FCS of `frame`: CRC-32 (IEEE 802.3), as zlib computes it.
  static std::uint32_t fcs(Bytes frame);
  // How long `bytes` bytes take at `bits_per_second` (0: no time), rounded up to the ns.
  static Duration bit_time(std::size_t bytes, std::uint64_t bits_per_second);

 private:
  struct Waiting {
    Instant start{};  // when it starts being serialized, i.e. leaves the queue
    std::size_t bytes = 0;
  };
  struct Direction {
    LinkDirection config;
    Rng rng;
    LinkCounters counters;
    Instant tx_free_at{};  // the transmitter is busy until then (frame + IFG)
    storage::Fifo<Waiting> waiting;
    std::size_t waiting_bytes = 0;
    std::size_t largest_frame = 1514;  // for has_room()
    EventId room_event;                // pending: the sender waits for room
    // The latest arrival event: a frame arriving at the same instant joins
    // its batch (one event, one end_of_batch) instead of scheduling its own.
    EventId batch_event;
    Instant batch_arrival{};
    std::uint32_t batch_tail = 0;
    std::size_t in_flight = 0;
    double log_keep = 0;  // log(1 - bit_error_rate), for geometric skipping
    Codel codel{CodelConfig{}};  // LinkDirection::Queue::codel
  };
  // A copy of a frame travelling on the wire: frame + FCS, and its arrival event.
  // Slots are reused; their buffers keep their capacity, so steady-state
  // traffic does not allocate.
  static constexpr std::uint32_t kNoFlight = 0xffffffff;
  struct Flight {
    ByteVec bytes;
    EventId event;
    std::uint64_t epoch = 0;  // down_count_ when it left
    std::uint32_t next = kNoFlight;  // the next flight of the same arrival batch
    int from = 0;
    bool busy = false;
    bool fcs_bad = false;  // bit errors the receiver's FCS check catches (decided at launch)
    bool checksummed = false;  // its TCP/UDP checksum is known right (send_owned; no bit errors)
    Instant sent{};        // when it was handed to the link
  };

  Direction& dir(int side) {
    WIRESTACK_ASSERT(side == 0 || side == 1);
    return dirs_[static_cast<std::size_t>(side)];
  }
  const Direction& dir(int side) const {
    WIRESTACK_ASSERT(side == 0 || side == 1);
    return dirs_[static_cast<std::size_t>(side)];
  }
  struct Arrival;  // the arrival event's action (link.cpp)
  bool send_impl(int side, Bytes frame, ByteVec* owned, bool checksummed);
  std::uint32_t acquire_flight(int from);
  void release_flight(std::uint32_t slot);
  // Decides the copy's loss, bit errors and jitter and schedules its arrival.
  Drop launch(std::uint32_t slot, Instant arrival);
  // The arrival event of a batch: each flight from `head` on, then end_of_batch().
  void arrive(std::uint32_t head);
  bool arrive_one(std::uint32_t slot);  // true: handed to the port
  // Flips bits; returns how many.
  std::uint64_t corrupt(Direction& d, ByteVec& bytes);
  // Frames whose serialization has begun leave the transmit queue.
  void dequeue_started(Direction& d);
  bool room_in(const Direction& d) const {
    return d.waiting_bytes == 0 || d.waiting_bytes + d.largest_frame <= d.config.queue_limit_bytes;
  }
  // An event when enough of `side`'s queue has left for room_in() to hold.
  void wait_for_room(int side);

  EventQueue& queue_;
  std::array<Direction, 2> dirs_;
  std::array<FramePort*, 2> ports_{};
  std::vector<Flight> flights_;
  std::vector<std::uint32_t> free_flights_;
  std::vector<EventId> state_events_;
  std::uint64_t down_count_ = 0;
  bool up_ = true;
  Tap tap_;
  FateTap fate_tap_;
  DropTap drop_tap_;
  ByteVec tap_copy_;  // the frame as it left, for the fate tap (only with one)
};

}  // namespace wirestack::sim
