// udp/udp_socket.hpp — the UDP sockets of one host (RFC 768, RFC 1122 4.1),
// as a sans-IO table the interface drives.
//
// Sockets live in a SocketTable and are named by a SocketHandle (slot index +
// generation: a handle of a closed socket is refused, never aliased to a new
// one). The table never sends or receives a packet itself:
//   * the application calls bind / connect / send_to / send / recv_from /
//     take_error / close;
//   * the interface drains datagrams the application queued (take_tx()),
//     hands received ones to deliver(), and reports ICMP errors with
//     on_icmp_error() (RFC 1122 4.1.3.3: "UDP MUST pass to the application
//     layer all ICMP error messages that it receives from the IP layer").
//
// Semantics follow Linux:
//   * bind: a port is taken for an address when another socket holds the same
//     port on the same address, or either of them is bound to its family's
//     unspecified address (0.0.0.0, ::), no SO_REUSEADDR. The two families
//     are separate port spaces (Linux's IPV6_V6ONLY). Port 0 picks an ephemeral port; ports below 1024 need
//     `allow_privileged_ports`.
//   * Ephemeral ports come from [ephemeral_first, ephemeral_last] with RFC 6056
//     algorithm 3 ("Simple Hash-Based Port Selection"): the search starts at
//     offset F(local, remote, secret key) + a counter, so ports are neither
//     sequential nor guessable across destinations; the key is drawn once from
//     the seeded Rng given to the table (reproducible runs).
//   * send_to / send on an unbound socket binds it to the unspecified address
//     of the destination's family and an ephemeral port first (Linux's autobind).
//   * connect fixes the peer: send() goes there and only datagrams from it are
//     received. A connected socket gets ICMP errors as a pending error
//     (port unreachable -> connection_refused, as Linux's ECONNREFUSED), which
//     the next send/send_to or take_error() (SO_ERROR) returns once.
//     recv_from only ever returns datagrams (unlike recvfrom(2), which
//     returns the error first): a poll loop draining the receive queue cannot
//     swallow the error that way. Unlike Linux without
//     IP_RECVERR, which reports only "hard" errors (port/protocol
//     unreachable), every ICMP error reaches a connected socket. An
//     unconnected socket ignores remote errors. Local failures the interface
//     reports (no route, ARP failure) set it on any socket.
//   * The receive queue holds at most `recv_queue_datagrams` datagrams and
//     `recv_queue_bytes` payload bytes (Linux SO_RCVBUF); a datagram over the
//     bound is dropped and counted (`rcvbuf_drops`, Linux RcvbufErrors).
//
// Unicast delivery picks one socket: a connected socket whose peer matches
// beats one bound to the exact local address, which beats one bound to
// 0.0.0.0 (Linux's compute_score). A broadcast goes to every socket that
// matches (Linux __udp4_lib_mcast_deliver), each getting its own copy.
//
//   udp::SocketTable udp(rng);
//   auto s = udp.open();
//   if (auto r = udp.bind(s, {IpAddress::any(IpFamily::v4), 7}); !r) print(r.error().message);
//   udp.send_to(s, {*IpAddress::parse("10.0.0.2"), 9}, as_bytes("hi"));
//   while (auto d = udp.recv_from(s)) use(d->from, d->payload);
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "transport/error.hpp"
#include "transport/handle.hpp"
#include "transport/port_allocator.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::udp {

using SocketHandle = transport::Handle<transport::UdpTag>;
using transport::Errc;
using Error = transport::SocketError;
using transport::to_string;

// The largest payload one datagram carries: IPv4 65535 - 20 - 8 = 65507
// (the total length counts the header); IPv6 65535 - 8 = 65527 (the payload
// length does not; no jumbograms, RFC 2675).
constexpr std::size_t max_udp_payload(IpFamily f) { return f == IpFamily::v4 ? 65507 : 65527; }

struct SocketTableConfig {
  transport::PortRange ephemeral{};       // RFC 6056 ports for autobind and bind(port 0)
  bool allow_privileged_ports = false;    // bind to 1..1023
  std::size_t recv_queue_datagrams = 64;
  std::size_t recv_queue_bytes = 256 * 1024;
  std::size_t send_queue_datagrams = 64;  // before the interface drains them
};

// A received datagram.
struct Datagram {
  IpEndpoint from;
  IpEndpoint to;  // the local address and port it was sent to (broadcast included)
  ByteVec payload;
  Instant at{};
  std::uint8_t ttl = 0;
  friend bool operator==(const Datagram&, const Datagram&) = default;
};

// A datagram the application queued, for the interface to send.
struct Outgoing {
  SocketHandle socket;
  IpEndpoint src;  // src.addr 0.0.0.0: the interface picks the egress address
  IpEndpoint dst;
  ByteVec payload;
  std::optional<std::uint8_t> ttl;  // per socket (IP_TTL); nullopt: the host default
  bool dont_fragment = false;       // per socket (IP_PMTUDISC_DO)
};

struct UdpSocketCounters {
  std::uint64_t datagrams_in = 0;   // queued for an application
  std::uint64_t datagrams_out = 0;  // handed to the interface by take_tx()
  std::uint64_t rcvbuf_drops = 0;   // receive queue full
  std::uint64_t errors_reported = 0;
  friend bool operator==(const UdpSocketCounters&, const UdpSocketCounters&) = default;
};

enum class DeliverStatus : std::uint8_t {
  delivered,   // queued on a socket
  queue_full,  // a socket matched but its queue is full: dropped, counted
  no_socket,   // nobody listens: the caller owes ICMP port unreachable
};

class SocketTable {
 public:
  // Draws the RFC 6056 secret key from `rng` (once).
  explicit SocketTable(Rng& rng, SocketTableConfig config = {});

  const SocketTableConfig& config() const { return config_; }
  const UdpSocketCounters& counters() const { return counters_; }
  std::size_t open_count() const { return open_; }

  // A new, unbound socket.
  SocketHandle open();
  // Releases the socket, its port and its queues. Returns false for a stale handle.
  bool close(SocketHandle h);
  // Closes every socket at once (a host that crashed): their handles go
  // stale, their queued datagrams are dropped unsent.
  void close_all();
  bool is_open(SocketHandle h) const { return find(h) != nullptr; }

  // local.port 0: an ephemeral port. Returns the endpoint bound.
  Result<IpEndpoint, Error> bind(SocketHandle h, IpEndpoint local);
  // Sets the peer (binding first if needed). remote must be unicast with a port.
  Result<void, Error> connect(SocketHandle h, IpEndpoint remote);
  // Queues a datagram (binding first if needed). Returns a pending error first.
  Result<void, Error> send_to(SocketHandle h, IpEndpoint dst, Bytes payload);
  // To the connected peer.
  Result<void, Error> send(SocketHandle h, Bytes payload);
  // The oldest received datagram; would_block when none. Leaves a pending error alone.
  Result<Datagram, Error> recv_from(SocketHandle h);
  // The pending error, cleared (SO_ERROR). nullopt when none or stale handle.
  std::optional<Errc> take_error(SocketHandle h);
  // Per-socket IP options.
  Result<void, Error> set_ttl(SocketHandle h, std::uint8_t ttl);
  Result<void, Error> set_dont_fragment(SocketHandle h, bool on);

  std::optional<IpEndpoint> local_endpoint(SocketHandle h) const;
  std::optional<IpEndpoint> remote_endpoint(SocketHandle h) const;
  std::size_t recv_queue_len(SocketHandle h) const;

  // ---- The interface's side ----
  bool has_tx() const { return tx_count_ > 0; }
  // Every queued outgoing datagram, socket order then queue order.
  std::vector<Outgoing> take_tx();
  // A received datagram from `from` to `to` (to.addr: the IP destination).
  // `broadcast`: to.addr is a broadcast address, deliver to every match.
  DeliverStatus deliver(IpEndpoint from, IpEndpoint to, Bytes payload, std::uint8_t ttl, Instant now,
                        bool broadcast = false);
  // An ICMP error about a datagram we sent from `local` to `remote`.
  // `remote_error` false: a failure inside this host (sets the error on any
  // socket); true: an ICMP message from the network (connected sockets only).
  // Returns true if a socket took it.
  bool on_icmp_error(IpEndpoint local, IpEndpoint remote, Errc error, bool remote_error);
  // A local failure for one socket's datagram (no route, message too long).
  void report_error(SocketHandle h, Errc error);

 private:
  struct Socket {
    // User-provided, so clang sees it as default-constructible inside
    // SocketTable (the member initializers below are not parsed yet there).
    Socket() {}  // NOLINT(modernize-use-equals-default)
    std::optional<IpEndpoint> local;
    std::optional<IpEndpoint> remote;
    std::deque<Datagram> rx;
    std::size_t rx_bytes = 0;
    std::deque<Outgoing> tx;
    std::optional<Errc> error;
    std::optional<std::uint8_t> ttl;
    bool dont_fragment = false;
  };
  struct Slot {
    std::uint32_t generation = 0;
    std::optional<Socket> socket;
  };

  Socket* find(SocketHandle h);
  const Socket* find(SocketHandle h) const;
  bool port_taken(const IpEndpoint& local) const;
  Result<IpEndpoint, Error> bind_ephemeral(SocketHandle h, Socket& s, const IpAddress& local, const IpEndpoint& remote);
  Result<void, Error> ensure_bound(SocketHandle h, Socket& s, IpEndpoint remote);
  // The socket a datagram or error for (local, remote) belongs to.
  std::optional<std::uint32_t> match(IpEndpoint local, IpEndpoint remote) const;
  // -1: no match; otherwise the match's score (higher is more specific).
  int score(const Socket& s, IpEndpoint local, IpEndpoint remote) const;
  DeliverStatus enqueue(Socket& s, IpEndpoint from, IpEndpoint to, Bytes payload, std::uint8_t ttl, Instant now);

  SocketTableConfig config_;
  transport::PortAllocator ports_;
  std::vector<Slot> slots_;
  std::set<std::uint32_t> free_;                  // closed slots, reused lowest-first
  std::multimap<std::uint16_t, std::uint32_t> by_port_;  // bound port -> slot
  std::size_t open_ = 0;
  std::size_t tx_count_ = 0;
  UdpSocketCounters counters_;
};

}  // namespace wirestack::udp
