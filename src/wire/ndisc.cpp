#include "wire/ndisc.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace wirestack {

namespace {

constexpr std::size_t kPrefixOptionLen = 32;
constexpr std::uint8_t kPrefixOnLink = 0x80;
constexpr std::uint8_t kPrefixAutonomous = 0x40;
constexpr std::size_t kRedirectedDataAt = 8;  // type, length, 6 reserved bytes

bool same_bytes(const std::optional<Bytes>& a, const std::optional<Bytes>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::ranges::equal(*a, *b);
}

std::size_t padded8(std::size_t n) { return (n + 7) / 8 * 8; }

void put_ll(MutBytes out, std::size_t& at, NdOptionType type, const MacAddress& mac) {
  store_u8(out, at, static_cast<std::uint8_t>(type));
  store_u8(out, at + 1, 1);
  mac.write(out.subspan(at + 2));
  at += 8;
}

}  // namespace

bool operator==(const NdOptions& a, const NdOptions& b) {
  return a.source_ll == b.source_ll && a.target_ll == b.target_ll && a.mtu == b.mtu &&
         same_bytes(a.redirected, b.redirected) && same_bytes(a.nonce, b.nonce) && a.prefix_count == b.prefix_count &&
         std::equal(a.prefixes.begin(), a.prefixes.begin() + static_cast<std::ptrdiff_t>(a.prefix_count),
                    b.prefixes.begin());
}

WireResult<NdOptions> NdOptions::parse(Bytes options) {
  NdOptions out;
  std::size_t i = 0;
  while (i < options.size()) {
    if (options.size() - i < 2) return Unexpected{WireError::bad_option_length};
    const std::uint8_t type = load_u8(options, i);
    const std::size_t len = std::size_t{load_u8(options, i + 1)} * 8;
    // RFC 4861 4.6: "The value 0 is invalid. Nodes MUST silently discard an
    // ND packet that contains an option with length zero."
    if (len == 0 || len > options.size() - i) return Unexpected{WireError::bad_option_length};
    const Bytes opt = options.subspan(i, len);
    switch (NdOptionType{type}) {
      case NdOptionType::source_ll:
      case NdOptionType::target_ll: {
        // RFC 2464 8: on Ethernet the option is 8 bytes, the address 6.
        if (len != 8) return Unexpected{WireError::bad_option_length};
        auto& slot = type == 1 ? out.source_ll : out.target_ll;
        if (slot) {
          ++out.duplicates;
        } else {
          slot = MacAddress::from_bytes(opt.subspan(2));
        }
        break;
      }
      case NdOptionType::prefix_info: {
        // RFC 4861 4.6.2: "Length 4".
        if (len != kPrefixOptionLen) return Unexpected{WireError::bad_option_length};
        const std::uint8_t flags = load_u8(opt, 3);
        const NdPrefixInfo p{.prefix_len = load_u8(opt, 2),
                             .on_link = (flags & kPrefixOnLink) != 0,
                             .autonomous = (flags & kPrefixAutonomous) != 0,
                             .other_flags = static_cast<std::uint8_t>(flags & 0x3f),
                             .valid_lifetime = load_be32(opt, 4),
                             .preferred_lifetime = load_be32(opt, 8),
                             .prefix = Ipv6Address::from_bytes(opt.subspan(16))};
        if (!out.add_prefix(p)) ++out.prefixes_ignored;
        break;
      }
      case NdOptionType::mtu:
        // RFC 4861 4.6.4: "Length 1".
        if (len != 8) return Unexpected{WireError::bad_option_length};
        if (out.mtu) {
          ++out.duplicates;
        } else {
          out.mtu = load_be32(opt, 4);
        }
        break;
      case NdOptionType::redirected_header:
        if (out.redirected) {
          ++out.duplicates;
        } else {
          out.redirected = opt.subspan(kRedirectedDataAt);
        }
        break;
      case NdOptionType::nonce:
        if (out.nonce) {
          ++out.duplicates;
        } else {
          out.nonce = opt.subspan(2);
        }
        break;
      default:
        // RFC 4861 4.6: "Receivers MUST silently ignore any options they do
        // not recognize and continue processing the message."
        ++out.unknown;
        break;
    }
    i += len;
  }
  return out;
}

std::size_t NdOptions::buffer_len() const {
  std::size_t n = (source_ll ? 8 : 0) + (target_ll ? 8 : 0) + prefix_count * kPrefixOptionLen + (mtu ? 8 : 0);
  if (redirected) n += kRedirectedDataAt + padded8(redirected->size());
  if (nonce) n += padded8(2 + nonce->size());
  return n;
}

void NdOptions::emit(MutBytes out) const {
  WIRESTACK_ASSERT(out.size() == buffer_len());
  std::ranges::fill(out, std::byte{0});
  std::size_t at = 0;
  if (source_ll) put_ll(out, at, NdOptionType::source_ll, *source_ll);
  if (target_ll) put_ll(out, at, NdOptionType::target_ll, *target_ll);
  if (mtu) {
    store_u8(out, at, static_cast<std::uint8_t>(NdOptionType::mtu));
    store_u8(out, at + 1, 1);
    store_be32(out, at + 4, *mtu);
    at += 8;
  }
  for (std::size_t k = 0; k < prefix_count; ++k) {
    const NdPrefixInfo& p = prefixes[k];
    store_u8(out, at, static_cast<std::uint8_t>(NdOptionType::prefix_info));
    store_u8(out, at + 1, 4);
    store_u8(out, at + 2, p.prefix_len);
    store_u8(out, at + 3,
             static_cast<std::uint8_t>((p.on_link ? kPrefixOnLink : 0) | (p.autonomous ? kPrefixAutonomous : 0) |
                                       (p.other_flags & 0x3f)));
    store_be32(out, at + 4, p.valid_lifetime);
    store_be32(out, at + 8, p.preferred_lifetime);
    p.prefix.write(out.subspan(at + 16));  // Reserved2 (12..16) stays zero
    at += kPrefixOptionLen;
  }
  if (redirected) {
    const std::size_t len = kRedirectedDataAt + padded8(redirected->size());
    WIRESTACK_ASSERT(len / 8 <= 255);
    store_u8(out, at, static_cast<std::uint8_t>(NdOptionType::redirected_header));
    store_u8(out, at + 1, static_cast<std::uint8_t>(len / 8));
    std::ranges::copy(*redirected, out.begin() + static_cast<std::ptrdiff_t>(at + kRedirectedDataAt));
    at += len;
  }
  if (nonce) {
    WIRESTACK_ASSERT((2 + nonce->size()) % 8 == 0);
    store_u8(out, at, static_cast<std::uint8_t>(NdOptionType::nonce));
    store_u8(out, at + 1, static_cast<std::uint8_t>((2 + nonce->size()) / 8));
    std::ranges::copy(*nonce, out.begin() + static_cast<std::ptrdiff_t>(at + 2));
  }
}

std::string_view to_string(NdDrop d) {
  switch (d) {
    case NdDrop::hop_limit: return "ND hop limit not 255";
    case NdDrop::bad_code: return "ND code not 0";
    case NdDrop::bad_options: return "malformed ND option";
    case NdDrop::source_not_link_local: return "ND source not link-local";
    case NdDrop::target_multicast: return "ND target multicast";
    case NdDrop::unspecified_with_sll: return "ND from :: with a source link-layer option";
    case NdDrop::unspecified_not_solicited_node: return "NS from :: not to a solicited-node address";
    case NdDrop::solicited_to_multicast: return "solicited NA to a multicast address";
    case NdDrop::redirect_bad_target: return "redirect target neither link-local nor the destination";
    case NdDrop::not_nd: return "not a neighbor discovery message";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, NdDrop d) { return os << to_string(d); }

namespace {

bool is_solicited_node(const Ipv6Address& a) {  // ff02::1:ff00:0/104 (RFC 4291 2.7.1)
  const Ipv6Address base(0xff02, 0, 0, 0, 0, 1, 0xff00, 0);
  return std::equal(a.bytes().begin(), a.bytes().begin() + 13, base.bytes().begin());
}

}  // namespace

Result<NdOptions, NdDrop> check_nd(const Ipv6Repr& ip, const Icmpv6Repr& msg) {
  if (!msg.is_nd()) return Unexpected{NdDrop::not_nd};
  // Common to 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1: "The IP Hop Limit field has a
  // value of 255, i.e., the packet could not possibly have been forwarded by
  // a router." and "ICMP Code is 0."
  if (ip.hop_limit != 255) return Unexpected{NdDrop::hop_limit};
  if (msg.code() != 0) return Unexpected{NdDrop::bad_code};
  const Bytes raw = std::visit(
      [](const auto& m) -> Bytes {
        if constexpr (requires { m.options; }) {
          return m.options;
        } else {
          return {};
        }
      },
      msg.message);
  // "All included options have a length that is greater than zero."
  auto opts = NdOptions::parse(raw);
  if (!opts) return Unexpected{NdDrop::bad_options};
  const bool from_unspecified = ip.src.is_unspecified();
  switch (msg.type()) {
    case Icmpv6Type::router_solicit:
      // 6.1.1: "If the IP source address is the unspecified address, there
      // is no source link-layer address option in the message."
      if (from_unspecified && opts->source_ll) return Unexpected{NdDrop::unspecified_with_sll};
      break;
    case Icmpv6Type::router_advert:
      // 6.1.2: "IP Source Address is a link-local address. Routers must use
      // their link-local address as the source for Router Advertisement".
      if (!ip.src.is_link_local()) return Unexpected{NdDrop::source_not_link_local};
      break;
    case Icmpv6Type::neighbor_solicit: {
      const auto& ns = std::get<NdNeighborSolicit>(msg.message);
      // 7.1.1: "Target Address is not a multicast address."
      if (ns.target.is_multicast()) return Unexpected{NdDrop::target_multicast};
      if (from_unspecified) {
        // "If the IP source address is the unspecified address, the IP
        // destination address is a solicited-node multicast address" and
        // "there is no source link-layer address option in the message."
        if (!is_solicited_node(ip.dst)) return Unexpected{NdDrop::unspecified_not_solicited_node};
        if (opts->source_ll) return Unexpected{NdDrop::unspecified_with_sll};
      }
      break;
    }
    case Icmpv6Type::neighbor_advert: {
      const auto& na = std::get<NdNeighborAdvert>(msg.message);
      // 7.1.2: "Target Address is not a multicast address." and "If the IP
      // Destination Address is a multicast address the Solicited flag is zero."
      if (na.target.is_multicast()) return Unexpected{NdDrop::target_multicast};
      if (ip.dst.is_multicast() && na.solicited) return Unexpected{NdDrop::solicited_to_multicast};
      break;
    }
    case Icmpv6Type::redirect: {
      const auto& r = std::get<NdRedirect>(msg.message);
      // 8.1: "IP Source Address is a link-local address."; "The ICMP
      // Destination Address field in the redirect message does not contain a
      // multicast address."; "The ICMP Target Address is either a link-local
      // address (when redirected to a router) or the same as the ICMP
      // Destination Address (when redirected to the on-link destination)."
      if (!ip.src.is_link_local()) return Unexpected{NdDrop::source_not_link_local};
      if (r.destination.is_multicast()) return Unexpected{NdDrop::target_multicast};
      if (!r.target.is_link_local() && r.target != r.destination) return Unexpected{NdDrop::redirect_bad_target};
      break;
    }
    default: break;
  }
  return *opts;
}

}  // namespace wirestack
