// app/dhcp.hpp — a DHCP server and client on any runtime::Host. The
// protocol is dhcp::Server and dhcp::Client (sans-IO); these classes only
// move their messages through a UDP socket on port 67 or 68 and wake them
// at their times. The simulator's `dhcp_server` and `address = "dhcp"`,
// `wirestack tap --dhcp` and the tests use them.
//
// What a lease means for the host (its address, gateway, DNS server) is not
// an application's business: runtime::Host has no call to change addresses.
// The client hands every dhcp::ClientEvent to the `apply` function its
// owner passes; the owner (the simulator, the TAP driver) configures its stack.
//
// Replies the server would send to yiaddr at chaddr (a client that did not
// set the B flag) go by broadcast: a stack without a raw socket cannot send
// to an address no ARP can resolve yet (RFC 2131 4.1 allows broadcasting).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "dhcp/client.hpp"
#include "dhcp/server.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

class DhcpServer {
 public:
  // Precondition: dhcp::validate(config) succeeded.
  DhcpServer(runtime::Host& host, dhcp::ServerConfig config);
  ~DhcpServer();
  DhcpServer(const DhcpServer&) = delete;
  DhcpServer& operator=(const DhcpServer&) = delete;

  const Result<IpEndpoint, udp::Error>& bound() const { return bound_; }
  const dhcp::Server& server() const { return server_; }
  std::uint64_t malformed() const { return malformed_; }

 private:
  void on_activity();

  runtime::Host& host_;
  dhcp::Server server_;
  udp::SocketHandle udp_;
  Result<IpEndpoint, udp::Error> bound_;
  std::uint64_t malformed_ = 0;
  std::size_t hook_ = 0;
};

class DhcpClient {
 public:
  using Apply = std::function<void(const dhcp::ClientEvent&)>;
  DhcpClient(runtime::Host& host, dhcp::ClientConfig config, std::uint64_t seed, Apply apply);
  ~DhcpClient();
  DhcpClient(const DhcpClient&) = delete;
  DhcpClient& operator=(const DhcpClient&) = delete;

  const Result<IpEndpoint, udp::Error>& bound() const { return bound_; }
  const dhcp::Client& client() const { return *client_; }
  // Gives the lease back (RFC 2131 4.4.6: a RELEASE unicast to the server,
  // from the leased address) and stops. `apply` hears that the lease is
  // lost kReleaseLinger later, so that the RELEASE can leave from the
  // address first (its next hop may need ARP). False if nothing was sent:
  // no lease, or UDP refused the datagram.
  static constexpr Duration kReleaseLinger = std::chrono::seconds{1};
  bool release();
  // Every message sent and received, in order (the simulator's summary).
  const std::vector<dhcp::MessageType>& exchanged() const { return exchanged_; }
  std::uint64_t malformed() const { return malformed_; }
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  void pump();

  runtime::Host& host_;
  Rng rng_;
  std::unique_ptr<dhcp::Client> client_;
  Apply apply_;
  udp::SocketHandle udp_;
  Result<IpEndpoint, udp::Error> bound_;
  std::vector<dhcp::MessageType> exchanged_;
  std::uint64_t malformed_ = 0;
  std::uint64_t send_errors_ = 0;
  std::size_t hook_ = 0;
  runtime::TimerId timer_{};
  runtime::TimerId release_timer_{};  // applies the released lease's `lost`
};

}  // namespace wirestack::app
