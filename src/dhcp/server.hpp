// dhcp/server.hpp — a DHCP server's address pool and its answers (RFC 2131 4.3).
//
// Sans-IO: on_message(message, now) returns the reply to send, if any, and
// where to send it; the caller owns the UDP socket. Time is passed in, and
// leases expire lazily: a lease whose time has passed is free the next time
// an address is chosen. Clients are known by their hardware address.
//
//  * DISCOVER: the client's current or last address if it is still free,
//    else the address it asks for if free, else an address never leased, else
//    the one whose lease ended longest ago; OFFER it and hold it for
//    `offer_hold`. A full pool stays silent (counted).
//  * REQUEST in SELECTING (server id set): ours and matching our offer: ACK
//    and bind; another server's id: the client chose it, our offer is freed.
//  * REQUEST in INIT-REBOOT (requested IP, no server id, no ciaddr): ACK if
//    the address is this client's; NAK if it is on another network or
//    leased to another client; silent if we know nothing of it (4.3.2).
//  * REQUEST in RENEWING or REBINDING (ciaddr, no requested IP): ACK
//    extending the client's lease, NAK if the address is not its.
//  * DECLINE: the address is in use by someone else: set aside for
//    `decline_hold`. RELEASE: the lease ends now (the address is remembered
//    for the client, so it gets the same one back if still free).
//  * INFORM: ACK with the options only (no address, no lease).
//
// Replies go (4.1): to the relay (giaddr) when there is one; to ciaddr when
// the client has an address; NAKs by broadcast; otherwise by broadcast when
// the client set the B flag, and to yiaddr at chaddr (no ARP: the client
// cannot answer one yet) when it did not.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "dhcp/message.hpp"

namespace wirestack::dhcp {

struct ServerConfig {
  Ipv4Prefix server;          // our address on the served network, with its prefix (10.0.1.1/24)
  Ipv4Address pool_first;     // the addresses handed out, inclusive
  Ipv4Address pool_last;
  std::vector<Ipv4Address> routers;      // option 3
  std::vector<Ipv4Address> dns_servers;  // option 6
  Duration lease = std::chrono::hours{1};
  Duration offer_hold = std::chrono::seconds{30};
  Duration decline_hold = std::chrono::minutes{10};
};

// Checks a configuration: the pool inside the server's network, first <= last,
// at most 65,536 addresses, the server's own address outside it, lease >= 1 s.
Result<void, std::string> validate(const ServerConfig& config);

struct ServerStats {
  std::uint64_t discovers = 0, offers = 0, requests = 0, acks = 0, naks = 0;
  std::uint64_t releases = 0, declines = 0, informs = 0;
  std::uint64_t pool_exhausted = 0;  // DISCOVERs left unanswered: no free address
  std::uint64_t ignored = 0;         // replies, other servers' business, unknown INIT-REBOOTs
};

class Server {
 public:
  struct Reply {
    Message message;
    Ipv4Address to;              // destination IP address
    std::uint16_t port;          // 68, or 67 for a relay
    bool to_chaddr = false;      // unicast to yiaddr at message.chaddr without ARP
    // For a sender that cannot unicast without ARP (no raw socket): the
    // limited broadcast in place of yiaddr-at-chaddr, else `to`.
    Ipv4Address to_without_raw_socket() const { return to_chaddr ? Ipv4Address::broadcast() : to; }
  };

  // Precondition: validate(config) succeeded.
  explicit Server(ServerConfig config);

  std::optional<Reply> on_message(const Message& in, Instant now);

  enum class SlotState : std::uint8_t { free, offered, bound, declined };
  struct Binding {
    Ipv4Address address;
    SlotState state;
    MacAddress client;  // the last client that held or was offered it
    Instant until;      // when the offer, lease or decline hold ends
  };
  // Offered, bound and declined addresses whose time has not passed.
  std::vector<Binding> bindings(Instant now) const;
  const ServerStats& stats() const { return stats_; }
  const ServerConfig& config() const { return config_; }

 private:
  struct Slot {
    SlotState state = SlotState::free;
    bool used = false;  // ever offered or leased
    MacAddress client;
    Instant until{};
  };
  Slot* slot(Ipv4Address a);
  Ipv4Address address_of(const Slot& s) const;
  SlotState live_state(const Slot& s, Instant now) const;
  Slot* slot_of_client(const MacAddress& mac, Instant now);
  bool free_for(const Slot& s, const MacAddress& mac, Instant now) const;
  Slot* choose(const Message& in, Instant now);

  std::optional<Reply> discover(const Message& in, Instant now);
  std::optional<Reply> request(const Message& in, Instant now);
  Reply answer(const Message& in, MessageType type, Ipv4Address yiaddr) const;
  Reply nak(const Message& in, std::string why);
  Reply ack(const Message& in, Slot& s, Instant now);

  ServerConfig config_;
  std::vector<Slot> slots_;
  ServerStats stats_;
};

}  // namespace wirestack::dhcp
