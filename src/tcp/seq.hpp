// tcp/seq.hpp — TCP sequence numbers: 32-bit, compared modulo 2^32.
//
// RFC 9293 3.4: "It is essential to remember that the actual sequence number
// space is finite, though very large ... all arithmetic dealing with sequence
// numbers must be performed modulo 2^32". SeqNum wraps a uint32 and compares
// the way every stack does since RFC 1323 / BSD's SEQ_LT:
//     a < b  iff  (int32_t)(a - b) < 0
// That order is only meaningful for numbers less than 2^31 apart, which TCP
// guarantees (the largest window, with scaling, is 2^30, RFC 7323 2.3). It is
// not a total order: do not sort a set that spans more than 2^31. Two numbers
// exactly 2^31 apart compare "less" both ways (RFC 1982's undefined case).
//
// Arithmetic: `s + n` and `s - n` take any integer n (negative ones too) and
// wrap modulo 2^32; `b - a` between two SeqNums is the signed distance (an
// int32: positive when b is after a); distance(a, b) is the unsigned forward
// distance from a to b (what a byte count within a window needs).
//
// Acceptability (RFC 9293 3.10.7.4) speaks of windows [start, start + len):
// in_window(seq, start, len) answers "start =< seq < start+len" with wrap and
// with len 0 meaning an empty window; segment_acceptable() is the full
// four-case table for an incoming segment.
//
//   SeqNum una{0xffff'fff0}, nxt = una + 100;   // wraps past 0
//   if (una < ack && ack <= nxt) acked = distance(una, ack);
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <ostream>

namespace wirestack::tcp {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  explicit constexpr SeqNum(std::uint32_t value) : v_(value) {}

  // The number as it goes on the wire.
  constexpr std::uint32_t value() const { return v_; }

  // s + n, modulo 2^32; n may be negative. Precondition for meaningful
  // comparisons afterwards: |n| < 2^31.
  template <std::integral I>
  friend constexpr SeqNum operator+(SeqNum s, I n) {
    return SeqNum(static_cast<std::uint32_t>(s.v_ + static_cast<std::uint32_t>(n)));
  }
  template <std::integral I>
  friend constexpr SeqNum operator-(SeqNum s, I n) {
    return SeqNum(static_cast<std::uint32_t>(s.v_ - static_cast<std::uint32_t>(n)));
  }
  template <std::integral I>
  constexpr SeqNum& operator+=(I n) {
    return *this = *this + n;
  }
  template <std::integral I>
  constexpr SeqNum& operator-=(I n) {
    return *this = *this - n;
  }

  // Signed distance a - b: > 0 when a is after b (modulo 2^32).
  friend constexpr std::int32_t operator-(SeqNum a, SeqNum b) {
    return static_cast<std::int32_t>(a.v_ - b.v_);
  }

  friend constexpr bool operator==(SeqNum, SeqNum) = default;
  // Wrap-aware order (RFC 9293 3.4), see the file comment for its limits.
  friend constexpr std::strong_ordering operator<=>(SeqNum a, SeqNum b) { return (a - b) <=> 0; }

  friend std::ostream& operator<<(std::ostream& os, SeqNum s) { return os << s.v_; }

 private:
  std::uint32_t v_ = 0;
};

// Forward distance from `from` to `to`, modulo 2^32 (to - from as uint32).
constexpr std::uint32_t distance(SeqNum from, SeqNum to) {
  return static_cast<std::uint32_t>(to.value() - from.value());
}

// The later / earlier of two sequence numbers (wrap-aware).
constexpr SeqNum max(SeqNum a, SeqNum b) { return a < b ? b : a; }
constexpr SeqNum min(SeqNum a, SeqNum b) { return b < a ? b : a; }

// start =< seq < start + len (modulo 2^32). len 0 is an empty window: false.
// Works for any len up to 2^32 - 1, because it compares the forward distance.
constexpr bool in_window(SeqNum seq, SeqNum start, std::uint32_t len) {
  return distance(start, seq) < len;
}

// RFC 9293 3.10.7.4, "There are four cases for the acceptability test for an
// incoming segment":
//   Segment Length  Receive Window  Test
//   0               0               SEG.SEQ = RCV.NXT
//   0               >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//   >0              0               not acceptable
//   >0              >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
//                                or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
// seg_len counts SYN and FIN. (With a zero window the caller must still
// process valid ACKs, URGs and RSTs: RFC 9293 says so below the table.)
constexpr bool segment_acceptable(SeqNum seg_seq, std::uint32_t seg_len, SeqNum rcv_nxt,
                                  std::uint32_t rcv_wnd) {
  if (seg_len == 0) {
    return rcv_wnd == 0 ? seg_seq == rcv_nxt : in_window(seg_seq, rcv_nxt, rcv_wnd);
  }
  if (rcv_wnd == 0) return false;
  return in_window(seg_seq, rcv_nxt, rcv_wnd) ||
         in_window(seg_seq + (seg_len - 1), rcv_nxt, rcv_wnd);
}

}  // namespace wirestack::tcp
