// dev/pcapng_file_test.cpp — the pcapng writer: libpcap reads back every
// frame with its time and length, the blocks are where the format puts them
// (interfaces by name, nanosecond resolution, a comment as opt_comment), the
// size bookkeeping is exact, and a bad path or snaplen is an error.
#include "dev/pcapng_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace wirestack::dev {
namespace {

using namespace std::chrono_literals;

std::string temp_path(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::temp_directory_path() /
          ("wirestack_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + suffix))
      .string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

ByteVec frame_of(std::size_t n, std::uint8_t fill) { return ByteVec(n, std::byte{fill}); }

TEST(PcapngWriter, LibpcapReadsFramesTimesAndLengthsBack) {
  const std::string path = temp_path(".pcapng");
  {
    auto w = PcapngWriter::create(path, {.interfaces = {"a-eth0", "sw1-port0"}, .snaplen = 100, .origin_seconds = 1767225600});
    ASSERT_TRUE(w) << w.error();
    w->write(0, at(1500ms), frame_of(60, 0xaa));
    w->write(1, at(2s), frame_of(300, 0xbb), "lost on the wire");
    w->flush();
    EXPECT_FALSE(w->failed());
    EXPECT_EQ(w->bytes_written(), std::filesystem::file_size(path));
  }
  auto records = read_pcap(path);
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].timestamp, Instant{} + 1767225601500ms);
  EXPECT_EQ((*records)[0].frame, frame_of(60, 0xaa));
  EXPECT_EQ((*records)[1].frame.size(), 100u);  // cut to the snaplen
  EXPECT_EQ((*records)[1].original_length, 300u);
  std::filesystem::remove(path);
}

TEST(PcapngWriter, BlocksCarryInterfaceNamesNanosecondsAndTheComment) {
  const std::string path = temp_path(".pcapng");
  PcapngWriterOptions opt{.interfaces = {"r-eth1", "d-eth0"}};
  std::uint64_t expected = PcapngWriter::header_bytes(opt);
  {
    auto w = PcapngWriter::create(path, opt);
    ASSERT_TRUE(w) << w.error();
    EXPECT_EQ(w->bytes_written(), expected);
    const std::string comment = "dropped by the full transmit queue";
    expected += w->record_bytes(61, comment.size()) + w->record_bytes(64);
    w->write(1, at(3ns), frame_of(61, 1), comment);
    w->write(0, at(4ns), frame_of(64, 2));
    EXPECT_EQ(w->bytes_written(), expected);
  }
  const std::string s = read_all(path);
  ASSERT_EQ(s.size(), expected);
  EXPECT_EQ(le32(s, 0), 0x0A0D0D0Au);
  EXPECT_EQ(le32(s, 8), 0x1A2B3C4Du);
  // Walk the blocks: two interfaces, two packets; the first packet's comment.
  std::size_t off = 0;
  int idbs = 0, epbs = 0;
  std::string names, comment;
  while (off + 12 <= s.size()) {
    const std::uint32_t type = le32(s, off), len = le32(s, off + 4);
    ASSERT_EQ(len % 4, 0u);
    ASSERT_EQ(le32(s, off + len - 4), len);  // the length repeated at the end
    if (type == 1) {
      ++idbs;
      EXPECT_EQ(le32(s, off + 8) & 0xffff, 1u);  // Ethernet
      const std::uint32_t name_len = le32(s, off + 16) >> 16;
      names += s.substr(off + 20, name_len) + " ";
      EXPECT_NE(s.substr(off + 16, len - 16).find(std::string("\x09\x00\x01\x00\x09", 5)), std::string::npos);  // if_tsresol 9
    } else if (type == 6) {
      if (epbs++ == 0) {
        EXPECT_EQ(le32(s, off + 8), 1u);   // interface d-eth0
        EXPECT_EQ(le32(s, off + 16), 3u);  // timestamp low word, in ns
        const std::uint32_t cap = le32(s, off + 20);
        EXPECT_EQ(cap, 61u);
        const std::size_t opts = off + 28 + ((cap + 3) & ~3u);
        EXPECT_EQ(le32(s, opts) & 0xffff, 1u);  // opt_comment
        comment = s.substr(opts + 4, le32(s, opts) >> 16);
      } else {
        EXPECT_EQ(len, 32u + 64u);  // no options at all
      }
    }
    off += len;
  }
  EXPECT_EQ(idbs, 2);
  EXPECT_EQ(epbs, 2);
  EXPECT_EQ(names, "r-eth1 d-eth0 ");
  EXPECT_EQ(comment, "dropped by the full transmit queue");
  std::filesystem::remove(path);
}

TEST(PcapngWriter, RefusesWhatItCannotWrite) {
  auto missing = PcapngWriter::create("/nonexistent-dir/out.pcapng");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "cannot write capture '/nonexistent-dir/out.pcapng': No such file or directory");
  auto zero = PcapngWriter::create(temp_path(".pcapng"), {.snaplen = 0});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().find("snaplen 0 is not in 1..262144"), std::string::npos);
  auto none = PcapngWriter::create(temp_path(".pcapng"), {.interfaces = {}});
  ASSERT_FALSE(none);
}

}  // namespace
}  // namespace wirestack::dev
