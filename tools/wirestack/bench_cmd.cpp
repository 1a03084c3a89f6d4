// `wirestack bench`: whole-process benchmarks of the TCP stack. Two
// simulated hosts joined by one lossless cable; the applications use only
// the socket API from the hosts' activity hooks, as real programs would
// (tcp-connect runs app/request_load.hpp's load generator and responder). What is timed is the wall clock of this process
// (one core: the simulator is single-threaded), so the figures are the
// stack's CPU cost, not a simulated network's speed.
#include "bench_cmd.hpp"
#include "checks.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/request_load.hpp"
#include "sim/event_queue.hpp"
#include "sim/host.hpp"
#include "sim/link.hpp"
#include "sim/world.hpp"  // kSimOui
#include "tcp/socket_table.hpp"

// Under AddressSanitizer malloc is ASan's own and mallinfo2() does not see
// it (its counts stay flat): tcp-idle asks ASan's allocator instead,
// declared here because g++ ships no header for it.
#if defined(__SANITIZE_ADDRESS__)
#define WIRESTACK_BENCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WIRESTACK_BENCH_ASAN 1
#endif
#endif
#ifdef WIRESTACK_BENCH_ASAN
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace wirestack::cli {

namespace {

using namespace std::chrono_literals;
using WallClock = std::chrono::steady_clock;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

double seconds_since(WallClock::time_point t0) {
  return std::chrono::duration<double>(WallClock::now() - t0).count();
}

// CPU time of this process: on a machine shared with other work the wall
// clock counts their time too; both are printed.
double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Two hosts, a (10.0.0.1) and b (10.0.0.2), on one cable: no loss, no
// queue, infinitely fast (bits_per_second = 0), 10 us of propagation.
// Built from the simulator's parts rather than a sim::World: a World reports
// every frame to its broadcast-storm detector (a guard for switched
// topologies; one cable cannot loop), which hashes each frame and costed
// more than a third of tcp-bulk's time. The Link's CRC-32 FCS (computed and
// checked for every frame) stays: it is part of the simulated wire.
struct Pair {
  explicit Pair(std::uint16_t mtu = 1500)
      : link(q, Rng(13), cable()), a(q, Rng(11), "a", {}, nullptr), b(q, Rng(12), "b", {}, nullptr) {
    const iface::NicId na = a.add_nic(MacAddress::from_parts(sim::kSimOui, 1), link, 0, mtu);
    const iface::NicId nb = b.add_nic(MacAddress::from_parts(sim::kSimOui, 2), link, 1, mtu);
    auto ra = a.stack().add_address(na, *Ipv4Prefix::parse("10.0.0.1/24"));
    auto rb = b.stack().add_address(nb, *Ipv4Prefix::parse("10.0.0.2/24"));
    if (!ra) std::cerr << "wirestack bench: " << ra.error() << "\n";
    if (!rb) std::cerr << "wirestack bench: " << rb.error() << "\n";
    ok = ra.has_value() && rb.has_value();
    a.kick();
    b.kick();
  }
  static sim::LinkDirection cable() {
    sim::LinkDirection c;
    c.bits_per_second = 0;
    c.delay = 10us;
    return c;
  }
  void run_for(Duration d) { q.run_until(q.now() + d); }
  Instant now() const { return q.now(); }

  // Destruction in reverse: the hosts first (each detaches its cards from
  // the link), then the link, the queue (which everything schedules on) last.
  sim::EventQueue q;
  sim::Link link;
  sim::Host a;
  sim::Host b;
  bool ok = false;
};

// ---- tcp-bulk ---------------------------------------------------------------

int bench_bulk(const BenchOptions& opt) {
  if (opt.mtu < 576 || opt.mtu > 9000) {
    std::cerr << "wirestack bench tcp-bulk: --mtu must be in 576..9000\n";
    return 2;
  }
  Pair p(opt.mtu);
  if (!p.ok) return 1;
  // Buffers of --buffer bytes (1 MiB by default) on both sides: the window
  // bounds each flight (a batch of frames the receiver takes at once on this
  // infinitely fast cable). bench/peers/compare.sh passes 64 KiB, the window
  // of the lwIP peer.
  // The MSS we advertise is the MTU's: the socket table only clamps the
  // configured MSS (1460 by default) down to the path, never up.
  for (sim::Host* h : {&p.a, &p.b}) {
    auto& c = h->stack().tcp().mutable_config().connection;
    c.send_buffer = c.send_buffer_max = opt.buffer;  // fixed: no autotuning
    c.recv_buffer = c.recv_buffer_max = opt.buffer;
    c.mss = static_cast<std::uint16_t>(opt.mtu - 40);
  }
  auto& ta = p.a.stack().tcp();
  auto& tb = p.b.stack().tcp();
  const tcp::SocketHandle listener = tb.open();
  if (!tb.bind(listener, {Ipv4Address::any(), 5001}) || !tb.listen(listener, 16)) {
    std::cerr << "wirestack bench tcp-bulk: cannot listen on port 5001\n";
    return 1;
  }

  // Receiver: accepts one connection and reads until the end of stream.
  std::vector<std::byte> rbuf(256 * 1024);
  std::optional<tcp::SocketHandle> rx;
  std::uint64_t received = 0;
  bool eof = false;
  std::optional<tcp::Errc> error;
  WallClock::time_point t_end{};
  double cpu_end = 0;
  p.b.on_activity([&] {
    if (!rx) {
      if (auto c = tb.accept(listener)) rx = *c;
      if (!rx) return;
    }
    while (!eof) {
      auto r = tb.recv(*rx, rbuf);
      if (!r) {
        if (r.error().code != tcp::Errc::would_block) error = r.error().code;
        break;
      }
      if (*r == 0) {
        eof = true;
        t_end = WallClock::now();
        cpu_end = cpu_seconds();
        (void)tb.close(*rx);
        break;
      }
      received += *r;
    }
  });

  // Sender: a 64 KiB pattern sent again and again, then the FIN.
  std::vector<std::byte> sbuf(64 * 1024);
  for (std::size_t i = 0; i < sbuf.size(); ++i) sbuf[i] = static_cast<std::byte>(i * 7);
  const tcp::SocketHandle tx = ta.open();
  std::uint64_t sent = 0;
  bool shut = false;
  p.a.on_activity([&] {
    const auto st = ta.state(tx);
    if (!st || !tcp::is_synchronized(*st)) return;
    while (sent < opt.bytes) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(sbuf.size(), opt.bytes - sent));
      auto r = ta.send(tx, Bytes(sbuf).first(n));
      if (!r || *r == 0) break;
      sent += *r;
    }
    if (sent == opt.bytes && !shut) {
      shut = true;
      (void)ta.shutdown_send(tx);
    }
  });

  const auto t0 = WallClock::now();
  const double cpu0 = cpu_seconds();
  if (auto r = ta.connect(tx, {ip("10.0.0.2"), 5001}, p.now()); !r) {
    std::cerr << "wirestack bench tcp-bulk: connect: " << r.error() << "\n";
    return 1;
  }
  p.a.kick();
  while (!eof && !error && p.now() < at(3600s)) p.run_for(1ms);
  if (!eof) {
    std::cerr << "wirestack bench tcp-bulk: the transfer did not finish ("
              << (error ? std::string(tcp::to_string(*error)) : "stalled") << " after " << received << " bytes)\n";
    return 1;
  }
  const double wall = std::chrono::duration<double>(t_end - t0).count();
  const double cpu = cpu_end - cpu0;
  const double gbps = static_cast<double>(received) * 8 / wall / 1e9;
  const double cpu_gbps = cpu > 0 ? static_cast<double>(received) * 8 / cpu / 1e9 : 0;
  const double sim_s = to_seconds(p.now() - Instant{});
  // Segments on the wire (frames a sent), and what TCP handed to IP: fewer,
  // as segments of several MSS that software GSO cut into frames.
  const std::uint64_t segments = p.link.counters(0).frames_sent;
  const std::uint64_t tcp_segments = ta.counters().segments_out;
  const std::uint64_t events = p.q.events_run();
  std::printf("tcp-bulk: %llu bytes in %.3f s wall = %.2f Gbit/s (CPU %.3f s = %.2f Gbit/s per CPU second; MTU %u, "
              "%u-byte buffers, %llu segments sent (TCP made %llu, GSO cut them), %llu ACK segments back, %llu events, "
              "%.3f s simulated)\n",
              static_cast<unsigned long long>(received), wall, gbps, cpu, cpu_gbps, opt.mtu, opt.buffer,
              static_cast<unsigned long long>(segments), static_cast<unsigned long long>(tcp_segments),
              static_cast<unsigned long long>(tb.counters().segments_out), static_cast<unsigned long long>(events),
              sim_s);
  std::printf("{\"bench\":\"tcp-bulk\",\"bytes\":%llu,\"mtu\":%u,\"buffer\":%u,\"wall_s\":%.6f,\"gbit_per_s\":%.4f,"
              "\"cpu_s\":%.6f,\"gbit_per_cpu_s\":%.4f,\"segments\":%llu,\"tcp_segments\":%llu,\"events\":%llu,"
              "\"sim_s\":%.6f}\n",
              static_cast<unsigned long long>(received), opt.mtu, opt.buffer, wall, gbps, cpu, cpu_gbps,
              static_cast<unsigned long long>(segments), static_cast<unsigned long long>(tcp_segments),
              static_cast<unsigned long long>(events), sim_s);
  return received == opt.bytes ? 0 : 1;
}

// ---- tcp-connect -------------------------------------------------------------

// One cycle: connect, a 16-byte request, a 16-byte response, the server
// closes first (HTTP/1.0 style: its side keeps the TIME-WAIT, so the
// client's ports come free at once), the client reads the end and closes.
// The two ends are the load generator and responder of app/request_load.hpp.
constexpr std::size_t kMsg = 16;

int bench_connect(const BenchOptions& opt) {
  Pair p;
  if (!p.ok) return 1;
  app::FixedResponder server(p.b, 5001, {.request_size = kMsg, .response = std::string(kMsg, 'p')});
  if (!server.bound()) {
    std::cerr << "wirestack bench tcp-connect: cannot listen on port 5001: " << server.bound().error() << "\n";
    return 1;
  }
  const auto t0 = WallClock::now();
  const double cpu0 = cpu_seconds();
  app::RequestLoad load(p.a, {ip("10.0.0.2"), 5001},
                        {.count = opt.count, .parallel = opt.parallel, .request = std::string(kMsg, 'q'),
                         .response_size = kMsg});
  while (!load.finished() && p.now() < at(3600s)) {
    const auto before = load.completed() + load.failed();
    p.run_for(1ms);
    // Nothing in flight and nothing left to do: stop rather than spin.
    if (load.completed() + load.failed() == before && p.q.idle()) break;
  }
  const double wall = seconds_since(t0);
  const double cpu = cpu_seconds() - cpu0;
  const std::uint64_t completed = load.completed();
  const double rate = static_cast<double>(completed) / wall;
  const double cpu_rate = cpu > 0 ? static_cast<double>(completed) / cpu : 0;
  const double sim_s = to_seconds(p.now() - Instant{});
  std::printf("tcp-connect: %llu cycles (connect, %zu-byte request, %zu-byte response, close) in %.3f s wall = "
              "%.0f cycles/s (CPU %.3f s = %.0f cycles per CPU second; %u in flight, %llu failed, %llu events, "
              "%.3f s simulated)\n",
              static_cast<unsigned long long>(completed), kMsg, kMsg, wall, rate, cpu, cpu_rate, opt.parallel,
              static_cast<unsigned long long>(load.failed()), static_cast<unsigned long long>(p.q.events_run()), sim_s);
  std::printf("{\"bench\":\"tcp-connect\",\"cycles\":%llu,\"failed\":%llu,\"parallel\":%u,\"wall_s\":%.6f,"
              "\"cycles_per_s\":%.1f,\"cpu_s\":%.6f,\"cycles_per_cpu_s\":%.1f,\"events\":%llu,\"sim_s\":%.6f}\n",
              static_cast<unsigned long long>(completed), static_cast<unsigned long long>(load.failed()), opt.parallel,
              wall, rate, cpu, cpu_rate, static_cast<unsigned long long>(p.q.events_run()), sim_s);
  return completed == opt.count ? 0 : 1;
}

// ---- tcp-idle ------------------------------------------------------------------

// The process's resident set, from /proc/self/status (VmRSS, kB).
std::int64_t rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

// Heap bytes in use: mallinfo2(), or under AddressSanitizer its allocator's
// own count (see the declaration at the top).
#ifdef WIRESTACK_BENCH_ASAN
constexpr const char* kHeapSource = "ASan allocator";
std::int64_t heap_in_use() { return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes()); }
#else
// Both kinds of chunk: uordblks alone leaves out the blocks malloc maps
// on their own (128 KiB and up at first: the 4-tuple index's table, the slot
// chunks' vector), which idle connections hold as much as the small ones.
constexpr const char* kHeapSource = "mallinfo2 uordblks + hblkhd";
std::int64_t heap_in_use() {
  const auto m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}
#endif

int bench_idle(const BenchOptions& opt) {
  const std::uint64_t n = opt.connections;
  if (n == 0 || n > 4'000'000) {
    std::cerr << "wirestack bench tcp-idle: --connections must be in 1..4000000\n";
    return 2;
  }
  Pair p;
  if (!p.ok) return 1;
  auto& ta = p.a.stack().tcp();
  auto& tb = p.b.stack().tcp();
  // 16,384 ephemeral ports per destination port: one listening port per
  // 16,000 connections keeps every 4-tuple distinct.
  constexpr std::uint64_t kPerPort = 16'000;
  const auto ports = static_cast<std::uint16_t>((n + kPerPort - 1) / kPerPort);
  std::vector<tcp::SocketHandle> listeners;
  for (std::uint16_t i = 0; i < ports; ++i) {
    const tcp::SocketHandle l = tb.open();
    if (!tb.bind(l, {Ipv4Address::any(), static_cast<std::uint16_t>(5001 + i)}) || !tb.listen(l, 4096)) {
      std::cerr << "wirestack bench tcp-idle: cannot listen on port " << 5001 + i << "\n";
      return 1;
    }
    listeners.push_back(l);
  }
  // The handles' own vectors are allocated before the baseline: they are
  // the benchmark's, not the stack's.
  std::vector<tcp::SocketHandle> client_socks;
  std::vector<tcp::SocketHandle> server_socks;
  client_socks.reserve(n);
  server_socks.reserve(n);
  p.b.on_activity([&] {
    for (const auto l : listeners) {
      while (auto c = tb.accept(l)) server_socks.push_back(*c);
    }
  });
  // Let ARP settle (one exchange) before the baseline.
  p.run_for(10ms);
  malloc_trim(0);
  const std::int64_t heap0 = heap_in_use();
  const std::int64_t rss0 = rss_bytes();
  const auto t0 = WallClock::now();

  // Batches of 1,000 connects, each given 5 ms of simulated time for its
  // handshakes (the SYN queue and the accept queue stay small).
  std::uint64_t opened = 0;
  while (opened < n) {
    const std::uint64_t batch = std::min<std::uint64_t>(1000, n - opened);
    for (std::uint64_t i = 0; i < batch; ++i, ++opened) {
      const tcp::SocketHandle h = ta.open();
      const auto port = static_cast<std::uint16_t>(5001 + opened / kPerPort);
      if (auto r = ta.connect(h, {ip("10.0.0.2"), port}, p.now()); !r) {
        std::cerr << "wirestack bench tcp-idle: connect #" << opened << ": " << r.error() << "\n";
        return 1;
      }
      client_socks.push_back(h);
    }
    p.a.kick();
    p.run_for(5ms);
  }
  // Delayed ACKs and anything else pending: done after a second.
  p.run_for(1s);
  const double wall = seconds_since(t0);
  std::uint64_t established = 0;
  for (const auto h : client_socks) established += ta.state(h) == tcp::State::established ? 1 : 0;
  for (const auto h : server_socks) established += tb.state(h) == tcp::State::established ? 1 : 0;
  const std::int64_t heap1 = heap_in_use();
  const std::int64_t rss1 = rss_bytes();
  const double endpoints = static_cast<double>(2 * n);
  const double heap_per = static_cast<double>(heap1 - heap0) / endpoints;
  const double rss_per = static_cast<double>(rss1 - rss0) / endpoints;
  const std::size_t bufs = ta.buffer_bytes() + tb.buffer_bytes();
  std::printf("tcp-idle: %llu idle connections (%llu endpoints, %llu established) set up in %.2f s wall\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(2 * n),
              static_cast<unsigned long long>(established), wall);
  std::printf("tcp-idle: heap (%s) +%.1f MiB = %.0f bytes per endpoint, %.0f per connection (both ends)\n",
              kHeapSource, static_cast<double>(heap1 - heap0) / (1 << 20), heap_per, heap_per * 2);
  std::printf("tcp-idle: RSS (VmRSS) +%.1f MiB = %.0f bytes per endpoint, %.0f per connection (both ends)\n",
              static_cast<double>(rss1 - rss0) / (1 << 20), rss_per, rss_per * 2);
  std::printf("tcp-idle: sizeof(tcp::Connection) = %zu bytes; socket buffers held: %zu bytes\n",
              sizeof(tcp::Connection), bufs);
  std::printf("{\"bench\":\"tcp-idle\",\"connections\":%llu,\"endpoints\":%llu,\"established_endpoints\":%llu,"
              "\"heap_bytes_per_endpoint\":%.1f,\"rss_bytes_per_endpoint\":%.1f,\"sizeof_connection\":%zu,"
              "\"buffer_bytes\":%zu,\"wall_s\":%.6f}\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(2 * n),
              static_cast<unsigned long long>(established), heap_per, rss_per, sizeof(tcp::Connection), bufs, wall);
  return established == 2 * n ? 0 : 1;
}

}  // namespace

void add_bench_command(CLI::App& app, BenchOptions& opt) {
  auto* cmd = app.add_subcommand("bench", "benchmark the TCP stack: two stacks in one process, wall-clock time");
  cmd->require_subcommand(1);
  opt.bulk = cmd->add_subcommand("tcp-bulk", "one connection sends --bytes over a lossless link: goodput in Gbit/s");
  opt.bulk->add_option("--bytes", opt.bytes, "bytes to send")->capture_default_str()->check(checks::positive());
  opt.bulk->add_option("--mtu", opt.mtu, "MTU of both network cards")->capture_default_str()->check(CLI::Range(576, 9000));
  opt.bulk->add_option("--buffer", opt.buffer, "send and receive buffer of each socket, bytes (the window's bound)")
      ->capture_default_str()
      ->check(CLI::Range(4096, 1 << 30));
  opt.connect = cmd->add_subcommand("tcp-connect", "connect + request + response + close cycles per second");
  opt.connect->add_option("--count", opt.count, "cycles to run")->capture_default_str()->check(checks::positive());
  opt.connect->add_option("--parallel", opt.parallel, "cycles in flight at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  opt.idle = cmd->add_subcommand("tcp-idle", "N established idle connections: memory per connection");
  opt.idle->add_option("--connections", opt.connections, "connections to open")
      ->capture_default_str()
      ->check(CLI::Range(1, 4'000'000));
}

int run_bench(const BenchOptions& opt) {
  if (opt.bulk != nullptr && opt.bulk->parsed()) return bench_bulk(opt);
  if (opt.connect != nullptr && opt.connect->parsed()) return bench_connect(opt);
  if (opt.idle != nullptr && opt.idle->parsed()) return bench_idle(opt);
  return 2;
}

}  // namespace wirestack::cli
