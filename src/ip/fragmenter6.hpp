// ip/fragmenter6.hpp — cuts an IPv6 packet into fragments at its source
// (RFC 8200 4.5; routers never fragment IPv6).
//
// The packet is split into its Unfragmentable Part (the fixed header,
// Hop-by-Hop, and headers up to the last Routing header:
// ipv6_unfragmentable_len()) and its Fragmentable Part (the rest). Each
// fragment is the Unfragmentable Part, with the Next Header of its last
// header changed to 44, Payload Length fixed, then a Fragment header (the
// original Next Header, offset, M, the given identification), then a slice
// of the Fragmentable Part: a multiple of 8 bytes, as large as fits the MTU,
// except the last.
//
// RFC 7112 5 / RFC 8200 4.5: the first fragment must hold the whole header
// chain, up to and including the upper-layer header (its fixed part: TCP 20,
// UDP 8, ICMPv6 4 bytes); if the MTU does not allow it, `chain_too_long`.
// An MTU that leaves no room for 8 bytes of data after the Unfragmentable
// Part and the Fragment header is `unfragmentable_too_long`. Bytes that are
// not an IPv6 packet, or that already carry a Fragment header, or whose
// chain the walker refuses: `malformed`. MTUs below 1280 are a caller bug
// (RFC 8200 5): it aborts. The identification is the caller's (RFC 7739:
// unpredictable, per destination), never a global here.
//
//   auto frags = fragment6(packet, next_ident(dst), path_mtu);
//   if (!frags) return count(frags.error());
//   for (const auto& f : *frags) device.send(f);
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/error.hpp"
#include "wire/ipv6.hpp"

namespace wirestack::ip {

struct Fragment6Error {
  enum class Kind : std::uint8_t {
    unfragmentable_too_long,  // no room for data after the Unfragmentable Part
    chain_too_long,           // the header chain does not fit the first fragment (RFC 7112)
    malformed,                // not a walkable, unfragmented IPv6 packet
  };
  Kind kind = Kind::malformed;
  WireError wire = WireError::bad_length;  // malformed: why

  friend bool operator==(const Fragment6Error&, const Fragment6Error&) = default;
};

std::ostream& operator<<(std::ostream& os, const Fragment6Error& e);

// The fragments of `packet` (a whole IPv6 packet; link padding after the
// payload is ignored) for `mtu` (>= 1280; above 65575 acts as 65575). A
// packet that fits comes back as one piece, unchanged (no Fragment header:
// RFC 8021 deprecates atomic fragments).
Result<std::vector<ByteVec>, Fragment6Error> fragment6(Bytes packet, std::uint32_t ident, std::size_t mtu);

}  // namespace wirestack::ip
