// scenario/tcp_tally.hpp — the run's TCP figures from the frames on its
// links, without describing a single frame:
//
//   == results after 10 simulated seconds, ..., 3 TCP handshakes, 6 FINs,
//      0 retransmitted segments seen on links ==
//
// The narrator (scenario/narrator.hpp) explains every frame in words; a
// quiet run of a million clients needs only these three numbers, and must
// not pay a std::map of strings and a formatted line per frame for them.
// The tally reads the Ethernet, IP and TCP headers in place and keeps a
// few bytes per direction of each connection:
//
// - a handshake is counted when a direction first sends a pure ACK of its
//   peer's initial sequence number + 1 (the third segment), unless data
//   went that way before (a handshake ACK that carries data is not one);
// - a close is a direction that sent a FIN;
// - a retransmission is a segment whose sequence range its direction
//   already carried, counted once per (direction, sequence number).
//
// Each count is once per direction or segment however many links a frame
// crosses: a direction is followed on the link it was first seen on, the
// sender's own (every copy of a frame on later links was on that one first,
// in the same order, since a link does not reorder). Directions are known
// by a 64-bit hash of their addresses and ports: two of a million directions
// share one with a probability near 1e-7.
//
// The directions live in an open-addressing table of their own, found by
// that hash: a lookup reads one cache line, where an index beside a vector
// of directions read two (a million clients: two million directions, and
// nearly every lookup misses the cache).
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "base/bytes.hpp"

namespace wirestack::scenario {

class TcpTally {
 public:
  // One frame handed to link `link` (any number naming the link: the
  // runner passes its address). Frames that are not TCP are ignored.
  void on_frame(std::uintptr_t link, Bytes frame);

  std::size_t handshakes() const { return handshakes_; }
  std::size_t closes() const { return closes_; }
  std::size_t retransmissions() const { return retransmitted_.size(); }
  // Directions followed (for the memory a big run costs).
  std::size_t directions() const { return size_; }

 private:
  struct Dir {
    std::uint64_t key = 0;       // hash of (src, src port, dst, dst port); 0: a free place
    std::uintptr_t link = 0;     // the link it was first seen on
    std::uint32_t isn = 0;       // its SYN's sequence number (has_isn)
    std::uint32_t high = 0;      // the end of the highest range it carried (has_high)
    bool has_isn : 1 = false;
    bool has_high : 1 = false;
    bool handshake_done : 1 = false;  // its handshake ACK, or data, went by
    bool fin : 1 = false;
  };
  Dir* find(std::uint64_t key);
  Dir& find_or_add(std::uint64_t key, std::uintptr_t link);
  void grow();

  // Linear probing from the key's low bits, at most half full; nothing is
  // ever removed.
  std::vector<Dir> table_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  std::unordered_set<std::uint64_t> retransmitted_;  // hash of (direction, sequence number)
  std::size_t handshakes_ = 0;
  std::size_t closes_ = 0;
};

}  // namespace wirestack::scenario
