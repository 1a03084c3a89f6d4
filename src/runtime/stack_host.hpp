// runtime/stack_host.hpp — the part of runtime::Host that is the same for
// every world running *our* stack (sim::Host in virtual time, loop::TapHost
// on a TAP device): it owns the iface::Interface and its Rng, offers its TCP
// and UDP sockets and ICMP echo, and is the activity loop's World (before the
// hooks it takes the stack's echo replies, ICMP errors and changed TCP
// sockets; after them it polls the stack, so what the hooks queued leaves).
//
// A driver derives from it, is the stack's FrameSink, and decides only when
// things happen: run_activity() after every frame, timer and wake-up.
#pragma once

#include <cstdint>

#include "base/rng.hpp"
#include "iface/interface.hpp"
#include "runtime/host.hpp"
#include "runtime/tcp_sockets.hpp"
#include "runtime/udp_sockets.hpp"

namespace wirestack::runtime {

// The family-neutral forms of the stack's ICMP events.
EchoReply to_echo_reply(const iface::PingReply& r);
IcmpReport to_icmp_report(const iface::IcmpError& e);
IcmpReport to_icmp_report(const iface::Icmp6Error& e);

class StackHost : public Host, private ActivityLoop::World {
 public:
  // `sink` is borrowed (the driver itself, usually) and must outlive the host.
  StackHost(iface::FrameSink& sink, Rng rng, const iface::InterfaceConfig& config);
  StackHost(const StackHost&) = delete;
  StackHost& operator=(const StackHost&) = delete;

  iface::Interface& stack() { return stack_; }
  const iface::Interface& stack() const { return stack_; }
  TcpSockets& tcp() override { return tcp_; }
  UdpSockets& udp() override { return udp_; }
  Result<void, transport::SocketError> send_echo(const IpAddress& dst, std::uint16_t ident, std::uint16_t seq,
                                                 std::size_t payload_len, EchoOptions options = {}) override;
  void for_each_counter(const iface::CounterVisitor& visit) const override { stack_.for_each_counter(visit); }

 protected:
  // One activity loop run (runtime/activity.hpp) at `now`, the time the
  // driver last gave the stack (never a fresher clock reading: the stack's
  // time must not go back at the next frame); true when still busy.
  bool run_activity(Instant now) {
    if (!activity_.running()) round_now_ = now;
    return activity_.run(*this);
  }

 private:
  void collect(ActivityLoop& loop) override;
  bool flush() override;

  Rng rng_;
  iface::Interface stack_;
  StackTcpSockets tcp_{stack_.tcp()};
  StackUdpSockets udp_{stack_};
  std::uint64_t delivered_before_ = 0;
  Instant round_now_{};  // the stack's IPv4 deliveries before the hooks ran
};

}  // namespace wirestack::runtime
