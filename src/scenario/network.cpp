// scenario/network.cpp — builds the World of a Topology and runs its applications.
#include "scenario/network.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/http_client.hpp"
#include "app/http_server.hpp"
#include "app/ping.hpp"
#include "app/rpc_client.hpp"
#include "app/rpc_server.hpp"
#include "app/tcp_apps.hpp"
#include "app/udp_apps.hpp"
#include "msg/text_forms.hpp"
#include "scenario/stats.hpp"
#include "wire/tcp.hpp"

namespace wirestack::scenario {

namespace {

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

std::string ms(Duration d) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f ms", to_seconds(d) * 1e3);
  return b;
}

std::string errc_text(tcp::Errc e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

}  // namespace

// ---- Applications ------------------------------------------------------------

class Network::App {
 public:
  App(Network& net, const AppSpec& spec, sim::Host& host) : net_(net), spec_(spec), host_(host) {}
  virtual ~App() = default;
  // Called at spec.start.
  virtual void start() = 0;
  // The summary; passed() says whether the outcome is the expected one.
  virtual std::string text() const = 0;
  virtual bool succeeded() const = 0;
  bool started() const { return started_; }
  void mark_started() { started_ = true; }
  const AppSpec& spec() const { return spec_; }
  virtual void sink_records(std::vector<SinkRecord>& /*out*/) const {}
  // Request/response clients: what they asked (for totals over several
  // hosts), their answered latencies, and how many clients there were.
  virtual std::string request_target() const { return {}; }
  virtual void collect(std::vector<Duration>& /*answered*/, std::size_t& /*clients*/) const {}
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
  // Called before a crash ends this life: keep what later summaries need
  // (a sink's records, for the clients that check their hash against them).
  virtual void keep_life() {}

 protected:
  Network& net_;
  const AppSpec& spec_;
  sim::Host& host_;
  bool started_ = false;
  std::string lives_;         // one summary per life ended by a crash
  std::string current_life_;  // "[since the restart at ...] " after one
  bool down_ = false;         // crashed and not restarted (servers only)
};

namespace {

using App = Network::App;
using SinkRecord = Network::SinkRecord;

class Ping final : public App {
 public:
  using App::App;
  void start() override {
    app_ = std::make_unique<app::Ping>(
        host_, ip(spec_.to), app::PingConfig{.count = spec_.count, .interval = spec_.interval, .payload_len = spec_.size});
  }
  std::string text() const override {
    std::ostringstream os;
    if (!spec_.label.empty()) {
      os << spec_.label;
    } else {
      os << "ping " << spec_.to << " from " << spec_.host << (spec_.size != 56 ? " -s " + std::to_string(spec_.size) : "");
    }
    os << ":  " << app_->result() << "\n";
    return os.str();
  }
  bool succeeded() const override { return app_->result().sent > 0 && app_->result().received == app_->result().sent; }

 private:
  std::unique_ptr<app::Ping> app_;
};

class Traceroute final : public App {
 public:
  using App::App;
  void start() override {
    app_ = std::make_unique<app::Traceroute>(host_, ip(spec_.to), app::TracerouteConfig{.max_hops = spec_.max_hops});
  }
  std::string text() const override {
    std::ostringstream os;
    os << "traceroute " << spec_.to << " from " << spec_.host << ":\n" << app_->hops();
    return os.str();
  }
  bool succeeded() const override { return app_->done() && !app_->hops().empty() && app_->hops().back().reached; }

 private:
  std::unique_ptr<app::Traceroute> app_;
};

class UdpEcho final : public App {
 public:
  using App::App;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::UdpEchoServer>(host_, spec_.port);
  }
  std::string text() const override {
    return "UDP echo server " + spec_.host + ":" + std::to_string(spec_.port) + ": echoed " +
           std::to_string(app_->echoed()) + " datagrams\n";
  }
  bool succeeded() const override { return app_->bound().has_value(); }

 private:
  std::unique_ptr<app::UdpEchoServer> app_;
};

class UdpClientApp final : public App {
 public:
  using App::App;
  void start() override {
    app_ = std::make_unique<app::UdpClient>(
        host_, IpEndpoint{ip(spec_.to), spec_.port},
        app::UdpClient::Config{.count = spec_.count, .interval = spec_.interval, .payload = spec_.payload});
  }
  std::string text() const override {
    std::ostringstream os;
    os << "UDP " << spec_.host << " -> " << spec_.to << ":" << spec_.port << ": sent " << app_->sent() << ", got back "
       << app_->received().size();
    for (auto e : app_->errors()) os << "; " << e;
    os << "\n";
    return os.str();
  }
  bool succeeded() const override {
    if (spec_.expect == Expect::refused) return !app_->errors().empty();
    return app_->received().size() == static_cast<std::size_t>(spec_.count);
  }

 private:
  std::unique_ptr<app::UdpClient> app_;
};

class TcpEcho final : public App {
 public:
  using App::App;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::TcpEchoServer>(host_, spec_.port, spec_.backlog);
  }
  std::string text() const override {
    return "TCP echo server " + spec_.host + ":" + std::to_string(spec_.port) + ": accepted " +
           std::to_string(app_->accepted()) + ", echoed " + std::to_string(app_->bytes_echoed()) + " bytes\n";
  }
  bool succeeded() const override { return app_->bound().has_value(); }

 private:
  std::unique_ptr<app::TcpEchoServer> app_;
};

class TcpSink final : public App {
 public:
  using App::App;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::TcpSinkServer>(host_, spec_.port, spec_.backlog);
  }
  std::string text() const override {
    std::ostringstream os;
    os << "TCP sink " << spec_.host << ":" << spec_.port << ": " << app_->connections().size() << " connection(s)\n";
    for (const auto& r : app_->connections()) {
      os << "  from " << r.peer.addr << ":" << r.peer.port << ": " << r.bytes << " bytes, hash " << std::hex
         << std::setw(16) << std::setfill('0') << r.hash << std::dec << (r.eof ? ", closed cleanly" : "")
         << (r.error ? ", " + errc_text(*r.error) : "") << "\n";
    }
    return os.str();
  }
  bool succeeded() const override { return app_->bound().has_value(); }
  void sink_records(std::vector<SinkRecord>& out) const override {
    out.insert(out.end(), past_records_.begin(), past_records_.end());
    for (const auto& r : app_->connections()) out.push_back({r.bytes, r.hash, r.eof});
  }

 protected:
  void keep_life() override {
    for (const auto& r : app_->connections()) past_records_.push_back({r.bytes, r.hash, r.eof});
  }

 private:
  std::vector<SinkRecord> past_records_;  // of lives ended by a crash
  std::unique_ptr<app::TcpSinkServer> app_;
};

class TcpBulk final : public App {
 public:
  using App::App;
  void start() override {
    for (int i = 0; i < spec_.count; ++i) {
      clients_.push_back(std::make_unique<app::TcpBulkClient>(
          host_, IpEndpoint{ip(spec_.to), spec_.port},
          app::TcpBulkConfig{.bytes = spec_.bytes,
                             .seed = static_cast<std::uint64_t>(i + 1),
                             .start = spec_.interval * i}));
    }
  }
  std::string text() const override {
    std::ostringstream os;
    const auto sinks = net_.sink_records();
    for (const auto& c : clients_) {
      const auto& r = c->result();
      os << "TCP bulk " << spec_.host << " -> " << spec_.to << ":" << spec_.port << ": ";
      if (r.finished) {
        os << r.bytes_sent << " bytes sent and acknowledged in "
           << to_seconds(*r.finished_at - *r.connected_at) << " s (" << std::fixed << std::setprecision(2)
           << r.goodput_bps() / 1e6 << std::defaultfloat << " Mbit/s), " << r.retransmits << " retransmissions; hash "
           << std::hex << std::setw(16) << std::setfill('0') << r.hash << std::dec << std::setfill(' ')
           << (matches(r, sinks) ? ", the receiver's hash is equal" : ", NO receiver has this hash") << "\n";
      } else {
        os << (r.error ? errc_text(*r.error) : std::string("unfinished")) << " after " << r.bytes_sent
           << " bytes, " << r.retransmits << " retransmissions\n";
      }
    }
    return os.str();
  }
  bool succeeded() const override {
    const auto sinks = net_.sink_records();
    return std::all_of(clients_.begin(), clients_.end(),
                       [&](const auto& c) { return c->result().finished && matches(c->result(), sinks); });
  }

 private:
  static bool matches(const app::TcpBulkResult& r, const std::vector<SinkRecord>& sinks) {
    return std::any_of(sinks.begin(), sinks.end(),
                       [&](const SinkRecord& s) { return s.eof && s.bytes == r.bytes_sent && s.hash == r.hash; });
  }
  std::vector<std::unique_ptr<app::TcpBulkClient>> clients_;
};

std::string cookies_line(sim::Host& host) {
  const auto& c = host.stack().tcp().counters();
  std::ostringstream os;
  os << "  SYN cookies " << (host.stack().tcp().config().syn_cookies ? "on" : "off") << ": SYNs to listeners "
     << c.listen_syns << ", SYN queue drops " << c.syn_queue_drops << ", cookies sent " << c.cookies.sent
     << ", validated " << c.cookies.validated << "\n";
  return os.str();
}

class HttpServerApp final : public App {
 public:
  using App::App;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app::HttpServerConfig config{.stream = {.backlog = spec_.backlog}};
    // With a `files` table the server has those pages and nothing else: a
    // root that cannot exist (no file lies under /dev/null) turns the
    // built-in page off and makes every other path a 404, never a read of
    // the real disk. (Routes added later cannot replace the built-in "/".)
    if (!spec_.files.empty()) config.root = "/dev/null";
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::HttpServer>(host_, spec_.port, config);
    for (const auto& [path, content] : spec_.files) {
      const std::string type = path.ends_with(".json") ? "application/json"
                               : path.ends_with(".txt") ? "text/plain"
                                                        : "text/html; charset=utf-8";
      app_->router().add("GET", path, [type, body = content](const http::Request&) {
        return http::Response{.status = 200, .headers = {{"Content-Type", type}}, .body = body};
      });
    }
  }
  std::string text() const override {
    std::ostringstream os;
    os << "HTTP server " << spec_.host << ":" << spec_.port << ": ";
    if (!app_->listening()) return os.str() + "cannot listen: " + app_->listening().error().message + "\n";
    os << app_->stats().requests << " requests";
    for (const auto& [status, n] : app_->stats().by_status) os << ", " << n << " x " << status;
    os << "; " << app_->connections().accepted << " connections accepted, at most " << app_->connections().peak_active
       << " at once\n";
    if (host_.stack().tcp().counters().listen_syns > app_->connections().accepted + 100) os << cookies_line(host_);
    return os.str();
  }
  bool succeeded() const override { return app_->listening().has_value(); }

 private:
  std::unique_ptr<app::HttpServer> app_;
};

class RpcServerApp final : public App {
 public:
  using App::App;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::RpcServer>(host_, spec_.port, app::RpcServerConfig{.stream = {.backlog = spec_.backlog}});
  }
  std::string text() const override {
    if (!app_->listening()) {
      return "JSON-RPC server " + spec_.host + ":" + std::to_string(spec_.port) +
             ": cannot listen: " + app_->listening().error().message + "\n";
    }
    return "JSON-RPC server " + spec_.host + ":" + std::to_string(spec_.port) + ": " +
           std::to_string(app_->connections().accepted) + " connections, " +
           std::to_string(app_->connections().bytes_in) + " bytes in, " +
           std::to_string(app_->connections().bytes_out) + " bytes out\n";
  }
  bool succeeded() const override { return app_->listening().has_value(); }

 private:
  std::unique_ptr<app::RpcServer> app_;
};

// Many request/response clients: one TcpRequestClient each, started `interval` apart.
// `count` clients of one kind (app::HttpGet, app::RpcCall), one every
// `interval`: one line for one client, success rate and latency percentiles
// for many.
template <class Client>
class RequestClients : public App {
 public:
  using App::App;
  void start() override {
    for (int i = 0; i < spec_.count; ++i) clients_.push_back(make(spec_.interval * i));
  }
  std::string text() const override {
    std::ostringstream os;
    if (clients_.size() == 1) {
      os << one_line(*clients_.front()) << "\n";
      return os.str();
    }
    std::vector<Duration> latencies;
    std::map<std::string, int> failures;
    for (const auto& c : clients_) {
      if (answer_ok(*c)) {
        latencies.push_back(*c->latency());
      } else {
        failures[c->error() ? errc_text(*c->error()) : c->done() ? "bad answer" : "unfinished"]++;
      }
    }
    os << what() << " from " << spec_.host << ", " << clients_.size() << " clients: " << latencies.size() << " answered ("
       << std::fixed << std::setprecision(2) << 100.0 * static_cast<double>(latencies.size()) / static_cast<double>(clients_.size())
       << std::defaultfloat << " %)";
    for (const auto& [why, n] : failures) os << ", " << n << " " << why;
    os << "\n";
    if (!latencies.empty()) {
      const Percentiles p = percentiles(latencies);
      os << "  latency (connect to last byte): p50 " << ms(p.p50) << ", p90 " << ms(p.p90) << ", p99 " << ms(p.p99)
         << ", max " << ms(p.max) << "\n";
    }
    return os.str();
  }
  bool succeeded() const override {
    return std::all_of(clients_.begin(), clients_.end(), [&](const auto& c) { return answer_ok(*c); });
  }
  std::string request_target() const override { return what(); }
  void collect(std::vector<Duration>& answered, std::size_t& clients) const override {
    clients += clients_.size();
    for (const auto& c : clients_) {
      if (answer_ok(*c)) answered.push_back(*c->latency());
    }
  }

 protected:
  IpEndpoint server() const { return IpEndpoint{ip(spec_.to), spec_.port}; }
  virtual std::unique_ptr<Client> make(Duration start) const = 0;
  virtual std::string what() const = 0;
  virtual bool answer_ok(const Client& c) const { return c.done() && c.ok(); }
  virtual std::string one_line(const Client& c) const = 0;
  std::vector<std::unique_ptr<Client>> clients_;
};

class HttpClient final : public RequestClients<app::HttpGet> {
 public:
  using RequestClients::RequestClients;

 protected:
  std::unique_ptr<app::HttpGet> make(Duration start) const override {
    const http::Url url{.host = spec_.to, .port = spec_.port, .target = spec_.path, .host_is_ip = true};
    return std::make_unique<app::HttpGet>(host_, server(), app::HttpGetConfig{.url = url, .start = start});
  }
  std::string url() const {
    return "http://" + spec_.to + (spec_.port == 80 ? "" : ":" + std::to_string(spec_.port)) + spec_.path;
  }
  std::string what() const override { return "GET " + url(); }
  std::string one_line(const app::HttpGet& c) const override {
    std::ostringstream os;
    os << "GET " << url() << " from " << spec_.host << ": ";
    if (c.error()) return os.str() + errc_text(*c.error());
    if (!c.done()) return os.str() + "unfinished";
    if (!c.response()) return os.str() + c.bad_response();
    const http::Response& r = *c.response();
    os << "HTTP/" << (r.version == http::Version::http_1_0 ? "1.0" : "1.1") << " " << r.status << " " << r.reason
       << ", " << r.body.size() << " bytes of body";
    if (c.latency()) os << " in " << ms(*c.latency());
    std::string first = r.body.substr(0, 60);
    first = first.substr(0, first.find('\n'));
    os << ": \"" << first << (r.body.size() > first.size() + 1 ? "..." : "") << "\"";
    return os.str();
  }
};

class RpcClient final : public RequestClients<app::RpcCall> {
 public:
  using RequestClients::RequestClients;

 protected:
  std::unique_ptr<app::RpcCall> make(Duration start) const override {
    msg::Params params;
    if (!spec_.params.empty()) params = nlohmann::json::parse(spec_.params, nullptr, false);
    return std::make_unique<app::RpcCall>(host_, server(),
                                          app::RpcCallConfig{.method = spec_.method, .params = params, .start = start});
  }
  std::string what() const override { return "JSON-RPC " + spec_.method + " at " + spec_.to + ":" + std::to_string(spec_.port); }
  bool answer_ok(const app::RpcCall& c) const override {
    if (!c.done() || !c.ok()) return false;
    const nlohmann::json& result = *c.answer()->result;
    if (spec_.method == "time") return result.is_string() && msg::parse_time(result.get<std::string>()).has_value();
    return true;
  }
  std::string one_line(const app::RpcCall& c) const override {
    std::ostringstream os;
    os << "JSON-RPC " << spec_.method << " from " << spec_.host << " to " << spec_.to << ":" << spec_.port << ": ";
    if (c.error()) return os.str() + errc_text(*c.error());
    if (!c.done()) return os.str() + "unfinished";
    if (!c.frame()) return os.str() + c.bad_response();
    os << nlohmann::json::parse(*c.frame(), nullptr, false).dump();
    if (spec_.method == "time" && c.answer() && c.answer()->result && c.answer()->result->is_string()) {
      if (auto t = msg::parse_time(c.answer()->result->get<std::string>())) {
        os << " -> decoded as a date: " << msg::format_time(t->time, msg::TimeFormat::iso8601);
      } else {
        os << " -> NOT a date: " << t.error();
      }
    }
    if (c.latency()) os << " in " << ms(*c.latency());
    return os.str();
  }
};

// Spoofed SYNs: every 1/rate seconds a SYN from a fresh address of `spoof`,
// crafted by hand and sent through the host's IP layer with a foreign
// source address, for `duration`.
class SynFlood final : public App {
 public:
  SynFlood(Network& net, const AppSpec& spec, sim::Host& host)
      : App(net, spec, host), rng_(net.world().seed() ^ 0x5eedf100dULL), spoof_(*Ipv4Prefix::parse(spec.spoof)) {}
  void start() override {
    until_ = host_.now() + spec_.duration;
    step_ = Duration{static_cast<Duration::rep>(1e9 / spec_.rate)};
    fire();
  }
  std::string text() const override {
    return "SYN flood from " + spec_.host + " to " + spec_.to + ":" + std::to_string(spec_.port) + ": " +
           std::to_string(sent_) + " SYNs from spoofed addresses in " + spec_.spoof + "\n";
  }
  bool succeeded() const override { return sent_ > 0; }

 private:
  void fire() {
    const Instant now = host_.now();
    const std::uint32_t host_bits = spoof_.len() >= 32 ? 0 : (0xffffffffu >> spoof_.len());
    const Ipv4Address src(spoof_.network().to_u32() | (static_cast<std::uint32_t>(rng_.next_u64()) & host_bits));
    TcpRepr syn{.src_port = static_cast<std::uint16_t>(1024 + rng_.next_u64() % 60000),
                .dst_port = spec_.port,
                .seq = static_cast<std::uint32_t>(rng_.next_u64()),
                .window = 64240};
    syn.flags.set_syn(true);
    syn.options.mss = 1460;
    ByteVec seg(syn.header_len());
    const Ipv4Address dst = ip(spec_.to);
    syn.emit(TcpPacketMut(seg), IpPair{src, dst}, Bytes{});
    if (host_.stack().send_ipv4(dst, IpProtocol::tcp, seg, now, {.src = src})) ++sent_;
    host_.kick();
    if (now + step_ <= until_) net_.world().queue().schedule_in(step_, [this] { fire(); });
  }
  Rng rng_;
  Ipv4Prefix spoof_;
  Instant until_{};
  Duration step_{};
  std::uint64_t sent_ = 0;
};

std::unique_ptr<App> make_app(Network& net, const AppSpec& s, sim::Host& h) {
  switch (s.kind) {
    case AppKind::ping: return std::make_unique<Ping>(net, s, h);
    case AppKind::traceroute: return std::make_unique<Traceroute>(net, s, h);
    case AppKind::udp_echo_server: return std::make_unique<UdpEcho>(net, s, h);
    case AppKind::udp_client: return std::make_unique<UdpClientApp>(net, s, h);
    case AppKind::tcp_echo_server: return std::make_unique<TcpEcho>(net, s, h);
    case AppKind::tcp_sink: return std::make_unique<TcpSink>(net, s, h);
    case AppKind::tcp_bulk: return std::make_unique<TcpBulk>(net, s, h);
    case AppKind::http_server: return std::make_unique<HttpServerApp>(net, s, h);
    case AppKind::http_client: return std::make_unique<HttpClient>(net, s, h);
    case AppKind::rpc_server: return std::make_unique<RpcServerApp>(net, s, h);
    case AppKind::rpc_client: return std::make_unique<RpcClient>(net, s, h);
    case AppKind::syn_flood: return std::make_unique<SynFlood>(net, s, h);
  }
  return nullptr;
}

}  // namespace

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

Result<void, std::string> Network::wire_up() {
  std::map<std::string, sim::Host*> hosts;
  std::map<std::string, sim::Switch*> switches;
  for (const auto& n : topo_.nodes) {
    if (n.kind == NodeKind::switch_) {
      switches[n.name] = &world_.add_switch(n.name, n.ports);
      continue;
    }
    iface::InterfaceConfig cfg;
    // Simulated servers listen on their usual ports (80, 53, ...), as root would.
    cfg.tcp.allow_privileged_ports = true;
    cfg.udp.allow_privileged_ports = true;
    cfg.tcp.syn_cookies = n.syn_cookies;
    if (n.syn_backlog) cfg.tcp.syn_backlog = *n.syn_backlog;
    if (n.congestion) cfg.tcp.connection.congestion = *n.congestion;
    sim::Host& h = n.kind == NodeKind::router ? world_.add_router(n.name, cfg) : world_.add_host(n.name, cfg);
    hosts[n.name] = &h;
  }
  for (const auto& l : topo_.links) {
    const LinkEnd* a = &l.from;
    const LinkEnd* b = &l.to;
    const auto fail = [&](const SourcePos& pos, const std::string& e) {
      return Unexpected{located(pos, "link '" + l.name + "': " + e)};
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
    } else if (a_switch || b_switch) {
      sim::Host& h = *hosts[a->node];
      auto r = world_.connect(h, *switches[b->node], static_cast<sim::PortId>(*b->port), *a->address, l.cable,
                              sim::NicOptions{.mtu = a->mtu});
      if (!r) return fail(a->pos, r.error());
      link = h.link_of(*r);
    } else {
      sim::Host& h = *hosts[a->node];
      auto r = world_.connect(h, *a->address, *hosts[b->node], *b->address, l.cable, sim::NicOptions{.mtu = a->mtu},
                              sim::NicOptions{.mtu = b->mtu});
      if (!r) return fail(l.pos, r.error());
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
    apps_.push_back(make_app(*this, s, *hosts[s.host]));
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
        a->spec().label.empty() ? std::string(to_string(a->spec().kind)) + " on " + a->spec().host : a->spec().label;
    AppOutcome o{label, {}, false};
    if (!a->started()) {
      o.text = label + ": not started (it starts at " + std::to_string(to_seconds(a->spec().start)) +
               " s, after the end of the run)\n";
      o.passed = false;
    } else {
      o.text = a->full_text();
      const bool ok = a->succeeded();
      o.passed = a->spec().expect == Expect::failure ? !ok : ok;
    }
    out.push_back(std::move(o));
  }
  return out;
}

bool Network::report(std::ostream& os) const {
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
