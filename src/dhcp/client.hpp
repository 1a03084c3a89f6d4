// dhcp/client.hpp — a DHCP client as a sans-IO state machine (RFC 2131 4.4).
//
//   INIT --DISCOVER--> SELECTING --first OFFER, REQUEST--> REQUESTING --ACK--> BOUND
//   BOUND --T1: REQUEST unicast to the server--> RENEWING --ACK--> BOUND
//   RENEWING --T2: REQUEST broadcast--> REBINDING --ACK--> BOUND
//   REBINDING --lease ends--> INIT (the address is lost);  NAK anywhere --> INIT
//   INIT-REBOOT (an address remembered) --REQUEST--> REBOOTING --ACK--> BOUND, NAK or silence --> INIT
//
// The owner passes the time in, sends what poll_transmit() returns (from
// `source` to `to`, UDP 68 -> 67), feeds back what arrives on port 68,
// wakes it at poll_at(), and applies the events (configure the address,
// remove it). Retransmissions follow 4.1: 4 s doubled up to 64 s, each
// moved by up to +-1 s from the Rng; in RENEWING and REBINDING, half the
// time left until T2 or the lease's end, at least 60 s (4.4.5).
//
//   dhcp::Client c({.mac = mac}, rng, now);
//   while (auto t = c.poll_transmit(now)) send(t->source, t->to, t->message.emit());
//   ... c.on_message(*dhcp::Message::parse(datagram), now);
//   for (auto& e : c.take_events()) apply(e);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/rng.hpp"
#include "base/time.hpp"
#include "dhcp/message.hpp"

namespace wirestack::dhcp {

enum class ClientState : std::uint8_t {
  init,
  selecting,
  requesting,
  init_reboot,
  rebooting,
  bound,
  renewing,
  rebinding,
};
std::string_view to_string(ClientState s);  // "INIT", "SELECTING", ...

struct ClientConfig {
  MacAddress mac;
  // INIT waits a random time below this before its first DISCOVER (4.4.1
  // suggests 1 to 10 s; a simulated LAN needs less).
  Duration start_delay = std::chrono::seconds{1};
  Duration first_timeout = std::chrono::seconds{4};
  Duration max_timeout = std::chrono::seconds{64};
  int request_attempts = 4;   // REQUESTs in REQUESTING or REBOOTING before INIT again
  // Set the B flag until BOUND (4.1): "I cannot receive unicast before I
  // have an address", so servers broadcast OFFER and ACK.
  bool broadcast_replies = true;
  std::optional<Ipv4Address> previous;  // start in INIT-REBOOT asking for it
};

struct Lease {
  Ipv4Prefix address;  // the address with the subnet mask's length (/32 without option 1)
  Ipv4Address server;
  std::vector<Ipv4Address> routers;
  std::vector<Ipv4Address> dns_servers;
  Duration lease{};
  Duration t1{};
  Duration t2{};
  Instant obtained{};  // when the REQUEST that got it was sent (times count from there)
  friend bool operator==(const Lease&, const Lease&) = default;
};

struct ClientEvent {
  enum class Kind : std::uint8_t {
    bound,    // a new address: configure it
    renewed,  // the same address, new times
    lost,     // the address must no longer be used (lease over, NAK, release, decline)
  };
  Kind kind;
  Lease lease;
};

class Client {
 public:
  struct Transmit {
    Message message;
    Ipv4Address source;  // 0.0.0.0 until BOUND
    Ipv4Address to;      // 255.255.255.255, or the server when renewing
  };

  Client(ClientConfig config, Rng& rng, Instant now);

  std::optional<Transmit> poll_transmit(Instant now);
  std::optional<Instant> poll_at() const;
  // A message that arrived on port 68 (already parsed). Replies to others
  // (xid, chaddr) are ignored and counted.
  void on_message(const Message& in, Instant now);

  // The address was found in use (an ARP probe was answered): DECLINE it and
  // start over (4.4.1). RELEASE: give the lease back and stop.
  void decline(Instant now);
  void release(Instant now);

  ClientState state() const { return state_; }
  const MacAddress& mac() const { return config_.mac; }
  const std::optional<Lease>& lease() const { return lease_; }
  std::vector<ClientEvent> take_events() { return std::exchange(events_, {}); }
  std::uint64_t ignored() const { return ignored_; }
  std::uint64_t sent() const { return sent_; }

 private:
  void enter_init(Instant now, Duration delay);
  void schedule_retry(Instant now);
  Message request_base(MessageType type, Instant now) const;
  void take_ack(const Message& in, Instant now);
  void lose(Instant now, Duration restart_delay);
  Duration jitter(Duration d);

  ClientConfig config_;
  Rng& rng_;
  ClientState state_ = ClientState::init;
  std::uint32_t xid_ = 0;
  Instant exchange_start_{};  // for the secs field
  Instant next_send_{};
  bool stopped_ = false;
  int tries_ = 0;
  Duration timeout_{};
  std::optional<Message> offer_;  // the OFFER being requested
  Instant request_sent_{};
  std::optional<Lease> lease_;
  std::vector<ClientEvent> events_;
  std::optional<Transmit> pending_;  // DECLINE or RELEASE to send once
  std::uint64_t ignored_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace wirestack::dhcp
