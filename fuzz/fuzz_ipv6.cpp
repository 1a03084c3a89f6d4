// IPv6: checked view, parse(emit(r)) == r, and the extension-header chain
// walker under default, tight and forwarding limits: every offset and pointer
// it returns lies inside the packet, and what it delivers is consistent.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/ipv6.hpp"
#include "wire/ipv6_ext.hpp"

using namespace wirestack;

namespace {

void check_walk(Ipv6Packet p, const Ipv6ChainLimits& limits) {
  const std::size_t size = p.packet().size();
  const auto r = walk_ipv6_chain(p, limits);
  if (const auto* d = std::get_if<Ipv6Deliver>(&r)) {
    FUZZ_CHECK(d->offset >= kIpv6HeaderLen && d->offset <= size);
    FUZZ_CHECK(d->next_header_pointer < d->offset);
    FUZZ_CHECK(d->header_count <= limits.max_headers);
    FUZZ_CHECK(d->offset - kIpv6HeaderLen <= limits.max_chain_len);
    if (d->fragment) {
      FUZZ_CHECK(d->fragment->data_offset() <= size);
      FUZZ_CHECK(d->fragment->next_header_field < d->fragment->header_offset);
      if (d->fragment->header.offset != 0) FUZZ_CHECK(d->offset == d->fragment->data_offset());
    }
  } else if (const auto* pp = std::get_if<Ipv6ParamProblem>(&r)) {
    FUZZ_CHECK(pp->pointer < size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto view = Ipv6Packet::checked(in);
  if (!view) return 0;
  FUZZ_CHECK(view->packet().size() <= in.size());
  const Ipv6Repr r = Ipv6Repr::parse(*view);
  ByteVec out(r.total_len(), std::byte{0xa5});
  r.emit(Ipv6PacketMut(out));
  std::copy(view->payload().begin(), view->payload().end(), out.begin() + kIpv6HeaderLen);
  auto back = Ipv6Packet::checked(out);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(Ipv6Repr::parse(*back) == r);

  check_walk(*view, {});
  Ipv6ChainLimits tight;
  tight.max_headers = 2;
  tight.max_chain_len = 16;
  tight.max_options = 1;
  check_walk(*view, tight);
  Ipv6ChainLimits router;
  router.hop_by_hop_only = true;
  check_walk(*view, router);
  FUZZ_CHECK(ipv6_unfragmentable_len(*view) <= view->packet().size());
  return 0;
}
