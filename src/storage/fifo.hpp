// storage/fifo.hpp — a first-in first-out queue on one growable ring.
//
// std::deque allocates and frees a block every few hundred elements as a
// queue moves through it, even at a constant length; on the packet path that
// is an allocation per so many frames. Fifo keeps one power-of-two array that
// only grows (doubling, when full) and is reused as the queue moves: in steady
// state push and pop allocate nothing.
//
//   Fifo<Waiting> q;
//   q.push_back({t, 1500});
//   while (!q.empty() && q.front().start <= now) q.pop_front();
//   for (const Waiting& w : q) bytes += w.bytes;   // oldest first
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "base/assert.hpp"

namespace wirestack::storage {

template <class T>
class Fifo {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }

  T& front() {
    WIRESTACK_ASSERT(size_ > 0);
    return slots_[head_];
  }
  const T& front() const {
    WIRESTACK_ASSERT(size_ > 0);
    return slots_[head_];
  }
  // The i-th element from the front.
  const T& operator[](std::size_t i) const {
    WIRESTACK_ASSERT(i < size_);
    return slots_[(head_ + i) & (slots_.size() - 1)];
  }

  void push_back(T value) {
    if (size_ == slots_.size()) grow();
    slots_[(head_ + size_) & (slots_.size() - 1)] = std::move(value);
    ++size_;
  }
  void pop_front() {
    WIRESTACK_ASSERT(size_ > 0);
    slots_[head_] = T{};  // let go of what it holds
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  // Empties the queue and keeps the array.
  void clear() {
    while (!empty()) pop_front();
    head_ = 0;
  }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;
    const_iterator() = default;
    const_iterator(const Fifo* q, std::size_t i) : q_(q), i_(i) {}
    const T& operator*() const { return (*q_)[i_]; }
    const T* operator->() const { return &(*q_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator old = *this;
      ++i_;
      return old;
    }
    bool operator==(const const_iterator& other) const { return i_ == other.i_; }

   private:
    const Fifo* q_ = nullptr;
    std::size_t i_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 8 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;  // size 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace wirestack::storage
