#include "ip/fragmenter6.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack::ip {

std::ostream& operator<<(std::ostream& os, const Fragment6Error& e) {
  switch (e.kind) {
    case Fragment6Error::Kind::unfragmentable_too_long: return os << "unfragmentable part too long for the MTU";
    case Fragment6Error::Kind::chain_too_long: return os << "header chain does not fit the first fragment";
    case Fragment6Error::Kind::malformed: return os << "malformed packet: " << e.wire;
  }
  return os << "unknown fragmentation error";
}

Result<std::vector<ByteVec>, Fragment6Error> fragment6(Bytes packet, std::uint32_t ident, std::size_t mtu) {
  WIRESTACK_ASSERT(mtu >= kIpv6MinMtu);
  const auto view = Ipv6Packet::checked(packet);
  if (!view) return Unexpected{Fragment6Error{.kind = Fragment6Error::Kind::malformed, .wire = view.error()}};
  const Bytes whole = view->packet();
  if (whole.size() <= mtu) return std::vector<ByteVec>{ByteVec(whole.begin(), whole.end())};

  // Where the upper layer starts (RFC 7112) and that there is no Fragment
  // header already.
  Ipv6ChainLimits lax;
  lax.max_headers = 64;
  lax.max_chain_len = whole.size();
  lax.max_options = whole.size();
  const auto chain = walk_ipv6_chain(*view, lax);
  const auto* deliver = std::get_if<Ipv6Deliver>(&chain);
  if (!deliver || deliver->fragment) {
    return Unexpected{Fragment6Error{.kind = Fragment6Error::Kind::malformed,
                                     .wire = deliver ? WireError::unsupported : WireError::bad_field}};
  }

  // The Unfragmentable Part and the Next Header byte of its last header.
  const std::size_t unfragmentable = ipv6_unfragmentable_len(*view);
  std::size_t next_field = ipv6_field::kNextHeader.begin;
  for (std::size_t off = kIpv6HeaderLen; off < unfragmentable;) {
    next_field = off;
    off += (std::size_t{load_u8(whole, off + 1)} + 1) * 8;
  }
  const IpProtocol original_next{load_u8(whole, next_field)};

  // RFC 8200 4.5: "The lengths of the fragments must be chosen such that
  // the resulting fragment packets fit within the MTU of the path to the
  // packets' destination(s). Each complete fragment, except possibly the last
  // ("rightmost") one, is an integer multiple of 8 octets long."
  const std::size_t room = std::min(mtu, kIpv6HeaderLen + kIpv6MaxPayloadLen) - unfragmentable - kIpv6FragmentHeaderLen;
  const std::size_t per_fragment = mtu > unfragmentable + kIpv6FragmentHeaderLen ? room / 8 * 8 : 0;
  if (per_fragment < 8) return Unexpected{Fragment6Error{.kind = Fragment6Error::Kind::unfragmentable_too_long}};
  const std::size_t chain_end =
      deliver->offset + std::min(ipv6_upper_header_min_len(deliver->protocol), whole.size() - deliver->offset);
  if (chain_end - unfragmentable > per_fragment) {
    return Unexpected{Fragment6Error{.kind = Fragment6Error::Kind::chain_too_long}};
  }

  const Bytes fragmentable = whole.subspan(unfragmentable);
  std::vector<ByteVec> out;
  out.reserve((fragmentable.size() + per_fragment - 1) / per_fragment);
  for (std::size_t begin = 0; begin < fragmentable.size(); begin += per_fragment) {
    const std::size_t len = std::min(per_fragment, fragmentable.size() - begin);
    const bool more = begin + len < fragmentable.size();
    ByteVec& f = out.emplace_back(unfragmentable + kIpv6FragmentHeaderLen + len);
    std::copy_n(whole.begin(), unfragmentable, f.begin());
    store_u8(f, next_field, static_cast<std::uint8_t>(ipv6_next::kFragment));
    Ipv6PacketMut(f).set_payload_len(
        static_cast<std::uint16_t>(unfragmentable - kIpv6HeaderLen + kIpv6FragmentHeaderLen + len));
    Ipv6FragmentHeader{.next_header = original_next,
                       .offset = static_cast<std::uint16_t>(begin),
                       .more_fragments = more,
                       .ident = ident}
        .emit(MutBytes(f).subspan(unfragmentable));
    std::copy_n(fragmentable.begin() + static_cast<std::ptrdiff_t>(begin), len,
                f.begin() + static_cast<std::ptrdiff_t>(unfragmentable + kIpv6FragmentHeaderLen));
  }
  return out;
}

}  // namespace wirestack::ip
