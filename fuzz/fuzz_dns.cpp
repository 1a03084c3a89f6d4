// DNS messages: parse with loop protection; parse(emit(m)) == m (emit may
// compress differently, the meaning stays); the authoritative answer
// function must answer or drop every input without crashing.
#include <limits>

#include "dns/message.hpp"
#include "fuzz_check.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto m = dns::Message::parse(in);
  if (!m) return 0;
  const ByteVec out = m->emit(std::numeric_limits<std::size_t>::max());
  auto back = dns::Message::parse(out);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == *m);
  return 0;
}
