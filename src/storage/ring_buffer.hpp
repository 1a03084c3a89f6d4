// storage/ring_buffer.hpp — a byte FIFO with a capacity limit and lazy,
// geometric allocation: TCP's send buffer and receive buffer.
//
// Memory (issue [3/6]: "buffers are not allocated before they are needed"):
//  * Construction allocates nothing. The first write allocates
//    max(kMinAllocation, what that write needs), capped by the capacity; later
//    writes grow the allocation geometrically (x2, capped by the capacity, but
//    always by at least half: a capacity raised in small steps does not make
//    every step a move of the whole buffer; the allocation then exceeds the
//    capacity by less than half). Growth moves the contents to the front of
//    the new block.
//  * shrink() gives the memory back when the buffer holds nothing (no readable
//    bytes and no uncommitted write_at() data): call it when a connection goes
//    idle. An idle RingBuffer is sizeof(RingBuffer) == 16 bytes and 0 on the heap:
//    what only an allocated buffer needs (the allocation's size, the head,
//    the pending end) lives in a 16-byte header in front of its bytes.
//  * capacity() is a limit, not an allocation: set_capacity() may lower it
//    below size() (as SO_SNDBUF may): the bytes stay, free() is 0 until
//    enough are read, and the allocation is not reduced until shrink().
//  * Capacities are clamped to kMaxCapacity (2^31 bytes; TCP's largest window
//    with RFC 7323 scaling is 2^30), so positions fit in 32 bits.
//
// Positions are offsets from the head (the oldest unread byte):
//
//     head                size()                   capacity()
//      |<---- readable ---->|<------------ free() ------------>|
//                           |<- pending: write_at() data ->|
//
// Send side:   write() appends what the application gives (partial when full);
//              peek(offset, out) copies bytes for (re)transmission without
//              consuming them; discard(n) drops bytes the peer acknowledged.
// Receive side (with storage::Assembler, whose offset 0 is size() here):
//              a segment at offset `off` beyond the next expected byte is
//              placed with write_at(off, data); the assembler records the
//              range; commit(assembler.pop_front()) makes the bytes that are
//              now contiguous readable; the application read()s them.
//   Contract of write_at/commit:
//    - write_at(offset, data) copies min(data.size(), free() - offset) bytes
//      (0 when offset >= free()) to positions size() + offset ..., and returns
//      that count. It does not change size(). Bytes already there are
//      overwritten (TCP retransmissions carry the same bytes).
//    - The buffer does not know which of those positions hold data; it only
//      keeps pending(), the end of the furthest write_at() so far (counted
//      from size()), so that growth and shrink() preserve them.
//    - commit(n) makes positions [size(), size() + n) readable. Precondition:
//      n <= pending(), and the caller (the assembler) knows they were all
//      written; committing a hole hands stale bytes to the application.
//    - write(data) is write_at(0, data) + commit(count).
//    - Call Assembler::add *before* write_at (with the size clamped to
//      free() - offset): when the assembler refuses the segment, nothing is
//      written and pending() does not grow.
//
//   RingBuffer rx(64 * 1024);                      // nothing allocated yet
//   const std::size_t n = std::min(seg.size(), rx.free() - off);   // off < free()
//   if (assembler.add(off, n)) {
//     const std::size_t written = rx.write_at(off, seg.first(n));   // == n
//     rx.commit(assembler.pop_front());
//   } else {
//     ++stats.ooo_dropped;                         // segment dropped
//   }
//   std::size_t got = rx.read(app_buffer);
//
// Not thread-safe. Sizes are std::size_t in the API; all are < 2^31.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <utility>

#include "base/bytes.hpp"

namespace wirestack::storage {

// Up to two spans that together are a byte range in order (the second is
// non-empty only when the range wraps around the end of the allocation).
struct SpanPair {
  Bytes first;
  Bytes second;
  std::size_t size() const { return first.size() + second.size(); }
  bool empty() const { return size() == 0; }
};

// The n bytes of `p` from `offset` on (offset + n <= p.size()), still as
// one or two spans.
inline SpanPair slice(const SpanPair& p, std::size_t offset, std::size_t n) {
  if (offset >= p.first.size()) return SpanPair{.first = p.second.subspan(offset - p.first.size(), n), .second = {}};
  const std::size_t in_first = std::min(n, p.first.size() - offset);
  return SpanPair{.first = p.first.subspan(offset, in_first), .second = p.second.first(n - in_first)};
}

class RingBuffer {
 public:
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 31;
  static constexpr std::size_t kMinAllocation = 256;

  RingBuffer() = default;  // capacity 0: every write returns 0
  explicit RingBuffer(std::size_t capacity) : capacity_(clamp(capacity)) {}

  // A moved-from buffer is empty, unallocated, with capacity 0.
  RingBuffer(RingBuffer&& other) noexcept { swap(other); }
  RingBuffer& operator=(RingBuffer&& other) noexcept {
    RingBuffer(std::move(other)).swap(*this);
    return *this;
  }
  ~RingBuffer() { release(); }
  void swap(RingBuffer& other) noexcept {
    std::swap(block_, other.block_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  std::size_t free() const { return capacity_ > size_ ? capacity_ - size_ : 0; }
  bool empty() const { return size_ == 0; }
  // End of the furthest write_at() data, counted from size(); 0 after commit
  // of all of it, or after write() covered it.
  std::size_t pending() const { return block_ != nullptr ? block_->pending : 0; }
  // Bytes of buffer allocated now (0 before the first write and after
  // shrink()); heap_bytes() adds the block's 16-byte header.
  std::size_t allocated_bytes() const { return block_ != nullptr ? block_->alloc : 0; }
  std::size_t heap_bytes() const { return block_ != nullptr ? sizeof(Block) + block_->alloc : 0; }

  // Sets the limit (clamped to kMaxCapacity). Never allocates or frees.
  void set_capacity(std::size_t capacity) { capacity_ = clamp(capacity); }

  // Appends min(data.size(), free()) bytes; returns how many.
  [[nodiscard]] std::size_t write(Bytes data);
  // Copies up to out.size() bytes from the head into out and consumes them.
  [[nodiscard]] std::size_t read(MutBytes out);
  // Copies up to out.size() bytes starting `offset` bytes after the head,
  // without consuming; 0 when offset >= size().
  [[nodiscard]] std::size_t peek(std::size_t offset, MutBytes out) const;
  // Consumes n bytes from the head. Precondition: n <= size().
  void discard(std::size_t n);

  // Zero-copy reads: the readable bytes, and up to max_len bytes from
  // `offset` (clamped to size()). Valid until the next non-const call.
  SpanPair readable_spans() const { return peek_spans(0, size_); }
  SpanPair peek_spans(std::size_t offset, std::size_t max_len) const;

  // Out-of-order placement beyond size(); see the contract above.
  [[nodiscard]] std::size_t write_at(std::size_t offset, Bytes data);
  // Makes n bytes after size() readable. Precondition: n <= pending().
  void commit(std::size_t n);

  // Drops all bytes (readable and pending); keeps the allocation.
  void clear();
  // Frees the allocation if nothing is held (empty() and pending() == 0).
  // Returns whether memory was released.
  bool shrink();

  // A capacity as set_capacity() takes it: at most kMaxCapacity.
  static std::uint32_t clamp(std::size_t c) {
    return static_cast<std::uint32_t>(c < kMaxCapacity ? c : kMaxCapacity);
  }

 private:
  // The allocation: this header, then `alloc` bytes of buffer (data()).
  struct Block {
    std::uint32_t alloc;    // bytes of buffer behind the header
    std::uint32_t head;     // index of the oldest byte
    std::uint32_t pending;  // end of write_at() data, counted from size_
    std::uint32_t unused;   // keeps the bytes 16-aligned
    std::byte* data() { return reinterpret_cast<std::byte*>(this + 1); }  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    const std::byte* data() const { return reinterpret_cast<const std::byte*>(this + 1); }  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
  };
  // Position of logical offset `off` (from the head) inside the block; off <= alloc.
  static std::size_t index(const Block& b, std::size_t off) {
    const std::size_t i = b.head + off;
    return i >= b.alloc ? i - b.alloc : i;
  }
  // Ensures an allocation of at least `needed` bytes (<= max(capacity_,
  // allocated_bytes())), keeping contents; grows by at least half of it.
  // Returns the block.
  Block& reserve(std::size_t needed);
  // Copies src to logical offset `off` (wrapping); the range fits in the block.
  static void copy_in(Block& b, std::size_t off, Bytes src);
  void release();

  Block* block_ = nullptr;      // nullptr: nothing allocated
  std::uint32_t size_ = 0;      // readable bytes
  std::uint32_t capacity_ = 0;  // limit on size_ + pending region
};

static_assert(sizeof(RingBuffer) <= 16, "an idle connection holds two of these");

// "RingBuffer{size=10 capacity=100 allocated=256 pending=0}"
std::ostream& operator<<(std::ostream& os, const RingBuffer& rb);

}  // namespace wirestack::storage
