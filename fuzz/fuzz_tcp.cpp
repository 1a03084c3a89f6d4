// TCP: parse (checksum off, to reach the options), then parse(emit(r)) == r.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/tcp.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  const IpPair ips{Ipv4Address{10, 0, 0, 1}, Ipv4Address{10, 0, 0, 2}};
  auto view = TcpPacket::checked(in);
  if (!view) return 0;
  (void)TcpRepr::parse(*view, ips).has_value();
  auto r = TcpRepr::parse(*view, ips, kNoVerify);
  if (!r) return 0;
  // Our canonical option layout can need more room than a tightly packed
  // input did; such a Repr cannot be emitted and is not a round-trip case.
  if (r->header_len() > 60) return 0;
  const Bytes payload = view->payload();
  ByteVec out(r->header_len() + payload.size(), std::byte{0xa5});
  r->emit(TcpPacketMut(out), ips, payload);
  auto back = TcpPacket::checked(out);
  FUZZ_CHECK(back.has_value());
  auto again = TcpRepr::parse(*back, ips);
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
