// scenario/network.cpp — builds the World of a Topology and runs its applications.
#include "scenario/network.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "app/dhcp.hpp"
#include "scenario/network_app.hpp"
#include "base/percentiles.hpp"

namespace wirestack::scenario {

// ---- Network -----------------------------------------------------------------

Network::Network(const Topology& topo, std::uint64_t seed) : topo_(topo), world_(seed) {}
Network::~Network() = default;

void Network::note(const std::string& text) {
  if (note_) note_(world_.now(), text);
}

std::vector<Network::SinkRecord> Network::sink_records() const {
  std::vector<SinkRecord> out;
  for (const auto& a : apps_) {
    if (a->started()) a->sink_records(out);
  }
  return out;
}

std::unique_ptr<Network> Network::create(const Topology& topo, std::uint64_t seed) {
  return std::unique_ptr<Network>(new Network(topo, seed));
}

Result<std::unique_ptr<Network>, std::string> Network::build(const Topology& topo, std::uint64_t seed) {
  auto net = create(topo, seed);
  if (auto r = net->wire_up(); !r) return Unexpected{r.error()};
  return net;
}

std::optional<IpAddress> Network::dhcp_dns(const std::string& host) const {
  const auto it = dhcp_dns_.find(host);
  if (it == dhcp_dns_.end()) return std::nullopt;
  return it->second;
}

// A card whose address is "dhcp": a client whose leases configure the card
// (address, default route, DNS server for names), told in the narrative.
void Network::start_dhcp(sim::Host& h, iface::NicId nic) {
  const std::uint64_t seed = world_.seed() * 0x9e3779b97f4a7c15ULL + dhcp_.size() + 1;
  auto apply = [this, &h, nic](const dhcp::ClientEvent& e) {
    auto& stack = h.stack();
    std::ostringstream os;
    os << h.name() << ": DHCP ";
    if (e.kind == dhcp::ClientEvent::Kind::lost) {
      stack.remove_address(nic, e.lease.address);
      dhcp_dns_.erase(h.name());
      os << "lease of " << e.lease.address << " ended: address removed";
      note(os.str());
      return;
    }
    if (e.kind == dhcp::ClientEvent::Kind::bound) {
      if (auto r = stack.add_address(nic, e.lease.address); !r) os << "(" << r.error() << ") ";
      if (!e.lease.routers.empty()) (void)stack.routes().set_default(e.lease.routers.front(), nic);
    }
    if (!e.lease.dns_servers.empty()) dhcp_dns_[h.name()] = IpAddress(e.lease.dns_servers.front());
    os << (e.kind == dhcp::ClientEvent::Kind::bound ? "bound to " : "renewed ") << e.lease.address << " from server "
       << e.lease.server << " for ";
    print_seconds(os, e.lease.lease);
    if (!e.lease.routers.empty()) os << ", gateway " << e.lease.routers.front();
    if (!e.lease.dns_servers.empty()) os << ", DNS " << e.lease.dns_servers.front();
    note(os.str());
  };
  dhcp_.push_back(std::make_unique<app::DhcpClient>(h, dhcp::ClientConfig{.mac = h.stack().mac(nic)}, seed,
                                                   std::move(apply)));
}

Result<void, std::string> Network::wire_up() {
  std::map<std::string, sim::Host*> hosts;
  std::map<std::string, sim::Switch*> switches;
  for (const auto& n : topo_.nodes) {
    if (n.kind == NodeKind::switch_) {
      sim::Switch& sw = world_.add_switch(n.name, n.ports, sim::SwitchConfig{.stp = n.stp});
      // The spanning tree's port changes go into the narrative.
      sw.on_port_change([this](const sim::Switch& s, const link::PortChange& c) {
        std::ostringstream os;
        os << "stp: " << s.name() << " " << c;
        note(os.str());
      });
      switches[n.name] = &sw;
      continue;
    }
    iface::InterfaceConfig cfg;
    // IPv6 autoconfiguration (DAD, router discovery, SLAAC, RAs) on the
    // nodes with an IPv6 card; the others stay IPv4-only on the wire, as
    // they were.
    for (const auto& l : topo_.links) {
      for (const LinkEnd* e : {&l.from, &l.to}) {
        if (e->node != n.name) continue;
        cfg.ipv6.enabled = cfg.ipv6.enabled || e->has_ipv6();
      }
    }
    cfg.ipv6.slaac = std::any_of(topo_.links.begin(), topo_.links.end(), [&](const LinkSpec& l) {
      return (l.from.node == n.name && l.from.slaac) || (l.to.node == n.name && l.to.slaac);
    });
    // Simulated servers listen on their usual ports (80, 53, ...), as root would.
    cfg.tcp.allow_privileged_ports = true;
    cfg.udp.allow_privileged_ports = true;
    cfg.tcp.syn_cookies = n.syn_cookies;
    if (n.syn_backlog) cfg.tcp.syn_backlog = *n.syn_backlog;
    if (n.congestion) cfg.tcp.connection.congestion = *n.congestion;
    if (n.ecn) cfg.tcp.connection.ecn = *n.ecn;
    if (n.rcvbuf) {
      cfg.tcp.connection.recv_buffer = n.rcvbuf->start;
      cfg.tcp.connection.recv_buffer_max = n.rcvbuf->max;
    }
    if (n.sndbuf) {
      cfg.tcp.connection.send_buffer = n.sndbuf->start;
      cfg.tcp.connection.send_buffer_max = n.sndbuf->max;
    }
    sim::Host& h = n.kind == NodeKind::router ? world_.add_router(n.name, cfg) : world_.add_host(n.name, cfg);
    hosts[n.name] = &h;
    // What autoconfiguration does (DAD passed or failed, SLAAC, routers)
    // and IPv4 address conflicts (RFC 5227) go into the narrative as they happen.
    h.on_activity([this, &h, v6 = cfg.ipv6.enabled] {
      if (v6) {
        for (const iface::AddressEvent& e : h.stack().take_address_events()) {
          std::ostringstream os;
          os << h.name() << ": " << e;
          note(os.str());
        }
      }
      if (h.stack().has_arp_conflicts()) {
        for (const iface::ArpConflict& c : h.stack().take_arp_conflicts()) {
          std::ostringstream os;
          os << h.name() << ": " << c;
          note(os.str());
        }
      }
    });
  }
  for (const auto& l : topo_.links) {
    const LinkEnd* a = &l.from;
    const LinkEnd* b = &l.to;
    const auto fail = [&](const SourcePos& pos, const std::string& e) {
      return Unexpected{located(pos, "link '" + l.name + "': " + e)};
    };
    // A card's IPv6 addresses (tentative until DAD) and advertised prefixes.
    const auto configure6 = [&](sim::Host& h, iface::NicId nic, const LinkEnd& e) -> Result<void, std::string> {
      for (const std::string& text : e.addresses6) {
        if (auto r = h.stack().add_address6(nic, *Ipv6Prefix::parse(text)); !r) return fail(e.pos, r.error());
      }
      for (const std::string& text : e.advertise) {
        if (auto r = h.stack().advertise6(nic, *Ipv6Prefix::parse(text)); !r) return fail(e.pos, r.error());
      }
      h.kick();
      return {};
    };
    const bool a_switch = switches.count(a->node) != 0;
    const bool b_switch = switches.count(b->node) != 0;
    if (a_switch && !b_switch) std::swap(a, b);
    sim::Link* link = nullptr;
    if (a_switch && b_switch) {
      auto r = world_.connect(*switches[a->node], static_cast<sim::PortId>(*a->port), *switches[b->node],
                              static_cast<sim::PortId>(*b->port), l.cable);
      if (!r) return fail(l.pos, r.error());
      link = *r;
      if (l.stp_cost) {
        switches[a->node]->set_path_cost(static_cast<sim::PortId>(*a->port), *l.stp_cost);
        switches[b->node]->set_path_cost(static_cast<sim::PortId>(*b->port), *l.stp_cost);
      }
    } else if (a_switch || b_switch) {
      sim::Host& h = *hosts[a->node];
      auto r = world_.connect(h, *switches[b->node], static_cast<sim::PortId>(*b->port), a->address.value_or(""),
                              l.cable, sim::NicOptions{.mtu = a->mtu});
      if (!r) return fail(a->pos, r.error());
      if (auto c = configure6(h, *r, *a); !c) return Unexpected{c.error()};
      if (a->dhcp) start_dhcp(h, *r);
      link = h.link_of(*r);
      if (l.stp_cost) switches[b->node]->set_path_cost(static_cast<sim::PortId>(*b->port), *l.stp_cost);
    } else {
      sim::Host& h = *hosts[a->node];
      auto r = world_.connect(h, a->address.value_or(""), *hosts[b->node], b->address.value_or(""), l.cable,
                              sim::NicOptions{.mtu = a->mtu}, sim::NicOptions{.mtu = b->mtu});
      if (!r) return fail(l.pos, r.error());
      if (auto c = configure6(h, r->first, *a); !c) return Unexpected{c.error()};
      if (auto c = configure6(*hosts[b->node], r->second, *b); !c) return Unexpected{c.error()};
      if (a->dhcp) start_dhcp(h, r->first);
      if (b->dhcp) start_dhcp(*hosts[b->node], r->second);
      link = h.link_of(r->first);
    }
    links_.push_back(link);
  }
  for (const auto& n : topo_.nodes) {
    if (n.kind == NodeKind::switch_) continue;
    sim::Host& h = *hosts[n.name];
    if (n.gateway) {
      if (auto r = world_.set_gateway(h, *n.gateway); !r) {
        return Unexpected{located(n.pos, "host '" + n.name + "': gateway " + *n.gateway + ": " + r.error())};
      }
    }
    for (const auto& route : n.routes) {
      if (auto r = world_.add_route(h, route.to, route.via); !r) {
        return Unexpected{located(route.pos, "host '" + n.name + "': route to " + route.to + ": " + r.error())};
      }
    }
  }
  for (const auto& s : topo_.apps) {
    apps_.push_back(s.type->make(*this, s, *hosts[s.host]));
    App* app = apps_.back().get();
    const auto launch = [app] {
      app->mark_started();
      app->start();
    };
    if (s.start <= Duration::zero()) {
      launch();
    } else {
      world_.queue().schedule_in(s.start, launch);
    }
  }
  for (const auto& f : topo_.faults) {
    std::vector<sim::Link*> targets;
    std::string what;
    if (f.kind == FaultKind::link_down || f.kind == FaultKind::link_up) {
      for (std::size_t i = 0; i < topo_.links.size(); ++i) {
        if (topo_.links[i].name == f.target) targets.push_back(links_[i]);
      }
      what = "link " + f.target + (f.kind == FaultKind::link_down ? " goes down" : " comes back up");
    } else {
      sim::Host& h = *hosts[f.target];
      for (iface::NicId n = 0; n < h.stack().nic_count(); ++n) targets.push_back(h.link_of(n));
      what = "host " + f.target +
             (f.kind == FaultKind::crash
                  ? " crashes: its cables go dead and its stack forgets every connection, socket and cache"
                  : " restarts: its cables come back, its servers start again with no connection");
    }
    const bool up = f.kind == FaultKind::link_up || f.kind == FaultKind::restart;
    sim::Host* host = f.kind == FaultKind::crash || f.kind == FaultKind::restart ? hosts[f.target] : nullptr;
    std::vector<App*> on_host;
    for (auto& a : apps_) {
      if (host != nullptr && a->spec().host == f.target) on_host.push_back(a.get());
    }
    const bool crash = f.kind == FaultKind::crash;
    world_.queue().schedule_in(f.at, [this, targets, up, what, host, on_host, crash] {
      note("fault: " + what);
      const Instant now = world_.now();
      if (host != nullptr && crash) {
        for (App* a : on_host) a->host_crashed(now);
        host->crash();
      }
      for (sim::Link* l : targets) l->set_up(up);
      if (host != nullptr && !crash) {
        host->restart();
        for (App* a : on_host) a->host_restarted(now);
      }
    });
  }
  return {};
}

std::vector<AppOutcome> Network::outcomes() const {
  std::vector<AppOutcome> out;
  for (const auto& a : apps_) {
    const std::string label =
        a->spec().label.empty() ? std::string(a->spec().type_name()) + " on " + a->spec().host : a->spec().label;
    AppOutcome o{label, {}, false};
    if (!a->started()) {
      o.text = label + ": not started (it starts at " + std::to_string(to_seconds(a->spec().start)) +
               " s, after the end of the run)\n";
      o.passed = false;
    } else {
      o.text = a->full_text();
      const bool ok = a->succeeded();
      o.passed = a->spec().expect == Expect::failure ? !ok : ok;
      o.intact = a->intact();
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<ClientRun> Network::client_runs() const {
  std::vector<ClientRun> out;
  const auto all = outcomes();
  for (std::size_t i = 0; i < apps_.size(); ++i) {
    ClientRun run{all[i].label, apps_[i]->spec().host, {}, all[i].passed, {}};
    if (auto server = apps_[i]->requests(run.requests)) {
      run.server = *server;
      out.push_back(std::move(run));
    }
  }
  return out;
}

bool DelayCauses::none() const {
  return resolution_drops.empty() && listen_drops.empty() && retransmitted_segments == 0 && link_queue_drops == 0 &&
         link_losses == 0 && link_bit_errors == 0;
}

namespace {

std::uint64_t sum(const DelayCauses::PerHost& v) {
  std::uint64_t n = 0;
  for (const auto& [host, count] : v) n += count;
  return n;
}

// " (c0 37, c1 12, and 3 more hosts)"
void print_hosts(std::ostream& os, const DelayCauses::PerHost& v) {
  if (v.empty()) return;
  constexpr std::size_t kShown = 5;
  const char* sep = " (";
  for (std::size_t i = 0; i < v.size() && i < kShown; ++i) os << std::exchange(sep, ", ") << v[i].first << " " << v[i].second;
  if (v.size() > kShown) os << ", and " << v.size() - kShown << " more hosts";
  os << ")";
}

void add(DelayCauses::PerHost& v, const std::string& host, std::uint64_t n) {
  if (n > 0) v.emplace_back(host, n);
}

void order(DelayCauses::PerHost& v) {
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const DelayCauses& c) {
  os << "where the waiting came from: " << sum(c.resolution_drops) << " datagrams dropped while ARP/ND resolved";
  print_hosts(os, c.resolution_drops);
  os << ", " << sum(c.listen_drops) << " SYNs dropped by full listen queues";
  print_hosts(os, c.listen_drops);
  os << ", " << c.retransmitted_segments << " retransmitted segments, "
     << c.link_queue_drops + c.link_losses + c.link_bit_errors << " frames dropped on links";
  if (c.link_queue_drops + c.link_losses + c.link_bit_errors > 0) {
    os << " (" << c.link_queue_drops << " by full queues, " << c.link_losses << " lost, " << c.link_bit_errors
       << " with bit errors)";
  }
  if (c.none()) os << ": nothing was lost or sent twice, the latency is the path, its queues and the servers' work";
  return os;
}

DelayCauses Network::delay_causes(std::uint64_t retransmitted_segments) const {
  DelayCauses c;
  c.retransmitted_segments = retransmitted_segments;
  for (const auto& host : world_.hosts()) {
    const iface::InterfaceCounters& ic = host->stack().counters();
    add(c.resolution_drops, host->name(), ic.ipv4.arp_queue_drops + ic.ipv6.nd_queue_drops);
    const tcp::TcpCounters& tc = host->stack().tcp().counters();
    add(c.listen_drops, host->name(), tc.syn_queue_drops + tc.accept_queue_drops);
  }
  order(c.resolution_drops);
  order(c.listen_drops);
  for (const auto& l : world_.links()) {
    for (int side : {0, 1}) {
      const sim::LinkCounters& lc = l.link->counters(side);
      c.link_queue_drops += lc.dropped_queue + lc.codel_dropped;
      c.link_losses += lc.dropped_loss;
      c.link_bit_errors += lc.dropped_fcs;
    }
  }
  return c;
}

bool Network::has_request_clients() const {
  return std::any_of(apps_.begin(), apps_.end(), [](const auto& a) { return !a->request_target().empty(); });
}

bool Network::report(std::ostream& os, const DelayCauses& causes) const {
  bool all = true;
  for (const auto& o : outcomes()) {
    os << o.text;
    if (!o.passed) {
      os << "  ^ not what " << topo_.file << " expects for '" << o.label << "'\n";
      all = false;
    }
  }
  // Totals when several hosts' clients asked the same thing (the spike).
  std::map<std::string, std::vector<const App*>> groups;
  for (const auto& a : apps_) {
    if (a->started() && !a->request_target().empty()) groups[a->request_target()].push_back(a.get());
  }
  for (const auto& [target, members] : groups) {
    if (members.size() < 2) continue;
    std::vector<Duration> answered;
    std::size_t clients = 0;
    for (const App* a : members) a->collect(answered, clients);
    os << "all " << clients << " clients (" << target << ", from " << members.size() << " hosts): " << answered.size()
       << " answered (" << std::fixed << std::setprecision(2)
       << 100.0 * static_cast<double>(answered.size()) / static_cast<double>(clients) << std::defaultfloat << " %)";
    if (!answered.empty()) {
      const Percentiles p = percentiles(answered);
      os << "; latency p50 " << ms(p.p50) << ", p90 " << ms(p.p90) << ", p99 " << ms(p.p99) << ", max " << ms(p.max);
    }
    os << "\n";
  }
  if (has_request_clients()) os << causes << "\n";
  // Where each spanning tree stands at the end.
  for (const auto& sw : world_.switches()) {
    if (const link::SpanningTree* stp = sw->stp()) {
      os << sw->name() << ": spanning tree root " << stp->root();
      if (stp->is_root()) {
        os << " (this switch)";
      } else if (stp->root_port()) {
        os << " at cost " << stp->root_path_cost() << " through port " << *stp->root_port();
      }
      const char* sep = ": ";
      for (link::StpPort p = 0; p < stp->port_count(); ++p) {
        if (!sw->is_connected(p)) continue;
        os << std::exchange(sep, ", ") << "port " << p << " " << link::to_string(stp->state(p));
        if (stp->role(p) == link::PortRole::alternate) os << " (alternate)";
        if (stp->role(p) == link::PortRole::root) os << " (root)";
      }
      os << "\n";
    }
  }
  if (const auto& storm = world_.storms().report()) {
    os << "at " << to_seconds(storm->when.time_since_epoch()) << " s: " << storm->explanation << "\n";
  } else if (topo_.expect_storm) {
    os << "no broadcast storm detected\n";
  }
  if (world_.storms().report().has_value() != topo_.expect_storm) {
    if (topo_.expect_storm) os << "  ^ " << topo_.file << " expects a broadcast storm\n";
    all = false;
  }
  return all;
}

}  // namespace wirestack::scenario
