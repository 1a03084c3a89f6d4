// UDP: parse (checksum off), then parse(emit(r)) == r with a filled checksum.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/udp.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  const IpPair ips{Ipv4Address{10, 0, 0, 1}, Ipv4Address{10, 0, 0, 2}};
  auto view = UdpPacket::checked(in);
  if (!view) return 0;
  (void)UdpRepr::parse(*view, ips).has_value();
  auto r = UdpRepr::parse(*view, ips, kNoVerify);
  if (!r) return 0;
  const Bytes payload = view->payload();
  ByteVec out(UdpRepr::header_len() + payload.size(), std::byte{0xa5});
  r->emit(UdpPacketMut(out), ips, payload);
  auto back = UdpPacket::checked(out);
  FUZZ_CHECK(back.has_value());
  auto again = UdpRepr::parse(*back, ips);
  FUZZ_CHECK(again && *again == *r);
  FUZZ_CHECK(std::equal(payload.begin(), payload.end(), back->payload().begin(), back->payload().end()));
  return 0;
}
