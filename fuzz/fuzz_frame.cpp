// Any bytes as an Ethernet frame, through the whole dissector.
#include "wire/dissect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const wirestack::Bytes frame(reinterpret_cast<const std::byte*>(data), size);
  const wirestack::Dissection d = wirestack::dissect(frame);
  (void)d.ok();
  return 0;
}
