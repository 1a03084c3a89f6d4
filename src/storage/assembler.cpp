// storage/assembler.cpp — see assembler.hpp for the contract.
#include "storage/assembler.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include "base/assert.hpp"

namespace wirestack::storage {

namespace {
constexpr std::size_t kFirstTableSize = 4;
constexpr std::uint64_t kMaxEnd = std::numeric_limits<std::uint32_t>::max();
}  // namespace

std::ostream& operator<<(std::ostream& os, AssemblerError e) {
  switch (e) {
    case AssemblerError::too_many_ranges:
      return os << "too_many_ranges";
    case AssemblerError::out_of_range:
      return os << "out_of_range";
    default:
      return os << "AssemblerError(" << static_cast<unsigned>(e) << ')';
  }
}

std::ostream& operator<<(std::ostream& os, AssemblerRange r) {
  return os << '[' << r.offset << ',' << r.end() << ')';
}

Assembler::Assembler(std::size_t max_ranges)
    : max_ranges_(static_cast<std::uint16_t>(std::clamp<std::size_t>(max_ranges, 1, kMaxMaxRanges))) {}

void Assembler::ensure_room(std::size_t entries) {
  if (entries <= table_size_) return;
  const std::size_t limit = std::size_t{max_ranges_} + 1;  // + the offset-0 spare
  WIRESTACK_ASSERT(entries <= limit);
  std::size_t target = table_size_ == 0 ? kFirstTableSize : std::size_t{table_size_} * 2;
  target = std::min(std::max(target, entries), limit);
  auto table = std::make_unique<AssemblerRange[]>(target + stamp_slots(target));
  std::copy_n(table_.get(), count_, table.get());
  for (std::size_t k = 0; k < count_; ++k) set_stamp_in(table.get(), target, k, stamp(k));
  table_ = std::move(table);
  table_size_ = static_cast<std::uint16_t>(target);
}

void Assembler::insert_at(std::size_t i, AssemblerRange r) {
  ensure_room(std::size_t{count_} + 1);
  std::copy_backward(table_.get() + i, table_.get() + count_, table_.get() + count_ + 1);
  for (std::size_t k = count_; k > i; --k) set_stamp(k, stamp(k - 1));
  table_[i] = r;
  set_stamp(i, next_stamp());
  ++count_;
}

void Assembler::erase(std::size_t first, std::size_t last) {
  if (first == last) return;
  std::copy(table_.get() + last, table_.get() + count_, table_.get() + first);
  for (std::size_t k = last; k < count_; ++k) set_stamp(first + (k - last), stamp(k));
  count_ = static_cast<std::uint16_t>(count_ - (last - first));
}

std::uint16_t Assembler::next_stamp() {
  if (stamp_ == std::numeric_limits<std::uint16_t>::max()) {
    // Renumber 1..count_ keeping the order, so stamps never wrap. count_ <=
    // kMaxMaxRanges + 1 leaves at least half the stamp space free afterwards.
    auto order = std::make_unique<std::uint16_t[]>(count_);
    std::iota(order.get(), order.get() + count_, std::uint16_t{0});
    std::sort(order.get(), order.get() + count_,
              [this](std::uint16_t a, std::uint16_t b) { return stamp(a) < stamp(b); });
    for (std::size_t rank = 0; rank < count_; ++rank) set_stamp(order[rank], static_cast<std::uint16_t>(rank + 1));
    stamp_ = count_;
  }
  return ++stamp_;
}

Result<void, AssemblerError> Assembler::add(std::size_t offset, std::size_t size) {
  if (std::uint64_t{offset} + size > kMaxEnd) return Unexpected{AssemblerError::out_of_range};
  if (size == 0) return {};
  const auto start = static_cast<std::uint32_t>(offset);
  const auto end = static_cast<std::uint32_t>(offset + size);

  // [i, j) are the ranges the new one overlaps or touches: those that end at
  // or after `start` and begin at or before `end`.
  const AssemblerRange* first = table_.get();
  const AssemblerRange* last = first + count_;
  const auto i = static_cast<std::size_t>(
      std::partition_point(first, last, [&](const AssemblerRange& r) { return r.end() < start; }) - first);
  const auto j = static_cast<std::size_t>(
      std::partition_point(first + i, last, [&](const AssemblerRange& r) { return r.offset <= end; }) - first);

  if (i == j) {
    // A new disjoint range. RFC 2018 allows a receiver to discard
    // out-of-order data; we refuse the segment rather than forget (renege
    // on) ranges already SACKed. Offset 0 takes the spare slot: in-order
    // data must never be refused, or a full table would stall the connection.
    const std::size_t limit = std::size_t{max_ranges_} + (start == 0 ? 1 : 0);
    if (count_ >= limit) return Unexpected{AssemblerError::too_many_ranges};
    insert_at(i, AssemblerRange{.offset = start, .size = static_cast<std::uint32_t>(size)});
    return {};
  }

  const std::uint32_t merged_start = std::min(start, table_[i].offset);
  const std::uint32_t merged_end = std::max(end, table_[j - 1].end());
  table_[i] = AssemblerRange{.offset = merged_start, .size = merged_end - merged_start};
  set_stamp(i, next_stamp());
  erase(i + 1, j);
  return {};
}

std::size_t Assembler::pop_front() {
  if (count_ == 0 || table_[0].offset != 0) return 0;
  const std::uint32_t n = table_[0].size;
  erase(0, 1);
  for (std::size_t k = 0; k < count_; ++k) table_[k].offset -= n;
  return n;
}

SackBlocks Assembler::sack_blocks(std::size_t max_blocks) const {
  SackBlocks out;
  const std::size_t want = std::min(max_blocks, SackBlocks::kMaxSackBlocks);
  // Repeated selection of the next most recent: count_ is small and want <= 4.
  std::uint32_t below = std::numeric_limits<std::uint32_t>::max();  // stamps are 16-bit
  while (out.size() < want) {
    std::size_t best = count_;
    for (std::size_t k = 0; k < count_; ++k) {
      if (table_[k].offset == 0 || stamp(k) >= below) continue;
      if (best == count_ || stamp(k) > stamp(best)) best = k;
    }
    if (best == count_) break;
    out.push_back(table_[best]);
    below = stamp(best);
  }
  return out;
}

bool Assembler::contains(std::size_t offset, std::size_t size) const {
  if (size == 0) return true;
  if (std::uint64_t{offset} + size > kMaxEnd) return false;
  const auto start = static_cast<std::uint32_t>(offset);
  const auto end = static_cast<std::uint32_t>(offset + size);
  const AssemblerRange* first = table_.get();
  const AssemblerRange* last = first + count_;
  const AssemblerRange* r =
      std::partition_point(first, last, [&](const AssemblerRange& x) { return x.end() <= start; });
  return r != last && r->offset <= start && end <= r->end();
}

std::size_t Assembler::total_bytes() const {
  std::size_t total = 0;
  for (const AssemblerRange& r : ranges()) total += r.size;
  return total;
}

bool Assembler::shrink() {
  if (count_ != 0 || table_size_ == 0) return false;
  table_.reset();
  table_size_ = 0;
  return true;
}

std::ostream& operator<<(std::ostream& os, const Assembler& a) {
  if (a.is_empty()) return os << "(empty)";
  const char* sep = "";
  for (const AssemblerRange& r : a.ranges()) {
    os << sep << r;
    sep = " ";
  }
  return os;
}

}  // namespace wirestack::storage
