#include "ip/fragment_data.hpp"

#include <algorithm>
#include <iterator>

#include "base/assert.hpp"

namespace wirestack::ip {

namespace {

// Past any fragment's end (offset <= 65528 and data < 65536 in both IP
// versions): the open end of the first hole until the last fragment tells
// where the data ends.
constexpr std::uint32_t kUnknownEnd = std::uint32_t{1} << 18;

}  // namespace

FragmentData::FragmentData() { holes_.push_back(Hole{0, kUnknownEnd}); }  // RFC 815: one hole, 0 to infinity

FragmentData::Fit FragmentData::classify(std::uint32_t begin, Bytes data, bool last) const {
  const std::uint32_t end = begin + static_cast<std::uint32_t>(data.size());
  // The last fragment fixes the data's length: no other last fragment may
  // disagree and no data may lie past it.
  if ((last && ((total_ && *total_ != end) || max_end_ > end)) || (!last && total_ && end > *total_)) {
    return Fit::inconsistent;
  }
  if (begin == end) return total_ ? Fit::duplicate : Fit::fits;  // an empty last fragment
  // RFC 815: find the hole the fragment fills. Fragments never share bytes,
  // so it must lie inside a single hole.
  const auto hole = std::ranges::upper_bound(holes_, begin, std::less<>{}, &Hole::begin);
  if (hole != holes_.begin() && std::prev(hole)->end >= end) return Fit::fits;
  // RFC 8200 4.5: "an implementation may choose to detect this case and drop
  // exact duplicate fragments while keeping the other fragments belonging to
  // the same packet."
  const auto held = pieces_.find(begin);
  if (held != pieces_.end() && held->second.more_fragments == !last && std::ranges::equal(held->second.data, data)) {
    return Fit::duplicate;
  }
  return Fit::overlap;
}

void FragmentData::insert(std::uint32_t begin, Bytes data, bool last) {
  WIRESTACK_ASSERT(classify(begin, data, last) == Fit::fits);
  const std::uint32_t end = begin + static_cast<std::uint32_t>(data.size());
  if (begin != end) {
    // RFC 815 steps 4-6: delete the hole; what is left of it before and
    // after the fragment become new holes (after it only if more follows,
    // which set_total() below takes care of).
    auto hole = std::prev(std::ranges::upper_bound(holes_, begin, std::less<>{}, &Hole::begin));
    const Hole filled = *hole;
    hole = holes_.erase(hole);
    if (end < filled.end) hole = holes_.insert(hole, Hole{end, filled.end});
    if (filled.begin < begin) holes_.insert(hole, Hole{filled.begin, begin});
    pieces_.emplace(begin, Piece{.data = ByteVec(data.begin(), data.end()), .more_fragments = !last});
    max_end_ = std::max(max_end_, end);
  }
  if (last) set_total(end);
}

void FragmentData::set_total(std::uint32_t total) {
  total_ = total;
  std::erase_if(holes_, [total](const Hole& h) { return h.begin >= total; });
  for (Hole& h : holes_) h.end = std::min(h.end, total);
}

void FragmentData::copy_to(MutBytes out) const {
  WIRESTACK_ASSERT(complete() && out.size() >= *total_);
  for (const auto& [offset, piece] : pieces_) std::ranges::copy(piece.data, out.begin() + offset);
}

}  // namespace wirestack::ip
