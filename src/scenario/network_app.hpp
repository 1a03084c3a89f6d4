// scenario/network_app.hpp — one application of a topology file as the
// Network runs it: started at its time, restarted with its host if it is a
// server, summarised after the run. Each type is an adapter in
// scenario/apps.cpp over the application in src/app/, registered there
// (scenario/app_registry.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "app/dns_lookup.hpp"
#include "scenario/network.hpp"
#include "scenario/topology.hpp"
#include "sim/host.hpp"
#include "wire/ip_address.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::scenario {

// An address the loader has checked already.
inline Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }
// The same, of either family ("10.0.2.20", "2001:db8:2::20").
inline IpAddress any_ip(std::string_view s) { return *IpAddress::parse(s); }

// "1.234 ms"
inline std::string ms(Duration d) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f ms", to_seconds(d) * 1e3);
  return b;
}

inline std::string errc_text(tcp::Errc e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

class NetworkApp {
 public:
  NetworkApp(Network& net, const AppSpec& spec, sim::Host& host) : net_(net), spec_(spec), host_(host) {}
  virtual ~NetworkApp() = default;
  NetworkApp(const NetworkApp&) = delete;
  NetworkApp& operator=(const NetworkApp&) = delete;
  // Called at spec.start.
  virtual void start() = 0;
  // The summary; passed() says whether the outcome is the expected one.
  virtual std::string text() const = 0;
  virtual bool succeeded() const = 0;
  // False when what arrived is not what was sent (a finished transfer whose
  // hash no receiver has): a bug, whatever the file expects.
  virtual bool intact() const { return true; }
  bool started() const { return started_; }
  void mark_started() { started_ = true; }
  const AppSpec& spec() const { return spec_; }
  virtual void sink_records(std::vector<Network::SinkRecord>& /*out*/) const {}
  // Request/response clients: what they asked (for totals over several
  // hosts), their answered latencies, and how many clients there were.
  virtual std::string request_target() const { return {}; }
  virtual void collect(std::vector<Duration>& /*answered*/, std::size_t& /*clients*/) const {}
  // Each client's start and, if answered, latency; the server they asked
  // (nullopt: not a request/response client, or not started).
  virtual std::optional<IpEndpoint> requests(std::vector<ClientRun::Request>& /*out*/) const { return std::nullopt; }
  // Servers start again when their host restarts (services started at
  // boot); clients do not: they see their sockets gone and report it.
  virtual bool restarts_with_host() const { return false; }
  // The host crashed at `t`: a server keeps what it did until then for the
  // summary (its next life starts from zero).
  void host_crashed(Instant t) {
    if (!started_ || !restarts_with_host() || down_) return;
    down_ = true;
    keep_life();
    std::ostringstream os;
    os << "[until the crash at " << std::fixed << std::setprecision(3) << to_seconds(t.time_since_epoch()) << " s] "
       << text();
    lives_ += os.str();
  }
  void host_restarted(Instant t) {
    if (!started_ || !restarts_with_host() || !down_) return;
    down_ = false;
    start();
    std::ostringstream os;
    os << "[since the restart at " << std::fixed << std::setprecision(3) << to_seconds(t.time_since_epoch()) << " s] ";
    current_life_ = os.str();
  }
  // The summary over every life: what it did before each crash, then (when
  // the host came back) since the last restart.
  std::string full_text() const { return down_ ? lives_ : lives_ + current_life_ + text(); }

 protected:
  // `target` is an address (then `then` runs at once) or a DNS name, looked
  // up through the `dns` server of this application's host: type A on a
  // host with an IPv4 address (then AAAA if the name has no A record and
  // the host speaks IPv6), AAAA on one without; `then` runs with the first
  // address of the answer. A failed lookup leaves resolve_error() set and
  // `then` never runs. (scenario/dns_apps.cpp)
  void resolve_then(const std::string& target, std::function<void(IpAddress)> then);
  const std::optional<std::string>& resolve_error() const { return resolve_error_; }
  // Called before a crash ends this life: keep what later summaries need
  // (a sink's records, for the clients that check their hash against them).
  virtual void keep_life() {}

 private:
  void look_up(IpAddress server, const std::string& target, dns::Type type, bool then_aaaa,
               std::function<void(IpAddress)> then);

 protected:
  Network& net_;
  const AppSpec& spec_;
  sim::Host& host_;
  bool started_ = false;
  std::string lives_;         // one summary per life ended by a crash
  std::string current_life_;  // "[since the restart at ...] " after one
  bool down_ = false;         // crashed and not restarted (servers only)
  std::unique_ptr<app::DnsLookup> lookup_;     // resolving the target's name (A, or AAAA alone)
  std::unique_ptr<app::DnsLookup> lookup_aaaa_;  // AAAA after an A lookup found no address
  std::optional<std::string> resolve_error_;   // "DNS: web.campus: NXDOMAIN"
};


}  // namespace wirestack::scenario
