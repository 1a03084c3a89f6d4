// scenario/checks.cpp — see checks.hpp.
#include "scenario/checks.hpp"

#include <map>
#include <sstream>

#include "wire/ipv4_address.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack::scenario {

namespace {

struct Failure {
  std::string message;
};

[[noreturn]] void fail(const SourcePos& pos, const std::string& what) { throw Failure{located(pos, what)}; }

struct Card {
  const LinkEnd* end;
  Ipv4Prefix prefix;
};

// Every IPv4 card of every node, by node name, in file order.
std::map<std::string, std::vector<Card>> cards_by_node(const Topology& topo) {
  std::map<std::string, std::vector<Card>> out;
  for (const LinkSpec& l : topo.links) {
    for (const LinkEnd* e : {&l.from, &l.to}) {
      if (e->address) out[e->node].push_back(Card{e, *Ipv4Prefix::parse(*e->address)});
    }
  }
  return out;
}

void check_addresses(const Topology& topo) {
  std::map<Ipv4Address, const LinkEnd*> seen4;
  std::map<Ipv6Address, std::pair<const LinkEnd*, SourcePos>> seen6;
  for (const LinkSpec& l : topo.links) {
    for (const LinkEnd* e : {&l.from, &l.to}) {
      if (e->address) {
        const Ipv4Prefix p = *Ipv4Prefix::parse(*e->address);
        if (p.len() <= 30 && (p.address() == p.network() || p.address() == p.broadcast())) {
          fail(e->address_pos, "link: " + *e->address + " is the " +
                                   (p.address() == p.network() ? "network" : "broadcast") +
                                   " address of its subnet, not a card's (use one between " +
                                   Ipv4Address{p.network().to_u32() + 1}.to_string() + " and " +
                                   Ipv4Address{p.broadcast().to_u32() - 1}.to_string() + ")");
        }
        const auto [it, fresh] = seen4.emplace(p.address(), e);
        if (!fresh) {
          fail(e->address_pos, "link: " + p.address().to_string() + " is given twice: to " + e->node +
                                   "'s card here and to " + it->second->node + "'s card at line " +
                                   std::to_string(it->second->address_pos.line) +
                                   " (two cards with one address answer each other's ARP and steal each other's "
                                   "traffic)");
        }
      }
      for (std::size_t i = 0; i < e->addresses6.size(); ++i) {
        const Ipv6Address a = Ipv6Prefix::parse(e->addresses6[i])->address();
        const auto [it, fresh] = seen6.emplace(a, std::pair{e, e->addresses6_pos[i]});
        if (!fresh) {
          std::ostringstream os;
          os << "link: " << a << " is given twice: to " << e->node << "'s card here and to " << it->second.first->node
             << "'s card at line " << it->second.second.line << " (duplicate address detection would refuse it)";
          fail(e->addresses6_pos[i], os.str());
        }
      }
    }
  }
}

// A cable between two cards (no switch): both ends in one subnet.
void check_cables(const Topology& topo) {
  for (const LinkSpec& l : topo.links) {
    if (!l.from.address || !l.to.address) continue;
    const Ipv4Prefix a = *Ipv4Prefix::parse(*l.from.address);
    const Ipv4Prefix b = *Ipv4Prefix::parse(*l.to.address);
    if (a.contains(b.address()) && b.contains(a.address())) continue;
    fail(l.to.address_pos, "link '" + l.name + "': its ends are in different subnets (" + l.from.node + " " +
                               *l.from.address + ", " + l.to.node + " " + *l.to.address +
                               "): neither could send to the other without a router; give both one subnet");
  }
}

// A next hop must be another node on one of this node's networks.
void check_next_hop(const NodeSpec& n, const std::vector<Card>& cards, const std::string& hop, const SourcePos& pos,
                    const std::string& what) {
  const Ipv4Address gw = *Ipv4Address::parse(hop);
  const std::string who = std::string(n.kind == NodeKind::router ? "router '" : "host '") + n.name + "': ";
  bool on_link = false;
  std::string nets;
  for (const Card& c : cards) {
    if (c.prefix.address() == gw) {
      fail(pos, who + what + " " + hop + " is " + n.name +
                    "'s own address: a gateway is another node (a router) on its network");
    }
    on_link = on_link || c.prefix.contains(gw);
    nets += (nets.empty() ? "" : ", ") + c.prefix.network().to_string() + "/" + std::to_string(c.prefix.len());
  }
  if (!on_link) {
    fail(pos, who + what + " " + hop + " is on none of its networks (" + (nets.empty() ? "it has no IPv4 address" : nets) +
                  "): a next hop must be on one of them");
  }
}

void check_gateways(const Topology& topo) {
  const auto cards = cards_by_node(topo);
  static const std::vector<Card> none;
  for (const NodeSpec& n : topo.nodes) {
    const auto it = cards.find(n.name);
    const std::vector<Card>& mine = it != cards.end() ? it->second : none;
    if (n.gateway) check_next_hop(n, mine, *n.gateway, n.gateway_pos, "gateway");
    for (const RouteSpec& r : n.routes) check_next_hop(n, mine, r.via, r.pos, "route to " + r.to + " via");
  }
}

void check_servers(const Topology& topo) {
  std::map<std::tuple<std::string, bool, std::uint16_t>, const AppSpec*> taken;
  for (const AppSpec& a : topo.apps) {
    if (a.type == nullptr || a.type->listens == nullptr) continue;
    for (const ListenPort& p : a.type->listens(a.settings)) {
      const auto [it, fresh] = taken.emplace(std::tuple{a.host, p.tcp, p.port}, &a);
      if (fresh) continue;
      fail(a.pos, "app " + std::string(a.type_name()) + ": port " + std::to_string(p.port) + (p.tcp ? "/tcp" : "/udp") +
                      " of host '" + a.host + "' is taken by the " + std::string(it->second->type_name()) +
                      " at line " + std::to_string(it->second->pos.line) + "; give one of them another 'port'");
    }
  }
}

}  // namespace

Result<void, std::string> check_topology(const Topology& topo) {
  try {
    check_addresses(topo);
    check_cables(topo);
    check_gateways(topo);
    check_servers(topo);
  } catch (const Failure& f) {
    return Unexpected{f.message};
  }
  return {};
}

}  // namespace wirestack::scenario
