// dev/pcap_file_test.cpp — PcapWriter/PcapReader round trips, damaged files,
// and the recorded Linux fixture (tests/data/linux.pcap).
#include "dev/pcap_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace wirestack::dev {
namespace {

using std::chrono::nanoseconds;
using ::testing::HasSubstr;

// A file in the temp directory, unique per test and process, removed afterwards.
class TempPath {
 public:
  explicit TempPath(const std::string& suffix) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("wirestack_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + suffix))
                .string();
  }
  ~TempPath() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

ByteVec read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ByteVec out(chars.size());
  std::ranges::transform(chars, out.begin(), [](char c) { return static_cast<std::byte>(c); });
  return out;
}

void write_file(const std::string& path, Bytes bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

ByteVec frame_of(std::size_t size, std::uint8_t seed) {
  ByteVec f(size);
  for (std::size_t i = 0; i < size; ++i) f[i] = static_cast<std::byte>((i * 7 + seed) & 0xff);
  return f;
}

// Three frames of different sizes at timestamps that need all nine digits.
std::vector<PcapRecord> three_records() {
  return {
      PcapRecord{.timestamp = at(nanoseconds{0}), .frame = frame_of(42, 1), .original_length = 42},
      PcapRecord{.timestamp = at(nanoseconds{1'234'567'891}), .frame = frame_of(60, 2), .original_length = 60},
      PcapRecord{.timestamp = at(nanoseconds{5'999'999'999}), .frame = frame_of(1514, 3), .original_length = 1514},
  };
}

void write_records(const std::string& path, const std::vector<PcapRecord>& records) {
  auto writer = PcapWriter::create(path);
  ASSERT_TRUE(writer) << writer.error();
  for (const auto& r : records) writer->write(r.timestamp, r.frame);
  writer->flush();
  EXPECT_FALSE(writer->failed());
}

TEST(PcapFile, WriteThenReadGivesSameFramesAndExactNanoseconds) {
  const TempPath path(".pcap");
  const auto records = three_records();
  write_records(path.str(), records);

  auto reader = PcapReader::open(path.str());
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_EQ(reader->link_type(), kLinkTypeEthernet);
  for (const auto& expected : records) {
    auto got = reader->next();
    ASSERT_TRUE(got) << got.error();
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(to_nanos((*got)->timestamp), to_nanos(expected.timestamp));
    EXPECT_EQ(**got, expected);
  }
  auto end = reader->next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(end->has_value());
  auto again = reader->next();  // the end stays the end
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->has_value());
}

TEST(PcapFile, ReadPcapReadsWholeFile) {
  const TempPath path(".pcap");
  write_records(path.str(), three_records());
  auto records = read_pcap(path.str());
  ASSERT_TRUE(records) << records.error();
  EXPECT_EQ(*records, three_records());
}

TEST(PcapFile, WriterIsByteReproducibleAndUsesNanosecondMagic) {
  const TempPath a(".a.pcap");
  const TempPath b(".b.pcap");
  write_records(a.str(), three_records());
  write_records(b.str(), three_records());
  const ByteVec bytes = read_file(a.str());
  EXPECT_EQ(bytes, read_file(b.str()));
  ASSERT_GE(bytes.size(), 24u);
  // Magic 0xa1b23c4d (nanosecond pcap) in host order; both orders accepted.
  const std::uint32_t magic = load_be32(bytes, 0);
  EXPECT_TRUE(magic == 0xa1b23c4du || magic == 0x4d3cb2a1u) << std::hex << magic;
  // 24-byte file header + 3 × (16-byte record header + frame).
  EXPECT_EQ(bytes.size(), 24u + 3 * 16 + 42 + 60 + 1514);
}

TEST(PcapFile, WriterClampsInstantsBeforeOriginAndCutsLongFrames) {
  const TempPath path(".pcap");
  {
    auto writer = PcapWriter::create(path.str());
    ASSERT_TRUE(writer) << writer.error();
    writer->write(at(nanoseconds{-5}), frame_of(20, 4));
    writer->write(at(nanoseconds{7}), frame_of(kPcapWriterSnaplen + 100, 5));
  }  // the destructor flushes and closes
  auto records = read_pcap(path.str());
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(to_nanos((*records)[0].timestamp), 0);
  EXPECT_EQ((*records)[1].frame.size(), kPcapWriterSnaplen);
  EXPECT_EQ((*records)[1].original_length, kPcapWriterSnaplen + 100);
}

TEST(PcapFile, WriterSnaplenCutsFramesKeepsLengthAndCountsBytes) {
  const TempPath path(".pcap");
  std::uint64_t counted = 0;
  {
    auto writer = PcapWriter::create(path.str(), PcapWriterOptions{.snaplen = 64});
    ASSERT_TRUE(writer) << writer.error();
    EXPECT_EQ(writer->bytes_written(), kPcapFileHeaderBytes);
    EXPECT_EQ(writer->record_bytes(1514), kPcapRecordHeaderBytes + 64);
    writer->write(at(nanoseconds{1}), frame_of(1514, 6));
    writer->write(at(nanoseconds{2}), frame_of(42, 7));
    counted = writer->bytes_written();
  }
  auto records = read_pcap(path.str());
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 2u);
  const ByteVec full = frame_of(1514, 6);
  EXPECT_EQ((*records)[0].frame, ByteVec(full.begin(), full.begin() + 64));
  EXPECT_EQ((*records)[0].original_length, 1514u);
  EXPECT_EQ((*records)[1].frame, frame_of(42, 7));
  EXPECT_EQ(counted, 24u + 16 + 64 + 16 + 42);
  EXPECT_EQ(std::filesystem::file_size(path.str()), counted);
}

TEST(PcapFile, WriterOriginShiftsTimestamps) {
  const TempPath path(".pcap");
  {
    auto writer = PcapWriter::create(path.str(), PcapWriterOptions{.origin_seconds = 1767225600});
    ASSERT_TRUE(writer) << writer.error();
    writer->write(at(nanoseconds{1'500'000'000}), frame_of(42, 1));
  }
  auto records = read_pcap(path.str());
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(to_nanos((*records)[0].timestamp), 1767225601'500'000'000);
}

TEST(PcapFile, MovedReaderKeepsReading) {
  const TempPath path(".pcap");
  write_records(path.str(), three_records());
  auto opened = PcapReader::open(path.str());
  ASSERT_TRUE(opened) << opened.error();
  PcapReader reader = std::move(*opened);
  auto first = reader.next();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->has_value());
  PcapReader moved = std::move(reader);
  auto second = moved.next();
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->frame, three_records()[1].frame);
}

TEST(PcapFile, OpeningMissingFileNamesThePath) {
  const std::string path = "/nonexistent-dir/missing-capture.pcap";
  auto reader = PcapReader::open(path);
  ASSERT_FALSE(reader);
  EXPECT_THAT(reader.error(), HasSubstr("cannot open capture '" + path + "'"));
  EXPECT_THAT(reader.error(), HasSubstr("No such file"));
  auto records = read_pcap(path);
  ASSERT_FALSE(records);
  EXPECT_THAT(records.error(), HasSubstr(path));
}

TEST(PcapFile, CreatingInMissingDirectoryNamesThePath) {
  const std::string path = "/nonexistent-dir/out.pcap";
  auto writer = PcapWriter::create(path);
  ASSERT_FALSE(writer);
  EXPECT_THAT(writer.error(), HasSubstr("cannot create capture '" + path + "'"));
}

TEST(PcapFile, OpeningNonCaptureFileFails) {
  const TempPath path(".txt");
  write_file(path.str(), as_bytes("this is not a capture file, just some text\n"));
  auto reader = PcapReader::open(path.str());
  ASSERT_FALSE(reader);
  EXPECT_THAT(reader.error(), HasSubstr(path.str()));
}

TEST(PcapFile, EveryTruncationGivesErrorOrFewerRecordsNeverACrash) {
  const TempPath whole(".pcap");
  write_records(whole.str(), three_records());
  const ByteVec bytes = read_file(whole.str());
  const auto full = three_records();

  const TempPath cut(".cut.pcap");
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    SCOPED_TRACE("truncated to " + std::to_string(len) + " bytes");
    write_file(cut.str(), Bytes(bytes).first(len));
    auto records = read_pcap(cut.str());
    if (!records) {
      EXPECT_THAT(records.error(), HasSubstr(cut.str()));
      continue;
    }
    // Only a cut exactly between records may read cleanly; what it read is a prefix.
    ASSERT_LT(records->size(), full.size());
    EXPECT_TRUE(std::equal(records->begin(), records->end(), full.begin()));
  }
}

TEST(PcapFile, RecordCutInTheMiddleNamesTheRecord) {
  const TempPath whole(".pcap");
  write_records(whole.str(), three_records());
  const ByteVec bytes = read_file(whole.str());
  const TempPath cut(".cut.pcap");
  write_file(cut.str(), Bytes(bytes).first(bytes.size() - 100));  // inside record 3's data

  auto reader = PcapReader::open(cut.str());
  ASSERT_TRUE(reader) << reader.error();
  for (int i = 0; i < 2; ++i) {
    auto r = reader->next();
    ASSERT_TRUE(r) << r.error();
    ASSERT_TRUE(r->has_value());
  }
  auto damaged = reader->next();
  ASSERT_FALSE(damaged);
  EXPECT_THAT(damaged.error(), HasSubstr("record 3"));
  EXPECT_THAT(damaged.error(), HasSubstr(cut.str()));
  auto after = reader->next();  // after an error: the end, not a crash
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->has_value());
}

// Little-endian microsecond pcap: link type `link`, one 4-byte record at
// 1.5 s that was 60 bytes long on the wire.
ByteVec microsecond_capture(std::uint8_t link) {
  const auto bytes = bytes_of(0xd4, 0xc3, 0xb2, 0xa1,  // magic, microseconds, little-endian
                              0x02, 0x00, 0x04, 0x00,  // version 2.4
                              0x00, 0x00, 0x00, 0x00,  // thiszone
                              0x00, 0x00, 0x00, 0x00,  // sigfigs
                              0xff, 0xff, 0x00, 0x00,  // snaplen 65535
                              link, 0x00, 0x00, 0x00,  // link type
                              0x01, 0x00, 0x00, 0x00,  // ts_sec 1
                              0x20, 0xa1, 0x07, 0x00,  // ts_usec 500000
                              0x04, 0x00, 0x00, 0x00,  // caplen 4
                              0x3c, 0x00, 0x00, 0x00,  // len 60
                              0xde, 0xad, 0xbe, 0xef);
  return ByteVec(bytes.begin(), bytes.end());
}

TEST(PcapFile, ReadsMicrosecondCaptureAsNanoseconds) {
  const TempPath path(".pcap");
  write_file(path.str(), microsecond_capture(1));
  auto records = read_pcap(path.str());
  ASSERT_TRUE(records) << records.error();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(to_nanos((*records)[0].timestamp), 1'500'000'000);
  EXPECT_EQ((*records)[0].frame, from_hex("de ad be ef"));
  EXPECT_EQ((*records)[0].original_length, 60u);
}

TEST(PcapFile, ReportsNonEthernetLinkTypeInsteadOfRefusing) {
  const TempPath path(".pcap");
  write_file(path.str(), microsecond_capture(113));  // LINKTYPE_LINUX_SLL ("any" device)
  auto reader = PcapReader::open(path.str());
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_EQ(reader->link_type(), 113);
  auto r = reader->next();
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->has_value());
}

TEST(PcapFile, LinkTypeIsLibpcapsDltValue) {
  const TempPath path(".pcap");
  write_file(path.str(), microsecond_capture(101));  // LINKTYPE_RAW in the file ...
  auto reader = PcapReader::open(path.str());
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_EQ(reader->link_type(), 12);  // ... is DLT_RAW on Linux
}

// tests/data/linux.pcap, recorded by tests/data/record_linux_capture.sh, agrees
// with the tshark dump beside it (one header line + one line per frame).
TEST(PcapFile, ReadsRecordedLinuxCapture) {
#ifndef WIRESTACK_SOURCE_DIR
  GTEST_SKIP() << "WIRESTACK_SOURCE_DIR not defined";
#else
  const std::filesystem::path dir = std::filesystem::path(WIRESTACK_SOURCE_DIR) / "tests" / "data";
  if (!std::filesystem::exists(dir / "linux.pcap")) GTEST_SKIP() << "no tests/data/linux.pcap";
  auto reader = PcapReader::open((dir / "linux.pcap").string());
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_EQ(reader->link_type(), kLinkTypeEthernet);

  std::size_t count = 0;
  Instant last{};
  for (;;) {
    auto r = reader->next();
    ASSERT_TRUE(r) << r.error();
    if (!r->has_value()) break;
    const PcapRecord& rec = **r;
    ++count;
    EXPECT_EQ(rec.frame.size(), rec.original_length) << "frame " << count << " was cut by the snaplen";
    EXPECT_GE(rec.frame.size(), 42u) << "frame " << count;
    EXPECT_GE(rec.timestamp, last) << "frame " << count;
    last = rec.timestamp;
  }

  std::ifstream tsv(dir / "linux.tshark.tsv");
  ASSERT_TRUE(tsv) << "missing tests/data/linux.tshark.tsv";
  std::size_t lines = 0;
  for (std::string line; std::getline(tsv, line);) ++lines;
  EXPECT_EQ(count + 1, lines);
  EXPECT_GT(count, 20u);
#endif
}

}  // namespace
}  // namespace wirestack::dev
