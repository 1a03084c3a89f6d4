// ip/fragment_data_test.cpp — the fragment bookkeeping both reassemblers
// share: RFC 815 holes, duplicates, overlaps (RFC 5722), inconsistent ends.
#include "ip/fragment_data.hpp"

#include <gtest/gtest.h>

namespace wirestack::ip {
namespace {

ByteVec bytes(std::size_t n, std::uint8_t fill) { return ByteVec(n, std::byte{fill}); }

using Fit = FragmentData::Fit;

TEST(FragmentData, Rfc815_FillsHolesInAnyOrder) {
  FragmentData d;
  const ByteVec a = bytes(8, 1), b = bytes(8, 2), c = bytes(3, 3);
  ASSERT_EQ(d.classify(16, c, true), Fit::fits);
  d.insert(16, c, true);
  ASSERT_EQ(d.classify(0, a, false), Fit::fits);
  d.insert(0, a, false);
  EXPECT_FALSE(d.complete());
  ASSERT_EQ(d.classify(8, b, false), Fit::fits);
  d.insert(8, b, false);
  ASSERT_TRUE(d.complete());
  EXPECT_EQ(d.total(), 19u);
  ByteVec out(19);
  d.copy_to(out);
  EXPECT_EQ(out[0], std::byte{1});
  EXPECT_EQ(out[8], std::byte{2});
  EXPECT_EQ(out[18], std::byte{3});
}

TEST(FragmentData, Rfc8200_4_5_ExactDuplicateIsADuplicate) {
  FragmentData d;
  const ByteVec a = bytes(8, 1);
  d.insert(0, a, false);
  EXPECT_EQ(d.classify(0, a, false), Fit::duplicate);
  EXPECT_EQ(d.classify(0, bytes(8, 9), false), Fit::overlap);  // same place, other bytes
  EXPECT_EQ(d.classify(0, a, true), Fit::overlap);  // same bytes, but now the last: not a copy
}

TEST(FragmentData, Rfc5722_AnySharedByteIsAnOverlap) {
  FragmentData d;
  d.insert(8, bytes(16, 1), false);
  EXPECT_EQ(d.classify(0, bytes(16, 1), false), Fit::overlap);
  EXPECT_EQ(d.classify(16, bytes(16, 1), false), Fit::overlap);
  EXPECT_EQ(d.classify(0, bytes(8, 1), false), Fit::fits);
  EXPECT_EQ(d.classify(24, bytes(8, 1), false), Fit::fits);
}

TEST(FragmentData, LastFragmentFixesTheEnd) {
  FragmentData d;
  d.insert(8, bytes(8, 1), true);  // ends at 16
  EXPECT_EQ(d.classify(16, bytes(8, 1), false), Fit::inconsistent);  // data past the end
  EXPECT_EQ(d.classify(0, bytes(8, 1), true), Fit::inconsistent);    // another end
  EXPECT_EQ(d.classify(16, {}, true), Fit::duplicate);               // empty last agreeing: a repeat
  EXPECT_EQ(d.classify(24, {}, true), Fit::inconsistent);            // empty last, another end
  EXPECT_EQ(d.classify(8, {}, true), Fit::inconsistent);             // ends before data held
  EXPECT_EQ(d.max_end(), 16u);
}

TEST(FragmentData, EmptyLastFragmentOnlySaysWhereTheDataEnds) {
  FragmentData d;
  d.insert(0, bytes(8, 1), false);
  ASSERT_EQ(d.classify(8, {}, true), Fit::fits);
  d.insert(8, {}, true);
  EXPECT_TRUE(d.complete());
  EXPECT_EQ(d.total(), 8u);
  EXPECT_EQ(d.classify(8, {}, true), Fit::duplicate);
}

}  // namespace
}  // namespace wirestack::ip
