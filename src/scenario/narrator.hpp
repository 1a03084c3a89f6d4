// scenario/narrator.hpp — one line per frame a node hands to a link, in
// words a student of the five-layer model can follow:
//
//   ARP      who-has 10.0.2.1 tell 10.0.2.20
//   TCP      10.0.1.10:49152 > 10.0.2.20:80  SYN (handshake 1/3)  seq 0  win 64240
//   TCP      10.0.2.20:80 > 10.0.1.10:49152  SYN-ACK (handshake 2/3)  seq 0  ack 1  win 65535
//   TCP      10.0.1.10:49152 > 10.0.2.20:80  ACK (handshake 3/3)  seq 1  ack 1
//   TCP      10.0.1.10:49152 > 10.0.2.20:80  data 64 bytes  seq 1:65  ack 1  | HTTP GET / HTTP/1.1
//   TCP      ...  RETRANSMISSION data 1448 bytes  seq 2897:4345 (the copy sent at
//                 5.1 s was lost on wan)
//   TCP      ...  duplicate ACK #2 (...)  ack 2897  win 512 (x128 = 65536)  SACK 4345:7241
//   TCP      ...  FIN (close)  /  ACK of FIN (close)
//   LOST     the frame above: lost on the wire (the link's loss rate); sw2 never gets it
//
// Windows after the handshake are shown scaled when both SYNs carried the
// window scale option (RFC 7323), SACK blocks relative as sequence numbers
// are. Losses are not guessed: the simulator tells where each frame was
// lost (on_drop), and a retransmission says which copy was lost where, or
// that none was (a spurious one).
//
// Sequence numbers are relative to each direction's SYN, as Wireshark shows
// them. The TCP roles are worked out per link: the handshake's third ACK is
// the first ACK of the SYN-ACK's sequence number, a retransmission is a
// segment whose sequence range this link already carried in that direction.
//
// Every frame also becomes a FrameEvent for listeners (a report generator,
// tests): `Narrator::on_frame` returns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "sim/world.hpp"
#include "wire/dissect.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::scenario {

enum class TcpRole : std::uint8_t {
  none,       // not TCP
  syn,        // handshake 1/3
  syn_ack,    // handshake 2/3
  handshake_ack,  // handshake 3/3
  data,
  ack,
  fin,        // close
  fin_ack,    // the ACK of a FIN (close)
  rst,
};

struct FrameEvent {
  Instant at{};
  std::string link;  // WorldLink::name()
  const sim::WorldLink* world_link = nullptr;  // set by scenario::run
  int from_side = 0;
  std::string from;  // sending node
  std::string to;    // receiving node
  Bytes frame;       // valid during the call only
  const Dissection* dissection = nullptr;  // valid during the call only
  TcpRole role = TcpRole::none;
  bool retransmission = false;
  std::string text;  // the narrative line without time and nodes
};

using EventListener = std::function<void(const FrameEvent&)>;

class Narrator {
 public:
  // Describes one frame and updates the per-link TCP state.
  FrameEvent on_frame(const std::string& link, const std::string& from, const std::string& to, Instant at, Bytes frame);
  // A frame the link `link` did not deliver (sim::World's drop tracer): the
  // narrative's line for it (without time and nodes). `sent` is when it was
  // handed to the link, `now` when it was lost (later only for a frame in
  // flight when the link went down). Remembers lost TCP segments, so that
  // their retransmission says where the first copy was lost.
  std::string on_drop(const std::string& link, const std::string& to, Instant sent, Instant now, Bytes frame,
                      sim::FrameFate fate);
  // Counted once per connection (or segment), however many links it crossed.
  std::size_t retransmissions() const { return retransmitted_.size(); }
  std::size_t handshakes() const { return handshakes_.size(); }
  std::size_t closes() const { return fins_.size(); }

 private:
  // One direction of one connection on one link.
  using FlowKey = std::tuple<std::string, IpAddress, std::uint16_t, IpAddress, std::uint16_t>;
  struct FlowState {
    std::optional<std::uint32_t> high;  // highest sequence end carried
    std::optional<std::uint32_t> fin_end;  // seq after our FIN
    bool handshake_done = false;
    bool fin_sent = false;  // this direction's FIN was carried (for the close's steps)
    std::optional<std::uint32_t> last_ack;  // of the last pure ACK, and its window
    std::uint16_t last_win = 0;
    std::uint32_t dups = 0;  // duplicate ACKs in a row
  };
  struct Loss {
    std::uint32_t end = 0;  // sequence range [key's seq, end)
    Instant at{};
    std::string link;
    sim::Drop why = sim::Drop::none;
  };
  std::string describe_tcp(const std::string& link, const Dissection& d, Bytes frame, FrameEvent& ev);
  // IPv6 frames: Neighbor Discovery explained (as ARP is), ICMPv6, UDP, TCP.
  std::string describe_ipv6(const std::string& link, const Dissection& d, Bytes frame, FrameEvent& ev);
  // An FTP control segment (port 21) in words; remembers the data endpoints
  // that PASV/EPSV replies and PORT/EPRT commands name, so that the data
  // connection's SYN is told apart.
  std::string describe_ftp(const IpAddress& src, bool from_server, Bytes payload);

  // The frame being described: FrameEvent::dissection points here until the
  // next frame.
  Dissection current_;
  std::map<FlowKey, FlowState> flows_;
  // Initial sequence number per direction (all links), for relative numbers.
  std::map<std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>, std::uint32_t> isn_;
  using Dir = std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>;
  std::set<std::pair<Dir, std::uint32_t>> retransmitted_;  // (direction, seq), first time seen per link pass
  std::set<Dir> handshakes_;                              // completed: the client's direction
  std::set<Dir> fins_;                                    // directions that sent a FIN
  std::set<IpEndpoint> ftp_data_;                         // data endpoints named on FTP control connections
  std::map<Dir, std::uint8_t> wscale_;                    // window scale each direction's SYN offered
  std::map<std::pair<Dir, std::uint32_t>, Loss> lost_;    // lost TCP segments by direction and sequence number
};

// The application bytes of a TCP or UDP frame (after its headers).
Bytes app_payload(const Dissection& d, Bytes frame);
// A short text for application bytes: an HTTP request or status line, a
// JSON-RPC frame's JSON, or nothing.
std::string describe_app(Bytes payload);

}  // namespace wirestack::scenario
