// storage/deadline_tree.hpp — the earliest of many deadlines, kept as they
// change instead of recomputed.
//
// A router asks after every event when its next timer is due, and each of
// its cards has timers of its own (ARP retries, neighbour discovery, DAD,
// router advertisements). Asking every card costs in proportion to the
// cards; this tree keeps one deadline per slot in a min-tree over the slots,
// so setting one is O(log n), the earliest is O(1), and the first slot due
// at or after a given one (polling in slot order) is O(log n).
//
//   DeadlineTree t;
//   t.resize(3);
//   t.set(2, at(5s));
//   t.earliest();            // at(5s)
//   t.first_due(0, at(6s));  // 2
//   t.first_due(0, at(4s));  // 3 == size(): none
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <optional>
#include <vector>

#include "base/time.hpp"

namespace wirestack::storage {

class DeadlineTree {
 public:
  std::size_t size() const { return size_; }

  // `n` slots; the ones kept keep their deadlines, the new ones have none.
  void resize(std::size_t n) {
    std::vector<Instant> old(size_);
    for (std::size_t i = 0; i < size_; ++i) old[i] = tree_[leaves_ + i];
    size_ = n;
    leaves_ = std::bit_ceil(n == 0 ? std::size_t{1} : n);
    tree_.assign(2 * leaves_, kNone);
    for (std::size_t i = 0; i < old.size() && i < n; ++i) tree_[leaves_ + i] = old[i];
    for (std::size_t k = leaves_ - 1; k >= 1; --k) tree_[k] = std::min(tree_[2 * k], tree_[2 * k + 1]);
  }

  // Slot `i` is due at `t` (nullopt: has no deadline; so has Instant::max()).
  void set(std::size_t i, std::optional<Instant> t) {
    std::size_t k = leaves_ + i;
    tree_[k] = t ? *t : kNone;
    for (k /= 2; k >= 1; k /= 2) {
      const Instant m = std::min(tree_[2 * k], tree_[2 * k + 1]);
      if (tree_[k] == m) break;  // the nodes above cannot change either
      tree_[k] = m;
    }
  }

  std::optional<Instant> at(std::size_t i) const {
    const Instant t = tree_[leaves_ + i];
    if (t == kNone) return std::nullopt;
    return t;
  }

  // The earliest deadline of all slots.
  std::optional<Instant> earliest() const {
    if (tree_[1] == kNone) return std::nullopt;
    return tree_[1];
  }

  // The first slot at or after `from` whose deadline is at or before `now`;
  // size() if none.
  std::size_t first_due(std::size_t from, Instant now) const {
    if (from >= size_ || now == kNone) return size_;
    std::size_t k = leaves_ + from;
    if (tree_[k] > now) {
      // Up until a right sibling holds something due, then down its leftmost path.
      for (;;) {
        if (k == 1) return size_;
        if (k % 2 == 0 && tree_[k + 1] <= now) {
          k = k + 1;
          break;
        }
        k /= 2;
      }
      while (k < leaves_) k = tree_[2 * k] <= now ? 2 * k : 2 * k + 1;
    }
    const std::size_t i = k - leaves_;
    return i < size_ ? i : size_;
  }

 private:
  static constexpr Instant kNone = Instant::max();
  std::size_t size_ = 0;
  std::size_t leaves_ = 1;
  std::vector<Instant> tree_ = std::vector<Instant>(2, kNone);  // node k's children: 2k, 2k+1; leaves from leaves_
};

}  // namespace wirestack::storage
