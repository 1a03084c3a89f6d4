// IPv4: checked view, parse (checksum on and off), and parse(emit(r)) == r.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/ipv4.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto view = Ipv4Packet::checked(in);
  if (!view) return 0;
  FUZZ_CHECK(view->payload().size() + view->header_len() <= in.size());
  auto strict = Ipv4Repr::parse(*view);
  auto r = Ipv4Repr::parse(*view, kNoVerify);
  if (!r) {
    FUZZ_CHECK(!strict);
    return 0;
  }
  ByteVec out(r->total_len(), std::byte{0xa5});
  r->emit(Ipv4PacketMut(out));
  auto back = Ipv4Packet::checked(out);
  FUZZ_CHECK(back.has_value());
  auto again = Ipv4Repr::parse(*back);  // emit filled a correct checksum
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
