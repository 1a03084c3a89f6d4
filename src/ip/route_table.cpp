#include "ip/route_table.hpp"

#include <algorithm>
#include <bit>
#include <sstream>
#include <tuple>

#include "base/assert.hpp"

namespace wirestack::ip {

namespace {

Route normalised(Route r) {
  r.destination = Ipv4Prefix(r.destination.network(), r.destination.len());
  return r;
}

void print_route(std::ostream& os, const Route& r, const RouteTable::InterfaceNamer& name) {
  if (r.destination.len() == 0) {
    os << "default";
  } else if (r.destination.len() == 32) {
    os << r.destination.network();  // `ip route` prints host routes without "/32"
  } else {
    os << r.destination.network() << '/' << static_cast<unsigned>(r.destination.len());
  }
  if (r.gateway) os << " via " << *r.gateway;
  os << " dev ";
  if (name) {
    os << name(r.iface);
  } else {
    os << r.iface;
  }
  if (r.is_connected()) os << " scope link";
  if (r.metric != 0) os << " metric " << r.metric;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Route& r) {
  print_route(os, r, nullptr);
  return os;
}

Result<void, std::string> RouteTable::add(const Route& route) {
  const Route r = normalised(route);
  WIRESTACK_ASSERT(r.destination.len() < kLengths);
  if (r.gateway && !r.gateway->is_unicast()) {
    std::ostringstream msg;
    msg << "route " << r << ": gateway " << *r.gateway << " is not a unicast address";
    return Unexpected{msg.str()};
  }
  Bucket& bucket = by_len_[r.destination.len()][r.destination.network().to_u32()];
  if (std::ranges::any_of(bucket, [&](const Entry& e) { return e.route == r; })) {
    std::ostringstream msg;
    msg << "route " << r << " already exists";
    return Unexpected{msg.str()};
  }
  // Sorted by (metric, seq): a new route goes after every route with a lower
  // or equal metric, since it is the newest.
  const auto pos =
      std::ranges::upper_bound(bucket, r.metric, std::less<>{}, [](const Entry& e) { return e.route.metric; });
  bucket.insert(pos, Entry{.route = r, .seq = next_seq_++});
  lengths_in_use_ |= std::uint64_t{1} << r.destination.len();
  ++size_;
  ++generation_;
  return {};
}

Result<void, std::string> RouteTable::add_connected(InterfaceId iface, Ipv4Prefix address, std::uint32_t metric) {
  return add(Route{.destination = address, .gateway = std::nullopt, .iface = iface, .metric = metric});
}

Result<void, std::string> RouteTable::set_default(Ipv4Address gateway, InterfaceId iface, std::uint32_t metric) {
  const Route r{.destination = Ipv4Prefix(Ipv4Address::any(), 0), .gateway = gateway, .iface = iface, .metric = metric};
  if (!gateway.is_unicast()) {
    std::ostringstream msg;
    msg << "route " << r << ": gateway " << gateway << " is not a unicast address";
    return Unexpected{msg.str()};
  }
  remove_destination(r.destination);
  return add(r);
}

Result<void, std::string> RouteTable::remove(const Route& route) {
  const Route r = normalised(route);
  auto& map = by_len_[r.destination.len()];
  const auto it = map.find(r.destination.network().to_u32());
  if (it != map.end()) {
    Bucket& bucket = it->second;
    const auto e = std::ranges::find_if(bucket, [&](const Entry& x) { return x.route == r; });
    if (e != bucket.end()) {
      bucket.erase(e);  // erasing keeps the (metric, seq) order
      if (bucket.empty()) map.erase(it);
      if (map.empty()) lengths_in_use_ &= ~(std::uint64_t{1} << r.destination.len());
      --size_;
      ++generation_;
      return {};
    }
  }
  std::ostringstream msg;
  msg << "no route " << r;
  return Unexpected{msg.str()};
}

std::size_t RouteTable::remove_destination(Ipv4Prefix destination) {
  const Ipv4Prefix d(destination.network(), destination.len());
  return remove_if([&](const Route& r) { return r.destination == d; });
}

std::size_t RouteTable::remove_interface(InterfaceId iface) {
  return remove_if([&](const Route& r) { return r.iface == iface; });
}

std::size_t RouteTable::remove_if(const std::function<bool(const Route&)>& pred) {
  std::size_t removed = 0;
  for (std::size_t len = 0; len < kLengths; ++len) {
    auto& map = by_len_[len];
    // Erasing while iterating is fine for unordered_map; the order of visits
    // does not matter because every match goes.
    for (auto it = map.begin(); it != map.end();) {
      removed += static_cast<std::size_t>(std::erase_if(it->second, [&](const Entry& e) { return pred(e.route); }));
      it = it->second.empty() ? map.erase(it) : std::next(it);
    }
    if (map.empty()) lengths_in_use_ &= ~(std::uint64_t{1} << len);
  }
  size_ -= removed;
  if (removed > 0) ++generation_;
  return removed;
}

void RouteTable::clear() {
  for (auto& map : by_len_) map.clear();
  lengths_in_use_ = 0;
  size_ = 0;
  ++generation_;
}

std::optional<RouteMatch> RouteTable::lookup(Ipv4Address dst) const {
  // RFC 1812 5.2.4.3: of the routes that match, keep those with the longest
  // prefix. Probe the lengths in use from /32 down; the first hit is it.
  std::uint64_t lengths = lengths_in_use_;
  while (lengths != 0) {
    const auto len = static_cast<std::size_t>(63 - std::countl_zero(lengths));
    lengths &= ~(std::uint64_t{1} << len);
    const Ipv4Prefix probe(dst, static_cast<std::uint8_t>(len));
    const auto& map = by_len_[len];
    const auto it = map.find(probe.network().to_u32());
    if (it == map.end()) continue;
    WIRESTACK_ASSERT(!it->second.empty());
    const Route& best = it->second.front().route;  // lowest metric, then oldest
    return RouteMatch{.route = best, .next_hop = best.gateway.value_or(dst)};
  }
  return std::nullopt;
}

std::vector<Route> RouteTable::routes() const {
  std::vector<const Entry*> all;
  all.reserve(size_);
  for (const auto& map : by_len_) {
    for (const auto& [net, bucket] : map) {
      for (const auto& e : bucket) all.push_back(&e);
    }
  }
  // Hash order never leaks: sort on a total order (seq is unique).
  std::ranges::sort(all, [](const Entry* a, const Entry* b) {
    return std::tuple(a->route.destination.network(), a->route.destination.len(), a->route.metric, a->seq) <
           std::tuple(b->route.destination.network(), b->route.destination.len(), b->route.metric, b->seq);
  });
  std::vector<Route> out;
  out.reserve(all.size());
  for (const Entry* e : all) out.push_back(e->route);
  return out;
}

std::string RouteTable::to_string(const InterfaceNamer& name) const {
  std::ostringstream os;
  for (const Route& r : routes()) {
    print_route(os, r, name);
    os << '\n';
  }
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const RouteTable& t) { return os << t.to_string(); }

}  // namespace wirestack::ip
