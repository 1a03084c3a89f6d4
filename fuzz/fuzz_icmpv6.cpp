// ICMPv6 and Neighbor Discovery: the first 32 bytes are the source and
// destination addresses, the 33rd the IP hop limit, the rest the message.
// parse (checksum off, to reach the bodies), parse(emit(r)) == r with the
// checksum on; for ND messages the options parse, re-emit and parse again
// to the same options, and check_nd() returns; errors' invoking packets walk;
// MLD (wire/mld.hpp): a Report's records rebuild into a Report that reads
// back to the same records, a Query parses or is refused.
#include <sstream>

#include "fuzz_check.hpp"
#include "wire/icmpv6.hpp"
#include "wire/mld.hpp"
#include "wire/ndisc.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 33) return 0;
  const Bytes all(reinterpret_cast<const std::byte*>(data), size);
  const Ipv6Address src = Ipv6Address::from_bytes(all);
  const Ipv6Address dst = Ipv6Address::from_bytes(all.subspan(16));
  const std::uint8_t hop_limit = load_u8(all, 32);
  const Bytes in = all.subspan(33);
  auto view = Icmpv6Packet::checked(in);
  if (!view) return 0;
  auto r = Icmpv6Repr::parse(*view, src, dst, kNoVerify);
  if (!r) return 0;
  ByteVec out(r->buffer_len(), std::byte{0xa5});
  r->emit(Icmpv6PacketMut(out), src, dst);
  auto back = Icmpv6Packet::checked(out);
  FUZZ_CHECK(back.has_value());
  auto again = Icmpv6Repr::parse(*back, src, dst);
  FUZZ_CHECK(again && *again == *r);
  std::ostringstream text;
  text << *r;

  const Ipv6Repr ip{.src = src, .dst = dst, .next_header = IpProtocol::icmpv6, .hop_limit = hop_limit};
  if (r->is_nd()) {
    auto checked = check_nd(ip, *r);
    (void)checked.has_value();
    const Bytes raw = std::visit(
        [](const auto& m) -> Bytes {
          if constexpr (requires { m.options; }) {
            return m.options;
          } else {
            return {};
          }
        },
        r->message);
    if (auto opts = NdOptions::parse(raw)) {
      if (!opts->nonce || (2 + opts->nonce->size()) % 8 == 0) {
        ByteVec o(opts->buffer_len());
        opts->emit(o);
        auto reparsed = NdOptions::parse(o);
        FUZZ_CHECK(reparsed && *reparsed == *opts);
      }
    }
  }
  if (const auto* other = std::get_if<Icmpv6Other>(&r->message)) {
    if (auto records = parse_mldv2_report(*other)) {
      ByteVec storage;
      const Icmpv6Repr rebuilt = mldv2_report(*records, storage);
      auto back_records = parse_mldv2_report(std::get<Icmpv6Other>(rebuilt.message));
      FUZZ_CHECK(back_records && *back_records == *records);
    }
    if (auto q = parse_mld_query(*other)) FUZZ_CHECK(q->max_response >= Duration::zero());
  }
  if (r->is_error()) {
    const Bytes invoking = std::visit(
        [](const auto& m) -> Bytes {
          if constexpr (requires { m.invoking; }) {
            return m.invoking;
          } else {
            return {};
          }
        },
        r->message);
    if (auto inv = parse_invoking(invoking)) FUZZ_CHECK(inv->upper.size() <= invoking.size());
    (void)icmpv6_error_allowed(r->type(), r->code(), ip, std::nullopt, false);
  }
  return 0;
}
