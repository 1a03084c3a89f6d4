// scenario/explore.cpp — see explore.hpp.
#include "scenario/explore.hpp"

#include <algorithm>
#include <array>
#include <iomanip>
#include <sstream>

#include "base/rng.hpp"
#include "scenario/runner.hpp"
#include "scenario/topology.hpp"
#include "tcp/congestion.hpp"

namespace wirestack::scenario {

namespace {

constexpr double kUntil = 120;  // simulated seconds: room for back-off after an outage

struct Node {
  std::string name;
  int lan = 0;
  std::string address;  // without the prefix length
  std::string uplink;   // the name of its cable to its LAN
};

// What a cable between a card and a switch is like: mostly good, sometimes bad.
std::string impairments(Rng& rng, bool host_end) {
  std::ostringstream os;
  static constexpr std::array<const char*, 4> kBandwidths = {"0", "\"10Mbit/s\"", "\"100Mbit/s\"", "\"1Gbit/s\""};
  static constexpr std::array<double, 5> kLoss = {0, 0, 0.001, 0.01, 0.03};
  os << "bandwidth = " << kBandwidths[rng.below(kBandwidths.size())] << "\n";  // 0: infinitely fast
  os << "delay = \"" << 50 + rng.below(5000) << "us\"\n";
  if (rng.chance(0.3)) os << "jitter = \"" << 1 + rng.below(1000) << "us\"\n";  // frames overtake each other
  os << "loss = " << kLoss[rng.below(kLoss.size())] << "\n";
  if (rng.chance(0.2)) os << "duplicate = 0.005\n";
  if (rng.chance(0.2)) os << "bit_error_rate = 1e-6\n";
  if (host_end && rng.chance(0.25)) os << "from_mtu = " << (rng.chance(0.5) ? 1280 : 576) << "\n";
  return os.str();
}

std::string addr(int lan, int host) { return "10." + std::to_string(lan + 1) + ".0." + std::to_string(host); }
std::string net(int lan) { return "10." + std::to_string(lan + 1) + ".0.0/24"; }

}  // namespace

ExploreCase make_case(std::uint64_t seed) {
  Rng rng(seed ^ 0x6675'7a7a'2d73'696dULL);  // "fuzz-sim"
  ExploreCase c;
  c.seed = seed;
  std::ostringstream t;
  std::ostringstream outline;
  const int lans = 1 + static_cast<int>(rng.below(3));
  t << "# wirestack fuzz-sim --from " << seed << " --seeds 1: generated, replays byte for byte\n";
  t << "[scenario]\nname = \"fuzz-" << seed << "\"\nuntil = " << kUntil << "\nseed = " << seed << "\n\n";

  // Switches: one or two per LAN, two joined by a trunk.
  std::vector<std::vector<std::string>> switches(static_cast<std::size_t>(lans));
  std::vector<std::string> trunks(static_cast<std::size_t>(lans));
  for (int l = 0; l < lans; ++l) {
    const int n = 1 + static_cast<int>(rng.below(2));
    for (int i = 0; i < n; ++i) {
      const std::string name = "s" + std::to_string(l) + static_cast<char>('a' + i);
      switches[static_cast<std::size_t>(l)].push_back(name);
      t << "[[switch]]\nname = \"" << name << "\"\nports = 8\n\n";
    }
  }

  // Routers in a chain: r<i> joins LAN i (10.<i+1>.0.1) and LAN i+1 (10.<i+2>.0.2).
  std::vector<Node> routers;
  for (int i = 0; i + 1 < lans; ++i) {
    const std::string name = "r" + std::to_string(i);
    routers.push_back(Node{name, i, "", ""});
    t << "[[router]]\nname = \"" << name << "\"\n";
    if (i > 0) t << "gateway = \"" << addr(i, 2) << "\"\n";  // toward the LANs before it
    std::string routes;
    for (int k = i + 2; k < lans; ++k) {
      routes += std::string(routes.empty() ? "" : ", ") + "{ to = \"" + net(k) + "\", via = \"" + addr(i + 1, 1) + "\" }";
    }
    if (!routes.empty()) t << "routes = [" << routes << "]\n";
    t << "\n";
  }

  // Hosts: one to three per LAN, at least two in all.
  std::vector<Node> hosts;
  for (int l = 0; l < lans; ++l) {
    int n = 1 + static_cast<int>(rng.below(3));
    if (lans == 1) n = std::max(n, 2);
    for (int j = 0; j < n; ++j) {
      Node h{"h" + std::to_string(l) + std::to_string(j), l, addr(l, 10 + j), ""};
      h.uplink = h.name + "-up";
      t << "[[host]]\nname = \"" << h.name << "\"\n";
      // Default route eastward (r<l>), or westward at the last LAN; the other side by routes.
      if (l + 1 < lans) {
        t << "gateway = \"" << addr(l, 1) << "\"\n";
        std::string routes;
        for (int k = 0; k < l; ++k) {
          routes += std::string(routes.empty() ? "" : ", ") + "{ to = \"" + net(k) + "\", via = \"" + addr(l, 2) + "\" }";
        }
        if (!routes.empty()) t << "routes = [" << routes << "]\n";
      } else if (l > 0) {
        t << "gateway = \"" << addr(l, 2) << "\"\n";
      }
      t << "syn_cookies = true\n";
      // Every congestion control the stack has (BBR paces, and recovers by
      // its own rules: the seeds that fault links test them too).
      t << "congestion = \"" << tcp::kAlgorithmNames[rng.below(tcp::kAlgorithmNames.size())].second << "\"\n\n";
      hosts.push_back(h);
    }
  }

  // Cables, with the names the faults and the liveness rule use.
  std::vector<std::string> links;
  for (int l = 0; l < lans; ++l) {
    const auto& sw = switches[static_cast<std::size_t>(l)];
    if (sw.size() == 2) {
      trunks[static_cast<std::size_t>(l)] = "lan" + std::to_string(l) + "-trunk";
      t << "[[link]]\nname = \"" << trunks[static_cast<std::size_t>(l)] << "\"\nfrom = \"" << sw[0] << "\"\nto = \""
        << sw[1] << "\"\n" << impairments(rng, false) << "\n";
      links.push_back(trunks[static_cast<std::size_t>(l)]);
    }
  }
  for (int i = 0; i + 1 < lans; ++i) {
    const std::string r = "r" + std::to_string(i);
    t << "[[link]]\nname = \"" << r << "-west\"\nfrom = \"" << r << "\"\nfrom_address = \"" << addr(i, 1)
      << "/24\"\nto = \"" << switches[static_cast<std::size_t>(i)][0] << "\"\n" << impairments(rng, false) << "\n";
    t << "[[link]]\nname = \"" << r << "-east\"\nfrom = \"" << r << "\"\nfrom_address = \"" << addr(i + 1, 2)
      << "/24\"\nto = \"" << switches[static_cast<std::size_t>(i + 1)][0] << "\"\n" << impairments(rng, false) << "\n";
    links.push_back(r + "-west");
    links.push_back(r + "-east");
  }
  for (const Node& h : hosts) {
    const auto& sw = switches[static_cast<std::size_t>(h.lan)];
    t << "[[link]]\nname = \"" << h.uplink << "\"\nfrom = \"" << h.name << "\"\nfrom_address = \"" << h.address
      << "/24\"\nto = \"" << sw[rng.below(sw.size())] << "\"\n" << impairments(rng, true) << "\n";
    links.push_back(h.uplink);
  }

  // Faults: a cable out for a while, a machine crashing and coming back.
  std::string down_link;
  std::string crashed;
  if (rng.chance(0.3)) {
    down_link = links[rng.below(links.size())];
    const double at = 1 + static_cast<double>(rng.below(4000)) / 1000;
    const double back = at + 0.2 + static_cast<double>(rng.below(2800)) / 1000;
    t << "[[fault]]\nat = " << at << "\nlink = \"" << down_link << "\"\naction = \"down\"\n\n";
    t << "[[fault]]\nat = " << back << "\nlink = \"" << down_link << "\"\naction = \"up\"\n\n";
  }
  if (rng.chance(0.2)) {
    const bool router = !routers.empty() && rng.chance(0.3);
    crashed = router ? routers[rng.below(routers.size())].name : hosts[rng.below(hosts.size())].name;
    const double at = 1 + static_cast<double>(rng.below(4000)) / 1000;
    const double back = at + 0.5 + static_cast<double>(rng.below(2500)) / 1000;
    t << "[[fault]]\nat = " << at << "\nhost = \"" << crashed << "\"\naction = \"crash\"\n\n";
    t << "[[fault]]\nat = " << back << "\nhost = \"" << crashed << "\"\naction = \"restart\"\n\n";
  }

  // Whether an exchange between two hosts may be cut by the faults: its hosts
  // or a router between them crashed, or a cable on its way went down (every
  // trunk of the LANs it crosses counts: an over-approximation).
  auto affected = [&](const Node& a, const Node& b) {
    if (crashed == a.name || crashed == b.name) return true;
    if (down_link == a.uplink || down_link == b.uplink) return true;
    const int lo = std::min(a.lan, b.lan);
    const int hi = std::max(a.lan, b.lan);
    for (int l = lo; l <= hi; ++l) {
      if (!down_link.empty() && down_link == trunks[static_cast<std::size_t>(l)]) return true;
    }
    for (int i = lo; i < hi; ++i) {
      const std::string r = "r" + std::to_string(i);
      if (crashed == r || down_link == r + "-west" || down_link == r + "-east") return true;
    }
    return false;
  };

  // Traffic.
  const int apps = 2 + static_cast<int>(rng.below(7));
  struct Web {
    const Node* server;
    std::uint16_t port;
    std::string client_label;
  };
  std::vector<Web> web_servers;
  int bulk = 0;
  int reliable = 0;
  for (int k = 0; k < apps; ++k) {
    // Two different hosts, but now and then a host talking to itself.
    const std::size_t ci = rng.below(hosts.size());
    const std::size_t si = rng.chance(0.1) ? ci : (ci + 1 + rng.below(hosts.size() - 1)) % hosts.size();
    const Node& client = hosts[ci];
    const Node& server = hosts[si];
    const double at = static_cast<double>(rng.below(3000)) / 1000;
    const std::string pair = client.name + "->" + server.name;
    const auto kind = rng.below(5);
    std::string label;
    if (kind == 0) {
      const auto port = static_cast<std::uint16_t>(5000 + k);
      label = "bulk#" + std::to_string(k) + " " + pair;
      t << "[[app]]\ntype = \"tcp_sink\"\nhost = \"" << server.name << "\"\nport = " << port << "\n\n";
      t << "[[app]]\ntype = \"tcp_bulk\"\nhost = \"" << client.name << "\"\nlabel = \"" << label << "\"\nat = " << at
        << "\nto = \"" << server.address << ":" << port << "\"\nbytes = " << 1000 + rng.below(1'000'000) << "\n\n";
      ++bulk;
    } else if (kind == 1) {
      const auto port = static_cast<std::uint16_t>(8000 + k);
      label = "http#" + std::to_string(k) + " " + pair;
      t << "[[app]]\ntype = \"http_server\"\nhost = \"" << server.name << "\"\nport = " << port << "\n\n";
      t << "[[app]]\ntype = \"http_client\"\nhost = \"" << client.name << "\"\nlabel = \"" << label << "\"\nat = " << at
        << "\nurl = \"http://" << server.address << ":" << port << "/\"\ncount = " << 1 + rng.below(3)
        << "\ninterval = \"50ms\"\n\n";
      web_servers.push_back(Web{&server, port, label});
    } else if (kind == 2) {
      const auto port = static_cast<std::uint16_t>(7000 + k);
      label = "rpc#" + std::to_string(k) + " " + pair;
      t << "[[app]]\ntype = \"rpc_server\"\nhost = \"" << server.name << "\"\nport = " << port << "\n\n";
      t << "[[app]]\ntype = \"rpc_client\"\nhost = \"" << client.name << "\"\nlabel = \"" << label << "\"\nat = " << at
        << "\nto = \"" << server.address << ":" << port << "\"\nmethod = \"echo\"\nparams = '[" << k << "]'\n\n";
    } else if (kind == 3) {
      // Lossy links lose pings: no liveness, but every reply must be sane.
      t << "[[app]]\ntype = \"ping\"\nhost = \"" << client.name << "\"\nat = " << at << "\nto = \"" << server.address
        << "\"\ncount = 3\ninterval = \"200ms\"\nlabel = \"ping#" << k << " " << pair << "\"\n\n";
      continue;
    } else {
      const auto port = static_cast<std::uint16_t>(9000 + k);
      t << "[[app]]\ntype = \"udp_echo_server\"\nhost = \"" << server.name << "\"\nport = " << port << "\n\n";
      t << "[[app]]\ntype = \"udp_client\"\nhost = \"" << client.name << "\"\nat = " << at << "\nto = \""
        << server.address << ":" << port << "\"\ncount = 5\ninterval = \"100ms\"\nlabel = \"udp#"
        << k << " " << pair << "\"\n\n";
      continue;
    }
    ++reliable;
    if (!affected(client, server)) c.must_finish.insert(label);
  }
  if (!web_servers.empty() && rng.chance(0.2)) {
    const Web& target = web_servers[rng.below(web_servers.size())];
    const Node& from = hosts[rng.below(hosts.size())];
    t << "[[app]]\ntype = \"syn_flood\"\nhost = \"" << from.name << "\"\nat = 0.5\nto = \"" << target.server->address
      << ":" << target.port << "\"\nrate = 300\nduration = \"1s\"\n\n";
    outline << "SYN flood, ";
    // Under a flood the server answers with SYN cookies, which read the
    // client's ISN from the ACK that completes the handshake. When
    // duplication and reordering make a later ACK arrive first (one sent
    // after the request), its cookie check fails and the listener answers
    // with a RST whose sequence number is the client's RCV.NXT: the client's
    // connection is reset, on Linux as here (seed 3504 showed it). The
    // flooded server's clients must still see no corrupted data, but need
    // not finish.
    c.must_finish.erase(target.client_label);
  }
  c.toml = t.str();
  std::ostringstream o;
  o << lans << " LAN(s), " << hosts.size() << " hosts, " << routers.size() << " router(s), " << apps << " apps ("
    << reliable << " reliable, " << bulk << " bulk, " << c.must_finish.size() << " must finish), " << outline.str()
    << (down_link.empty() ? "" : "outage of " + down_link + ", ") << (crashed.empty() ? "" : "crash of " + crashed + ", ");
  c.outline = o.str();
  if (c.outline.ends_with(", ")) c.outline.resize(c.outline.size() - 2);
  return c;
}

ExploreVerdict run_case(const ExploreCase& c, std::ostream* narrative) {
  ExploreVerdict v;
  auto topo = load_topology(c.toml, "fuzz-" + std::to_string(c.seed) + ".toml");
  if (!topo) {
    v.ok = false;
    v.problems.push_back("the generated file does not load (a bug in the explorer): " + topo.error());
    return v;
  }
  RunConfig cfg;
  cfg.seed = c.seed;
  cfg.until = topo->until;
  cfg.narrate = narrative != nullptr;
  std::ostringstream sink;
  auto r = run(*topo, cfg, narrative != nullptr ? *narrative : sink);
  if (!r) {
    v.ok = false;
    v.problems.push_back("the run failed: " + r.error().message);
    return v;
  }
  v.events = r->summary.events;
  v.frames = r->frames;
  for (const AppOutcome& o : r->outcomes) {
    std::string text = o.text;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (!o.intact) v.problems.push_back("integrity: " + o.label + ": " + text);
    if (c.must_finish.contains(o.label) && !o.passed) v.problems.push_back("liveness: " + o.label + ": " + text);
  }
  v.ok = v.problems.empty();
  return v;
}

}  // namespace wirestack::scenario
