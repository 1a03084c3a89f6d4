// ip/fragment_data.hpp — the data of one datagram being reassembled, shared
// by the IPv4 and IPv6 reassemblers: fragments by offset, the holes between
// them (RFC 815 hole descriptors), and where the data ends once the last
// fragment (MF / M = 0) has said so.
//
// classify() decides what a fragment is, without changing anything, so that
// the caller can check its own bounds (length, memory) in between; insert()
// then stores a fragment classify() called `fits`. Fragments never share a
// byte: one that overlaps data held is `overlap` (RFC 5722), unless it is an
// exact copy of a fragment held (`duplicate`, RFC 8200 4.5 allows ignoring
// those). A second last fragment with another end, a last fragment ending
// before data held, or data past the known end is `inconsistent`.
//
//   FragmentData d;
//   switch (d.classify(offset, data, last)) {
//     case FragmentData::Fit::fits: d.insert(offset, data, last); break;
//     case FragmentData::Fit::overlap: return drop_whole_datagram();
//     ...
//   }
//   if (d.complete()) d.copy_to(out.subspan(header_len, d.total()));
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/bytes.hpp"

namespace wirestack::ip {

class FragmentData {
 public:
  enum class Fit : std::uint8_t { fits, duplicate, overlap, inconsistent };

  FragmentData();

  // What the fragment of `data` at byte `begin` (the last one if `last`)
  // would be. An empty last fragment fits if the end was unknown (it only
  // says where the data ends) and is a duplicate otherwise.
  Fit classify(std::uint32_t begin, Bytes data, bool last) const;
  // Stores it. Precondition: classify() returned `fits`.
  void insert(std::uint32_t begin, Bytes data, bool last);

  // Every byte from 0 to the end is held.
  bool complete() const { return total_.has_value() && holes_.empty(); }
  // The data's length. Precondition: complete().
  std::uint32_t total() const { return *total_; }
  // The furthest byte held (0 if none).
  std::uint32_t max_end() const { return max_end_; }
  bool has(std::uint32_t begin) const { return pieces_.contains(begin); }
  // The fragment held at `begin`. Precondition: has(begin).
  Bytes piece(std::uint32_t begin) const { return pieces_.at(begin).data; }
  // Writes every fragment at its offset. Precondition: complete(),
  // out.size() >= total().
  void copy_to(MutBytes out) const;

 private:
  struct Piece {
    ByteVec data;
    bool more_fragments;
  };
  // RFC 815: a range of data not yet received, half-open [begin, end).
  struct Hole {
    std::uint32_t begin;
    std::uint32_t end;
  };
  void set_total(std::uint32_t total);

  std::map<std::uint32_t, Piece> pieces_;  // by offset
  std::vector<Hole> holes_;                // sorted, disjoint
  std::optional<std::uint32_t> total_;     // data length, once the last fragment is in
  std::uint32_t max_end_ = 0;
};

}  // namespace wirestack::ip
