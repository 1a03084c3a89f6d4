// storage/slot_index.hpp — an open-addressing hash index from keys to slot
// numbers, where the keys live in the slots themselves.
//
// A socket table keeps its sockets in slots and finds a connection by its
// 4-tuple. std::unordered_map<Tuple, slot> would store every 4-tuple a second
// time in a heap node of its own (64 bytes with malloc's overhead, plus a
// bucket pointer, for an IPv6-sized key); this index stores 8 bytes per
// entry in one array: the slot number and 32 bits of the key's hash. Equality
// is asked of the caller (`same(slot)`), who compares the key with the one
// its slot holds. Linear probing, deletion by backward shift (no
// tombstones), at most 3/4 full.
//
//   SlotIndex idx;
//   idx.insert(hash(key), slot);
//   auto s = idx.find(hash(key), [&](std::uint32_t slot) { return key_of(slot) == key; });
//   idx.erase(hash(key), [&](std::uint32_t slot) { return slot == mine; });
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace wirestack::storage {

class SlotIndex {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Heap bytes of the table.
  std::size_t bytes() const { return table_.capacity() * sizeof(Entry); }

  // The slot whose key `same` recognises among those of this hash.
  template <class Same>
  std::optional<std::uint32_t> find(std::uint64_t hash, Same&& same) const {
    if (table_.empty()) return std::nullopt;
    const auto h = static_cast<std::uint32_t>(hash);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kEmpty) return std::nullopt;
      if (e.hash == h && same(e.slot)) return e.slot;
    }
  }

  // Precondition: no entry for this key yet (find() first).
  void insert(std::uint64_t hash, std::uint32_t slot) {
    if ((size_ + 1) * 4 > table_.size() * 3) grow();
    place(Entry{slot, static_cast<std::uint32_t>(hash)});
    ++size_;
  }

  // Removes the entry `same` recognises; false if there is none.
  template <class Same>
  bool erase(std::uint64_t hash, Same&& same) {
    if (table_.empty()) return false;
    const auto h = static_cast<std::uint32_t>(hash);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kEmpty) return false;
      if (e.hash == h && same(e.slot)) break;
    }
    // Backward shift: pull later entries of the cluster into the hole when
    // their home is at or before it (cyclically), so probes never stop early.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; table_[j].slot != kEmpty; j = (j + 1) & mask_) {
      const std::size_t home = table_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - hole) & mask_)) {
        table_[hole] = table_[j];
        hole = j;
      }
    }
    table_[hole] = Entry{};
    --size_;
    return true;
  }

  void clear() {
    table_.clear();
    table_.shrink_to_fit();
    size_ = 0;
    mask_ = 0;
  }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  struct Entry {
    std::uint32_t slot = kEmpty;
    std::uint32_t hash = 0;
  };

  void place(Entry e) {
    std::size_t i = e.hash & mask_;
    while (table_[i].slot != kEmpty) i = (i + 1) & mask_;
    table_[i] = e;
  }

  void grow() {
    std::vector<Entry> old = std::move(table_);
    table_.assign(old.empty() ? 16 : old.size() * 2, Entry{});
    mask_ = table_.size() - 1;
    for (const Entry& e : old) {
      if (e.slot != kEmpty) place(e);
    }
  }

  std::vector<Entry> table_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace wirestack::storage
