// app/tcp_apps_test.cpp — the pseudo-random stream a bulk client sends and
// the hash both ends keep: neither depends on how the bytes are cut into
// pieces (TCP cuts them differently on every run and in every world).
#include "app/tcp_apps.hpp"

#include <gtest/gtest.h>

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

TEST(TcpStream, IsTheRngWordsLeastSignificantByteFirst) {
  Rng rng(42);
  const ByteVec bytes = stream_in_pieces(42, 24, {24});
  for (std::size_t w = 0; w < 3; ++w) {
    const std::uint64_t word = rng.next_u64();
    for (std::size_t k = 0; k < 8; ++k) {
      EXPECT_EQ(bytes[8 * w + k], static_cast<std::byte>(word >> (8 * k))) << "word " << w << " byte " << k;
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
