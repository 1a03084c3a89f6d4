#include "dns/name.hpp"

#include <gtest/gtest.h>

namespace wirestack::dns {
namespace {

Name N(std::string_view s) { return *Name::parse(s); }

TEST(Name, ParsesTextAndPrintsItAbsolute) {
  EXPECT_EQ(N("www.Campus").to_string(), "www.Campus.");
  EXPECT_EQ(N("www.campus.").wire(), std::string("\3www\6campus\0", 12));
  EXPECT_TRUE(N(".").is_root());
  EXPECT_EQ(N("a\\.b.c").label_count(), 2u);
  EXPECT_EQ(N("a\\.b.c").to_string(), "a\\.b.c.");
  EXPECT_EQ(N("\\065b").to_string(), "Ab.");
}

TEST(Name, RefusesBadText) {
  EXPECT_FALSE(Name::parse(""));
  EXPECT_FALSE(Name::parse("a..b"));
  EXPECT_FALSE(Name::parse(std::string(64, 'x')));
  EXPECT_TRUE(Name::parse(std::string(63, 'x')));
  EXPECT_FALSE(Name::parse("\\256"));
  EXPECT_FALSE(Name::parse("a\\"));
  // 4 labels of 63 = 256 bytes of wire form with the root: one too many.
  const std::string l(63, 'x');
  EXPECT_FALSE(Name::parse(l + "." + l + "." + l + "." + l));
  EXPECT_TRUE(Name::parse(l + "." + l + "." + l + "." + std::string(61, 'x')));
}

TEST(Name, ComparesWithoutCaseAndKnowsItsZone) {
  EXPECT_EQ(N("WWW.campus"), N("www.CAMPUS."));
  EXPECT_TRUE(N("www.campus").is_subdomain_of(N("Campus")));
  EXPECT_TRUE(N("campus").is_subdomain_of(N("campus")));
  EXPECT_TRUE(N("campus").is_subdomain_of(Name{}));
  EXPECT_FALSE(N("www.xcampus").is_subdomain_of(N("campus")));
  EXPECT_FALSE(N("campus").is_subdomain_of(N("www.campus")));
  EXPECT_EQ(N("www.campus").parent(), N("campus"));
  EXPECT_EQ(*N("campus").prepend("www"), N("www.campus"));
  EXPECT_FALSE(N("a") < N("A"));
  EXPECT_FALSE(N("A") < N("a"));
}

// RFC 1035 4.1.4's own example: F.ISI.ARPA at 20, FOO.F.ISI.ARPA pointing to
// it at 40, ARPA as a pointer to 26 at 64, the root at 92.
TEST(ReadName, FollowsTheRfcExamplesPointers) {
  ByteVec msg(100, std::byte{0});
  const auto put = [&](std::size_t at, std::initializer_list<int> v) {
    for (int b : v) msg[at++] = static_cast<std::byte>(b);
  };
  put(20, {1, 'F', 3, 'I', 'S', 'I', 4, 'A', 'R', 'P', 'A', 0});
  put(40, {3, 'F', 'O', 'O', 0xc0, 20});
  put(64, {0xc0, 26});
  std::size_t at = 40;
  auto foo = read_name(msg, at);
  ASSERT_TRUE(foo) << foo.error();
  EXPECT_EQ(foo->to_string(), "FOO.F.ISI.ARPA.");
  EXPECT_EQ(at, 46u);
  at = 64;
  auto arpa = read_name(msg, at);
  ASSERT_TRUE(arpa);
  EXPECT_EQ(arpa->to_string(), "ARPA.");
  EXPECT_EQ(at, 66u);
  at = 92;
  EXPECT_TRUE(read_name(msg, at)->is_root());
}

TEST(ReadName, RefusesLoopsForwardPointersAndReservedLabels) {
  // A pointer to itself, and two pointing at each other.
  const auto self = bytes_of(0xc0, 0x00);
  std::size_t at = 0;
  EXPECT_EQ(read_name(self, at).error(), DnsError::bad_pointer);
  const auto pair = bytes_of(0xc0, 0x02, 0xc0, 0x00);
  at = 2;
  EXPECT_EQ(read_name(pair, at).error(), DnsError::bad_pointer);
  at = 0;
  EXPECT_EQ(read_name(pair, at).error(), DnsError::bad_pointer);  // forward
  // Back, then forward again past the first pointer: 1 'a' then ptr->0 would
  // revisit; the rule "below the lowest offset read" refuses it.
  const auto back_and_forth = bytes_of(0x01, 'a', 0xc0, 0x00);
  at = 2;
  EXPECT_EQ(read_name(back_and_forth, at).error(), DnsError::bad_pointer);
  const auto reserved = bytes_of(0x41, 'a', 0x00);
  at = 0;
  EXPECT_EQ(read_name(reserved, at).error(), DnsError::bad_label);
  const auto cut = bytes_of(0x05, 'a', 'b');
  at = 0;
  EXPECT_EQ(read_name(cut, at).error(), DnsError::truncated);
}

TEST(ReadName, RefusesNamesBeyond255BytesEvenThroughPointers) {
  // 5 labels of 63 in a row, each pointing to the next: 320 bytes decompressed.
  ByteVec msg;
  for (int i = 0; i < 5; ++i) {
    msg.push_back(std::byte{63});
    msg.insert(msg.end(), 63, std::byte{'x'});
  }
  msg.push_back(std::byte{0});
  std::size_t at = 0;
  EXPECT_EQ(read_name(msg, at).error(), DnsError::name_too_long);
}

TEST(NameCompressor, PointsAtEarlierSuffixes) {
  ByteVec out(12, std::byte{0});
  NameCompressor z;
  z.write(out, N("www.campus"));
  z.write(out, N("mail.CAMPUS"));
  z.write(out, N("campus"));
  z.write(out, N("."));
  const auto want = bytes_of(3, 'w', 'w', 'w', 6, 'c', 'a', 'm', 'p', 'u', 's', 0,  // at 12
                             4, 'm', 'a', 'i', 'l', 0xc0, 16,                       // campus at 16
                             0xc0, 16, 0);
  EXPECT_EQ(ByteVec(out.begin() + 12, out.end()), ByteVec(want.begin(), want.end()));
  std::size_t at = 24;
  EXPECT_EQ(*read_name(out, at), N("mail.campus"));
}

}  // namespace
}  // namespace wirestack::dns
