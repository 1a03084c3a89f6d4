// ARP: parse, then emit(parse(x)) == x for the 28 bytes of an Ethernet/IPv4 ARP packet.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/arp.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto view = ArpPacket::checked(in);
  if (!view) return 0;
  auto r = ArpRepr::parse(*view);
  if (!r) return 0;
  ByteVec out(ArpRepr::header_len(), std::byte{0xa5});
  r->emit(ArpPacketMut(out));
  auto again = ArpRepr::parse(ArpPacket(out));
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
