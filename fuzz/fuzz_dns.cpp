// DNS messages: parse with loop protection; parse(emit(m)) == m (emit may
// compress differently, the meaning stays); the authoritative answer
// function must answer or drop every input without crashing.
#include <limits>

#include "dns/authority.hpp"
#include "dns/message.hpp"
#include "fuzz_check.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  static const dns::Zone zone = *dns::load_master(
      "$ORIGIN campus.\n@ SOA ns admin 1 2 3 4 5\nweb A 10.0.0.80\nweb AAAA 2001:db8::80\nwww CNAME web\n"
      "loop CNAME loop\ninfo TXT \"hi\"\n",
      "fuzz");
  static dns::AnswerStats stats;
  for (auto t : {dns::Transport::udp, dns::Transport::tcp}) {
    if (auto reply = dns::answer(zone, in, t, stats)) {
      FUZZ_CHECK(dns::Message::parse(*reply).has_value());  // we answer only in well-formed messages
      if (t == dns::Transport::udp) FUZZ_CHECK(reply->size() <= dns::kEdnsSize);
    }
  }
  auto m = dns::Message::parse(in);
  if (!m) return 0;
  const ByteVec out = m->emit(std::numeric_limits<std::size_t>::max());
  auto back = dns::Message::parse(out);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == *m);
  return 0;
}
