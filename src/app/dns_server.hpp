// app/dns_server.hpp — an authoritative DNS server on any runtime::Host:
// UDP and TCP on one port (RFC 1035 4.2, RFC 7766: TCP is required, not an
// option, since truncated answers are retried there). The answers come from
// dns::answer(), sans-IO; this class only moves bytes. `wirestack tap --dns`,
// the simulator's `dns_server` application and the tests use it.
//
// Malformed queries are counted (stats().formerr, stats().dropped) and
// answered with FORMERR or dropped; they never stop the server. TCP
// connections are bounded (max_connections; more are closed at once) and
// closed after `idle_timeout` without a query (RFC 7766 6.2.3).
//
//   auto zone = dns::load_zone(text, "campus.zone");
//   app::DnsServer server(host, 53, std::move(*zone));
//   if (!server.bound()) fail(server.bound().error().message);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "app/tcp_apps.hpp"
#include "dns/authority.hpp"
#include "dns/zone.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct DnsServerConfig {
  std::size_t max_connections = 64;
  Duration idle_timeout = std::chrono::seconds{10};
  std::size_t max_pending = 256 * 1024;  // bytes queued to one TCP client before it is dropped
};

class DnsServer {
 public:
  DnsServer(runtime::Host& host, std::uint16_t port, dns::Zone zone, DnsServerConfig config = {});
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // The UDP socket's bind, and the TCP listener's.
  const Result<IpEndpoint, udp::Error>& bound() const { return udp_bound_; }
  const Result<IpEndpoint, tcp::SocketError>& listening() const { return tcp_bound_; }
  const dns::AnswerStats& stats() const { return stats_; }
  std::uint64_t udp_queries() const { return udp_queries_; }
  std::uint64_t tcp_queries() const { return tcp_queries_; }
  std::uint64_t tcp_connections() const { return tcp_accepted_; }
  std::uint64_t tcp_refused() const { return tcp_refused_; }
  const dns::Zone& zone() const { return zone_; }

 private:
  struct Conn {
    tcp::SocketHandle h;
    dns::TcpFramer framer;
    ByteVec pending;
    Instant last{};
    bool closing = false;
  };
  void on_activity();
  void serve_udp();
  void serve_tcp();
  void serve(Conn& c);

  runtime::Host& host_;
  dns::Zone zone_;
  DnsServerConfig config_;
  udp::SocketHandle udp_;
  Result<IpEndpoint, udp::Error> udp_bound_;
  std::optional<udp::SocketHandle> udp6_;  // IPv6, the same port
  Listener listener_{.handle = {}, .bound = Unexpected{tcp::SocketError{}}, .handle6 = std::nullopt};
  Result<IpEndpoint, tcp::SocketError> tcp_bound_;
  std::vector<Conn> conns_;
  dns::AnswerStats stats_;
  std::uint64_t udp_queries_ = 0;
  std::uint64_t tcp_queries_ = 0;
  std::uint64_t tcp_accepted_ = 0;
  std::uint64_t tcp_refused_ = 0;
  std::size_t hook_ = 0;
};

}  // namespace wirestack::app
