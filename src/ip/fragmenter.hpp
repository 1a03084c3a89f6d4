// ip/fragmenter.hpp — cuts an IPv4 datagram into fragments that fit a link
// MTU (RFC 791 3.2 "Fragmentation", RFC 1812 5.2.6 / 4.2.2.7, RFC 1191).
//
// What the fragments look like (RFC 791 3.2, "An Example Fragmentation
// Procedure"):
//  * every fragment is at most `mtu` bytes, header included;
//  * every fragment but the last carries a multiple of 8 payload bytes, as
//    large as fits; the last carries the rest;
//  * offsets count from the start of the *original* datagram: fragmenting a
//    fragment (a router on a smaller link) adds its offset, and the last piece
//    keeps MF if the input had it;
//  * the first fragment keeps every option; the others keep only the options
//    whose copied flag (bit 0x80 of the type) is set, so their header may be
//    shorter. NOP and End of Option List are not copied (RFC 791 gives them
//    copied = 0); the copied options are re-padded with zeros. (Linux's
//    ip_options_fragment() overwrites the uncopied ones with NOPs instead and
//    keeps the header length; both are valid.)
//  * ident, TOS, TTL, protocol, addresses and DF are preserved; every header
//    checksum is recomputed (per ChecksumMode).
// A datagram that already fits is returned unchanged as one piece.
//
// Errors: DF set and too big is `fragmentation_needed`, carrying the MTU for
// the ICMP "fragmentation needed" message (type 3 code 4) with its next-hop
// MTU field (RFC 1191 4). A fragment whose data would end past byte 65535 of
// its datagram cannot be cut (its offsets do not fit 13 bits): `too_long`.
// Raw bytes that do not parse: `malformed`. An MTU below 68 is a caller bug
// (RFC 791: "Every internet module must be able to forward a datagram of 68
// octets without further fragmentation"): it aborts.
//
// Allocation: FragmentPlan allocates nothing; emit() writes fragment i into
// storage the caller provides (e.g. straight after an Ethernet header in a
// device's TX buffer). fragment() / fragment_datagram() are the convenient
// form: one vector plus one ByteVec per fragment.
//
//   auto plan = FragmentPlan::make(repr, link_mtu);
//   if (!plan) return send_frag_needed(plan.error().mtu);   // kind fragmentation_needed
//   for (std::size_t i = 0; i < plan->count(); ++i) {
//     MutBytes tx = device.tx_buffer(plan->at(i).header.total_len());
//     plan->emit(i, payload, tx);
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/error.hpp"
#include "wire/ipv4.hpp"

namespace wirestack::ip {

// RFC 791: the smallest MTU an IPv4 link may have.
inline constexpr std::size_t kMinIpv4Mtu = 68;

struct FragmentError {
  enum class Kind : std::uint8_t {
    fragmentation_needed,  // DF is set and the datagram is larger than the MTU
    too_long,              // fragment offset + payload > 65535: no valid datagram has it
    malformed,             // fragment_datagram(): the bytes are not an IPv4 datagram
  };
  Kind kind = Kind::fragmentation_needed;
  // fragmentation_needed: the MTU to report as next-hop MTU (RFC 1191), the
  // link MTU given, at most 65535.
  std::uint16_t mtu = 0;
  // malformed: why the datagram did not parse.
  WireError wire = WireError::bad_length;

  friend bool operator==(const FragmentError&, const FragmentError&) = default;
};

std::ostream& operator<<(std::ostream& os, const FragmentError& e);

// The options a non-first fragment carries: those with the copied flag set,
// in order (RFC 791 3.1: "The copied flag indicates that this option is
// copied into all fragments on fragmentation"). Stops at End of Option List
// or at a malformed length.
Ipv4Options copied_options(const Ipv4Options& options);

// One fragment: its header, ready to emit, and where its payload comes from.
struct FragmentSpec {
  Ipv4Repr header;            // frag_offset, more_fragments, options, payload_len set
  std::size_t payload_begin;  // first byte of its payload inside the input's payload

  std::size_t total_len() const { return header.total_len(); }
};

// How one datagram is cut for one MTU: arithmetic only, no allocation.
class FragmentPlan {
 public:
  // `datagram` describes the input (its payload_len is the payload's size;
  // it may itself be a fragment). Precondition: mtu >= kMinIpv4Mtu. MTUs
  // above 65535 act as 65535.
  static Result<FragmentPlan, FragmentError> make(const Ipv4Repr& datagram, std::size_t mtu);

  // 1 when the datagram fits (then at(0) is the input unchanged).
  std::size_t count() const { return count_; }
  // Precondition: i < count().
  FragmentSpec at(std::size_t i) const;
  // Writes fragment i, header (checksum per mode) then its slice of
  // `payload`. Preconditions: i < count(); payload.size() ==
  // datagram.payload_len; out.size() == at(i).total_len().
  void emit(std::size_t i, Bytes payload, MutBytes out, ChecksumMode mode = {}) const;

 private:
  FragmentPlan() = default;

  Ipv4Repr original_{};
  Ipv4Options rest_options_{};  // options of fragments 1..n-1
  std::size_t first_max_ = 0;   // payload bytes in fragment 0 (a multiple of 8)
  std::size_t rest_max_ = 0;    // payload bytes in each later fragment but the last
  std::size_t count_ = 1;
};

// The fragments of `datagram` (header) + `payload`, each a whole IPv4
// datagram in its own ByteVec. Precondition: payload.size() ==
// datagram.payload_len, mtu >= kMinIpv4Mtu.
Result<std::vector<ByteVec>, FragmentError> fragment(const Ipv4Repr& datagram, Bytes payload, std::size_t mtu,
                                                     ChecksumMode mode = {});

// The same for a datagram as bytes: checked, parsed (with mode.verify_rx),
// then cut. Bytes after the total length (link padding) are ignored.
Result<std::vector<ByteVec>, FragmentError> fragment_datagram(Bytes datagram, std::size_t mtu, ChecksumMode mode = {});

}  // namespace wirestack::ip
