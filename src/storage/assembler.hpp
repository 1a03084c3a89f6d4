// storage/assembler.hpp — which byte ranges past the next expected byte have
// arrived out of order: TCP's receive-side reassembly bookkeeping and the
// source of its SACK blocks (RFC 9293 3.10.7.4 "seventh, process the segment
// text"; RFC 2018; the idea of smoltcp's storage::Assembler, with a
// configurable limit that refuses loudly instead of a silent fixed 4).
//
// Offsets are relative to the first missing byte (TCP: RCV.NXT), which is
// also RingBuffer::size() of the receive buffer holding the bytes themselves:
// the assembler stores ranges only, never data. Offset 0 means "in order".
//
//   add(offset, size)  records [offset, offset + size), merging it with every
//                      range it overlaps or touches. Duplicates and overlaps
//                      are fine (the union is kept).
//   pop_front()        if a range starts at 0, removes it and returns its size
//                      (the bytes now contiguous at RCV.NXT: commit them to
//                      the RingBuffer and advance RCV.NXT by as much); every
//                      other offset moves down by that size. Otherwise 0.
//   sack_blocks(k)     up to k (<= 4) ranges, the most recently changed first
//                      (RFC 2018 section 4: "The first SACK block ... MUST
//                      specify the contiguous block of data containing the
//                      segment which triggered this ACK"; later blocks
//                      SHOULD repeat the most recently reported ones). A
//                      range's recency is that of the last add() that
//                      created, extended, merged or merely re-covered it.
//                      Ranges at offset 0 are not reported (they are about
//                      to be acknowledged cumulatively; call pop_front first).
//
// Bounds (issue [3/6]: "the out-of-order queue bounded in memory"):
//  * At most max_ranges() disjoint ranges (default 32). An add() that would
//    need one more is refused with AssemblerError::too_many_ranges: the
//    caller drops the segment (and counts it); the sender retransmits it.
//    Adds that merge into existing ranges are always accepted, and so is an
//    add at offset 0 (one spare slot), so in-order data and retransmissions
//    from RCV.NXT always get through: a full table cannot stall a connection.
//  * Ends must fit in 32 bits (add refuses with AssemblerError::out_of_range);
//    TCP windows are at most 2^30 bytes.
//
// Memory: sizeof(Assembler) == 16, nothing on the heap until the first
// out-of-order add. The range table then grows geometrically (4, 8, ..., up to
// max_ranges + 1 entries of 10 bytes: 8 for the range, 2 for its stamp, in one
// block rounded up to 8 bytes) and is kept for the next reordering
// episode until shrink(), which frees it when empty: call it when the
// connection goes idle. An inline array of 32 ranges would add ~300 bytes to
// every idle control block for a table most connections never use.
//
//   Assembler ooo;                                    // in the TCB
//   const std::uint32_t off = seg.seq - rcv_nxt;      // mod 2^32, in window
//   if (auto r = ooo.add(off, len); !r) { ++stats.ooo_dropped; return; }
//   const std::size_t ready = ooo.pop_front();        // rx.commit(ready) ...
//   for (auto b : ooo.sack_blocks(3)) emit_sack(rcv_nxt + b.offset, rcv_nxt + b.end());
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <utility>

#include "base/assert.hpp"
#include "base/result.hpp"

namespace wirestack::storage {

enum class AssemblerError : std::uint8_t {
  too_many_ranges,  // would need a range beyond max_ranges(): drop the segment
  out_of_range,     // offset + size does not fit in 32 bits
};
std::ostream& operator<<(std::ostream& os, AssemblerError e);

// [offset, offset + size), relative to the first missing byte.
struct AssemblerRange {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  constexpr std::uint32_t end() const { return offset + size; }
  friend constexpr bool operator==(const AssemblerRange&, const AssemblerRange&) = default;
};
// "[10,20)"
std::ostream& operator<<(std::ostream& os, AssemblerRange r);

// At most kMaxSackBlocks ranges, by value (no heap).
class SackBlocks {
 public:
  static constexpr std::size_t kMaxSackBlocks = 4;  // what fits in 40 option bytes
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  const AssemblerRange& operator[](std::size_t i) const { return blocks_[i]; }
  const AssemblerRange* begin() const { return blocks_.data(); }
  const AssemblerRange* end() const { return blocks_.data() + count_; }
  void push_back(AssemblerRange r) {
    WIRESTACK_ASSERT(count_ < kMaxSackBlocks);
    blocks_[count_++] = r;
  }

 private:
  std::array<AssemblerRange, kMaxSackBlocks> blocks_{};
  std::size_t count_ = 0;
};

class Assembler {
 public:
  static constexpr std::size_t kDefaultMaxRanges = 32;
  static constexpr std::size_t kMaxMaxRanges = 0x7fff;  // 16-bit counts and stamps

  // max_ranges is clamped to [1, kMaxMaxRanges].
  explicit Assembler(std::size_t max_ranges = kDefaultMaxRanges);

  // A moved-from assembler is empty and unallocated (max_ranges kept).
  Assembler(Assembler&& other) noexcept : max_ranges_(other.max_ranges_) { swap(other); }
  Assembler& operator=(Assembler&& other) noexcept {
    Assembler(std::move(other)).swap(*this);
    return *this;
  }
  void swap(Assembler& other) noexcept {
    std::swap(table_, other.table_);
    std::swap(count_, other.count_);
    std::swap(table_size_, other.table_size_);
    std::swap(max_ranges_, other.max_ranges_);
    std::swap(stamp_, other.stamp_);
  }
  Assembler(const Assembler&) = delete;
  Assembler& operator=(const Assembler&) = delete;

  [[nodiscard]] Result<void, AssemblerError> add(std::size_t offset, std::size_t size);
  [[nodiscard]] std::size_t pop_front();

  // Up to min(max_blocks, 4) ranges not at offset 0, most recently changed first.
  SackBlocks sack_blocks(std::size_t max_blocks = SackBlocks::kMaxSackBlocks) const;

  // Whether every byte of [offset, offset + size) has been received (a
  // duplicate: RFC 2883 D-SACK material). True for size 0.
  bool contains(std::size_t offset, std::size_t size) const;

  bool is_empty() const { return count_ == 0; }
  // The disjoint ranges in increasing offset order; valid until the next
  // non-const call.
  std::span<const AssemblerRange> ranges() const { return {table_.get(), count_}; }
  std::size_t range_count() const { return count_; }
  std::size_t max_ranges() const { return max_ranges_; }
  // Allows more ranges from now on (a receive buffer that grew); never
  // fewer. Clamped to kMaxMaxRanges. Allocates nothing.
  void raise_max_ranges(std::size_t n) {
    const std::size_t m = n < kMaxMaxRanges ? n : kMaxMaxRanges;
    if (m > max_ranges_) max_ranges_ = static_cast<std::uint16_t>(m);
  }
  // Sum of the ranges' sizes.
  std::size_t total_bytes() const;
  // Heap bytes held now (0 before the first out-of-order add and after shrink()).
  std::size_t allocated_bytes() const {
    return table_size_ == 0 ? 0 : (std::size_t{table_size_} + stamp_slots(table_size_)) * sizeof(AssemblerRange);
  }

  void clear() { count_ = 0; }
  // Frees the table if no range is held; returns whether memory was released.
  bool shrink();

 private:
  // The stamps live behind the ranges in the same block, four 16-bit stamps
  // per AssemblerRange slot (its two 32-bit fields, two halves each).
  static constexpr std::size_t stamp_slots(std::size_t entries) { return (entries + 3) / 4; }
  static std::uint16_t stamp_in(const AssemblerRange* table, std::size_t table_size, std::size_t i) {
    const AssemblerRange& slot = table[table_size + i / 4];
    const std::uint32_t word = i % 4 < 2 ? slot.offset : slot.size;
    return static_cast<std::uint16_t>(word >> (16 * (i % 2)));
  }
  static void set_stamp_in(AssemblerRange* table, std::size_t table_size, std::size_t i, std::uint16_t v) {
    AssemblerRange& slot = table[table_size + i / 4];
    std::uint32_t& word = i % 4 < 2 ? slot.offset : slot.size;
    const unsigned shift = 16 * static_cast<unsigned>(i % 2);
    word = (word & ~(std::uint32_t{0xffff} << shift)) | (std::uint32_t{v} << shift);
  }
  std::uint16_t stamp(std::size_t i) const { return stamp_in(table_.get(), table_size_, i); }
  void set_stamp(std::size_t i, std::uint16_t v) { set_stamp_in(table_.get(), table_size_, i, v); }

  void ensure_room(std::size_t entries);
  void insert_at(std::size_t i, AssemblerRange r);
  void erase(std::size_t first, std::size_t last);
  std::uint16_t next_stamp();

  // Sorted, disjoint, non-touching ranges (table_size_ entries) and, after
  // them in the same block (stamp_slots(table_size_) entries), the stamp of
  // the add() that last changed each (higher is more recent).
  std::unique_ptr<AssemblerRange[]> table_;
  std::uint16_t count_ = 0;
  std::uint16_t table_size_ = 0;  // entries allocated in both arrays
  std::uint16_t max_ranges_ = 0;
  std::uint16_t stamp_ = 0;       // last stamp handed out
};

static_assert(sizeof(Assembler) <= 16, "it lives in every TCP control block");

// "[10,20) [30,35)" in offset order, or "(empty)".
std::ostream& operator<<(std::ostream& os, const Assembler& a);

}  // namespace wirestack::storage
