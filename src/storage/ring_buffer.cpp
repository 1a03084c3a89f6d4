// storage/ring_buffer.cpp — see ring_buffer.hpp for the contract.
#include "storage/ring_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <new>

#include "base/assert.hpp"

namespace wirestack::storage {

RingBuffer::Block& RingBuffer::reserve(std::size_t needed) {
  const std::size_t alloc = allocated_bytes();
  if (needed <= alloc) return *block_;
  WIRESTACK_ASSERT(needed <= capacity_);
  // Geometric growth, capped by the capacity, at least what is needed.
  std::size_t target = std::max<std::size_t>(kMinAllocation, alloc * 2);
  target = std::min<std::size_t>(target, capacity_);
  target = std::max(target, needed);
  // A capacity raised in small steps (TCP's send buffer follows cwnd, ACK by
  // ACK) would otherwise move the whole buffer at every step: a 4 MiB send
  // ring copied once per ACK was 70 % of a gigabit transfer's time in the
  // simulator. Growing by at least half keeps the moves geometric; the
  // allocation may then pass the capacity, by at most half of it.
  if (alloc > 0 && target < alloc + alloc / 2) target = std::min<std::size_t>(alloc + alloc / 2, kMaxCapacity);

  // Uninitialised on purpose: pages of a large buffer that are never written
  // are never touched. Holes in the pending region are copied as they are.
  auto* fresh = ::new (::operator new(sizeof(Block) + target)) Block{
      .alloc = static_cast<std::uint32_t>(target), .head = 0, .pending = 0, .unused = 0};
  if (block_ != nullptr) {
    const Block& old = *block_;
    const std::size_t keep = std::size_t{size_} + old.pending;  // <= old.alloc
    if (keep > 0) {
      const std::size_t first = std::min<std::size_t>(keep, old.alloc - old.head);
      std::memcpy(fresh->data(), old.data() + old.head, first);
      std::memcpy(fresh->data() + first, old.data(), keep - first);
    }
    fresh->pending = old.pending;
    release();
  }
  block_ = fresh;
  return *fresh;
}

void RingBuffer::release() {
  if (block_ == nullptr) return;
  block_->~Block();
  ::operator delete(block_);
  block_ = nullptr;
}

void RingBuffer::copy_in(Block& b, std::size_t off, Bytes src) {
  if (src.empty()) return;
  const std::size_t at = index(b, off);
  const std::size_t first = std::min<std::size_t>(src.size(), b.alloc - at);
  std::memcpy(b.data() + at, src.data(), first);
  std::memcpy(b.data(), src.data() + first, src.size() - first);
}

std::size_t RingBuffer::write_at(std::size_t offset, Bytes data) {
  const std::size_t room = free();
  if (offset >= room || data.empty()) return 0;
  const std::size_t n = std::min(data.size(), room - offset);
  const std::size_t end = offset + n;  // from size_
  Block& b = reserve(std::size_t{size_} + std::max<std::size_t>(end, pending()));
  copy_in(b, std::size_t{size_} + offset, data.first(n));
  b.pending = static_cast<std::uint32_t>(std::max<std::size_t>(b.pending, end));
  return n;
}

void RingBuffer::commit(std::size_t n) {
  WIRESTACK_ASSERT(n <= pending());
  if (n == 0) return;
  size_ += static_cast<std::uint32_t>(n);
  block_->pending -= static_cast<std::uint32_t>(n);
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
  const Block& b = *block_;  // size_ > 0: allocated
  const std::size_t at = index(b, offset);
  const std::size_t first = std::min<std::size_t>(n, b.alloc - at);
  return {.first = Bytes(b.data() + at, first), .second = Bytes(b.data(), n - first)};
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
  Block& b = *block_;
  b.head = static_cast<std::uint32_t>(index(b, n));
  size_ -= static_cast<std::uint32_t>(n);
  // Nothing held: restart at the front, so the next write is one span.
  if (size_ == 0 && b.pending == 0) b.head = 0;
}

std::size_t RingBuffer::read(MutBytes out) {
  const std::size_t n = peek(0, out);
  discard(n);
  return n;
}

void RingBuffer::clear() {
  size_ = 0;
  if (block_ != nullptr) {
    block_->head = 0;
    block_->pending = 0;
  }
}

bool RingBuffer::shrink() {
  if (size_ != 0 || block_ == nullptr || block_->pending != 0) return false;
  release();
  return true;
}

std::ostream& operator<<(std::ostream& os, const RingBuffer& rb) {
  return os << "RingBuffer{size=" << rb.size() << " capacity=" << rb.capacity()
            << " allocated=" << rb.allocated_bytes() << " pending=" << rb.pending() << '}';
}

}  // namespace wirestack::storage
