#include "scenario/dhcp_apps.hpp"

#include <sstream>

#include "app/dhcp.hpp"
#include "scenario/network_app.hpp"

namespace wirestack::scenario {

namespace {

struct DhcpServerSettings {
  Ipv4Address first;
  Ipv4Address last;
  Duration lease = std::chrono::hours{1};
  std::optional<Ipv4Address> router;
  std::optional<Ipv4Address> dns;
};

class DhcpServerApp final : public NetworkApp {
 public:
  using NetworkApp::NetworkApp;
  bool restarts_with_host() const override { return true; }
  void start() override {
    const auto& s = spec_.settings_as<DhcpServerSettings>();
    app_.reset();
    error_.clear();
    dhcp::ServerConfig c{.pool_first = s.first, .pool_last = s.last, .lease = s.lease};
    if (s.router) c.routers = {*s.router};
    if (s.dns) c.dns_servers = {*s.dns};
    bool found = false;
    for (iface::NicId n = 0; n < host_.stack().nic_count() && !found; ++n) {
      for (const Ipv4Prefix& p : host_.stack().addresses(n)) {
        if (!found && p.contains(s.first)) {
          c.server = p;
          found = true;
        }
      }
    }
    if (!found) {
      error_ = "no card of " + spec_.host + " is on the pool's network";
      return;
    }
    if (auto v = dhcp::validate(c); !v) {
      error_ = v.error();
      return;
    }
    app_ = std::make_unique<app::DhcpServer>(host_, std::move(c));
  }
  std::string text() const override {
    std::ostringstream os;
    os << "DHCP server " << spec_.host << ": ";
    if (!error_.empty()) return os.str() + error_ + "\n";
    if (!app_->bound()) return os.str() + "cannot bind: " + app_->bound().error().message + "\n";
    const dhcp::ServerStats& st = app_->server().stats();
    os << st.discovers << " DISCOVER, " << st.offers << " OFFER, " << st.requests << " REQUEST, " << st.acks
       << " ACK, " << st.naks << " NAK, " << st.releases << " RELEASE, " << st.declines << " DECLINE, "
       << st.pool_exhausted << " unanswered (pool full), " << app_->malformed() << " malformed\n";
    for (const auto& b : app_->server().bindings(host_.now())) {
      if (b.state == dhcp::Server::SlotState::bound) os << "  lease " << b.address << " to " << b.client << "\n";
    }
    return os.str();
  }
  bool succeeded() const override { return error_.empty() && app_ && app_->bound().has_value(); }

 private:
  std::unique_ptr<app::DhcpServer> app_;
  std::string error_;
};

}  // namespace

std::any parse_dhcp_server(const AppFields& f) {
  DhcpServerSettings s;
  const std::string pool = f.str("pool");
  const auto dash = pool.find('-');
  if (dash == std::string::npos) f.fail("pool", "'" + pool + "': expected FIRST-LAST, such as \"10.0.1.100-10.0.1.150\"");
  auto first = Ipv4Address::parse(pool.substr(0, dash));
  auto last = Ipv4Address::parse(pool.substr(dash + 1));
  if (!first) f.fail("pool", "'" + pool + "': " + first.error());
  if (!last) f.fail("pool", "'" + pool + "': " + last.error());
  if (*first > *last) f.fail("pool", "'" + pool + "': the first address comes after the last");
  if (last->to_u32() - first->to_u32() >= 65536) f.fail("pool", "'" + pool + "': more than 65,536 addresses");
  s.first = *first;
  s.last = *last;
  if (f.has("lease")) {
    s.lease = f.time("lease");
    if (s.lease < std::chrono::seconds{1}) f.fail("lease", "a lease of at least 1 s");
  }
  if (f.has("router")) s.router = *Ipv4Address::parse(f.address("router"));
  if (f.has("dns")) s.dns = *Ipv4Address::parse(f.address("dns"));
  return s;
}

std::vector<ListenPort> dhcp_server_ports(const std::any& /*settings*/) { return {ListenPort{false, dhcp::kServerPort}}; }

std::unique_ptr<NetworkApp> make_dhcp_server(Network& net, const AppSpec& spec, sim::Host& host) {
  return std::make_unique<DhcpServerApp>(net, spec, host);
}

}  // namespace wirestack::scenario
