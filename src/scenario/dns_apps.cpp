#include "scenario/dns_apps.hpp"

#include <sstream>

#include "app/dns_server.hpp"
#include "dns/zone.hpp"
#include "scenario/network_app.hpp"

namespace wirestack::scenario {

namespace {

struct DnsServerSettings {
  std::uint16_t port = dns::kPort;
  dns::Zone zone;
  std::size_t records = 0;
};

class DnsServerApp final : public NetworkApp {
 public:
  using NetworkApp::NetworkApp;
  bool restarts_with_host() const override { return true; }
  void start() override {
    const auto& s = spec_.settings_as<DnsServerSettings>();
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::DnsServer>(host_, s.port, s.zone);
  }
  std::string text() const override {
    const auto& s = spec_.settings_as<DnsServerSettings>();
    std::ostringstream os;
    os << "DNS server " << spec_.host << ":" << s.port << " (" << s.records << " records): ";
    if (!app_->bound()) return os.str() + "cannot bind: " + app_->bound().error().message + "\n";
    const dns::AnswerStats& d = app_->stats();
    os << d.queries << " queries (" << app_->udp_queries() << " UDP, " << app_->tcp_queries() << " TCP), "
       << d.answered << " answered, " << d.nodata << " NODATA, " << d.nxdomain << " NXDOMAIN, " << d.refused
       << " REFUSED, " << d.formerr << " FORMERR, " << d.dropped << " dropped, " << d.truncated << " truncated\n";
    return os.str();
  }
  bool succeeded() const override { return app_->bound().has_value() && app_->listening().has_value(); }

 private:
  std::unique_ptr<app::DnsServer> app_;
};

// FNV-1a: a lookup's id stream, a pure function of the run's seed, the host
// and the name (std::hash is not the same everywhere).
std::uint64_t mix(std::uint64_t seed, std::string_view a, std::string_view b) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (std::string_view s : {a, std::string_view("\0", 1), b}) {
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::any parse_dns_server(const AppFields& f) {
  DnsServerSettings s;
  if (f.has("port")) s.port = static_cast<std::uint16_t>(f.integer("port", 1, 65535));
  auto zone = dns::load_zone(f.str("zone"), "zone");
  if (!zone) f.fail("zone", zone.error());
  s.records = zone->record_count();
  s.zone = std::move(*zone);
  return s;
}

std::vector<ListenPort> dns_server_ports(const std::any& settings) {
  const std::uint16_t port = std::any_cast<const DnsServerSettings&>(settings).port;
  return {ListenPort{false, port}, ListenPort{true, port}};
}

std::unique_ptr<NetworkApp> make_dns_server(Network& net, const AppSpec& spec, sim::Host& host) {
  return std::make_unique<DnsServerApp>(net, spec, host);
}

void NetworkApp::resolve_then(const std::string& target, std::function<void(IpAddress)> then) {
  if (auto a = IpAddress::parse(target)) {  // either family: no lookup
    then(*a);
    return;
  }
  const NodeSpec* node = net_.topology().node(spec_.host);
  std::optional<IpAddress> server;  // the host's `dns` key, else the one its DHCP lease named
  if (node != nullptr && node->dns) {
    if (auto a = IpAddress::parse(*node->dns)) server = *a;
  }
  if (!server) server = net_.dhcp_dns(spec_.host);
  if (!server) {  // the loader refuses this file; a hand-built Topology may not
    resolve_error_ = "DNS: host " + spec_.host + " has no 'dns' server to ask for " + target;
    return;
  }
  // The families the host can use (getaddrinfo's AI_ADDRCONFIG, RFC 3493
  // 6.1): A when it has an IPv4 address, then AAAA if there is none and
  // the host speaks IPv6; AAAA alone on a host without IPv4.
  bool has_v4 = false;
  for (iface::NicId n = 0; n < host_.stack().nic_count(); ++n) has_v4 = has_v4 || !host_.stack().addresses(n).empty();
  const bool has_v6 = host_.stack().config().ipv6.enabled;
  look_up(*server, target, has_v4 || !has_v6 ? dns::Type::a : dns::Type::aaaa, has_v4 && has_v6, std::move(then));
}

void NetworkApp::look_up(IpAddress server, const std::string& target, dns::Type type, bool then_aaaa,
                         std::function<void(IpAddress)> then) {
  // The AAAA lookup is started from the A lookup's callback: it lives in
  // its own slot, so that the finished one is not destroyed while it runs.
  auto& slot = type == dns::Type::a ? lookup_ : lookup_aaaa_;
  slot = std::make_unique<app::DnsLookup>(
      host_, IpEndpoint{server, dns::kPort}, target, type,
      app::DnsLookupConfig{.seed = mix(net_.world().seed(), spec_.host, target) + (type == dns::Type::a ? 0 : 1)},
      [this, server, then = std::move(then), target, then_aaaa](const app::DnsLookup& l) mutable {
        if (!l.result()) {
          resolve_error_ = "DNS: " + target + ": " + l.result().error().message;
          return;
        }
        const auto addrs = l.result()->addresses();
        if (addrs.empty()) {
          const bool nxdomain = l.result()->rcode == dns::Rcode::nxdomain;
          if (!nxdomain && then_aaaa) return look_up(server, target, dns::Type::aaaa, false, std::move(then));
          resolve_error_ = "DNS: " + target + ": " + (nxdomain ? "no such name (NXDOMAIN)" : "no address (NODATA)");
          return;
        }
        then(addrs.front());
      });
}

}  // namespace wirestack::scenario
