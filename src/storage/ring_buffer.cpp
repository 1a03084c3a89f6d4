// storage/ring_buffer.cpp — see ring_buffer.hpp for the contract.
#include "storage/ring_buffer.hpp"

#include <algorithm>
#include <cstring>

#include "base/assert.hpp"

namespace wirestack::storage {

void RingBuffer::reserve(std::size_t needed) {
  if (needed <= alloc_) return;
  WIRESTACK_ASSERT(needed <= capacity_);
  // Geometric growth, capped by the capacity, at least what is needed.
  std::size_t target = std::max<std::size_t>(kMinAllocation, std::size_t{alloc_} * 2);
  target = std::min<std::size_t>(target, capacity_);
  target = std::max(target, needed);
  // A capacity raised in small steps (TCP's send buffer follows cwnd, ACK by
  // ACK) would otherwise move the whole buffer at every step: a 4 MiB send
  // ring copied once per ACK was 70 % of a gigabit transfer's time in the
  // simulator. Growing by at least half keeps the moves geometric; the
  // allocation may then pass the capacity, by at most half of it.
  if (alloc_ > 0 && target < std::size_t{alloc_} + alloc_ / 2) {
    target = std::min<std::size_t>(std::size_t{alloc_} + alloc_ / 2, kMaxCapacity);
  }

  // Uninitialised on purpose: pages of a large buffer that are never written
  // are never touched. Holes in the pending region are copied as they are.
  auto fresh = std::make_unique_for_overwrite<std::byte[]>(target);
  const std::size_t keep = std::size_t{size_} + pending_;  // <= alloc_
  if (keep > 0) {
    const std::size_t first = std::min(keep, alloc_ - std::size_t{head_});
    std::memcpy(fresh.get(), buf_.get() + head_, first);
    std::memcpy(fresh.get() + first, buf_.get(), keep - first);
  }
  buf_ = std::move(fresh);
  alloc_ = static_cast<std::uint32_t>(target);
  head_ = 0;
}

void RingBuffer::copy_in(std::size_t off, Bytes src) {
  if (src.empty()) return;
  const std::size_t at = index(off);
  const std::size_t first = std::min(src.size(), alloc_ - at);
  std::memcpy(buf_.get() + at, src.data(), first);
  std::memcpy(buf_.get(), src.data() + first, src.size() - first);
}

std::size_t RingBuffer::write_at(std::size_t offset, Bytes data) {
  const std::size_t room = free();
  if (offset >= room || data.empty()) return 0;
  const std::size_t n = std::min(data.size(), room - offset);
  const std::size_t end = offset + n;  // from size_
  reserve(std::size_t{size_} + std::max<std::size_t>(end, pending_));
  copy_in(std::size_t{size_} + offset, data.first(n));
  pending_ = static_cast<std::uint32_t>(std::max<std::size_t>(pending_, end));
  return n;
}

void RingBuffer::commit(std::size_t n) {
  WIRESTACK_ASSERT(n <= pending_);
  size_ += static_cast<std::uint32_t>(n);
  pending_ -= static_cast<std::uint32_t>(n);
}

std::size_t RingBuffer::write(Bytes data) {
  const std::size_t n = write_at(0, data);
  commit(n);
  return n;
}

SpanPair RingBuffer::peek_spans(std::size_t offset, std::size_t max_len) const {
  if (offset >= size_) return {};
  const std::size_t n = std::min(max_len, std::size_t{size_} - offset);
  if (n == 0) return {};
  const std::size_t at = index(offset);
  const std::size_t first = std::min(n, alloc_ - at);
  return {.first = Bytes(buf_.get() + at, first), .second = Bytes(buf_.get(), n - first)};
}

std::size_t RingBuffer::peek(std::size_t offset, MutBytes out) const {
  const SpanPair spans = peek_spans(offset, out.size());
  if (!spans.first.empty()) std::memcpy(out.data(), spans.first.data(), spans.first.size());
  if (!spans.second.empty()) {
    std::memcpy(out.data() + spans.first.size(), spans.second.data(), spans.second.size());
  }
  return spans.size();
}

void RingBuffer::discard(std::size_t n) {
  WIRESTACK_ASSERT(n <= size_);
  if (n == 0) return;
  head_ = static_cast<std::uint32_t>(index(n));
  size_ -= static_cast<std::uint32_t>(n);
  // Nothing held: restart at the front, so the next write is one span.
  if (size_ == 0 && pending_ == 0) head_ = 0;
}

std::size_t RingBuffer::read(MutBytes out) {
  const std::size_t n = peek(0, out);
  discard(n);
  return n;
}

void RingBuffer::clear() {
  head_ = 0;
  size_ = 0;
  pending_ = 0;
}

bool RingBuffer::shrink() {
  if (size_ != 0 || pending_ != 0 || alloc_ == 0) return false;
  buf_.reset();
  alloc_ = 0;
  head_ = 0;
  return true;
}

std::ostream& operator<<(std::ostream& os, const RingBuffer& rb) {
  return os << "RingBuffer{size=" << rb.size() << " capacity=" << rb.capacity()
            << " allocated=" << rb.allocated_bytes() << " pending=" << rb.pending() << '}';
}

}  // namespace wirestack::storage
