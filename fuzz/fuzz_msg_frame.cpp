// A JSON-RPC connection's byte stream: random bytes, cut into random-size
// chunks, through msg::RpcSession (FrameDecoder + Dispatcher with the
// built-in methods). Properties: no crash; the output is whole frames of
// well-formed JSON-RPC responses; and the output does not depend on the
// segmentation (the same stream fed in one piece answers byte for byte the
// same).
//
// Input layout: byte 0 seeds the chunk sizes, byte 1 picks the frame limit
// (small, so that oversized frames are common), the rest is the stream.
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "msg/rpc_session.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint32_t state = data[0] * 2654435761u + 1;
  const std::size_t max_frame = 16 + std::size_t{data[1]} * 64;
  const Bytes stream(reinterpret_cast<const std::byte*>(data + 2), size - 2);

  static const msg::Dispatcher rpc = [] {
    msg::Dispatcher d;
    msg::add_builtin_methods(d);
    return d;
  }();
  const msg::Context cx{.now = msg::SysTime{std::chrono::seconds{1764276099}}};

  msg::RpcSession chunked(rpc, max_frame);
  ByteVec out_chunked;
  bool open = true;
  for (std::size_t at = 0; at < stream.size() && open;) {
    state = state * 1103515245u + 12345u;  // a small LCG is enough to vary the cuts
    const std::size_t chunk = std::min<std::size_t>(1 + (state >> 16) % 64, stream.size() - at);
    open = chunked.receive(stream.subspan(at, chunk), cx, out_chunked);
    at += chunk;
  }

  msg::RpcSession whole(rpc, max_frame);
  ByteVec out_whole;
  const bool whole_open = whole.receive(stream, cx, out_whole);
  FUZZ_CHECK(open == whole_open);
  FUZZ_CHECK(out_chunked == out_whole);
  if (open) FUZZ_CHECK(chunked.buffered() == whole.buffered());

  // Every response is a whole frame of JSON-RPC.
  msg::FrameDecoder reader(std::size_t{64} << 20);
  reader.feed(out_whole);
  while (true) {
    auto f = reader.next();
    FUZZ_CHECK(f.has_value());
    if (!*f) break;
    auto j = msg::parse_json(**f);
    FUZZ_CHECK(j.has_value());
    if (j->is_array()) {
      for (const auto& r : *j) FUZZ_CHECK(msg::parse_response(msg::dump(r)).has_value());
    } else {
      FUZZ_CHECK(msg::parse_response(**f).has_value());
    }
  }
  FUZZ_CHECK(reader.buffered() == 0);
  return 0;
}
