// app/dns_lookup.hpp — the stub resolver on any runtime::Host: drives one
// dns::Lookup (sans-IO) with the host's UDP socket, a TCP connection when
// the answer comes back truncated, and a timer for its retries. Other
// applications resolve their targets with it; `wirestack resolve` prints
// what it finds.
//
//   app::DnsLookup look(host, {dns_server, 53}, "web.campus", dns::Type::a,
//                       {.seed = 42}, [](const app::DnsLookup& l) { ... });
//   ... later: look.done(), look.result() (dns::LookupResult or an error)
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dns/resolver.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct DnsLookupConfig {
  dns::LookupConfig lookup;
  std::uint64_t seed = 1;  // the query ids' random source (RFC 5452: unpredictable on a real network)
};

class DnsLookup {
 public:
  using Done = std::function<void(const DnsLookup&)>;
  DnsLookup(runtime::Host& host, IpEndpoint server, std::string name, dns::Type type, DnsLookupConfig config,
            Done done = {});
  ~DnsLookup();
  DnsLookup(const DnsLookup&) = delete;
  DnsLookup& operator=(const DnsLookup&) = delete;

  bool done() const { return finished_; }
  // Precondition: done(). A bad name is an error too (bad_response, its reason).
  const Result<dns::LookupResult, dns::LookupError>& result() const { return *result_; }
  const std::string& name() const { return name_; }
  IpEndpoint server() const { return server_; }
  std::optional<Duration> latency() const { return latency_; }
  std::uint64_t ignored() const { return lookup_ ? lookup_->ignored() : 0; }

 private:
  void pump();
  void on_activity();
  void finish();

  runtime::Host& host_;
  IpEndpoint server_;
  std::string name_;
  Rng rng_;
  std::optional<dns::Lookup> lookup_;
  Done done_;
  udp::SocketHandle udp_;
  std::optional<tcp::SocketHandle> tcp_;
  ByteVec tcp_out_;
  runtime::TimerId timer_{};
  Instant started_{};
  std::optional<Duration> latency_;
  std::optional<Result<dns::LookupResult, dns::LookupError>> result_;
  bool finished_ = false;
  std::optional<std::size_t> hook_;
};

}  // namespace wirestack::app
