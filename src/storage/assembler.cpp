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
  auto ranges = std::make_unique<AssemblerRange[]>(target);
  auto stamps = std::make_unique<std::uint16_t[]>(target);
  std::copy_n(ranges_.get(), count_, ranges.get());
  std::copy_n(stamps_.get(), count_, stamps.get());
  ranges_ = std::move(ranges);
  stamps_ = std::move(stamps);
  table_size_ = static_cast<std::uint16_t>(target);
}

void Assembler::insert_at(std::size_t i, AssemblerRange r) {
  ensure_room(std::size_t{count_} + 1);
  std::copy_backward(ranges_.get() + i, ranges_.get() + count_, ranges_.get() + count_ + 1);
  std::copy_backward(stamps_.get() + i, stamps_.get() + count_, stamps_.get() + count_ + 1);
  ranges_[i] = r;
  stamps_[i] = next_stamp();
  ++count_;
}

void Assembler::erase(std::size_t first, std::size_t last) {
  if (first == last) return;
  std::copy(ranges_.get() + last, ranges_.get() + count_, ranges_.get() + first);
  std::copy(stamps_.get() + last, stamps_.get() + count_, stamps_.get() + first);
  count_ = static_cast<std::uint16_t>(count_ - (last - first));
}

std::uint16_t Assembler::next_stamp() {
  if (stamp_ == std::numeric_limits<std::uint16_t>::max()) {
    // Renumber 1..count_ keeping the order, so stamps never wrap. count_ <=
    // kMaxMaxRanges + 1 leaves at least half the stamp space free afterwards.
    auto order = std::make_unique<std::uint16_t[]>(count_);
    std::iota(order.get(), order.get() + count_, std::uint16_t{0});
    std::sort(order.get(), order.get() + count_,
              [this](std::uint16_t a, std::uint16_t b) { return stamps_[a] < stamps_[b]; });
    for (std::size_t rank = 0; rank < count_; ++rank) stamps_[order[rank]] = static_cast<std::uint16_t>(rank + 1);
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
  const AssemblerRange* first = ranges_.get();
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

  const std::uint32_t merged_start = std::min(start, ranges_[i].offset);
  const std::uint32_t merged_end = std::max(end, ranges_[j - 1].end());
  ranges_[i] = AssemblerRange{.offset = merged_start, .size = merged_end - merged_start};
  stamps_[i] = next_stamp();
  erase(i + 1, j);
  return {};
}

std::size_t Assembler::pop_front() {
  if (count_ == 0 || ranges_[0].offset != 0) return 0;
  const std::uint32_t n = ranges_[0].size;
  erase(0, 1);
  for (std::size_t k = 0; k < count_; ++k) ranges_[k].offset -= n;
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
      if (ranges_[k].offset == 0 || stamps_[k] >= below) continue;
      if (best == count_ || stamps_[k] > stamps_[best]) best = k;
    }
    if (best == count_) break;
    out.push_back(ranges_[best]);
    below = stamps_[best];
  }
  return out;
}

bool Assembler::contains(std::size_t offset, std::size_t size) const {
  if (size == 0) return true;
  if (std::uint64_t{offset} + size > kMaxEnd) return false;
  const auto start = static_cast<std::uint32_t>(offset);
  const auto end = static_cast<std::uint32_t>(offset + size);
  const AssemblerRange* first = ranges_.get();
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
  ranges_.reset();
  stamps_.reset();
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
