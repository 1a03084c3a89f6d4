// TCP options area: the reader and the parser agree, and parse(emit(o)) == o.
#include "fuzz_check.hpp"
#include "wire/tcp_options.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  TcpOptionReader reader(in);
  bool reader_ok = true;
  for (int i = 0; i < 64; ++i) {
    auto opt = reader.next();
    if (!opt) {
      reader_ok = false;
      break;
    }
    if (!*opt) break;
    FUZZ_CHECK((*opt)->bytes.data() >= in.data() && (*opt)->bytes.data() + (*opt)->bytes.size() <= in.data() + in.size());
  }
  auto o = TcpOptions::parse(in);
  if (!o) return 0;
  FUZZ_CHECK(reader_ok);
  ByteVec out(o->emitted_len(), std::byte{0xa5});
  o->emit(out);
  if (out.size() > 40) return 0;  // see fuzz_tcp.cpp
  auto again = TcpOptions::parse(out);
  FUZZ_CHECK(again && *again == *o);
  return 0;
}
