// The host stack's input path: any bytes as a frame arriving at a router
// with two networks (forwarding on), a UDP socket bound, a ping in flight and
// time moving on. Properties: no crash, no broken invariant, no
// out-of-bounds access (ASan), and every frame the stack sends is well formed.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_check.hpp"
#include "iface/interface.hpp"
#include "wire/dissect.hpp"

using namespace wirestack;

namespace {

struct CheckingSink final : iface::FrameSink {
  void transmit(iface::NicId, Bytes frame) override {
    Dissection d = dissect(frame);
    // A router forwards what it was given: the transport checksum of a
    // forwarded datagram is the source's business (RFC 1812 does not verify
    // it). What we originate, and every IPv4 header we emit, must be right.
    const bool ours = d.ipv4 && (d.ipv4->src == Ipv4Address(10, 0, 1, 1) || d.ipv4->src == Ipv4Address(10, 0, 2, 1));
    if (d.ipv4 && !ours) {
      std::erase_if(d.problems, [](const DissectProblem& p) { return p.protocol != "IPv4" && p.protocol != "Ethernet"; });
    }
    if (!d.ok()) {
      std::fprintf(stderr, "sent a malformed frame: %s %s (%s)\n%s\n", d.problems[0].protocol.c_str(),
                   std::string(to_string(d.problems[0].error)).c_str(), d.problems[0].detail.c_str(),
                   to_hex(frame).c_str());
    }
    FUZZ_CHECK(d.ok());  // whatever came in, what we send is well formed
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  CheckingSink sink;
  Rng rng(1);
  iface::Interface stack(sink, rng, iface::InterfaceConfig{.forwarding = true});
  const auto n0 = stack.add_nic(MacAddress::from_parts(0x025753, 2));  // r eth0 in the campus scenario
  const auto n1 = stack.add_nic(MacAddress::from_parts(0x025753, 3), 576);  // r eth1
  Instant now{};
  stack.nic_up(n0, now);
  stack.nic_up(n1, now);
  (void)stack.add_address(n0, Ipv4Prefix(Ipv4Address(10, 0, 1, 1), 24)).has_value();
  (void)stack.add_address(n1, Ipv4Prefix(Ipv4Address(10, 0, 2, 1), 24)).has_value();
  auto s = stack.udp().open();
  (void)stack.udp().bind(s, {Ipv4Address{}, 9000}).has_value();
  (void)stack.send_ping(Ipv4Address(10, 0, 2, 7), 1, 1, 56, now).has_value();
  // The input is a sequence of frames: 2-byte length prefixes, 1 ms apart.
  const Bytes in(reinterpret_cast<const std::byte*>(data), size);
  std::size_t at = 0;
  while (at + 2 <= in.size()) {
    const std::size_t len = std::min<std::size_t>(load_be16(in, at), in.size() - at - 2);
    const Bytes frame = in.subspan(at + 2, len);
    at += 2 + len;
    stack.receive(len % 2 == 0 ? n0 : n1, frame, now);
    now += std::chrono::milliseconds{1};
    stack.poll(now);
    while (auto d = stack.udp().recv_from(s)) (void)d->payload.size();
  }
  now += std::chrono::seconds{60};  // every timer: ARP failures, reassembly timeouts
  stack.poll(now);
  return 0;
}
