// Ethernet: checked view, parse, and emit(parse(x)) reproducing the header.
#include <algorithm>

#include "fuzz_check.hpp"
#include "wire/ethernet.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto view = EthernetFrame::checked(in);
  if (!view) return 0;
  auto r = EthernetRepr::parse(*view);
  if (!r) return 0;
  FUZZ_CHECK(r->header_len() == view->header_len());
  ByteVec out(r->header_len(), std::byte{0xa5});
  r->emit(EthernetFrameMut(out));
  // The header bytes come back, except a tag's TCI, which is carried whole.
  FUZZ_CHECK(std::equal(out.begin(), out.end(), in.begin()));
  return 0;
}
