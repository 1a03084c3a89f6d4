// IPv6 reassembly: the input is a run of packets, each a 2-byte big-endian
// length, a 1-byte time step (in seconds), then the packet. They go through
// Reassembler6::accept_packet() with a small memory bound: memory stays
// within it, every reassembled packet is a valid IPv6 packet whose payload
// length matches its size, and poll() at the end empties it. A second
// pass cuts every whole packet with fragment6() and checks that the
// fragments come back to it.
#include "fuzz_check.hpp"
#include "ip/fragmenter6.hpp"
#include "ip/reassembler6.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  ip::Reassembler6Config config;
  config.memory_limit = 8192;
  config.max_datagrams = 4;
  ip::Reassembler6 frags(config);
  Instant now{};
  std::size_t at = 0;
  while (in.size() - at >= 3) {
    const std::size_t len = std::min<std::size_t>(load_be16(in, at), in.size() - at - 3);
    now += std::chrono::seconds{load_u8(in, at + 2)};
    const Bytes packet = in.subspan(at + 3, len);
    at += 3 + len;
    const auto r = frags.accept_packet(packet, now);
    FUZZ_CHECK(frags.memory_used() <= config.memory_limit);
    FUZZ_CHECK(frags.in_progress() <= config.max_datagrams);
    if (const auto* done = std::get_if<ip::Reassembled6>(&r)) {
      auto view = Ipv6Packet::checked(done->packet);
      FUZZ_CHECK(view.has_value());
      FUZZ_CHECK(view->packet().size() == done->packet.size());
      // Cut it again and put it back together.
      if (done->packet.size() > 1280) {
        if (auto pieces = ip::fragment6(done->packet, 77, 1280)) {
          ip::Reassembler6 again;
          ip::Reassembly6Result last;
          Ipv6ChainLimits lax;  // the Fragment header adds one header and 8 bytes to the chain
          lax.max_headers = 64;
          lax.max_chain_len = 65535;
          lax.max_options = 65535;
          for (const auto& p : *pieces) {
            FUZZ_CHECK(p.size() <= 1280);
            last = again.accept_packet(p, now, lax);
          }
          const auto* whole = std::get_if<ip::Reassembled6>(&last);
          FUZZ_CHECK(whole && whole->packet == done->packet);
        }
      }
    }
  }
  (void)frags.poll(now + std::chrono::seconds{61});
  FUZZ_CHECK(frags.in_progress() == 0 && frags.memory_used() == 0);
  return 0;
}
