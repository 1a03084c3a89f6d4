// scenario/apps.cpp — every application a topology file may start: for
// each, its settings, the parser of its keys, the adapter that runs the
// application of src/app/ on a simulated host and summarises it, and its
// entry in the registry at the end of this file (app_registry.hpp). A new
// application is a new section here and one line in the registry.
#include <algorithm>
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
#include "scenario/app_registry.hpp"
#include "scenario/dhcp_apps.hpp"
#include "scenario/dns_apps.hpp"
#include "scenario/ftp_apps.hpp"
#include "scenario/network_app.hpp"
#include "base/percentiles.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/tcp.hpp"

namespace wirestack::scenario {

namespace {

using App = NetworkApp;

// ---- Settings and their keys ---------------------------------------------------

// `count` things one `interval` apart (pings, datagrams, clients started).
struct Schedule {
  int count = 1;
  Duration interval = std::chrono::seconds{1};
};

Schedule read_schedule(const AppFields& f) {
  Schedule s;
  if (f.has("count")) s.count = static_cast<int>(f.integer("count", 1, 1'000'000));
  if (f.has("interval")) s.interval = f.time("interval");
  // Every schedule in a file ends within 1e9 s (31 years), as every time does.
  if (to_seconds(s.interval) * (s.count - 1) > 1e9) {
    std::ostringstream os;
    os << "'count' = " << s.count << " every 'interval' = " << to_seconds(s.interval)
       << " s lasts more than 1e9 s (31 years)";
    f.fail(f.has("interval") ? "interval" : "count", os.str());
  }
  return s;
}

struct PingSettings {
  std::string to;
  Schedule schedule;
  std::size_t size = 56;  // payload bytes
};
std::any parse_ping(const AppFields& f) {
  PingSettings s{.to = f.host_or_name("to", f.str("to")), .schedule = read_schedule(f)};
  if (f.has("size")) s.size = static_cast<std::size_t>(f.integer("size", 0, 65000));
  return s;
}

struct TracerouteSettings {
  std::string to;
  std::uint8_t max_hops = 16;
};
std::any parse_traceroute(const AppFields& f) {
  TracerouteSettings s{.to = f.host_or_name("to", f.str("to"))};
  if (f.has("max_hops")) s.max_hops = static_cast<std::uint8_t>(f.integer("max_hops", 1, 64));
  return s;
}

// Every server: its port, its backlog, and (HTTP) its pages.
struct ServerSettings {
  std::uint16_t port = 0;
  std::uint32_t backlog = 128;
  std::vector<std::pair<std::string, std::string>> files;  // http_server: path -> content
};
ServerSettings read_server(const AppFields& f, std::uint16_t default_port) {
  ServerSettings s{.port = default_port};
  if (f.has("port")) s.port = static_cast<std::uint16_t>(f.integer("port", 1, 65535));
  if (f.has("backlog")) s.backlog = static_cast<std::uint32_t>(f.integer("backlog", 1, 1 << 20));
  if (s.port == 0) f.fail("type", "needs 'port'");
  return s;
}
std::any parse_server(const AppFields& f) { return read_server(f, 0); }
std::any parse_rpc_server(const AppFields& f) { return read_server(f, 7000); }
std::any parse_http_server(const AppFields& f) {
  ServerSettings s = read_server(f, 80);
  if (f.has("files")) s.files = f.path_table("files");
  return s;
}

struct UdpClientSettings {
  std::string to;
  std::uint16_t port = 0;
  Schedule schedule;
  std::string payload = "hello";
};
std::any parse_udp_client(const AppFields& f) {
  auto [addr, port] = f.target("to", true);
  UdpClientSettings s{.to = addr, .port = port, .schedule = read_schedule(f)};
  if (f.has("payload")) s.payload = f.str("payload");
  return s;
}

struct TcpBulkSettings {
  std::string to;
  std::uint16_t port = 0;
  Schedule schedule;
  std::uint64_t bytes = 1 << 20;
};
std::any parse_tcp_bulk(const AppFields& f) {
  auto [addr, port] = f.target("to", true);
  TcpBulkSettings s{.to = addr, .port = port, .schedule = read_schedule(f)};
  if (f.has("bytes")) s.bytes = static_cast<std::uint64_t>(f.integer("bytes", 0, std::int64_t{1} << 40));
  return s;
}

struct HttpClientSettings {
  std::string to;
  std::uint16_t port = 80;
  std::string path = "/";
  Schedule schedule;
};
std::any parse_http_client(const AppFields& f) {
  HttpClientSettings s{.schedule = read_schedule(f)};
  const std::string url = f.str("url");
  auto u = http::parse_url(url);
  if (!u) f.fail("url", "'" + url + "': " + u.error().reason);
  if (u->host_is_ip) {
    if (auto addr = IpAddress::parse(u->host); !addr) f.fail("url", "'" + url + "': " + addr.error());
  }
  s.to = f.host_or_name("url", u->host);
  s.port = u->port;
  s.path = u->target;
  return s;
}

struct RpcClientSettings {
  std::string to;
  std::uint16_t port = 0;
  Schedule schedule;
  std::string method = "time";
  std::string params;  // JSON text; empty: none
};
std::any parse_rpc_client(const AppFields& f) {
  auto [addr, port] = f.target("to", true);
  RpcClientSettings s{.to = addr, .port = port, .schedule = read_schedule(f)};
  if (f.has("method")) s.method = f.str("method");
  if (f.has("params")) {
    s.params = f.str("params");
    const auto j = nlohmann::json::parse(s.params, nullptr, false);
    if (j.is_discarded() || !(j.is_array() || j.is_object())) {
      f.fail("params", "'params' = '" + s.params + "': expected JSON text of an array or an object, such as '[1, 2]'");
    }
  }
  return s;
}

struct SynFloodSettings {
  std::string to;
  std::uint16_t port = 0;
  double rate = 500;  // SYNs per second
  Duration duration = std::chrono::seconds{10};
  std::string spoof = "198.18.0.0/15";  // source addresses
};
std::any parse_syn_flood(const AppFields& f) {
  auto [addr, port] = f.endpoint("to", true);
  if (!Ipv4Address::parse(addr)) f.fail("to", "'" + addr + "': the SYN flood sends IPv4 only (its spoofed sources are IPv4)");
  SynFloodSettings s{.to = addr, .port = port};
  if (f.has("rate")) s.rate = f.number("rate", 1, 1e6);
  if (f.has("duration")) s.duration = f.time("duration");
  if (f.has("spoof")) s.spoof = f.prefix("spoof");
  return s;
}

// ---- The adapters ------------------------------------------------------------------

// An application with its type's settings at hand as `s_`.
template <class Settings>
class AppOf : public App {
 public:
  using App::App;

 protected:
  const Settings& s_ = spec_.settings_as<Settings>();
};

class Ping final : public AppOf<PingSettings> {
 public:
  using AppOf::AppOf;
  void start() override {
    resolve_then(s_.to, [this](IpAddress addr) {
      app_ = std::make_unique<app::Ping>(
          host_, addr, app::PingConfig{.count = s_.schedule.count, .interval = s_.schedule.interval, .payload_len = s_.size});
    });
  }
  std::string text() const override {
    std::ostringstream os;
    if (!spec_.label.empty()) {
      os << spec_.label;
    } else {
      os << "ping " << s_.to << " from " << spec_.host << (s_.size != 56 ? " -s " + std::to_string(s_.size) : "");
    }
    if (!app_) return os.str() + ":  " + resolve_error().value_or("not started") + "\n";
    os << ":  " << app_->result() << "\n";
    return os.str();
  }
  bool succeeded() const override {
    return app_ && app_->result().sent > 0 && app_->result().received == app_->result().sent;
  }

 private:
  std::unique_ptr<app::Ping> app_;
};

class Traceroute final : public AppOf<TracerouteSettings> {
 public:
  using AppOf::AppOf;
  void start() override {
    resolve_then(s_.to, [this](IpAddress addr) {
      app_ = std::make_unique<app::Traceroute>(host_, addr, app::TracerouteConfig{.max_hops = s_.max_hops});
    });
  }
  std::string text() const override {
    std::ostringstream os;
    os << "traceroute " << s_.to << " from " << spec_.host << ":";
    if (!app_) return os.str() + " " + resolve_error().value_or("not started") + "\n";
    os << "\n" << app_->hops();
    return os.str();
  }
  bool succeeded() const override {
    return app_ && app_->done() && !app_->hops().empty() && app_->hops().back().reached;
  }

 private:
  std::unique_ptr<app::Traceroute> app_;
};

class UdpEcho final : public AppOf<ServerSettings> {
 public:
  using AppOf::AppOf;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::UdpEchoServer>(host_, s_.port);
  }
  std::string text() const override {
    return "UDP echo server " + spec_.host + ":" + std::to_string(s_.port) + ": echoed " +
           std::to_string(app_->echoed()) + " datagrams\n";
  }
  bool succeeded() const override { return app_->bound().has_value(); }

 private:
  std::unique_ptr<app::UdpEchoServer> app_;
};

class UdpClientApp final : public AppOf<UdpClientSettings> {
 public:
  using AppOf::AppOf;
  void start() override {
    resolve_then(s_.to, [this](IpAddress addr) {
      app_ = std::make_unique<app::UdpClient>(
          host_, IpEndpoint{addr, s_.port},
          app::UdpClient::Config{.count = s_.schedule.count, .interval = s_.schedule.interval, .payload = s_.payload});
    });
  }
  std::string text() const override {
    std::ostringstream os;
    os << "UDP " << spec_.host << " -> " << s_.to << ":" << s_.port << ": ";
    if (!app_) return os.str() + resolve_error().value_or("not started") + "\n";
    os << "sent " << app_->sent() << ", got back " << app_->received().size();
    for (auto e : app_->errors()) os << "; " << e;
    os << "\n";
    return os.str();
  }
  bool succeeded() const override {
    if (!app_) return false;
    if (spec_.expect == Expect::refused) return !app_->errors().empty();
    return app_->received().size() == static_cast<std::size_t>(s_.schedule.count);
  }

 private:
  std::unique_ptr<app::UdpClient> app_;
};

class TcpEcho final : public AppOf<ServerSettings> {
 public:
  using AppOf::AppOf;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::TcpEchoServer>(host_, s_.port, s_.backlog);
  }
  std::string text() const override {
    return "TCP echo server " + spec_.host + ":" + std::to_string(s_.port) + ": accepted " +
           std::to_string(app_->accepted()) + ", echoed " + std::to_string(app_->bytes_echoed()) + " bytes\n";
  }
  bool succeeded() const override { return app_->bound().has_value(); }

 private:
  std::unique_ptr<app::TcpEchoServer> app_;
};

class TcpSink final : public AppOf<ServerSettings> {
 public:
  using AppOf::AppOf;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::TcpSinkServer>(host_, s_.port, s_.backlog);
  }
  std::string text() const override {
    std::ostringstream os;
    os << "TCP sink " << spec_.host << ":" << s_.port << ": " << app_->connections().size() << " connection(s)\n";
    for (const auto& r : app_->connections()) {
      os << "  from " << r.peer.addr << ":" << r.peer.port << ": " << r.bytes << " bytes, hash " << std::hex
         << std::setw(16) << std::setfill('0') << r.hash << std::dec << (r.eof ? ", closed cleanly" : "")
         << (r.error ? ", " + errc_text(*r.error) : "") << "\n";
    }
    return os.str();
  }
  bool succeeded() const override { return app_->bound().has_value(); }
  void sink_records(std::vector<Network::SinkRecord>& out) const override {
    out.insert(out.end(), past_records_.begin(), past_records_.end());
    for (const auto& r : app_->connections()) out.push_back({r.bytes, r.hash, r.eof});
  }

 protected:
  void keep_life() override {
    for (const auto& r : app_->connections()) past_records_.push_back({r.bytes, r.hash, r.eof});
  }

 private:
  std::vector<Network::SinkRecord> past_records_;  // of lives ended by a crash
  std::unique_ptr<app::TcpSinkServer> app_;
};

class TcpBulk final : public AppOf<TcpBulkSettings> {
 public:
  using AppOf::AppOf;
  void start() override {
    resolve_then(s_.to, [this](IpAddress addr) {
      for (int i = 0; i < s_.schedule.count; ++i) {
        clients_.push_back(std::make_unique<app::TcpBulkClient>(
            host_, IpEndpoint{addr, s_.port},
            app::TcpBulkConfig{.bytes = s_.bytes,
                               .seed = static_cast<std::uint64_t>(i + 1),
                               .start = s_.schedule.interval * i}));
      }
    });
  }
  std::string text() const override {
    std::ostringstream os;
    if (clients_.empty()) {
      return "TCP bulk " + spec_.host + " -> " + s_.to + ":" + std::to_string(s_.port) + ": " +
             resolve_error().value_or("not started") + "\n";
    }
    const auto sinks = net_.sink_records();
    for (const auto& c : clients_) {
      // The sender's hash only for a transfer that ended, which prints it:
      // an endless one does not hash its gigabytes at the end for nothing.
      const auto& r = c->status().finished ? c->result() : c->status();
      os << "TCP bulk " << spec_.host << " -> " << s_.to << ":" << s_.port << ": ";
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
    return !clients_.empty() && std::all_of(clients_.begin(), clients_.end(),
                       [&](const auto& c) { return c->status().finished && matches(c->result(), sinks); });
  }
  bool intact() const override {
    const auto sinks = net_.sink_records();
    return std::all_of(clients_.begin(), clients_.end(),
                       [&](const auto& c) { return !c->status().finished || matches(c->result(), sinks); });
  }

 private:
  static bool matches(const app::TcpBulkResult& r, const std::vector<Network::SinkRecord>& sinks) {
    return std::any_of(sinks.begin(), sinks.end(),
                       [&](const Network::SinkRecord& s) { return s.eof && s.bytes == r.bytes_sent && s.hash == r.hash; });
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

class HttpServerApp final : public AppOf<ServerSettings> {
 public:
  using AppOf::AppOf;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app::HttpServerConfig config{.stream = {.backlog = s_.backlog}};
    // With a `files` table the server has those pages and nothing else: a
    // root that cannot exist (no file lies under /dev/null) turns the
    // built-in page off and makes every other path a 404, never a read of
    // the real disk. (Routes added later cannot replace the built-in "/".)
    if (!s_.files.empty()) config.root = "/dev/null";
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::HttpServer>(host_, s_.port, config);
    for (const auto& [path, content] : s_.files) {
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
    os << "HTTP server " << spec_.host << ":" << s_.port << ": ";
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

class RpcServerApp final : public AppOf<ServerSettings> {
 public:
  using AppOf::AppOf;
  bool restarts_with_host() const override { return true; }
  void start() override {
    app_.reset();  // a restart: the old life first lets go of its port
    app_ = std::make_unique<app::RpcServer>(host_, s_.port, app::RpcServerConfig{.stream = {.backlog = s_.backlog}});
  }
  std::string text() const override {
    if (!app_->listening()) {
      return "JSON-RPC server " + spec_.host + ":" + std::to_string(s_.port) +
             ": cannot listen: " + app_->listening().error().message + "\n";
    }
    return "JSON-RPC server " + spec_.host + ":" + std::to_string(s_.port) + ": " +
           std::to_string(app_->connections().accepted) + " connections, " +
           std::to_string(app_->connections().bytes_in) + " bytes in, " +
           std::to_string(app_->connections().bytes_out) + " bytes out\n";
  }
  bool succeeded() const override { return app_->listening().has_value(); }

 private:
  std::unique_ptr<app::RpcServer> app_;
};

// `count` clients of one kind (app::HttpGet, app::RpcCall), one every
// `interval`: one line for one client, success rate and latency percentiles
// for many. Many clients are made when their turn comes and destroyed once
// done, their outcome (a latency or a failure) folded into the tally: a
// million of them never exist at once, only those in flight.
template <class Client, class Settings>
class RequestClients : public AppOf<Settings> {
 public:
  using AppOf<Settings>::AppOf;
  ~RequestClients() override {
    this->host_.cancel(launch_timer_);
    this->host_.cancel(reap_timer_);
  }
  void start() override {
    this->resolve_then(this->s_.to, [this](IpAddress addr) {
      addr_ = addr;
      started_at_ = this->host_.now();
      if (this->s_.schedule.count == 1) {
        single_ = make(Duration::zero(), nullptr);
        return;
      }
      launch();
    });
  }
  std::string text() const override {
    std::ostringstream os;
    if (single_) {
      os << one_line(*single_) << "\n";
      return os.str();
    }
    if (launched_ == 0) {
      os << what() << " from " << this->spec_.host << ": " << this->resolve_error().value_or("not started") << "\n";
      return os.str();
    }
    std::vector<Duration> latencies;
    std::map<std::string, int> failures;
    outcomes(latencies, &failures);
    if (launched_ < this->s_.schedule.count) failures["unfinished"] += this->s_.schedule.count - launched_;
    const auto total = static_cast<std::size_t>(this->s_.schedule.count);
    os << what() << " from " << this->spec_.host << ", " << total << " clients: " << latencies.size() << " answered ("
       << std::fixed << std::setprecision(2) << 100.0 * static_cast<double>(latencies.size()) / static_cast<double>(total)
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
    if (single_) return answer_ok(*single_);
    if (launched_ == 0 || launched_ < this->s_.schedule.count || !failures_.empty()) return false;
    return std::all_of(live_.begin(), live_.end(), [&](const auto& c) { return !c || answer_ok(*c); });
  }
  std::string request_target() const override { return what(); }
  void collect(std::vector<Duration>& answered, std::size_t& clients) const override {
    if (single_) {
      clients += 1;
      if (answer_ok(*single_)) answered.push_back(*single_->latency());
      return;
    }
    if (launched_ == 0) return;
    clients += static_cast<std::size_t>(this->s_.schedule.count);
    outcomes(answered, nullptr);
  }
  // Every client's start and, when answered, latency (client i starts at
  // i x interval after the first; those not launched yet are unanswered).
  std::optional<IpEndpoint> requests(std::vector<ClientRun::Request>& out) const override {
    if (single_) {
      out.push_back({started_at_, answer_ok(*single_) ? single_->latency() : std::nullopt});
      return server();
    }
    if (launched_ == 0) return std::nullopt;
    for (int i = 0; i < this->s_.schedule.count; ++i) {
      std::optional<Duration> latency;
      if (i < launched_) {
        const auto at = static_cast<std::size_t>(i);
        if (live_[at]) {
          if (answer_ok(*live_[at])) latency = live_[at]->latency();
        } else if (latency_of_[at] != kUnanswered) {
          latency = latency_of_[at];
        }
      }
      out.push_back({started_at_ + this->s_.schedule.interval * i, latency});
    }
    return server();
  }

 protected:
  IpEndpoint server() const { return IpEndpoint{addr_, this->s_.port}; }
  IpAddress addr_{};  // s_.to, resolved
  // A client starting now; `on_done` (may be null) runs when it is done.
  virtual std::unique_ptr<Client> make(Duration start, std::function<void()> on_done) const = 0;
  virtual std::string what() const = 0;
  virtual bool answer_ok(const Client& c) const { return c.done() && c.ok(); }
  virtual std::string one_line(const Client& c) const = 0;

 private:
  std::string failure(const Client& c) const {
    return c.error() ? errc_text(*c.error()) : c.done() ? "bad answer" : "unfinished";
  }
  // The launched clients' answered latencies, in launch order, and (when
  // asked) how many failed and why.
  void outcomes(std::vector<Duration>& answered, std::map<std::string, int>* failures) const {
    if (failures != nullptr) *failures = failures_;
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (const auto& c = live_[i]) {
        if (answer_ok(*c)) {
          answered.push_back(*c->latency());
        } else if (failures != nullptr) {
          ++(*failures)[failure(*c)];
        }
      } else if (latency_of_[i] != kUnanswered) {
        answered.push_back(latency_of_[i]);
      }
    }
  }
  // Makes every client whose turn has come (client i starts at i x interval
  // after the first), then waits for the next one's turn.
  void launch() {
    launch_timer_ = {};
    const Instant now = this->host_.now();
    while (launched_ < this->s_.schedule.count &&
           started_at_ + this->s_.schedule.interval * launched_ <= now) {
      const std::size_t at = live_.size();
      live_.push_back(make(Duration::zero(), [this, at] { done(at); }));
      latency_of_.push_back(kUnanswered);
      ++launched_;
    }
    if (launched_ < this->s_.schedule.count) {
      launch_timer_ = this->host_.schedule_at(started_at_ + this->s_.schedule.interval * launched_, [this] { launch(); });
    }
  }
  // A client is done: destroyed a moment later, outside its own callback,
  // its latency or the reason it failed kept.
  void done(std::size_t at) {
    finished_.push_back(at);
    if (reap_timer_ == runtime::TimerId{}) {
      reap_timer_ = this->host_.schedule_in(Duration::zero(), [this] { reap(); });
    }
  }
  void reap() {
    reap_timer_ = {};
    for (const std::size_t at : finished_) {
      const Client& c = *live_[at];
      if (answer_ok(c)) {
        latency_of_[at] = *c.latency();
      } else {
        ++failures_[failure(c)];
      }
      live_[at].reset();
    }
    finished_.clear();
  }

  std::unique_ptr<Client> single_;          // count == 1: kept whole for its one-line summary
  std::vector<std::unique_ptr<Client>> live_;  // by launch order; null once done and destroyed
  static constexpr Duration kUnanswered = Duration::min();
  std::vector<Duration> latency_of_;        // by launch order, once destroyed: its latency or kUnanswered
  std::vector<std::size_t> finished_;       // done, to destroy
  std::map<std::string, int> failures_;     // of the destroyed ones: why, how many
  int launched_ = 0;
  Instant started_at_{};
  runtime::TimerId launch_timer_{};
  runtime::TimerId reap_timer_{};
};

class HttpClient final : public RequestClients<app::HttpGet, HttpClientSettings> {
 public:
  using RequestClients::RequestClients;

 protected:
  std::unique_ptr<app::HttpGet> make(Duration start, std::function<void()> on_done) const override {
    const http::Url url{.host = s_.to, .port = s_.port, .target = s_.path,
                        .host_is_ip = IpAddress::parse(s_.to).has_value()};
    return std::make_unique<app::HttpGet>(
        host_, server(), app::HttpGetConfig{.url = url, .start = start, .on_done = std::move(on_done)});
  }
  std::string url() const {
    const std::string host = s_.to.find(':') != std::string::npos ? "[" + s_.to + "]" : s_.to;  // RFC 3986 3.2.2
    return "http://" + host + (s_.port == 80 ? "" : ":" + std::to_string(s_.port)) + s_.path;
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

class RpcClient final : public RequestClients<app::RpcCall, RpcClientSettings> {
 public:
  using RequestClients::RequestClients;

 protected:
  std::unique_ptr<app::RpcCall> make(Duration start, std::function<void()> on_done) const override {
    msg::Params params;
    if (!s_.params.empty()) params = nlohmann::json::parse(s_.params, nullptr, false);
    return std::make_unique<app::RpcCall>(
        host_, server(),
        app::RpcCallConfig{.method = s_.method, .params = params, .start = start, .on_done = std::move(on_done)});
  }
  std::string what() const override { return "JSON-RPC " + s_.method + " at " + s_.to + ":" + std::to_string(s_.port); }
  bool answer_ok(const app::RpcCall& c) const override {
    if (!c.done() || !c.ok()) return false;
    const nlohmann::json& result = *c.answer()->result;
    if (s_.method == "time") return result.is_string() && msg::parse_time(result.get<std::string>()).has_value();
    return true;
  }
  std::string one_line(const app::RpcCall& c) const override {
    std::ostringstream os;
    os << "JSON-RPC " << s_.method << " from " << spec_.host << " to " << s_.to << ":" << s_.port << ": ";
    if (c.error()) return os.str() + errc_text(*c.error());
    if (!c.done()) return os.str() + "unfinished";
    if (!c.frame()) return os.str() + c.bad_response();
    os << nlohmann::json::parse(*c.frame(), nullptr, false).dump();
    if (s_.method == "time" && c.answer() && c.answer()->result && c.answer()->result->is_string()) {
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
      : App(net, spec, host),
        s_(spec.settings_as<SynFloodSettings>()),
        rng_(net.world().seed() ^ 0x5eedf100dULL),
        spoof_(*Ipv4Prefix::parse(s_.spoof)) {}
  void start() override {
    until_ = host_.now() + s_.duration;
    step_ = Duration{static_cast<Duration::rep>(1e9 / s_.rate)};
    fire();
  }
  std::string text() const override {
    return "SYN flood from " + spec_.host + " to " + s_.to + ":" + std::to_string(s_.port) + ": " +
           std::to_string(sent_) + " SYNs from spoofed addresses in " + s_.spoof + "\n";
  }
  bool succeeded() const override { return sent_ > 0; }

 private:
  void fire() {
    const Instant now = host_.now();
    const std::uint32_t host_bits = spoof_.len() >= 32 ? 0 : (0xffffffffu >> spoof_.len());
    const Ipv4Address src(spoof_.network().to_u32() | (static_cast<std::uint32_t>(rng_.next_u64()) & host_bits));
    TcpRepr syn{.src_port = static_cast<std::uint16_t>(1024 + rng_.next_u64() % 60000),
                .dst_port = s_.port,
                .seq = static_cast<std::uint32_t>(rng_.next_u64()),
                .window = 64240};
    syn.flags.set_syn(true);
    syn.options.mss = 1460;
    ByteVec seg(syn.header_len());
    const Ipv4Address dst = ip(s_.to);
    syn.emit(TcpPacketMut(seg), IpPair{src, dst}, Bytes{});
    if (host_.stack().send_ipv4(dst, IpProtocol::tcp, seg, now, {.src = src})) ++sent_;
    host_.kick();
    if (now + step_ <= until_) net_.world().queue().schedule_in(step_, [this] { fire(); });
  }
  const SynFloodSettings& s_;
  Rng rng_;
  Ipv4Prefix spoof_;
  Instant until_{};
  Duration step_{};
  std::uint64_t sent_ = 0;
};


template <class T>
std::unique_ptr<NetworkApp> make(Network& net, const AppSpec& spec, sim::Host& host) {
  return std::make_unique<T>(net, spec, host);
}

// The `count` of a type whose settings have a Schedule.
template <class Settings>
std::uint64_t scheduled(const std::any& settings) {
  return static_cast<std::uint64_t>(std::any_cast<const Settings&>(settings).schedule.count);
}

template <bool Tcp>
std::vector<ListenPort> server_port(const std::any& settings) {
  return {ListenPort{Tcp, std::any_cast<const ServerSettings&>(settings).port}};
}

}  // namespace

// ---- The registry --------------------------------------------------------------------

const std::vector<AppType>& app_types() {
  static const std::vector<AppType> types = {
      {"ping", {"to", "count", "interval", "size"}, false, parse_ping, make<Ping>, scheduled<PingSettings>},
      {"traceroute", {"to", "max_hops"}, false, parse_traceroute, make<Traceroute>},
      {"udp_echo_server", {"port", "backlog"}, false, parse_server, make<UdpEcho>, nullptr, server_port<false>},
      {"udp_client", {"to", "count", "interval", "payload"}, true, parse_udp_client, make<UdpClientApp>,
       scheduled<UdpClientSettings>},
      {"tcp_echo_server", {"port", "backlog"}, false, parse_server, make<TcpEcho>, nullptr, server_port<true>},
      {"tcp_sink", {"port", "backlog"}, false, parse_server, make<TcpSink>, nullptr, server_port<true>},
      {"tcp_bulk", {"to", "bytes", "count", "interval"}, false, parse_tcp_bulk, make<TcpBulk>, scheduled<TcpBulkSettings>},
      {"http_server", {"port", "backlog", "files"}, false, parse_http_server, make<HttpServerApp>, nullptr,
       server_port<true>},
      {"http_client", {"url", "count", "interval"}, false, parse_http_client, make<HttpClient>,
       scheduled<HttpClientSettings>},
      {"rpc_server", {"port", "backlog"}, false, parse_rpc_server, make<RpcServerApp>, nullptr, server_port<true>},
      {"rpc_client", {"to", "method", "params", "count", "interval"}, false, parse_rpc_client, make<RpcClient>,
       scheduled<RpcClientSettings>},
      {"syn_flood", {"to", "rate", "duration", "spoof"}, false, parse_syn_flood, make<SynFlood>},
      {"dns_server", {"port", "zone"}, false, parse_dns_server, make_dns_server, nullptr, dns_server_ports},
      {"ftp_server", {"port", "files", "user"}, false, parse_ftp_server, make_ftp_server, nullptr, ftp_server_ports},
      {"ftp_client", {"url", "op", "bytes", "mode", "user"}, false, parse_ftp_client, make_ftp_client},
      {"dhcp_server", {"pool", "lease", "router", "dns"}, false, parse_dhcp_server, make_dhcp_server, nullptr,
       dhcp_server_ports},
  };
  return types;
}

std::uint64_t instances(const AppSpec& spec) {
  return spec.type != nullptr && spec.type->instances != nullptr ? spec.type->instances(spec.settings) : 1;
}

const AppType* find_app_type(std::string_view name) {
  for (const AppType& t : app_types()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace wirestack::scenario
