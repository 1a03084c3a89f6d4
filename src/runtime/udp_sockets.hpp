// runtime/udp_sockets.hpp — the UDP socket calls an application makes,
// whichever stack is underneath: ours (udp::SocketTable inside an
// iface::Interface, in the simulator or on a TAP device) or the Linux
// kernel's (loop::KernelHost). The vocabulary is udp/'s; a kernel backend
// maps errno onto the same Errc values.
//
// Datagrams sent leave when the host's round ends (or at once from outside
// a hook, after Host::kick()); recv_from() never blocks.
//
//   runtime::UdpSockets& udp = host.udp();
//   auto s = udp.open();
//   if (auto b = udp.bind(s, {IpAddress::any(IpFamily::v4), 7}); !b) fail(b.error().message);
//   ... in the host's activity hook:
//   while (auto d = udp.recv_from(s)) (void)udp.send_to(s, d->from, d->payload);
#pragma once

#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "udp/udp_socket.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::iface {
class Interface;
}

namespace wirestack::runtime {

class UdpSockets {
 public:
  virtual ~UdpSockets() = default;
  virtual udp::SocketHandle open() = 0;
  // False for a stale handle.
  virtual bool close(udp::SocketHandle h) = 0;
  // Refuses a local address this host does not have (EADDRNOTAVAIL).
  virtual Result<IpEndpoint, udp::Error> bind(udp::SocketHandle h, IpEndpoint local) = 0;
  virtual Result<void, udp::Error> connect(udp::SocketHandle h, IpEndpoint remote) = 0;
  virtual Result<void, udp::Error> send_to(udp::SocketHandle h, IpEndpoint dst, Bytes payload) = 0;
  virtual Result<void, udp::Error> send(udp::SocketHandle h, Bytes payload) = 0;
  // The next datagram; Errc::would_block when none waits.
  virtual Result<udp::Datagram, udp::Error> recv_from(udp::SocketHandle h) = 0;
  // An error reported by the network (ICMP port unreachable: "refused").
  virtual std::optional<udp::Errc> take_error(udp::SocketHandle h) = 0;
  virtual std::optional<IpEndpoint> local_endpoint(udp::SocketHandle h) const = 0;
};

// Our stack's sockets behind the interface.
class StackUdpSockets final : public UdpSockets {
 public:
  explicit StackUdpSockets(iface::Interface& stack) : stack_(stack) {}
  udp::SocketHandle open() override;
  bool close(udp::SocketHandle h) override;
  Result<IpEndpoint, udp::Error> bind(udp::SocketHandle h, IpEndpoint local) override;
  Result<void, udp::Error> connect(udp::SocketHandle h, IpEndpoint remote) override;
  Result<void, udp::Error> send_to(udp::SocketHandle h, IpEndpoint dst, Bytes payload) override;
  Result<void, udp::Error> send(udp::SocketHandle h, Bytes payload) override;
  Result<udp::Datagram, udp::Error> recv_from(udp::SocketHandle h) override;
  std::optional<udp::Errc> take_error(udp::SocketHandle h) override;
  std::optional<IpEndpoint> local_endpoint(udp::SocketHandle h) const override;

 private:
  iface::Interface& stack_;
};

}  // namespace wirestack::runtime
