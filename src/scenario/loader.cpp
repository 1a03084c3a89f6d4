// scenario/loader.cpp — TOML (toml++, header-only) into a checked Topology.
//
// Inside this file a problem is thrown as a LoadError carrying its final
// message (file:line:column: what) and caught once in load_topology(): the
// public interface returns errors as values.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "scenario/topology.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::scenario {

std::string located(const SourcePos& pos, std::string_view what) {
  std::ostringstream os;
  os << pos.file << ":" << pos.line << ":" << pos.column << ": " << what;
  return os.str();
}

std::string_view to_string(AppKind k) {
  switch (k) {
    case AppKind::ping: return "ping";
    case AppKind::traceroute: return "traceroute";
    case AppKind::udp_echo_server: return "udp_echo_server";
    case AppKind::udp_client: return "udp_client";
    case AppKind::tcp_echo_server: return "tcp_echo_server";
    case AppKind::tcp_sink: return "tcp_sink";
    case AppKind::tcp_bulk: return "tcp_bulk";
    case AppKind::http_server: return "http_server";
    case AppKind::http_client: return "http_client";
    case AppKind::rpc_server: return "rpc_server";
    case AppKind::rpc_client: return "rpc_client";
    case AppKind::syn_flood: return "syn_flood";
  }
  return "?";
}

const NodeSpec* Topology::node(std::string_view n) const {
  for (const auto& s : nodes) {
    if (s.name == n) return &s;
  }
  return nullptr;
}

namespace {

struct LoadError {
  std::string message;
};

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// A number followed by a unit, "2.5 ms": the number and the unit.
std::optional<std::pair<double, std::string>> number_and_unit(std::string_view text) {
  const std::string t = trim(text);
  std::size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) != 0 || t[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  std::istringstream is(t.substr(0, i));
  is >> v;
  if (is.fail() || !is.eof()) return std::nullopt;
  return std::pair{v, trim(std::string_view(t).substr(i))};
}

}  // namespace

Result<std::uint64_t, std::string> parse_bandwidth(std::string_view text) {
  const auto nu = number_and_unit(text);
  static const std::map<std::string, double, std::less<>> units = {
      {"bit/s", 1},     {"bps", 1},     {"kbit/s", 1e3}, {"kbps", 1e3}, {"Mbit/s", 1e6},
      {"Mbps", 1e6},    {"Gbit/s", 1e9}, {"Gbps", 1e9}};
  if (!nu) return Unexpected{std::string("expected a rate such as \"100Mbit/s\" (units: bit/s, kbit/s, Mbit/s, Gbit/s)")};
  const auto u = units.find(nu->second);
  if (u == units.end()) {
    return Unexpected{"unknown rate unit '" + nu->second + "' (units: bit/s, kbit/s, Mbit/s, Gbit/s, or bps, kbps, Mbps, Gbps)"};
  }
  return static_cast<std::uint64_t>(std::llround(nu->first * u->second));
}

Result<Duration, std::string> parse_time_text(std::string_view text) {
  const auto nu = number_and_unit(text);
  static const std::map<std::string, double, std::less<>> units = {
      {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"", 1}};
  if (!nu) return Unexpected{std::string("expected a time such as \"2ms\" (units: ns, us, ms, s)")};
  const auto u = units.find(nu->second);
  if (u == units.end()) return Unexpected{"unknown time unit '" + nu->second + "' (units: ns, us, ms, s)"};
  return Duration{static_cast<Duration::rep>(std::llround(nu->first * u->second * 1e9))};
}

namespace {

SourcePos pos_of(const toml::source_region& r, const std::string& file) {
  return SourcePos{file, r.begin.line, r.begin.column};
}

// One TOML table being read: every key must be one the caller knows.
class Fields {
 public:
  Fields(const toml::table& t, std::string what, const std::string& file, std::vector<std::string> allowed)
      : t_(t), what_(std::move(what)), file_(file) {
    for (auto&& [k, v] : t) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(pos_of(k.source(), file_), "unknown key '" + std::string(k.str()) + "' (expected one of: " + list + ")");
      }
    }
  }

  SourcePos pos() const { return pos_of(t_.source(), file_); }
  SourcePos pos(std::string_view key) const {
    const toml::node* n = t_.get(key);
    return n != nullptr ? pos_of(n->source(), file_) : pos();
  }
  bool has(std::string_view key) const { return t_.contains(key); }
  const toml::node* node(std::string_view key) const { return t_.get(key); }

  [[noreturn]] void fail(const SourcePos& p, const std::string& msg) const {
    throw LoadError{located(p, what_ + ": " + msg)};
  }
  [[noreturn]] void fail(std::string_view key, const std::string& msg) const { fail(pos(key), msg); }

  std::string str(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) fail(pos(), "missing key '" + std::string(key) + "'");
    if (!n->is_string()) fail(key, "'" + std::string(key) + "' must be a string, not " + type_name(*n));
    return std::string(n->as_string()->get());
  }
  std::optional<std::string> opt_str(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return str(key);
  }
  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) fail(pos(), "missing key '" + std::string(key) + "'");
    if (!n->is_integer()) fail(key, "'" + std::string(key) + "' must be an integer, not " + type_name(*n));
    const std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      fail(key, "'" + std::string(key) + "' = " + std::to_string(v) + " is out of range (" + std::to_string(min) +
                    ".." + std::to_string(max) + ")");
    }
    return v;
  }
  double number(std::string_view key, double min, double max) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) fail(pos(), "missing key '" + std::string(key) + "'");
    double v = 0;
    if (n->is_integer()) {
      v = static_cast<double>(n->as_integer()->get());
    } else if (n->is_floating_point()) {
      v = n->as_floating_point()->get();
    } else {
      fail(key, "'" + std::string(key) + "' must be a number, not " + type_name(*n));
    }
    if (!(v >= min && v <= max)) {
      std::ostringstream os;
      os << "'" << key << "' = " << v << " is out of range (" << min << ".." << max << ")";
      fail(key, os.str());
    }
    return v;
  }
  bool boolean(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) fail(pos(), "missing key '" + std::string(key) + "'");
    if (!n->is_boolean()) fail(key, "'" + std::string(key) + "' must be true or false, not " + type_name(*n));
    return n->as_boolean()->get();
  }
  // A time: a number of seconds, or a string with a unit ("2ms").
  Duration time(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (n == nullptr) fail(pos(), "missing key '" + std::string(key) + "'");
    if (n->is_string()) {
      auto d = parse_time_text(n->as_string()->get());
      if (!d) fail(key, "'" + std::string(key) + "' = \"" + n->as_string()->get() + "\": " + d.error());
      if (*d < Duration::zero()) fail(key, "'" + std::string(key) + "' must not be negative");
      return *d;
    }
    const double s = number(key, 0, 1e9);
    return Duration{static_cast<Duration::rep>(std::llround(s * 1e9))};
  }
  std::string address(std::string_view key) const {  // "10.0.0.1"
    std::string s = str(key);
    if (auto a = Ipv4Address::parse(s); !a) fail(key, a.error());
    return s;
  }
  std::string prefix(std::string_view key) const {  // "10.0.0.1/24"
    std::string s = str(key);
    if (auto a = Ipv4Prefix::parse(s); !a) fail(key, a.error());
    return s;
  }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a number";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      default: return "a date or time";
    }
  }

 private:
  const toml::table& t_;
  std::string what_;
  const std::string& file_;
};

// The tables of an array of tables `[[key]]` (or nothing).
std::vector<const toml::table*> tables_of(const toml::table& root, std::string_view key, const std::string& file) {
  std::vector<const toml::table*> out;
  const toml::node* n = root.get(key);
  if (n == nullptr) return out;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    throw LoadError{located(pos_of(n->source(), file),
                            std::string(key) + ": expected an array of tables, written [[" + std::string(key) + "]]")};
  }
  for (const auto& e : *arr) {
    if (!e.is_table()) {
      throw LoadError{located(pos_of(e.source(), file),
                              std::string(key) + ": expected a table, written [[" + std::string(key) + "]]")};
    }
    out.push_back(e.as_table());
  }
  return out;
}

// "10.0.2.20:9000"
std::pair<std::string, std::uint16_t> endpoint(const Fields& f, std::string_view key, bool port_required) {
  const std::string s = f.str(key);
  const auto colon = s.find(':');
  const std::string addr = s.substr(0, colon);
  if (auto a = Ipv4Address::parse(addr); !a) f.fail(key, a.error());
  if (colon == std::string::npos) {
    if (port_required) f.fail(key, "'" + s + "': expected ADDRESS:PORT, such as \"10.0.2.20:9000\"");
    return {addr, 0};
  }
  const std::string p = s.substr(colon + 1);
  char* end = nullptr;
  const unsigned long v = std::strtoul(p.c_str(), &end, 10);
  if (p.empty() || *end != '\0' || v == 0 || v > 65535) f.fail(key, "'" + s + "': the port must be 1..65535");
  return {addr, static_cast<std::uint16_t>(v)};
}

void read_node(const toml::table& t, NodeKind kind, const std::string& file, Topology& topo) {
  const std::string what = kind == NodeKind::switch_ ? "switch" : kind == NodeKind::router ? "router" : "host";
  std::vector<std::string> keys = {"name"};
  if (kind == NodeKind::switch_) {
    keys.push_back("ports");
  } else {
    keys.insert(keys.end(), {"gateway", "routes", "syn_cookies", "syn_backlog", "congestion"});
  }
  Fields f(t, what, file, keys);
  NodeSpec n;
  n.kind = kind;
  n.name = f.str("name");
  n.pos = f.pos("name");
  if (n.name.empty() || n.name.find_first_of(" /:") != std::string::npos) {
    f.fail("name", "name '" + n.name + "' must be non-empty, without spaces, '/' or ':'");
  }
  if (const NodeSpec* other = topo.node(n.name)) {
    f.fail("name", "the name '" + n.name + "' is already used (line " + std::to_string(other->pos.line) + ")");
  }
  if (kind == NodeKind::switch_) {
    if (f.has("ports")) n.ports = static_cast<std::size_t>(f.integer("ports", 1, 1024));
  } else {
    if (f.has("gateway")) n.gateway = f.address("gateway");
    if (f.has("syn_cookies")) n.syn_cookies = f.boolean("syn_cookies");
    if (f.has("syn_backlog")) n.syn_backlog = static_cast<std::uint32_t>(f.integer("syn_backlog", 1, 1 << 20));
    if (f.has("congestion")) {
      const std::string name = f.str("congestion");
      auto algorithm = tcp::parse_algorithm(name);  // "unknown congestion control 'x' (known: ...)"
      if (!algorithm) f.fail("congestion", "'congestion' = \"" + name + "\": " + algorithm.error());
      n.congestion = *algorithm;
    }
    if (const toml::node* r = f.node("routes")) {
      const toml::array* arr = r->as_array();
      if (arr == nullptr) f.fail("routes", "'routes' must be an array of tables: [{ to = \"10.0.3.0/24\", via = \"10.0.1.2\" }]");
      for (const auto& e : *arr) {
        if (!e.is_table()) f.fail(pos_of(e.source(), file), "a route must be a table: { to = \"10.0.3.0/24\", via = \"10.0.1.2\" }");
        Fields rf(*e.as_table(), what + " '" + n.name + "' route", file, {"to", "via"});
        n.routes.push_back(RouteSpec{rf.prefix("to"), rf.address("via"), rf.pos()});
      }
    }
  }
  topo.nodes.push_back(std::move(n));
}

LinkEnd read_end(const Fields& f, const std::string& side, const Topology& topo) {
  LinkEnd e;
  e.node = f.str(side);
  e.pos = f.pos(side);
  const NodeSpec* n = topo.node(e.node);
  if (n == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : topo.nodes) names.push_back(s.name);
    std::sort(names.begin(), names.end());
    std::string list;
    for (const auto& s : names) list += (list.empty() ? "" : ", ") + s;
    f.fail(side, "unknown node '" + e.node + "' (declared: " + (list.empty() ? "none" : list) + ")");
  }
  const std::string addr_key = side + "_address";
  const std::string mtu_key = side + "_mtu";
  const std::string port_key = side + "_port";
  if (n->kind == NodeKind::switch_) {
    if (f.has(addr_key)) f.fail(addr_key, "'" + e.node + "' is a switch: its ports have no address");
    if (f.has(port_key)) {
      e.port = static_cast<std::size_t>(f.integer(port_key, 0, static_cast<std::int64_t>(n->ports) - 1));
    }
  } else {
    if (!f.has(addr_key)) {
      f.fail(side, "'" + e.node + "' is a " + (n->kind == NodeKind::router ? "router" : "host") + ": its card needs '" +
                       addr_key + "' (such as \"10.0.1.10/24\")");
    }
    if (f.has(port_key)) f.fail(port_key, "'" + e.node + "' is not a switch: it has no numbered ports");
    e.address = f.prefix(addr_key);
    if (f.has(mtu_key)) e.mtu = static_cast<std::uint16_t>(f.integer(mtu_key, 576, 9000));
  }
  return e;
}

void read_link(const toml::table& t, const std::string& file, Topology& topo) {
  Fields f(t, "link", file,
           {"name", "from", "from_address", "from_mtu", "from_port", "to", "to_address", "to_mtu", "to_port", "bandwidth",
            "delay", "loss", "bit_error_rate", "duplicate", "jitter", "queue_bytes"});
  LinkSpec l;
  l.pos = f.pos();
  l.from = read_end(f, "from", topo);
  l.to = read_end(f, "to", topo);
  l.name = f.has("name") ? f.str("name") : l.from.node + "-" + l.to.node;
  for (const auto& other : topo.links) {
    if (other.name == l.name) {
      f.fail(f.has("name") ? f.pos("name") : l.pos,
             "a link named '" + l.name + "' exists already (line " + std::to_string(other.pos.line) +
                 "); give this one a different 'name'");
    }
  }
  if (const toml::node* b = f.node("bandwidth")) {
    if (b->is_integer()) {
      l.cable.bits_per_second = static_cast<std::uint64_t>(f.integer("bandwidth", 0, std::int64_t{1} << 50));
    } else {
      const std::string s = f.str("bandwidth");
      auto r = parse_bandwidth(s);
      if (!r) f.fail("bandwidth", "'bandwidth' = \"" + s + "\": " + r.error());
      l.cable.bits_per_second = *r;
    }
  }
  if (f.has("delay")) l.cable.delay = f.time("delay");
  if (f.has("jitter")) l.cable.jitter = f.time("jitter");
  if (f.has("loss")) l.cable.loss = f.number("loss", 0, 1);
  if (f.has("bit_error_rate")) l.cable.bit_error_rate = f.number("bit_error_rate", 0, 1);
  if (f.has("duplicate")) l.cable.duplicate = f.number("duplicate", 0, 1);
  if (f.has("queue_bytes")) l.cable.queue_limit_bytes = static_cast<std::size_t>(f.integer("queue_bytes", 0, 1 << 30));
  if (l.from.node == l.to.node) f.fail("to", "a link joins two different nodes, not '" + l.to.node + "' to itself");
  topo.links.push_back(std::move(l));
}

const std::map<std::string, AppKind, std::less<>>& app_kinds() {
  static const std::map<std::string, AppKind, std::less<>> kinds = {
      {"ping", AppKind::ping},
      {"traceroute", AppKind::traceroute},
      {"udp_echo_server", AppKind::udp_echo_server},
      {"udp_client", AppKind::udp_client},
      {"tcp_echo_server", AppKind::tcp_echo_server},
      {"tcp_sink", AppKind::tcp_sink},
      {"tcp_bulk", AppKind::tcp_bulk},
      {"http_server", AppKind::http_server},
      {"http_client", AppKind::http_client},
      {"rpc_server", AppKind::rpc_server},
      {"rpc_client", AppKind::rpc_client},
      {"syn_flood", AppKind::syn_flood},
  };
  return kinds;
}

void read_app(const toml::table& t, const std::string& file, Topology& topo) {
  // First the kind, to know which keys it takes.
  const toml::node* kn = t.get("type");
  if (kn == nullptr || !kn->is_string()) {
    throw LoadError{located(pos_of(kn != nullptr ? kn->source() : t.source(), file),
                            "app: needs 'type', a string (ping, traceroute, udp_echo_server, udp_client, "
                            "tcp_echo_server, tcp_sink, tcp_bulk, http_server, http_client, rpc_server, rpc_client, "
                            "syn_flood)")};
  }
  const std::string type(kn->as_string()->get());
  const auto k = app_kinds().find(type);
  if (k == app_kinds().end()) {
    std::string list;
    for (const auto& [name, _] : app_kinds()) list += (list.empty() ? "" : ", ") + name;
    throw LoadError{located(pos_of(kn->source(), file), "app: unknown type '" + type + "' (expected one of: " + list + ")")};
  }
  AppSpec a;
  a.kind = k->second;
  std::vector<std::string> keys = {"type", "host", "at", "label", "expect"};
  switch (a.kind) {
    case AppKind::ping: keys.insert(keys.end(), {"to", "count", "interval", "size"}); break;
    case AppKind::traceroute: keys.insert(keys.end(), {"to", "max_hops"}); break;
    case AppKind::udp_echo_server:
    case AppKind::tcp_echo_server:
    case AppKind::tcp_sink:
    case AppKind::rpc_server: keys.insert(keys.end(), {"port", "backlog"}); break;
    case AppKind::http_server: keys.insert(keys.end(), {"port", "backlog", "files"}); break;
    case AppKind::udp_client: keys.insert(keys.end(), {"to", "count", "interval", "payload"}); break;
    case AppKind::tcp_bulk: keys.insert(keys.end(), {"to", "bytes", "count", "interval"}); break;
    case AppKind::http_client: keys.insert(keys.end(), {"url", "count", "interval"}); break;
    case AppKind::rpc_client: keys.insert(keys.end(), {"to", "method", "params", "count", "interval"}); break;
    case AppKind::syn_flood: keys.insert(keys.end(), {"to", "rate", "duration", "spoof"}); break;
  }
  Fields f(t, "app " + type, file, keys);
  a.pos = f.pos("type");
  a.host = f.str("host");
  const NodeSpec* h = topo.node(a.host);
  if (h == nullptr) f.fail("host", "unknown host '" + a.host + "'");
  if (h->kind == NodeKind::switch_) f.fail("host", "'" + a.host + "' is a switch: applications run on hosts and routers");
  if (f.has("label")) a.label = f.str("label");
  if (f.has("at")) a.start = f.time("at");
  if (f.has("expect")) {
    const std::string e = f.str("expect");
    if (e == "success") {
      a.expect = Expect::success;
    } else if (e == "failure") {
      a.expect = Expect::failure;
    } else if (e == "refused" && a.kind == AppKind::udp_client) {
      a.expect = Expect::refused;
    } else {
      f.fail("expect", "'expect' = \"" + e + "\": expected \"success\" or \"failure\"" +
                           (a.kind == AppKind::udp_client ? " or \"refused\"" : ""));
    }
  }
  if (f.has("count")) a.count = static_cast<int>(f.integer("count", 1, 1'000'000));
  if (f.has("interval")) a.interval = f.time("interval");
  if (f.has("port")) a.port = static_cast<std::uint16_t>(f.integer("port", 1, 65535));
  if (f.has("backlog")) a.backlog = static_cast<std::uint32_t>(f.integer("backlog", 1, 1 << 20));
  switch (a.kind) {
    case AppKind::ping:
    case AppKind::traceroute:
      a.to = f.address("to");
      if (f.has("size")) a.size = static_cast<std::size_t>(f.integer("size", 0, 65000));
      if (f.has("max_hops")) a.max_hops = static_cast<std::uint8_t>(f.integer("max_hops", 1, 64));
      break;
    case AppKind::udp_client:
    case AppKind::tcp_bulk:
    case AppKind::rpc_client: {
      auto [addr, port] = endpoint(f, "to", true);
      a.to = addr;
      a.port = port;
      if (f.has("payload")) a.payload = f.str("payload");
      if (f.has("bytes")) a.bytes = static_cast<std::uint64_t>(f.integer("bytes", 0, std::int64_t{1} << 40));
      if (f.has("method")) a.method = f.str("method");
      if (f.has("params")) a.params = f.str("params");
      break;
    }
    case AppKind::syn_flood: {
      auto [addr, port] = endpoint(f, "to", true);
      a.to = addr;
      a.port = port;
      if (f.has("rate")) a.rate = f.number("rate", 1, 1e6);
      if (f.has("duration")) a.duration = f.time("duration");
      if (f.has("spoof")) a.spoof = f.prefix("spoof");
      break;
    }
    case AppKind::http_client: {
      const std::string url = f.str("url");
      constexpr std::string_view scheme = "http://";
      if (url.rfind(scheme, 0) != 0) f.fail("url", "'" + url + "': expected http://ADDRESS[:PORT]/PATH");
      const std::string rest = url.substr(scheme.size());
      const auto slash = rest.find('/');
      const std::string hostport = rest.substr(0, slash);
      a.path = slash == std::string::npos ? "/" : rest.substr(slash);
      const auto colon = hostport.find(':');
      a.to = hostport.substr(0, colon);
      if (auto addr = Ipv4Address::parse(a.to); !addr) f.fail("url", "'" + url + "': " + addr.error());
      a.port = 80;
      if (colon != std::string::npos) {
        const std::string p = hostport.substr(colon + 1);
        char* end = nullptr;
        const unsigned long v = std::strtoul(p.c_str(), &end, 10);
        if (p.empty() || *end != '\0' || v == 0 || v > 65535) f.fail("url", "'" + url + "': the port must be 1..65535");
        a.port = static_cast<std::uint16_t>(v);
      }
      break;
    }
    case AppKind::http_server:
      if (a.port == 0) a.port = 80;
      if (const toml::node* files = f.node("files")) {
        const toml::table* ft = files->as_table();
        if (ft == nullptr) f.fail("files", "'files' must be a table of \"/path\" = \"content\"");
        for (auto&& [path, content] : *ft) {
          if (path.str().empty() || path.str().front() != '/') {
            f.fail(pos_of(path.source(), file), "files: the path '" + std::string(path.str()) + "' must start with '/'");
          }
          if (!content.is_string()) f.fail(pos_of(content.source(), file), "files: the content must be a string");
          a.files.emplace_back(std::string(path.str()), std::string(content.as_string()->get()));
        }
      }
      break;
    case AppKind::rpc_server:
      if (a.port == 0) a.port = 7000;
      break;
    case AppKind::udp_echo_server:
    case AppKind::tcp_echo_server:
    case AppKind::tcp_sink:
      if (a.port == 0) f.fail(f.pos("type"), "needs 'port'");
      break;
  }
  topo.apps.push_back(std::move(a));
}

void read_fault(const toml::table& t, const std::string& file, Topology& topo) {
  Fields f(t, "fault", file, {"at", "link", "host", "action"});
  FaultSpec s;
  s.pos = f.pos();
  s.at = f.time("at");
  const std::string action = f.str("action");
  if (f.has("link") == f.has("host")) f.fail(s.pos, "name either a 'link' or a 'host'");
  if (f.has("link")) {
    s.target = f.str("link");
    if (action == "down") {
      s.kind = FaultKind::link_down;
    } else if (action == "up") {
      s.kind = FaultKind::link_up;
    } else {
      f.fail("action", "a link's 'action' is \"down\" or \"up\", not \"" + action + "\"");
    }
    const bool known = std::any_of(topo.links.begin(), topo.links.end(), [&](const LinkSpec& l) { return l.name == s.target; });
    if (!known) {
      std::string list;
      for (const auto& l : topo.links) list += (list.empty() ? "" : ", ") + l.name;
      f.fail("link", "unknown link '" + s.target + "' (links: " + list + ")");
    }
  } else {
    s.target = f.str("host");
    if (action == "crash") {
      s.kind = FaultKind::crash;
    } else if (action == "restart") {
      s.kind = FaultKind::restart;
    } else {
      f.fail("action", "a host's 'action' is \"crash\" or \"restart\", not \"" + action + "\"");
    }
    const NodeSpec* n = topo.node(s.target);
    if (n == nullptr || n->kind == NodeKind::switch_) f.fail("host", "unknown host '" + s.target + "'");
  }
  topo.faults.push_back(std::move(s));
}

Topology load(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw LoadError{located(pos_of(e.source(), file), "TOML syntax: " + std::string(e.description()))};
  }
  Fields top(root, "file", file, {"scenario", "host", "router", "switch", "link", "app", "fault"});
  Topology topo;
  topo.file = file;
  if (const toml::node* s = root.get("scenario")) {
    if (!s->is_table()) top.fail("scenario", "[scenario] must be a table");
    Fields f(*s->as_table(), "scenario", file, {"name", "summary", "until", "seed", "expect_storm"});
    if (f.has("name")) topo.name = f.str("name");
    if (f.has("summary")) topo.summary = f.str("summary");
    if (f.has("until")) topo.until = to_seconds(f.time("until"));
    if (f.has("expect_storm")) topo.expect_storm = f.boolean("expect_storm");
    if (f.has("seed")) topo.seed = static_cast<std::uint64_t>(f.integer("seed", 0, INT64_MAX));
  }
  for (const auto* t : tables_of(root, "host", file)) read_node(*t, NodeKind::host, file, topo);
  for (const auto* t : tables_of(root, "router", file)) read_node(*t, NodeKind::router, file, topo);
  for (const auto* t : tables_of(root, "switch", file)) read_node(*t, NodeKind::switch_, file, topo);
  for (const auto* t : tables_of(root, "link", file)) read_link(*t, file, topo);
  // A switch port cabled twice, and hosts with no card.
  std::map<std::pair<std::string, std::size_t>, std::uint32_t> used;
  for (auto& l : topo.links) {
    for (LinkEnd* e : {&l.from, &l.to}) {
      const NodeSpec* n = topo.node(e->node);
      if (n->kind != NodeKind::switch_) continue;
      if (!e->port) {
        std::size_t p = 0;
        while (used.count({e->node, p}) != 0) ++p;
        if (p >= n->ports) {
          throw LoadError{located(e->pos, "link: switch '" + e->node + "' has no free port left (it has " +
                                              std::to_string(n->ports) + "; raise its 'ports')")};
        }
        e->port = p;
      }
      const auto [it, fresh] = used.emplace(std::pair{e->node, *e->port}, e->pos.line);
      if (!fresh) {
        throw LoadError{located(e->pos, "link: port " + std::to_string(*e->port) + " of switch '" + e->node +
                                            "' is already cabled (line " + std::to_string(it->second) + ")")};
      }
    }
  }
  for (const auto* t : tables_of(root, "app", file)) read_app(*t, file, topo);
  for (const auto* t : tables_of(root, "fault", file)) read_fault(*t, file, topo);
  if (topo.nodes.empty()) throw LoadError{located(SourcePos{file, 1, 1}, "file: no [[host]], [[router]] or [[switch]]")};
  return topo;
}

}  // namespace

Result<Topology, std::string> load_topology(std::string_view text, std::string file) {
  try {
    return load(text, file);
  } catch (const LoadError& e) {
    return Unexpected{e.message};
  }
}

Result<Topology, std::string> load_topology_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unexpected{"cannot open topology '" + path + "'"};
  std::ostringstream os;
  os << in.rdbuf();
  return load_topology(os.str(), path);
}

}  // namespace wirestack::scenario
