// wire/ndisc.hpp — Neighbor Discovery options (RFC 4861 4.6, RFC 3971 5.3.2)
// and the validity checks every ND message must pass before it may change
// anything (RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1).
//
//   | type | length (in 8-byte units, 0 is invalid) | data ... |
//
// NdOptions::parse() reads the options area of an ND message (the `options`
// of NdRouterSolicit, NdRouterAdvert, NdNeighborSolicit, NdNeighborAdvert,
// NdRedirect). Errors (`bad_option_length`): an option of length 0 (RFC 4861
// 4.6: "Nodes MUST silently discard an ND packet that contains an option with
// length zero"), one that runs past the message, and one whose length is
// wrong for its type (a link-layer address that is not Ethernet's 6 bytes,
// RFC 2464 8; a prefix option not 32 bytes; an MTU option not 8). Unknown
// options are skipped (RFC 4861 4.6: "Receivers MUST silently ignore any
// options they do not recognize and continue processing the message") and
// counted. A second copy of an option that may appear once is ignored, as
// Linux's ndisc_parse_options() does ("duplicated ND6 option found"): the
// first is kept. At most kMaxPrefixes prefix options are kept, the rest
// counted.
//
// check_nd() takes the IPv6 header and the parsed message and returns the
// options, or the reason to drop (all silent, RFC 4861: "silently discard").
//
//   auto msg = Icmpv6Repr::parse(*icmp, ip.src, ip.dst);
//   if (msg && msg->is_nd()) {
//     auto opts = check_nd(ip, *msg);
//     if (!opts) return count(opts.error());
//     if (opts->source_ll) neighbours.learn(ip.src, *opts->source_ll);
//   }
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/error.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/mac_address.hpp"

namespace wirestack {

enum class NdOptionType : std::uint8_t {
  source_ll = 1,          // Source Link-Layer Address
  target_ll = 2,          // Target Link-Layer Address
  prefix_info = 3,        // Prefix Information
  redirected_header = 4,  // Redirected Header
  mtu = 5,                // MTU
  nonce = 14,             // RFC 3971 5.3.2, used by DAD (RFC 7527)
};

// RFC 4861 4.6.2 (32 bytes on the wire).
struct NdPrefixInfo {
  std::uint8_t prefix_len = 0;
  bool on_link = false;          // L
  bool autonomous = false;       // A: usable for SLAAC (RFC 4862)
  std::uint8_t other_flags = 0;  // the low 6 bits (R of RFC 6275, ...), carried raw
  std::uint32_t valid_lifetime = 0;      // seconds; 0xffffffff infinity
  std::uint32_t preferred_lifetime = 0;  // seconds
  Ipv6Address prefix{};

  friend bool operator==(const NdPrefixInfo&, const NdPrefixInfo&) = default;
};

inline constexpr std::uint32_t kNdInfiniteLifetime = 0xffffffff;

struct NdOptions {
  static constexpr std::size_t kMaxPrefixes = 8;

  std::optional<MacAddress> source_ll;
  std::optional<MacAddress> target_ll;
  std::optional<std::uint32_t> mtu;
  // The Redirected Header's data (the quoted packet), borrowed from the
  // parsed buffer. Emitted padded with zeros to a multiple of 8.
  std::optional<Bytes> redirected;
  // The nonce (RFC 3971 5.3.2: 6 bytes or more, length * 8 - 2), borrowed.
  std::optional<Bytes> nonce;
  std::array<NdPrefixInfo, kMaxPrefixes> prefixes{};
  std::size_t prefix_count = 0;
  // Counted on parse only (never emitted).
  std::size_t unknown = 0;           // options of other types, skipped
  std::size_t duplicates = 0;        // second copies ignored
  std::size_t prefixes_ignored = 0;  // beyond kMaxPrefixes

  static WireResult<NdOptions> parse(Bytes options);

  // The options as emit() writes them: source, target, MTU, prefixes,
  // redirected header, nonce. Preconditions of emit: out.size() ==
  // buffer_len(); a nonce of 6 + 8k bytes.
  std::size_t buffer_len() const;
  void emit(MutBytes out) const;

  bool add_prefix(const NdPrefixInfo& p) {
    if (prefix_count == kMaxPrefixes) return false;
    prefixes[prefix_count++] = p;
    return true;
  }

  // Compares what emit() writes (the counters are not part of it).
  friend bool operator==(const NdOptions& a, const NdOptions& b);
};

// Why check_nd() refused an ND message.
enum class NdDrop : std::uint8_t {
  hop_limit,                 // IP hop limit is not 255: it came from off-link
  bad_code,                  // ICMP code is not 0
  bad_options,               // an option of length 0, past the end, or of the wrong length
  source_not_link_local,     // RA or Redirect from a source that is not link-local
  target_multicast,          // NS/NA target (or Redirect destination) is multicast
  unspecified_with_sll,      // RS/NS from :: carrying a source link-layer address option
  unspecified_not_solicited_node,  // NS from :: (DAD) not to a solicited-node address
  solicited_to_multicast,    // NA to a multicast destination with S set
  redirect_bad_target,       // Redirect target neither link-local nor the destination
  not_nd,                    // not an ND message
};

std::string_view to_string(NdDrop d);
std::ostream& operator<<(std::ostream& os, NdDrop d);

// RFC 4861's validity checks for RS (6.1.1), RA (6.1.2), NS (7.1.1), NA
// (7.1.2) and Redirect (8.1), with ICMP length and checksum already checked
// by Icmpv6Repr::parse(). What they leave to the receiver's state (a
// Redirect must come from the current first hop; an NA for a tentative
// address means DAD failed) is left to the caller.
Result<NdOptions, NdDrop> check_nd(const Ipv6Repr& ip, const Icmpv6Repr& msg);

}  // namespace wirestack
