// ICMPv4: parse (checksum off, to reach the message bodies), then parse(emit(r)) == r.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/icmpv4.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto view = Icmpv4Packet::checked(in);
  if (!view) return 0;
  auto r = Icmpv4Repr::parse(*view, kNoVerify);
  if (!r) return 0;
  ByteVec out(r->buffer_len(), std::byte{0xa5});
  r->emit(Icmpv4PacketMut(out));
  auto back = Icmpv4Packet::checked(out);
  FUZZ_CHECK(back.has_value());
  auto again = Icmpv4Repr::parse(*back);
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
