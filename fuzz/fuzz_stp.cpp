// Spanning tree BPDUs: a frame that parses as a BPDU is emitted again
// (bpdu_frame) and parses to the same meaning.
#include "fuzz_check.hpp"
#include "wire/stp.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto r = parse_bpdu_frame(in);
  if (!r) return 0;
  const ByteVec out = bpdu_frame(MacAddress::from_parts(0x025742, 1), *r);
  auto again = parse_bpdu_frame(out);
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
