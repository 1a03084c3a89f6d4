// sim/link.cpp — see link.hpp for the model.
#include "sim/link.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "wire/ecn.hpp"

namespace wirestack::sim {

std::ostream& operator<<(std::ostream& os, const LinkCounters& c) {
  os << "sent " << c.frames_sent << " (" << c.bytes_sent << " B) delivered " << c.frames_delivered << " ("
            << c.bytes_delivered << " B) dropped queue " << c.dropped_queue << " loss " << c.dropped_loss << " fcs "
            << c.dropped_fcs << " down " << c.dropped_down << " duplicated " << c.duplicated;
  if (c.codel_marked + c.codel_dropped > 0) os << " codel marked " << c.codel_marked << " dropped " << c.codel_dropped;
  return os;
}

const char* to_string(Drop d) {
  switch (d) {
    case Drop::none: return "delivered";
    case Drop::queue: return "dropped by the full transmit queue: it never left the sender";
    case Drop::codel: return "dropped by CoDel in the transmit queue: it waited too long";
    case Drop::down: return "lost: the link is down";
    case Drop::loss: return "lost on the wire (the link's loss rate)";
    case Drop::fcs: return "corrupted on the wire (bit errors): the receiver's FCS check drops it";
  }
  return "?";
}

Link::Link(EventQueue& queue, Rng rng, LinkDirection a_to_b, LinkDirection b_to_a)
    : queue_(queue),
      dirs_{Direction{.config = a_to_b, .rng = rng.derive(0)}, Direction{.config = b_to_a, .rng = rng.derive(1)}} {
  for (auto& d : dirs_) {
    WIRESTACK_ASSERT(d.config.delay >= Duration::zero() && d.config.jitter >= Duration::zero());
    WIRESTACK_ASSERT(d.config.bit_error_rate >= 0 && d.config.bit_error_rate <= 1);
    d.log_keep = d.config.bit_error_rate < 1 ? std::log1p(-d.config.bit_error_rate) : 0;
    d.codel = Codel(d.config.codel);
  }
}

Link::~Link() {
  for (const Flight& f : flights_)
    if (f.busy) queue_.cancel(f.event);
  for (const EventId id : state_events_) queue_.cancel(id);
  for (const Direction& d : dirs_) queue_.cancel(d.room_event);
}

void Link::attach(int side, FramePort* port) {
  WIRESTACK_ASSERT(side == 0 || side == 1);
  ports_[static_cast<std::size_t>(side)] = port;
}

std::uint32_t Link::fcs(Bytes frame) {
  // zlib's crc32 is the IEEE 802.3 CRC-32 (reflected 0x04c11db7, initial and
  // final complement); Ethernet sends it least significant byte first.
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(frame.data());
  std::size_t left = frame.size();
  while (left > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(left, std::numeric_limits<uInt>::max()));
    crc = crc32(crc, p, chunk);
    p += chunk;
    left -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

Duration Link::bit_time(std::size_t bytes, std::uint64_t bits_per_second) {
  if (bits_per_second == 0) return Duration::zero();
  const Uint128 bits = static_cast<Uint128>(bytes) * 8;
  const Uint128 ns = (bits * 1'000'000'000u + bits_per_second - 1) / bits_per_second;
  return Duration{static_cast<Duration::rep>(ns)};
}

std::size_t Link::queued_bytes(int from_side) const {
  const Direction& d = dir(from_side);
  std::size_t bytes = 0;
  for (const Waiting& w : d.waiting)
    if (w.start > queue_.now()) bytes += w.bytes;
  return bytes;
}

bool Link::send(int side, Bytes frame) { return send_impl(side, frame, nullptr, false); }

bool Link::send_owned(int side, ByteVec& frame, std::size_t len, bool checksummed) {
  WIRESTACK_ASSERT(len <= frame.size());
  return send_impl(side, Bytes(frame).first(len), &frame, checksummed);
}

bool Link::send_impl(int side, Bytes frame, ByteVec* owned, bool checksummed) {
  Direction& d = dir(side);
  const Instant now = queue_.now();
  if (!up_) {
    ++d.counters.frames_sent;
    d.counters.bytes_sent += frame.size();
    ++d.counters.dropped_down;
    if (fate_tap_) fate_tap_(side, now, frame, FrameFate{.drop = Drop::down});
    return true;
  }

  // 2. The transmit queue: frames whose serialization has begun have left it.
  dequeue_started(d);
  d.largest_frame = std::max(d.largest_frame, frame.size());
  const Instant start = std::max(now, d.tx_free_at);
  if (start > now && d.waiting_bytes + frame.size() > d.config.queue_limit_bytes) {
    ++d.counters.dropped_queue;
    if (fate_tap_) fate_tap_(side, now, frame, FrameFate{.drop = Drop::queue});
    return false;
  }
  // CoDel judges the frame by when it will leave the queue (sim/codel.hpp).
  bool mark = false;
  if (d.config.queue == LinkDirection::Queue::codel &&
      d.codel.on_dequeue(start, start - now, d.waiting_bytes, d.largest_frame)) {
    const std::uint8_t field = frame_ecn(frame);
    if (field == ecn::kNotEct) {
      ++d.counters.codel_dropped;
      if (fate_tap_) fate_tap_(side, now, frame, FrameFate{.drop = Drop::codel});
      return true;
    }
    mark = field != ecn::kCe;
    ++d.counters.codel_marked;
  }
  if (start > now) {
    d.waiting.push_back(Waiting{start, frame.size()});
    d.waiting_bytes += frame.size();
  }
  ++d.counters.frames_sent;
  d.counters.bytes_sent += frame.size();

  // 3. Serialization: preamble + padded frame + FCS, then the inter-frame gap.
  const std::size_t on_wire = kEthernetPreambleLen + std::max(frame.size(), kEthernetMinPaddedLen) + kEthernetFcsBytes;
  const std::uint64_t rate = d.config.bits_per_second;
  d.tx_free_at = start + bit_time(on_wire + kEthernetInterFrameGap, rate);
  // 4. The last bit arrives after the propagation delay (jitter is per copy).
  const Instant arrival = start + bit_time(on_wire, rate) + d.config.delay;

  // 7. The FCS travels with the frame; launch() computes it (over the frame
  // as it left, before any bit flips) only when this direction can flip bits:
  // on a clean link it could only ever match, and CRC-32 over every frame was
  // nearly half the cost of a bulk transfer in the simulator.
  const std::uint32_t slot = acquire_flight(side);
  // Bits that may flip must be summed again by the receiver.
  flights_[slot].checksummed = checksummed && d.config.bit_error_rate == 0;
  {
    ByteVec& bytes = flights_[slot].bytes;
    // Every flight buffer is sized for the largest frame: a slot that last
    // carried an ACK then takes a full segment without growing.
    if (bytes.capacity() < d.largest_frame + kEthernetFcsBytes) bytes.reserve(d.largest_frame + kEthernetFcsBytes);
    if (owned != nullptr) {
      // The sender's buffer travels; it gets this slot's spare one back.
      const std::size_t len = frame.size();
      bytes.swap(*owned);
      bytes.resize(len + kEthernetFcsBytes);
    } else {
      bytes.assign(frame.begin(), frame.end());
      bytes.resize(bytes.size() + kEthernetFcsBytes);
    }
    const std::size_t len = bytes.size() - kEthernetFcsBytes;
    if (mark) mark_ce(MutBytes(bytes).first(len));
    // The taps see the frame as it left, CE mark included (a narrative that
    // saw it before CoDel showed the receiver's ECE echo but no mark), and
    // whatever bit errors do to it next.
    if (tap_) tap_(side, now, Bytes(bytes).first(len));
    if (fate_tap_) tap_copy_.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
  }
  FrameFate fate;
  // 5. Duplication: a second, independent copy of the same bits.
  if (d.rng.chance(d.config.duplicate)) {
    ++d.counters.duplicated;
    const std::uint32_t twin = acquire_flight(side);  // may reallocate flights_
    flights_[twin].bytes = flights_[slot].bytes;      // copy-assign keeps the twin's capacity
    flights_[twin].checksummed = flights_[slot].checksummed;
    fate.duplicated = true;
    fate.drop = launch(slot, arrival);
    fate.twin_drop = launch(twin, arrival);
  } else {
    fate.drop = launch(slot, arrival);
  }
  if (fate_tap_) fate_tap_(side, now, tap_copy_, fate);
  return true;
}

void Link::dequeue_started(Direction& d) {
  const Instant now = queue_.now();
  while (!d.waiting.empty() && d.waiting.front().start <= now) {
    d.waiting_bytes -= d.waiting.front().bytes;
    d.waiting.pop_front();
  }
}

bool Link::has_room(int side) {
  Direction& d = dir(side);
  dequeue_started(d);
  if (room_in(d)) return true;
  wait_for_room(side);
  return false;
}

std::size_t Link::room_bytes(int side) {
  Direction& d = dir(side);
  if (d.config.bits_per_second == 0) return SIZE_MAX;
  dequeue_started(d);
  return d.config.queue_limit_bytes > d.waiting_bytes ? d.config.queue_limit_bytes - d.waiting_bytes : 0;
}

void Link::wait_for_room(int side) {
  Direction& d = dir(side);
  if (queue_.is_pending(d.room_event)) return;
  // The queue empties in order: find the frame whose start leaves room.
  std::size_t left = d.waiting_bytes;
  Instant when = queue_.now();
  for (const Waiting& w : d.waiting) {
    left -= w.bytes;
    when = w.start;
    if (left == 0 || left + d.largest_frame <= d.config.queue_limit_bytes) break;
  }
  d.room_event = queue_.schedule_at(when, [this, side] {
    Direction& dd = dir(side);
    dd.room_event = {};
    dequeue_started(dd);
    if (!room_in(dd)) {
      wait_for_room(side);
      return;
    }
    if (FramePort* port = ports_[static_cast<std::size_t>(side)]) port->on_room();
  });
}

std::uint32_t Link::acquire_flight(int from) {
  std::uint32_t slot;
  if (!free_flights_.empty()) {
    slot = free_flights_.back();
    free_flights_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(flights_.size());
    flights_.emplace_back();
  }
  Flight& f = flights_[slot];
  f.busy = true;
  f.from = from;
  f.epoch = down_count_;
  ++dir(from).in_flight;
  return slot;
}

void Link::release_flight(std::uint32_t slot) {
  Flight& f = flights_[slot];
  f.busy = false;
  f.event = EventId{};
  --dir(f.from).in_flight;
  free_flights_.push_back(slot);
}

// The arrival of a batch; while the event before it runs, the queue asks
// for its flight and the head frame's first bytes (sent an RTT's fraction
// ago, out of cache by now: arrive() and the receiving stack's first look
// at the headers waited on them).
struct Link::Arrival {
  Link* link;
  std::uint32_t head;
  const std::byte* frame;
  void operator()() const { link->arrive(head); }
  void prefetch() const noexcept {
    __builtin_prefetch(link->flights_.data() + head);
    __builtin_prefetch(frame);
  }
};

Drop Link::launch(std::uint32_t slot, Instant arrival) {
  Direction& d = dir(flights_[slot].from);
  flights_[slot].sent = queue_.now();
  flights_[slot].fcs_bad = false;
  // 6. Loss.
  if (d.rng.chance(d.config.loss)) {
    ++d.counters.dropped_loss;
    release_flight(slot);
    return Drop::loss;
  }
  // 7. Bit errors, after the FCS was computed over the clean bits. Whether
  // the receiver's check catches them is decided now (the bits do not change
  // on the way): the CRC is computed again only for a frame with flipped bits.
  if (d.config.bit_error_rate > 0) {
    ByteVec& bytes = flights_[slot].bytes;
    const std::size_t len = bytes.size() - kEthernetFcsBytes;
    const std::uint32_t crc = fcs(Bytes(bytes).first(len));
    for (std::size_t i = 0; i < kEthernetFcsBytes; ++i) bytes[len + i] = static_cast<std::byte>(crc >> (8 * i));
    if (corrupt(d, bytes) > 0) {
      const std::uint32_t carried = std::uint32_t{load_u8(bytes, len)} | std::uint32_t{load_u8(bytes, len + 1)} << 8 |
                                    std::uint32_t{load_u8(bytes, len + 2)} << 16 |
                                    std::uint32_t{load_u8(bytes, len + 3)} << 24;
      flights_[slot].fcs_bad = fcs(Bytes(bytes).first(len)) != carried;
    }
  }
  // 4. Jitter.
  if (d.config.jitter > Duration::zero()) {
    const auto span = static_cast<std::uint64_t>(d.config.jitter.count());
    arrival += Duration{static_cast<Duration::rep>(d.rng.below(span + 1))};
  }
  flights_[slot].next = kNoFlight;
  if (queue_.is_pending(d.batch_event) && d.batch_arrival == arrival) {
    // Arrives with the frames already due at that instant: one batch.
    flights_[d.batch_tail].next = slot;
    d.batch_tail = slot;
    flights_[slot].event = d.batch_event;
    return flights_[slot].fcs_bad ? Drop::fcs : Drop::none;
  }
  flights_[slot].event = queue_.schedule_at(arrival, Arrival{this, slot, flights_[slot].bytes.data()});
  d.batch_event = flights_[slot].event;
  d.batch_arrival = arrival;
  d.batch_tail = slot;
  return flights_[slot].fcs_bad ? Drop::fcs : Drop::none;
}

// Flips each bit with probability p without one draw per bit: the gap before
// the next flipped bit is geometric, floor(log(U) / log(1 - p)) with U uniform
// in (0, 1] (inverse-transform sampling), so a frame costs one draw plus one
// per flipped bit.
std::uint64_t Link::corrupt(Direction& d, ByteVec& bytes) {
  const std::uint64_t bits = bytes.size() * 8;
  const auto flip = [&bytes](std::uint64_t bit) { bytes[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8)); };
  if (d.config.bit_error_rate >= 1) {
    for (std::uint64_t bit = 0; bit < bits; ++bit) flip(bit);
    return bits;
  }
  std::uint64_t bit = 0;
  std::uint64_t flipped = 0;
  while (true) {
    const double u = 1.0 - d.rng.uniform();  // (0, 1]
    const double gap = std::floor(std::log(u) / d.log_keep);
    if (!(gap < static_cast<double>(bits - bit))) return flipped;  // also catches inf
    bit += static_cast<std::uint64_t>(gap);
    flip(bit);
    ++flipped;
    if (++bit >= bits) return flipped;
  }
}

void Link::arrive(std::uint32_t head) {
  const int from = flights_[head].from;
  bool delivered = false;
  for (std::uint32_t slot = head; slot != kNoFlight;) {
    const std::uint32_t next = flights_[slot].next;
    delivered |= arrive_one(slot);
    slot = next;
  }
  FramePort* port = ports_[static_cast<std::size_t>(1 - from)];
  if (delivered && port != nullptr) port->end_of_batch();
}

bool Link::arrive_one(std::uint32_t slot) {
  const int from = flights_[slot].from;
  Direction& d = dir(from);
  FramePort* port = ports_[static_cast<std::size_t>(1 - from)];
  const ByteVec& bytes = flights_[slot].bytes;
  bool delivered = false;
  WIRESTACK_ASSERT(bytes.size() >= kEthernetFcsBytes);
  const std::size_t len = bytes.size() - kEthernetFcsBytes;
  if (!up_ || flights_[slot].epoch != down_count_ || port == nullptr) {
    ++d.counters.dropped_down;
    // Its tap said it was on its way (a corrupted one was told as lost then).
    if (drop_tap_ && !flights_[slot].fcs_bad) drop_tap_(from, flights_[slot].sent, Bytes(bytes).first(len), Drop::down);
  } else if (flights_[slot].fcs_bad) {
    ++d.counters.dropped_fcs;
  } else {
    ++d.counters.frames_delivered;
    d.counters.bytes_delivered += len;
    // The slot stays busy during the call, so a reply sent from on_frame()
    // cannot reuse this buffer; flights_ may grow, but the ByteVec's heap
    // storage, which the span points into, does not move.
    if (flights_[slot].checksummed) {
      port->on_frame_checksummed(Bytes(bytes).first(len));
    } else {
      port->on_frame(Bytes(bytes).first(len));
    }
    delivered = true;
  }
  release_flight(slot);  // by index: flights_ may have reallocated
  return delivered;
}

void Link::set_up(bool up) {
  if (up == up_) return;
  up_ = up;
  for (FramePort* port : ports_) {
    if (port != nullptr) port->on_link_state(up);
  }
  if (up) return;
  // Going down: whatever is on the wire or in a queue is lost. The arrival
  // events stay scheduled and count dropped_down when they fire.
  ++down_count_;
  const Instant now = queue_.now();
  for (Direction& d : dirs_) {
    d.waiting.clear();
    d.waiting_bytes = 0;
    d.tx_free_at = std::min(d.tx_free_at, now);
  }
}

void Link::schedule_state(Instant when, bool up) {
  std::erase_if(state_events_, [this](EventId id) { return !queue_.is_pending(id); });
  state_events_.push_back(queue_.schedule_at(when, [this, up] { set_up(up); }));
}

}  // namespace wirestack::sim
