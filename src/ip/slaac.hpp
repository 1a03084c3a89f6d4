// ip/slaac.hpp — IPv6 stateless address autoconfiguration (RFC 4862) with
// stable, semantically opaque interface identifiers (RFC 7217). Sans-IO: no
// clock, no random source, no packet I/O; the secret key and every Instant
// are passed in.
//
// Interface identifiers (64 bits for Ethernet, RFC 2464 4):
//   stable_interface_id()  RFC 7217 5: RID = F(Prefix, Net_Iface, Network_ID,
//                          DAD_Counter, secret_key), F = SipHash-2-4
//                          (libsodium crypto_shorthash, 16-byte key, 64-bit
//                          output: exactly an interface identifier). F's
//                          input, byte by byte:
//                            offset 0  the prefix's first 64 bits
//                                   8  n = length of Net_Iface (<= 255)
//                                   9  Net_Iface (n bytes, e.g. "eth0")
//                                 9+n  m = length of Network_ID (<= 255, 0: none)
//                                10+n  Network_ID (m bytes, e.g. an SSID)
//                              10+n+m  DAD_Counter (1 byte)
//                          The length bytes keep ("ab","c") and ("a","bc")
//                          apart. The identifier is F's 8 output bytes in the
//                          order crypto_shorthash writes them;
//   modified_eui64()       RFC 4291 appendix A, from a MAC (for comparison
//                          and static configuration; RFC 8064 recommends
//                          the stable identifiers instead).
// is_reserved_interface_id() lists RFC 5453's reserved identifiers; a
// stable identifier that falls there is skipped by counting DAD_Counter up,
// as RFC 7217 5 asks.
//
// Slaac holds the addresses formed on one interface: the link-local one
// (fe80::/64, RFC 4862 5.3, infinite lifetimes) and one per autonomous
// prefix of Router Advertisements (RFC 4862 5.5.3):
//   a) the A flag clear: ignored;  b) a link-local prefix: ignored;
//   c) preferred lifetime > valid lifetime: ignored;
//   d) a new prefix with a nonzero valid lifetime forms an address, if the
//      prefix length plus 64 is 128 (else ignored); the address is tentative
//      until DAD (ip/dad.hpp) says otherwise;
//   e) a known prefix resets the preferred lifetime, and the valid lifetime
//      by the "two-hour rule": set when the advertised one is over two hours
//      or over the remaining lifetime; else left alone when the remaining
//      lifetime is two hours or less; else set to two hours (this protects
//      against a forged RA cutting the lifetime short).
// An address whose preferred lifetime ends becomes deprecated (still usable
// for existing connections, RFC 4862 5.5.4); at the end of its valid lifetime
// it is removed. poll(now) reports both.
//
// DAD failure (RFC 7217 6): on_dad_failed() forms the next address with
// DAD_Counter + 1, up to IDGEN_RETRIES (3) retries; after that it gives up
// (the caller logs it, RFC 7217 6 "SHOULD log a system management error").
// Before the next DAD run, RFC 7217 6 asks for a random delay of up to
// IDGEN_DELAY (1 s), which the caller draws and passes to Dad::start().
//
//   ip::Slaac slaac({.secret = key, .net_iface = "eth0"});
//   Ipv6Address ll = slaac.start_link_local(now);  // then dad.start(ll, delay, nonce, now)
//   for (const NdPrefixInfo& p : prefixes(ra_options)) {
//     auto r = slaac.on_prefix(p, now);
//     if (r.tentative) dad.start(*r.tentative, delay, nonce, now);
//   }
//   // Dad::poll() success:  slaac.on_dad_succeeded(addr)
//   // Dad duplicate:        if (auto next = slaac.on_dad_failed(addr, now)) dad.start(*next, ...)
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/ipv6_address.hpp"
#include "wire/mac_address.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::ip {

// The low 64 bits of an address, as an integer (group 4 in the top bits).
using Ipv6InterfaceId = std::uint64_t;

inline constexpr std::uint32_t kIdgenRetries = 3;                  // RFC 7217 7
inline constexpr Duration kIdgenDelay = std::chrono::seconds{1};   // RFC 7217 7
inline constexpr Duration kTwoHours = std::chrono::hours{2};       // RFC 4862 5.5.3 e)

// The first 64 bits of `prefix` followed by `iid`.
Ipv6Address with_interface_id(const Ipv6Address& prefix, Ipv6InterfaceId iid);
Ipv6InterfaceId interface_id_of(const Ipv6Address& a);
// fe80::/64 + iid (RFC 4862 5.3).
Ipv6Address link_local_address(Ipv6InterfaceId iid);
// RFC 4291 appendix A: 02:00:5e:00:53:01 -> 0000:5eff:fe00:5301 (the U/L bit inverted).
Ipv6InterfaceId modified_eui64(MacAddress mac);
// RFC 5453 / IANA "Reserved IPv6 Interface Identifiers": 0 (subnet-router
// anycast), 0200:5eff:fe00:0000-0200:5eff:feff:ffff, fdff:ffff:ffff:ff80-ffff
// (subnet anycast, RFC 2526).
bool is_reserved_interface_id(Ipv6InterfaceId iid);

using StableIdSecret = std::array<std::uint8_t, 16>;  // crypto_shorthash_KEYBYTES

// SipHash-2-4 of `message` (libsodium crypto_shorthash), the 8 output bytes
// read big-endian.
std::uint64_t siphash24_be(const StableIdSecret& key, Bytes message);

struct StableIdParams {
  StableIdSecret secret{};   // RFC 7217 5: at least 128 bits, drawn once per host and kept
  std::string net_iface;     // a stable name of the interface ("eth0"); up to 255 bytes used
  ByteVec network_id;        // optional (e.g. an SSID); up to 255 bytes used
};

// RFC 7217 5, F() as described at the top of this file.
Ipv6InterfaceId stable_interface_id(const StableIdParams& params, const Ipv6Address& prefix, std::uint8_t dad_counter);

struct StableAddress {
  Ipv6Address address;
  std::uint8_t dad_counter = 0;  // the counter used (>= the one asked, reserved identifiers skipped)
  friend bool operator==(const StableAddress&, const StableAddress&) = default;
};
// The stable address for `prefix` from DAD_Counter `dad_counter` on,
// skipping reserved identifiers; nullopt once the counter passes IDGEN_RETRIES.
std::optional<StableAddress> stable_address(const StableIdParams& params, const Ipv6Address& prefix,
                                            std::uint8_t dad_counter);

// Seconds from an ND lifetime field to a deadline; 0xffffffff is infinity
// (Instant::max()). RFC 4861 4.6.2.
Instant lifetime_deadline(Instant now, std::uint32_t seconds);

struct SlaacConfig {
  StableIdParams id;
  std::size_t max_addresses = 16;  // autoconfigured addresses per interface, link-local included
};

// Why on_prefix() did what it did (RFC 4862 5.5.3 a-e).
enum class PrefixVerdict : std::uint8_t {
  created,                  // d) a new tentative address
  updated,                  // e) lifetimes of the known address updated
  not_autonomous,           // a)
  link_local_prefix,        // b)
  preferred_over_valid,     // c)
  zero_valid_lifetime,      // d) a new prefix with valid lifetime 0
  bad_prefix_length,        // d) prefix length + 64 != 128
  no_address,               // d) every DAD_Counter gives a reserved identifier, or the table is full
};
std::ostream& operator<<(std::ostream& os, PrefixVerdict v);

struct [[nodiscard]] PrefixResult {
  PrefixVerdict verdict = PrefixVerdict::not_autonomous;
  std::optional<Ipv6Address> tentative;  // created: run DAD on it
};

struct SlaacAddressInfo {
  Ipv6Address address;
  std::uint8_t prefix_len = 64;
  std::uint8_t dad_counter = 0;
  bool tentative = true;
  bool deprecated = false;    // the preferred lifetime has passed
  Instant preferred_until{};  // Instant::max(): infinite
  Instant valid_until{};
  friend bool operator==(const SlaacAddressInfo&, const SlaacAddressInfo&) = default;
};
// "2001:db8::1234:5678:9abc:def0/64 tentative dad 0"
std::ostream& operator<<(std::ostream& os, const SlaacAddressInfo& a);

struct [[nodiscard]] SlaacPollResult {
  std::vector<Ipv6Address> deprecated;  // preferred lifetime ended at or before now
  std::vector<Ipv6Address> removed;     // valid lifetime ended: remove from the interface
};

class Slaac {
 public:
  explicit Slaac(SlaacConfig config);

  // Forms the tentative link-local address (RFC 4862 5.3, RFC 7217 with
  // prefix fe80::/64). Calling it again returns the current one.
  std::optional<Ipv6Address> start_link_local(Instant now);

  PrefixResult on_prefix(const NdPrefixInfo& p, Instant now);

  // DAD found `addr` unique: it may be assigned (RFC 4862 5.4.5).
  // False if `addr` is not a tentative address of ours.
  bool on_dad_succeeded(const Ipv6Address& addr);
  // DAD found `addr` duplicate: it is dropped, and the next address for its
  // prefix (DAD_Counter + 1) is returned, tentative, or nullopt when
  // IDGEN_RETRIES retries are used up (RFC 7217 6).
  std::optional<Ipv6Address> on_dad_failed(const Ipv6Address& addr);

  SlaacPollResult poll(Instant now);
  std::optional<Instant> poll_at() const;

  // Addresses usable as a source at `now`: not tentative, not deprecated.
  bool is_preferred(const Ipv6Address& addr, Instant now) const;
  std::vector<SlaacAddressInfo> addresses(Instant now) const;
  std::size_t size() const { return addrs_.size(); }
  std::uint64_t idgen_failures() const { return idgen_failures_; }

 private:
  struct Entry {
    SlaacAddressInfo info;
    Ipv6Address prefix;  // network part (64 bits)
    bool deprecation_reported = false;
  };
  std::vector<Entry>::iterator find(const Ipv6Address& addr);
  std::optional<Ipv6Address> form(const Ipv6Address& prefix, std::uint8_t counter, Instant preferred_until,
                                  Instant valid_until);

  SlaacConfig config_;
  std::vector<Entry> addrs_;  // in formation order
  std::uint64_t idgen_failures_ = 0;
};

}  // namespace wirestack::ip
