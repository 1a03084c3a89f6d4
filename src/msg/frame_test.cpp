// msg/frame_test.cpp — framing byte for byte, every segmentation, limits,
// UTF-8.
#include "msg/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wirestack::msg {
namespace {

// Everything the decoder yields until it needs more bytes; errors as "!message".
std::vector<std::string> drain(FrameDecoder& dec) {
  std::vector<std::string> out;
  while (true) {
    auto f = dec.next();
    if (!f) {
      out.push_back("!" + f.error().message);
      if (dec.failed()) return out;
      continue;
    }
    if (!*f) return out;
    out.push_back(**f);
  }
}

TEST(Frame, EncodesBigEndianLengthThenBody) {
  const ByteVec f = encode_frame(R"({"a":1})");
  EXPECT_EQ(to_hex(f), "00 00 00 07 7b 22 61 22 3a 31 7d");
}

TEST(Frame, EncodesLengthsNeedingEveryByte) {
  const std::string body(0x010203, 'x');
  const ByteVec f = encode_frame(body);
  ASSERT_EQ(f.size(), 4 + body.size());
  EXPECT_EQ(to_hex(Bytes(f).first(4)), "00 01 02 03");
}

TEST(Frame, AppendsAfterExistingBytes) {
  ByteVec out = {std::byte{0xaa}};
  append_frame(out, "1");
  append_frame(out, "");
  EXPECT_EQ(to_hex(out), "aa 00 00 00 01 31 00 00 00 00");
}

TEST(FrameDecoder, YieldsFramesFromOneChunk) {
  ByteVec stream;
  append_frame(stream, "first");
  append_frame(stream, "");
  append_frame(stream, "[1,2,3]");
  FrameDecoder dec;
  dec.feed(stream);
  EXPECT_EQ(drain(dec), (std::vector<std::string>{"first", "", "[1,2,3]"}));
  EXPECT_EQ(dec.buffered(), 0u);
}

// Every way to cut the stream into two pieces, and every fixed chunk size
// from 1 byte up: the same frames come out, and never a partial one.
TEST(FrameDecoder, SameFramesWhateverTheSegmentation) {
  const std::vector<std::string> bodies = {R"({"jsonrpc":"2.0","id":1,"method":"time"})", "", "\xc3\xa9t\xc3\xa9",
                                           std::string(300, 'z')};
  ByteVec stream;
  for (const auto& b : bodies) append_frame(stream, b);

  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    FrameDecoder dec;
    std::vector<std::string> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      dec.feed(Bytes(stream).subspan(at, std::min(chunk, stream.size() - at)));
      for (auto& f : drain(dec)) got.push_back(f);
    }
    EXPECT_EQ(got, bodies) << "chunk size " << chunk;
    EXPECT_EQ(dec.buffered(), 0u);
  }
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    FrameDecoder dec;
    dec.feed(Bytes(stream).first(cut));
    auto got = drain(dec);
    dec.feed(Bytes(stream).subspan(cut));
    for (auto& f : drain(dec)) got.push_back(f);
    EXPECT_EQ(got, bodies) << "cut at " << cut;
  }
}

TEST(FrameDecoder, BufferedCountsAHalfMessage) {
  const ByteVec f = encode_frame("hello");
  FrameDecoder dec;
  EXPECT_EQ(dec.buffered(), 0u);
  dec.feed(Bytes(f).first(2));  // half the header
  EXPECT_TRUE(drain(dec).empty());
  EXPECT_EQ(dec.buffered(), 2u);
  dec.feed(Bytes(f).subspan(2, 5));  // header + "hel"
  EXPECT_TRUE(drain(dec).empty());
  EXPECT_EQ(dec.buffered(), 7u);
  dec.feed(Bytes(f).subspan(7));
  EXPECT_EQ(drain(dec), std::vector<std::string>{"hello"});
  EXPECT_EQ(dec.buffered(), 0u);
}

TEST(FrameDecoder, OversizedLengthFailsAtTheHeaderAndStaysFailed) {
  FrameDecoder dec(100);
  ByteVec stream;
  append_frame(stream, std::string(100, 'a'));  // exactly the limit: fine
  dec.feed(stream);
  EXPECT_EQ(drain(dec), std::vector<std::string>{std::string(100, 'a')});

  dec.feed(bytes_of(0x00, 0x00, 0x00, 0x65));  // 101, no body byte yet
  auto f = dec.next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, FrameError::Kind::too_large);
  EXPECT_EQ(f.error().message, "frame of 101 bytes exceeds the limit of 100 bytes");
  EXPECT_TRUE(dec.failed());
  EXPECT_EQ(dec.buffered(), 0u);  // nothing kept for a frame we refuse

  dec.feed(encode_frame("ok"));  // ignored: the stream cannot be resynchronised
  EXPECT_EQ(dec.buffered(), 0u);
  auto again = dec.next();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), f.error());
}

TEST(FrameDecoder, DefaultLimitIsOneMebibyte) {
  FrameDecoder dec;
  EXPECT_EQ(dec.max_frame(), 1048576u);
  dec.feed(bytes_of(0xff, 0xff, 0xff, 0xff));
  auto f = dec.next();
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message, "frame of 4294967295 bytes exceeds the limit of 1048576 bytes");
}

TEST(FrameDecoder, InvalidUtf8FailsThatFrameOnly) {
  ByteVec stream;
  append_frame(stream, "ok1");
  append_frame(stream, "ab\xff");
  append_frame(stream, "ok2");
  FrameDecoder dec;
  dec.feed(stream);
  EXPECT_EQ(drain(dec), (std::vector<std::string>{"ok1", "!frame body is not valid UTF-8: byte 0xff at offset 2", "ok2"}));
  EXPECT_FALSE(dec.failed());
}

TEST(Utf8, AcceptsWellFormedText) {
  for (const char* s : {"", "ascii", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
                        "\xed\x9f\xbf"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << to_hex(as_bytes(s));
  }
}

TEST(Utf8, RejectsOverlongSurrogatesAndOutOfRange) {
  struct Case {
    const char* text;
    std::size_t bad_at;
  };
  for (const Case& c : {Case{"\x80", 0}, Case{"a\xc0\xaf", 1}, Case{"\xc1\xbf", 0},   // stray, overlong '/'
                        Case{"\xe0\x80\xaf", 0}, Case{"\xf0\x80\x80\xaf", 0},          // overlong
                        Case{"ab\xed\xa0\x80", 2},                                     // surrogate U+D800
                        Case{"\xf4\x90\x80\x80", 0}, Case{"\xf5\x80\x80\x80", 0},      // > U+10FFFF
                        Case{"\xc3", 0}, Case{"x\xe2\x82", 1}, Case{"\xe2\x28\xa1", 0},  // truncated, bad continuation
                        Case{"\xff", 0}}) {
    std::size_t at = 99;
    EXPECT_FALSE(is_valid_utf8(c.text, &at)) << to_hex(as_bytes(c.text));
    EXPECT_EQ(at, c.bad_at) << to_hex(as_bytes(c.text));
  }
}

}  // namespace
}  // namespace wirestack::msg
