// app/tcp_apps_test.cpp — the pseudo-random stream a bulk client sends and
// the hash both ends keep: neither depends on how the bytes are cut into
// pieces (TCP cuts them differently on every run and in every world).
#include "app/tcp_apps.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/rng.hpp"

namespace wirestack::app {
namespace {

ByteVec stream_in_pieces(std::uint64_t seed, std::size_t total, const std::vector<std::size_t>& pieces) {
  TcpStream s(seed);
  ByteVec out(total);
  std::size_t at = 0;
  for (std::size_t k = 0; at < total; ++k) {
    const std::size_t n = std::min(pieces[k % pieces.size()], total - at);
    s.next(MutBytes(out).subspan(at, n));
    at += n;
  }
  return out;
}

TEST(TcpStream, IsATableOfRngWordsPlusACounterLeastSignificantByteFirst) {
  Rng rng(42);
  std::vector<std::uint64_t> table(TcpStream::kTableWords);
  for (auto& w : table) w = rng.next_u64();
  const std::size_t words = 3 * TcpStream::kTableWords + 5;
  const ByteVec bytes = stream_in_pieces(42, 8 * words, {8 * words});
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t word = table[w % table.size()] + w * 0x9e3779b97f4a7c15ULL;
    for (std::size_t k = 0; k < 8; ++k) {
      ASSERT_EQ(bytes[8 * w + k], static_cast<std::byte>(word >> (8 * k))) << "word " << w << " byte " << k;
    }
  }
}

// Data a bug put a table's length (or any other number of bytes) away from
// where it belongs is not the data that belongs there.
TEST(TcpStream, NoStretchRepeatsAnother) {
  const ByteVec bytes = stream_in_pieces(5, 40'000, {40'000});
  for (const std::size_t shift : {1U, 7U, 8U, 1448U, 4096U, 8192U, 16384U}) {
    const Bytes a = Bytes(bytes).subspan(0, 1448);
    const Bytes b = Bytes(bytes).subspan(shift, 1448);
    EXPECT_FALSE(std::equal(a.begin(), a.end(), b.begin())) << "shift " << shift;
  }
}

TEST(TcpStream, AtAnyOffsetIsWhatNextGives) {
  const ByteVec whole = stream_in_pieces(9, 20'000, {20'000});
  const TcpStream s(9);
  for (const std::size_t offset : {0U, 1U, 5U, 8U, 13U, 4095U, 4096U, 4099U, 12'345U}) {
    for (const std::size_t n : {0U, 1U, 3U, 8U, 9U, 1448U}) {
      ByteVec got(n);
      s.at(offset, got);
      EXPECT_TRUE(std::equal(got.begin(), got.end(), whole.begin() + static_cast<std::ptrdiff_t>(offset)))
          << "offset " << offset << " n " << n;
    }
  }
}

TEST(TcpStream, SameBytesHoweverThePiecesAreCut) {
  const ByteVec whole = stream_in_pieces(7, 100'003, {100'003});
  EXPECT_EQ(stream_in_pieces(7, 100'003, {1}), whole);
  EXPECT_EQ(stream_in_pieces(7, 100'003, {3, 8, 13, 1, 16384, 7}), whole);
  EXPECT_EQ(stream_in_pieces(7, 100'003, {1460, 9, 1448}), whole);
  EXPECT_NE(stream_in_pieces(8, 100'003, {100'003}), whole);
}

TEST(StreamHash, IsXxh64AndIndependentOfThePieces) {
  EXPECT_EQ(StreamHash{}.value(), 0xef46db3751d8e999ULL);  // XXH64 of nothing, seed 0
  const ByteVec data = stream_in_pieces(3, 70'001, {70'001});
  StreamHash whole;
  whole.update(data);
  for (const std::size_t piece : {1U, 7U, 31U, 32U, 33U, 1448U, 16384U}) {
    StreamHash h;
    for (std::size_t at = 0; at < data.size(); at += piece) {
      h.update(Bytes(data).subspan(at, std::min(piece, data.size() - at)));
      (void)h.value();  // reading it midway changes nothing
    }
    EXPECT_EQ(h.value(), whole.value()) << "pieces of " << piece;
  }
  ByteVec flipped = data;
  flipped[50'000] ^= std::byte{1};
  StreamHash other;
  other.update(flipped);
  EXPECT_NE(other.value(), whole.value());
}

}  // namespace
}  // namespace wirestack::app
