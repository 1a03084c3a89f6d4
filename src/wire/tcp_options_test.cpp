// wire/tcp_options_test.cpp — the TCP options reader, TcpOptions parse/emit
// (Linux's layout), every rejected length, and printing.
//
// Option areas below are cut from segments Linux 6.18 sent through a TUN
// device (full checksums, no offload), captured with a Python script in a
// private network namespace: 10.0.0.1 (Linux) talking to 10.0.0.2 (scripted
// peer). Others were built with scapy 2.5 and are marked so.
#include "wire/tcp_options.hpp"

#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <vector>

namespace wirestack {
namespace {

// Linux SYN, 10.0.0.1:40000 > 10.0.0.2:80:
// [mss 1460,sackOK,TS val 2282392970 ecr 0,nop,wscale 10]
constexpr auto kLinuxSynOptions = bytes_of(0x02, 0x04, 0x05, 0xb4,                          // MSS 1460
                                           0x04, 0x02, 0x08, 0x0a,                          // SACK_PERM, TS
                                           0x88, 0x0a, 0x8d, 0x8a, 0x00, 0x00, 0x00, 0x00,  // val, ecr
                                           0x01, 0x03, 0x03, 0x0a);                         // NOP, WS 10

// Linux data segment (PSH ACK "hello"): [nop,nop,TS val 2282392973 ecr 5000]
constexpr auto kLinuxDataOptions = bytes_of(0x01, 0x01, 0x08, 0x0a,  //
                                            0x88, 0x0a, 0x8d, 0x8d, 0x00, 0x00, 0x13, 0x88);

// Linux duplicate ACK after two out-of-order segments:
// [nop,nop,TS val 2282392974 ecr 5000,nop,nop,sack 2 {1301:1351}{1101:1151}]
constexpr auto kLinuxSackOptions = bytes_of(0x01, 0x01, 0x08, 0x0a,                          //
                                            0x88, 0x0a, 0x8d, 0x8e, 0x00, 0x00, 0x13, 0x88,  //
                                            0x01, 0x01, 0x05, 0x12,                          // NOP NOP SACK 18
                                            0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x05, 0x47,  //
                                            0x00, 0x00, 0x04, 0x4d, 0x00, 0x00, 0x04, 0x7f);

// scapy: [nop,nop,sack 4 {3000:3100}{3200:3300}{3400:3500}{3600:3700}]
constexpr auto kFourSackOptions = bytes_of(0x01, 0x01, 0x05, 0x22,                          //
                                           0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x0c, 0x1c,  //
                                           0x00, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x0c, 0xe4,  //
                                           0x00, 0x00, 0x0d, 0x48, 0x00, 0x00, 0x0d, 0xac,  //
                                           0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x0e, 0x74);

// scapy: [unknown-253 0x1234,nop,nop,TS val 7 ecr 8] (253: RFC 3692 experiment)
constexpr auto kUnknownOptions = bytes_of(0xfd, 0x04, 0x12, 0x34,  //
                                          0x01, 0x01, 0x08, 0x0a,  //
                                          0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08);

// scapy: [mss 536,eol] followed by a NOP and padding after the EOL.
constexpr auto kEolOptions = bytes_of(0x02, 0x04, 0x02, 0x18, 0x00, 0x01, 0x00, 0x00);

TcpOptions linux_syn_options() {
  return TcpOptions{.mss = 1460,
                    .window_scale = 10,
                    .sack_permitted = true,
                    .timestamps = Timestamps{.tsval = 2282392970, .tsecr = 0}};
}

std::string hex(Bytes b) { return to_hex(b); }

// emit() into a buffer pre-filled with 0xa5, so every byte must be written.
ByteVec emitted(const TcpOptions& o) {
  ByteVec out(o.emitted_len(), std::byte{0xa5});
  o.emit(out);
  return out;
}

std::string printed(const TcpOptions& o) {
  std::ostringstream os;
  os << o;
  return os.str();
}

std::string printed_area(Bytes area) {
  std::ostringstream os;
  print_tcp_options(os, area);
  return os.str();
}

WireError parse_error(Bytes area) {
  auto r = TcpOptions::parse(area);
  EXPECT_FALSE(r) << "parsed " << hex(area);
  return r ? WireError::unsupported : r.error();
}

// --- The reader ---------------------------------------------------------------

TEST(TcpOptionReader, YieldsLinuxSynOptionsInWireOrder) {
  TcpOptionReader reader(kLinuxSynOptions);
  std::vector<TcpOptionKind> kinds;
  std::vector<std::size_t> sizes;
  while (true) {
    auto next = reader.next();
    ASSERT_TRUE(next);
    if (!*next) break;
    kinds.push_back((*next)->kind);
    sizes.push_back((*next)->bytes.size());
  }
  EXPECT_EQ(kinds, (std::vector{TcpOptionKind::mss, TcpOptionKind::sack_permitted, TcpOptionKind::timestamps,
                                TcpOptionKind::nop, TcpOptionKind::window_scale}));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{4, 2, 10, 1, 3}));
}

TEST(TcpOptionReader, ValueExcludesKindAndLength) {
  TcpOptionReader reader(kUnknownOptions);
  auto first = reader.next();
  ASSERT_TRUE(first && *first);
  EXPECT_EQ(static_cast<unsigned>((*first)->kind), 253u);
  EXPECT_EQ(hex((*first)->value()), "12 34");
  EXPECT_EQ(hex((*first)->bytes), "fd 04 12 34");
}

TEST(TcpOptionReader, ReturnsEolOnceThenStops) {
  TcpOptionReader reader(kEolOptions);
  auto mss = reader.next();
  ASSERT_TRUE(mss && *mss);
  EXPECT_EQ((*mss)->kind, TcpOptionKind::mss);
  auto eol = reader.next();
  ASSERT_TRUE(eol && *eol);
  EXPECT_EQ((*eol)->kind, TcpOptionKind::eol);
  EXPECT_TRUE((*eol)->value().empty());
  auto end = reader.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);  // the NOP after EOL is padding, not an option
}

TEST(TcpOptionReader, StopsAfterAnError) {
  constexpr auto area = bytes_of(0xfd, 0x00, 0x01, 0x01);
  TcpOptionReader reader(area);
  auto bad = reader.next();
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), WireError::bad_option_length);
  auto end = reader.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

TEST(TcpOptionReader, EmptyAreaHasNoOptions) {
  TcpOptionReader reader(Bytes{});
  auto end = reader.next();
  ASSERT_TRUE(end);
  EXPECT_FALSE(*end);
}

// --- Parsing -------------------------------------------------------------------

TEST(TcpOptions, ParsesLinuxSyn) {
  auto o = TcpOptions::parse(kLinuxSynOptions);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, linux_syn_options());
  EXPECT_EQ(o->mss, 1460);
  EXPECT_EQ(o->window_scale, 10);
  EXPECT_TRUE(o->sack_permitted);
  EXPECT_TRUE(o->sacks().empty());
  EXPECT_TRUE(o->unknown.empty());
}

TEST(TcpOptions, ParsesLinuxTimestampsOnly) {
  auto o = TcpOptions::parse(kLinuxDataOptions);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, (TcpOptions{.timestamps = Timestamps{.tsval = 2282392973, .tsecr = 5000}}));
}

// The aligned NOP,NOP,TS layout is read without the option loop; other
// layouts of the same 12 bytes go through it and mean the same thing.
TEST(TcpOptions, AlignedTimestampsReadDirectlyEqualTheGeneralParse) {
  const auto aligned = bytes_of(0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 9);
  const auto trailing = bytes_of(0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 9, 0x01, 0x00);  // TS, NOP, EOL
  auto a = TcpOptions::parse(aligned);
  auto t = TcpOptions::parse(trailing);
  ASSERT_TRUE(a) << a.error();
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(*a, (TcpOptions{.timestamps = Timestamps{.tsval = 7, .tsecr = 9}}));
  EXPECT_EQ(*a, *t);
  // Twelve bytes that start like it but hold something else are parsed whole.
  const auto sack_perm = bytes_of(0x01, 0x01, 0x04, 0x02, 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1);
  auto s = TcpOptions::parse(sack_perm);
  EXPECT_FALSE(s);  // the TS option runs off the area
}

TEST(TcpOptions, ParsesLinuxSackBlocksInWireOrder) {
  auto o = TcpOptions::parse(kLinuxSackOptions);
  ASSERT_TRUE(o) << o.error();
  ASSERT_EQ(o->sacks().size(), 2u);
  EXPECT_EQ(o->sacks()[0], (SackBlock{.left = 1301, .right = 1351}));
  EXPECT_EQ(o->sacks()[1], (SackBlock{.left = 1101, .right = 1151}));
  EXPECT_EQ(o->timestamps, (Timestamps{.tsval = 2282392974, .tsecr = 5000}));
}

TEST(TcpOptions, ParsesFourSackBlocks) {
  auto o = TcpOptions::parse(kFourSackOptions);
  ASSERT_TRUE(o) << o.error();
  ASSERT_EQ(o->sack_count, 4);
  EXPECT_EQ(o->sacks()[0], (SackBlock{.left = 3000, .right = 3100}));
  EXPECT_EQ(o->sacks()[3], (SackBlock{.left = 3600, .right = 3700}));
}

TEST(TcpOptions, SkipsUnknownOptionByItsLength) {
  auto o = TcpOptions::parse(kUnknownOptions);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->timestamps, (Timestamps{.tsval = 7, .tsecr = 8}));
  EXPECT_EQ(hex(o->unknown.bytes()), "fd 04 12 34");
}

TEST(TcpOptions, KeepsSeveralUnknownOptionsInOrder) {
  // Kind 30 (MPTCP) with a 2-byte value, then kind 34 (TFO cookie request, len 2).
  constexpr auto area = bytes_of(0x1e, 0x04, 0x00, 0x81, 0x22, 0x02, 0x01, 0x01);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(hex(o->unknown.bytes()), "1e 04 00 81 22 02");
  EXPECT_FALSE(o->mss);
}

// AccECN (draft-ietf-tcpm-accurate-ecn, kinds 172 AccECN0 and 174 AccECN1,
// 2 + 3n bytes: up to three 24-bit byte counters): not ours to use, parsed
// as unknown options by their length, the options around them intact.
TEST(TcpOptions, SkipsAccEcnOptionsAndKeepsTheRest) {
  constexpr auto area = bytes_of(0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 7, 0, 0, 0, 8,  // NOP NOP TS 7 8
                                 0xac, 0x0b, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03,  // AccECN0, 3 fields
                                 0xae, 0x02,                                                        // AccECN1, none
                                 0x05, 0x0a, 0, 0, 0x03, 0xe9, 0, 0, 0x07, 0xd1,  // SACK 1001-2001
                                 0x01, 0x01, 0x01);
  static_assert(area.size() <= 40);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->timestamps, (Timestamps{.tsval = 7, .tsecr = 8}));
  ASSERT_EQ(o->sack_count, 1u);
  EXPECT_EQ(o->sacks()[0].left, 1001u);
  EXPECT_EQ(o->sacks()[0].right, 2001u);
  EXPECT_EQ(hex(o->unknown.bytes()), "ac 0b 00 00 01 00 00 02 00 00 03 ae 02");
}

TEST(TcpOptions, EolStopsParsing) {
  // After EOL come bytes that would be an invalid option: they are not read.
  constexpr auto area = bytes_of(0x02, 0x04, 0x02, 0x18, 0x00, 0x02, 0x07, 0xff);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, (TcpOptions{.mss = 536}));
}

TEST(TcpOptions, EolFirstMeansNoOptions) {
  constexpr auto area = bytes_of(0x00, 0x02, 0x04, 0x05, 0xb4);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, TcpOptions{});
}

TEST(TcpOptions, SkipsNopPadding) {
  constexpr auto area = bytes_of(0x01, 0x01, 0x01, 0x03, 0x03, 0x07, 0x01, 0x01);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, (TcpOptions{.window_scale = 7}));
}

TEST(TcpOptions, EmptyAreaParsesToNoOptions) {
  auto o = TcpOptions::parse(Bytes{});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(*o, TcpOptions{});
  EXPECT_TRUE(o->empty());
}

TEST(TcpOptions, LaterDuplicateWins) {
  constexpr auto area = bytes_of(0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->mss, 536);
}

TEST(TcpOptions, KeepsWindowScaleAbove14AsSent) {
  // RFC 7323 2.3: the receiver uses 14 instead; that is the TCP layer's job.
  constexpr auto area = bytes_of(0x01, 0x03, 0x03, 0x0f);
  auto o = TcpOptions::parse(area);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->window_scale, 15);
}

// --- Rejected lengths: one test per check ------------------------------------------

TEST(TcpOptions, RejectsLengthBelowTwo) {
  EXPECT_EQ(parse_error(bytes_of(0xfd, 0x00, 0x00, 0x00)), WireError::bad_option_length);  // zero: would loop
  EXPECT_EQ(parse_error(bytes_of(0xfd, 0x01, 0x00, 0x00)), WireError::bad_option_length);
  EXPECT_EQ(parse_error(bytes_of(0x02, 0x01, 0x05, 0xb4)), WireError::bad_option_length);
}

TEST(TcpOptions, RejectsMissingLengthByte) {
  EXPECT_EQ(parse_error(bytes_of(0x01, 0x01, 0x01, 0x02)), WireError::bad_option_length);
  EXPECT_EQ(parse_error(bytes_of(0xfd)), WireError::bad_option_length);
}

TEST(TcpOptions, RejectsOptionRunningPastTheArea) {
  // Timestamps (len 10) with only 8 bytes left.
  EXPECT_EQ(parse_error(bytes_of(0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0)), WireError::bad_option_length);
  // Unknown option claiming 6 bytes of 4.
  EXPECT_EQ(parse_error(bytes_of(0xfd, 0x06, 0x12, 0x34)), WireError::bad_option_length);
  // The Linux SYN's options cut at every length that splits an option.
  for (std::size_t n : {1, 2, 3, 5, 7, 8, 15, 19}) {
    EXPECT_EQ(parse_error(Bytes(kLinuxSynOptions).first(n)), WireError::bad_option_length) << "n = " << n;
  }
}

struct BadFixedLength {
  const char* name;
  std::array<std::byte, 12> area;  // kind, bad length, then zeros
};

TEST(TcpOptions, RejectsKnownOptionWithWrongFixedLength) {
  const std::vector<BadFixedLength> cases = {
      {"mss len 3", bytes_of(2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"mss len 5", bytes_of(2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"wscale len 2", bytes_of(3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"wscale len 4", bytes_of(3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"sackOK len 3", bytes_of(4, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"sackOK len 4", bytes_of(4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"TS len 8", bytes_of(8, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"TS len 12", bytes_of(8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
      {"sack len 11", bytes_of(5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_error(c.area), WireError::bad_option_length) << c.name;
  }
}

TEST(TcpOptions, RejectsSackWithNoBlocks) {
  EXPECT_EQ(parse_error(bytes_of(0x01, 0x01, 0x05, 0x02)), WireError::bad_option_length);
}

TEST(TcpOptions, RejectsSackWithFiveBlocks) {
  // 2 + 5 * 8 = 42 bytes cannot fit a 40-byte area ...
  std::array<std::byte, 40> area{};
  area[0] = std::byte{5};
  area[1] = std::byte{42};
  EXPECT_EQ(parse_error(area), WireError::bad_option_length);
  // ... and the reader refuses it by its length even where it would fit.
  std::array<std::byte, 42> longer{};
  longer[0] = std::byte{5};
  longer[1] = std::byte{42};
  TcpOptionReader reader(longer);
  auto r = reader.next();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_option_length);
}

TEST(TcpOptions, RejectsAreaLongerThan40Bytes) {
  std::array<std::byte, 44> area{};
  area.fill(std::byte{0x01});
  EXPECT_EQ(parse_error(area), WireError::bad_option_length);
}

// --- Emitting --------------------------------------------------------------------

TEST(TcpOptions, EmitsLinuxSynLayout) {
  // MSS, SACK_PERM, TS, NOP, WSCALE: byte for byte what Linux sent.
  EXPECT_EQ(linux_syn_options().emitted_len(), 20u);
  EXPECT_EQ(hex(emitted(linux_syn_options())), hex(kLinuxSynOptions));
}

TEST(TcpOptions, EmitsLinuxDataLayout) {
  const TcpOptions o{.timestamps = Timestamps{.tsval = 2282392973, .tsecr = 5000}};
  EXPECT_EQ(hex(emitted(o)), hex(kLinuxDataOptions));
}

TEST(TcpOptions, EmitsLinuxSackLayout) {
  TcpOptions o{.timestamps = Timestamps{.tsval = 2282392974, .tsecr = 5000}};
  ASSERT_TRUE(o.add_sack({.left = 1301, .right = 1351}));
  ASSERT_TRUE(o.add_sack({.left = 1101, .right = 1151}));
  EXPECT_EQ(hex(emitted(o)), hex(kLinuxSackOptions));
}

TEST(TcpOptions, EmitsFourSackBlocksWithoutTimestamps) {
  auto o = TcpOptions::parse(kFourSackOptions);
  ASSERT_TRUE(o);
  EXPECT_EQ(hex(emitted(*o)), hex(kFourSackOptions));
}

TEST(TcpOptions, EmitsSackPermittedWithoutTimestampsAfterTwoNops) {
  const TcpOptions o{.mss = 1460, .sack_permitted = true};
  EXPECT_EQ(hex(emitted(o)), "02 04 05 b4 01 01 04 02");
}

TEST(TcpOptions, EmitsWindowScaleAfterOneNop) {
  const TcpOptions o{.window_scale = 7};
  EXPECT_EQ(hex(emitted(o)), "01 03 03 07");
}

TEST(TcpOptions, EmitsUnknownOptionsLastPaddedWithZeros) {
  TcpOptions o{.mss = 536};
  constexpr auto mptcp = bytes_of(0x1e, 0x03, 0x01);
  ASSERT_TRUE(o.unknown.append(mptcp));
  EXPECT_EQ(o.emitted_len(), 8u);
  EXPECT_EQ(hex(emitted(o)), "02 04 02 18 1e 03 01 00");
}

TEST(TcpOptions, EmitsNothingWhenEmpty) {
  EXPECT_EQ(TcpOptions{}.emitted_len(), 0u);
  EXPECT_TRUE(emitted(TcpOptions{}).empty());
}

TEST(TcpOptions, EmittedLenCanExceedFortyForTightLayouts) {
  // TS + WSCALE + 3 SACK blocks fit in 39 bytes unaligned, need 44 aligned.
  TcpOptions o{.window_scale = 2, .timestamps = Timestamps{.tsval = 1, .tsecr = 2}};
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(o.add_sack({.left = i * 10, .right = i * 10 + 5}));
  EXPECT_EQ(o.emitted_len(), 44u);
}

TEST(TcpOptions, RoundTripsEveryCombination) {
  constexpr auto unknown = bytes_of(0xfd, 0x03, 0x42);
  int checked = 0;
  for (unsigned mask = 0; mask < 32; ++mask) {
    for (std::uint8_t sacks = 0; sacks <= kTcpMaxSackBlocks; ++sacks) {
      TcpOptions o;
      if (mask & 1) o.mss = 1400;
      if (mask & 2) o.window_scale = 9;
      if (mask & 4) o.sack_permitted = true;
      if (mask & 8) o.timestamps = Timestamps{.tsval = 0xdeadbeef, .tsecr = 0x01020304};
      if (mask & 16) {
        ASSERT_TRUE(o.unknown.append(unknown));
      }
      for (std::uint32_t i = 0; i < sacks; ++i) ASSERT_TRUE(o.add_sack({.left = 100 * i, .right = 100 * i + 50}));
      const ByteVec area = emitted(o);
      ASSERT_EQ(area.size() % 4, 0u);
      if (area.size() > kTcpMaxOptionsLen) continue;  // no TCP header could carry it
      auto back = TcpOptions::parse(area);
      ASSERT_TRUE(back) << "mask " << mask << " sacks " << int{sacks} << ": " << back.error();
      EXPECT_EQ(*back, o) << "mask " << mask << " sacks " << int{sacks} << ": " << hex(area);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(TcpOptions, ParseThenEmitReproducesLinuxBytes) {
  for (Bytes area : {Bytes(kLinuxSynOptions), Bytes(kLinuxDataOptions), Bytes(kLinuxSackOptions)}) {
    auto o = TcpOptions::parse(area);
    ASSERT_TRUE(o);
    EXPECT_EQ(hex(emitted(*o)), hex(area));
  }
}

// --- Values ------------------------------------------------------------------------

TEST(TcpOptions, EqualityIgnoresUnusedSackSlots) {
  TcpOptions a;
  TcpOptions b;
  ASSERT_TRUE(a.add_sack({.left = 1, .right = 2}));
  ASSERT_TRUE(b.add_sack({.left = 1, .right = 2}));
  b.sack_blocks[3] = SackBlock{.left = 9, .right = 9};  // beyond sack_count
  EXPECT_EQ(a, b);
  b.sack_blocks[0].right = 3;
  EXPECT_NE(a, b);
}

TEST(TcpOptions, AddSackStopsAtFourBlocks) {
  TcpOptions o;
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(o.add_sack({.left = i, .right = i + 1}));
  EXPECT_FALSE(o.add_sack({.left = 9, .right = 10}));
  EXPECT_EQ(o.sacks().size(), 4u);
}

TEST(UnknownTcpOptions, RefusesMoreThanFortyBytes) {
  UnknownTcpOptions u;
  std::array<std::byte, 38> big{};
  big[0] = std::byte{0xfd};
  big[1] = std::byte{38};
  EXPECT_TRUE(u.append(big));
  constexpr auto three = bytes_of(0xfe, 0x03, 0x00);
  EXPECT_FALSE(u.append(three));
  EXPECT_EQ(u.size(), 38u);
}

// --- Printing (checked against tcpdump 4.99 on the same bytes) -------------------------

TEST(TcpOptions, PrintsInEmitOrderLikeTcpdump) {
  EXPECT_EQ(printed(linux_syn_options()), "mss 1460,sackOK,TS val 2282392970 ecr 0,nop,wscale 10");
  auto sack = TcpOptions::parse(kLinuxSackOptions);
  ASSERT_TRUE(sack);
  EXPECT_EQ(printed(*sack), "nop,nop,TS val 2282392974 ecr 5000,nop,nop,sack 2 {1301:1351}{1101:1151}");
  EXPECT_EQ(printed(TcpOptions{}), "");
}

TEST(TcpOptions, PrintsAreaInWireOrder) {
  EXPECT_EQ(printed_area(kUnknownOptions), "unknown-253 0x1234,nop,nop,TS val 7 ecr 8");
  EXPECT_EQ(printed_area(kEolOptions), "mss 536,eol");
  EXPECT_EQ(printed_area(kFourSackOptions),
            "nop,nop,sack 4 {3000:3100}{3200:3300}{3400:3500}{3600:3700}");
}

TEST(TcpOptions, PrintsBadOptionWhereTheAreaStopsMakingSense) {
  EXPECT_EQ(printed_area(bytes_of(0x02, 0x04, 0x05, 0xb4, 0x08, 0x0a, 0x00)), "mss 1460,[bad opt]");
}

// --- Hostile input ----------------------------------------------------------------

TEST(TcpOptions, AnyByteAtAnyPositionParsesOrFails) {
  // Each byte of the Linux SACK area replaced by every value; the area lives in
  // an exactly-sized heap buffer so ASan sees any read past it.
  for (std::size_t at = 0; at < kLinuxSackOptions.size(); ++at) {
    for (unsigned v = 0; v < 256; ++v) {
      ByteVec area(kLinuxSackOptions.begin(), kLinuxSackOptions.end());
      area[at] = static_cast<std::byte>(v);
      auto o = TcpOptions::parse(area);
      if (o) {
        EXPECT_LE(o->sack_count, kTcpMaxSackBlocks);
        printed(*o);
      } else {
        EXPECT_EQ(o.error(), WireError::bad_option_length);
      }
      printed_area(area);
    }
  }
}

TEST(TcpOptions, EveryPrefixParsesOrFails) {
  for (Bytes full : {Bytes(kLinuxSynOptions), Bytes(kLinuxSackOptions), Bytes(kFourSackOptions),
                     Bytes(kUnknownOptions), Bytes(kEolOptions)}) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      const ByteVec area(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto o = TcpOptions::parse(area);
      if (!o) {
        EXPECT_EQ(o.error(), WireError::bad_option_length);
      }
      printed_area(area);
    }
  }
}

}  // namespace
}  // namespace wirestack
