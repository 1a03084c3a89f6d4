// storage/slot_index_test.cpp — the open-addressing index against a
// std::map model, with hashes chosen to collide and clusters that wrap.
#include "storage/slot_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace wirestack::storage {
namespace {

TEST(SlotIndex, FindsInsertsAndErases) {
  SlotIndex idx;
  std::vector<std::uint64_t> key_of(100);  // slot -> key (the "socket")
  for (std::uint32_t s = 0; s < 100; ++s) key_of[s] = 1000 + s;
  auto same = [&](std::uint64_t key) { return [&, key](std::uint32_t slot) { return key_of[slot] == key; }; };
  for (std::uint32_t s = 0; s < 100; ++s) idx.insert(key_of[s] * 0x9e3779b97f4a7c15ULL, s);
  EXPECT_EQ(idx.size(), 100u);
  for (std::uint32_t s = 0; s < 100; ++s) EXPECT_EQ(idx.find(key_of[s] * 0x9e3779b97f4a7c15ULL, same(key_of[s])), s);
  EXPECT_FALSE(idx.find(5 * 0x9e3779b97f4a7c15ULL, same(5)));
  EXPECT_TRUE(idx.erase(key_of[7] * 0x9e3779b97f4a7c15ULL, same(key_of[7])));
  EXPECT_FALSE(idx.erase(key_of[7] * 0x9e3779b97f4a7c15ULL, same(key_of[7])));
  EXPECT_FALSE(idx.find(key_of[7] * 0x9e3779b97f4a7c15ULL, same(key_of[7])));
  EXPECT_EQ(idx.size(), 99u);
  EXPECT_LE(idx.bytes(), 256u * 8u);  // 8 bytes an entry, at most 3/4 full
}

// Few distinct hashes (so long clusters, equal hashes told apart by `same`,
// and clusters that wrap around the end), random inserts and erases.
TEST(SlotIndex, AgreesWithAMapUnderCollisions) {
  std::mt19937_64 rng(7);
  SlotIndex idx;
  std::map<std::uint32_t, std::uint64_t> model;  // slot -> key
  auto hash = [](std::uint64_t key) { return (key % 13) * 0x10000001ULL + 15; };  // 13 hashes, near the end
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t key = rng() % 400;
    const auto slot = static_cast<std::uint32_t>(key);  // one slot per key
    auto same = [&, key](std::uint32_t s) { return model.count(s) > 0 && model[s] == key; };
    const bool present = model.count(slot) > 0;
    EXPECT_EQ(idx.find(hash(key), same).has_value(), present);
    if (present && rng() % 2 == 0) {
      EXPECT_TRUE(idx.erase(hash(key), same));
      model.erase(slot);
    } else if (!present) {
      model[slot] = key;
      idx.insert(hash(key), slot);
    }
    ASSERT_EQ(idx.size(), model.size());
  }
  for (const auto& [slot, key] : model) {
    EXPECT_EQ(idx.find(hash(key), [&, k = key](std::uint32_t s) { return model.count(s) > 0 && model.at(s) == k; }),
              slot);
  }
}

}  // namespace
}  // namespace wirestack::storage
