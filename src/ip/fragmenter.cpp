#include "ip/fragmenter.hpp"

#include <algorithm>
#include <array>

#include "base/assert.hpp"

namespace wirestack::ip {

namespace {

constexpr std::uint8_t kOptionEnd = 0;  // End of Option List
constexpr std::uint8_t kOptionNop = 1;  // No Operation
constexpr std::uint8_t kOptionCopiedFlag = 0x80;

}  // namespace

std::ostream& operator<<(std::ostream& os, const FragmentError& e) {
  switch (e.kind) {
    case FragmentError::Kind::fragmentation_needed: return os << "fragmentation needed and DF set (mtu " << e.mtu << ")";
    case FragmentError::Kind::too_long: return os << "fragment extends past 65535 bytes";
    case FragmentError::Kind::malformed: return os << "malformed datagram: " << e.wire;
  }
  return os << "unknown fragmentation error";
}

Ipv4Options copied_options(const Ipv4Options& options) {
  const Bytes in = options.bytes();
  std::array<std::byte, Ipv4Options::kCapacity> out{};
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < in.size()) {
    const std::uint8_t type = load_u8(in, i);
    if (type == kOptionEnd) break;
    if (type == kOptionNop) {  // copied flag 0: not copied
      ++i;
      continue;
    }
    if (in.size() - i < 2) break;
    const std::size_t len = load_u8(in, i + 1);
    if (len < 2 || len > in.size() - i) break;  // Ipv4Repr::parse() refuses these; stop on hand-made ones
    // RFC 791 3.1: "copied flag: 1 = copied into all fragments on fragmentation."
    if ((type & kOptionCopiedFlag) != 0) {
      std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(i), len, out.begin() + static_cast<std::ptrdiff_t>(n));
      n += len;
    }
    i += len;
  }
  auto result = Ipv4Options::from_bytes(Bytes(out.data(), n));  // n <= in.size() <= 40
  WIRESTACK_ASSERT(result.has_value());
  return *result;
}

Result<FragmentPlan, FragmentError> FragmentPlan::make(const Ipv4Repr& datagram, std::size_t mtu) {
  WIRESTACK_ASSERT(mtu >= kMinIpv4Mtu);
  mtu = std::min(mtu, kIpv4MaxTotalLen);
  FragmentPlan plan;
  plan.original_ = datagram;
  if (datagram.total_len() <= mtu) return plan;  // fits: one piece, unchanged

  // RFC 791 3.2: "If the Don't Fragment flag (DF) bit is set, then internet
  // fragmentation of this datagram is NOT permitted ... it is to be
  // discarded." RFC 1191 4: the router reports the next-hop MTU.
  if (datagram.dont_fragment) {
    return Unexpected{FragmentError{.kind = FragmentError::Kind::fragmentation_needed,
                                    .mtu = static_cast<std::uint16_t>(mtu)}};
  }
  if (std::size_t{datagram.frag_offset} + datagram.payload_len > kIpv4MaxTotalLen) {
    return Unexpected{FragmentError{.kind = FragmentError::Kind::too_long}};
  }

  // RFC 791 3.2, the fragmentation procedure: "NFB <- (MTU-IHL*4)/8" — the
  // number of 8-byte blocks that fit after the header. The first fragment
  // carries the full header; the others only the copied options.
  plan.rest_options_ = copied_options(datagram.options);
  const Ipv4Repr rest_header{.options = plan.rest_options_};
  plan.first_max_ = (mtu - datagram.header_len()) / 8 * 8;
  plan.rest_max_ = (mtu - rest_header.header_len()) / 8 * 8;
  WIRESTACK_ASSERT(plan.first_max_ >= 8 && plan.rest_max_ >= plan.first_max_);  // mtu >= 68, header <= 60
  const std::size_t after_first = datagram.payload_len - plan.first_max_;  // > 0: it did not fit
  plan.count_ = 1 + (after_first + plan.rest_max_ - 1) / plan.rest_max_;
  return plan;
}

FragmentSpec FragmentPlan::at(std::size_t i) const {
  WIRESTACK_ASSERT(i < count_);
  if (count_ == 1) return FragmentSpec{.header = original_, .payload_begin = 0};
  const std::size_t begin = i == 0 ? 0 : first_max_ + (i - 1) * rest_max_;
  const std::size_t max = i == 0 ? first_max_ : rest_max_;
  const bool last = i + 1 == count_;
  FragmentSpec spec{.header = original_, .payload_begin = begin};
  Ipv4Repr& h = spec.header;
  // "MF <- 1" on every fragment but the last; the last keeps the input's MF,
  // so a fragment cut again still says more of the datagram follows.
  h.more_fragments = !last || original_.more_fragments;
  // Offsets relative to the original datagram (make() checked they fit).
  h.frag_offset = static_cast<std::uint16_t>(original_.frag_offset + begin);
  h.payload_len = static_cast<std::uint16_t>(last ? original_.payload_len - begin : max);
  if (i != 0) h.options = rest_options_;
  return spec;
}

void FragmentPlan::emit(std::size_t i, Bytes payload, MutBytes out, ChecksumMode mode) const {
  WIRESTACK_ASSERT(payload.size() == original_.payload_len);
  const FragmentSpec spec = at(i);
  WIRESTACK_ASSERT(out.size() == spec.total_len());
  Ipv4PacketMut packet(out);
  spec.header.emit(packet, mode);
  std::ranges::copy(payload.subspan(spec.payload_begin, spec.header.payload_len), packet.payload().begin());
}

Result<std::vector<ByteVec>, FragmentError> fragment(const Ipv4Repr& datagram, Bytes payload, std::size_t mtu,
                                                     ChecksumMode mode) {
  WIRESTACK_ASSERT(payload.size() == datagram.payload_len);
  auto plan = FragmentPlan::make(datagram, mtu);
  if (!plan) return Unexpected{plan.error()};
  std::vector<ByteVec> out;
  out.reserve(plan->count());
  for (std::size_t i = 0; i < plan->count(); ++i) {
    ByteVec& buf = out.emplace_back(plan->at(i).total_len());
    plan->emit(i, payload, buf, mode);
  }
  return out;
}

Result<std::vector<ByteVec>, FragmentError> fragment_datagram(Bytes datagram, std::size_t mtu, ChecksumMode mode) {
  const auto packet = Ipv4Packet::checked(datagram);
  if (!packet) return Unexpected{FragmentError{.kind = FragmentError::Kind::malformed, .wire = packet.error()}};
  const auto repr = Ipv4Repr::parse(*packet, mode);
  if (!repr) return Unexpected{FragmentError{.kind = FragmentError::Kind::malformed, .wire = repr.error()}};
  return fragment(*repr, packet->payload(), mtu, mode);
}

}  // namespace wirestack::ip
