// tests/tcp/synflood_test.cpp — the SYN flood of the seed, in the simulator:
// an attacker sends SYNs from spoofed addresses, far beyond the listener's
// backlog, while 100 legitimate clients connect. With SYN cookies (the
// default) every one of them gets through; with cookies off the attacker's
// half-open connections hold the SYN queue and most clients time out.
//
// Topology: clients 10.0.1.10 and attacker 10.0.3.10, each on its own cable
// to the router, which leads to the server 10.0.2.10. The spoofed sources
// are in 198.18.0.0/15 (RFC 2544's benchmarking range), which the router
// has no route for: the server's SYN-ACKs die at the router, as they would
// for a spoofed address nobody owns, and no RST ever clears a half-open
// connection.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "base/rng.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"
#include "wire/tcp.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

constexpr int kClients = 100;
constexpr std::uint32_t kBacklog = 64;          // SYN queue: min(backlog, syn_backlog)
constexpr Duration kSynInterval = 2ms;          // 500 spoofed SYNs per second ...
constexpr Duration kAttackFor = 40s;            // ... for 40 s: 20,000 SYNs, 300 x the backlog

struct FloodResult {
  int connected = 0;        // clients that reached ESTABLISHED
  int finished = 0;         // ... and delivered their request and FIN
  int timed_out = 0;
  std::uint64_t syns_sent = 0;
  std::size_t sink_records = 0;
  tcp::TcpCounters server{};
};

// The attacker: every kSynInterval a SYN from a fresh spoofed address and
// port, crafted by hand (TcpRepr + the attacker's IP layer with a foreign
// source address), until `until`.
class SynFlooder {
 public:
  SynFlooder(World& w, Host& host, IpEndpoint target, Instant until)
      : w_(w), host_(host), target_(target), until_(until), rng_(0x5eed) {
    w_.queue().schedule_in(Duration::zero(), [this] { fire(); });
  }
  std::uint64_t sent() const { return sent_; }

 private:
  void fire() {
    const Instant now = w_.now();
    // 198.18.0.0/15: 131,072 addresses, each used once or twice.
    const Ipv4Address src = Ipv4Address(0xc6120000u | static_cast<std::uint32_t>(rng_.next_u64() & 0x1ffff));
    TcpRepr syn{.src_port = static_cast<std::uint16_t>(1024 + rng_.next_u64() % 60000),
                .dst_port = target_.port,
                .seq = static_cast<std::uint32_t>(rng_.next_u64()),
                .window = 64240};
    syn.flags.set_syn(true);
    syn.options.mss = 1460;  // what a real client sends; the cookie encodes it
    ByteVec seg(syn.header_len());
    syn.emit(TcpPacketMut(seg), IpPair{src, target_.addr}, Bytes{});
    if (host_.stack().send_ipv4(target_.addr.v4(), IpProtocol::tcp, seg, now, {.src = src})) ++sent_;
    if (now + kSynInterval <= until_) w_.queue().schedule_in(kSynInterval, [this] { fire(); });
  }

  World& w_;
  Host& host_;
  IpEndpoint target_;
  Instant until_;
  Rng rng_;
  std::uint64_t sent_ = 0;
};

FloodResult flood(bool cookies) {
  World w(21);
  Host& client = w.add_host("client");
  Host& attacker = w.add_host("attacker");
  Host& server = w.add_host("server");
  Host& router = w.add_router("router");
  LinkDirection cable;
  cable.bits_per_second = 100'000'000;
  cable.delay = 1ms;
  EXPECT_TRUE(w.connect(client, "10.0.1.10/24", router, "10.0.1.1/24", cable));
  EXPECT_TRUE(w.connect(attacker, "10.0.3.10/24", router, "10.0.3.1/24", cable));
  EXPECT_TRUE(w.connect(router, "10.0.2.1/24", server, "10.0.2.10/24", cable));
  EXPECT_TRUE(w.set_gateway(client, "10.0.1.1"));
  EXPECT_TRUE(w.set_gateway(attacker, "10.0.3.1"));
  EXPECT_TRUE(w.set_gateway(server, "10.0.2.1"));
  server.stack().tcp().mutable_config().syn_cookies = cookies;

  const IpEndpoint target{ip("10.0.2.10"), 5001};
  TcpSinkServer sink(server, target.port, kBacklog);
  SynFlooder flooder(w, attacker, target, at(kAttackFor));
  // The legitimate clients arrive once the flood is under way (1 s to 3 s),
  // each sending a 100-byte request and closing.
  std::vector<std::unique_ptr<TcpBulkClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<TcpBulkClient>(
        client, target,
        TcpBulkConfig{.bytes = 100, .seed = static_cast<std::uint64_t>(i + 1), .start = 1s + i * 20ms}));
  }
  // Long enough for a client's SYN retries to run out (1+2+...+64 = 127 s
  // with the default max_syn_retries = 6) after the last one started.
  w.run_until(at(140s));

  FloodResult r;
  for (const auto& c : clients) {
    r.connected += c->result().connected ? 1 : 0;
    r.finished += c->result().finished ? 1 : 0;
    r.timed_out += c->result().error == tcp::Errc::timed_out ? 1 : 0;
  }
  r.syns_sent = flooder.sent();
  r.sink_records = sink.connections().size();
  for (const auto& rec : sink.connections()) {
    EXPECT_EQ(rec.bytes, 100u);
    EXPECT_TRUE(rec.eof);
  }
  r.server = server.stack().tcp().counters();
  std::printf("[ syn flood ] cookies %s: %llu spoofed SYNs, %d/%d clients connected, %d finished, %d timed out; "
              "server: listen_syns %llu, syn_queue_drops %llu, cookies sent %llu, validated %llu, rejected %llu, "
              "accepted %llu\n",
              cookies ? "on" : "off", static_cast<unsigned long long>(r.syns_sent), r.connected, kClients, r.finished,
              r.timed_out, static_cast<unsigned long long>(r.server.listen_syns),
              static_cast<unsigned long long>(r.server.syn_queue_drops),
              static_cast<unsigned long long>(r.server.cookies.sent),
              static_cast<unsigned long long>(r.server.cookies.validated),
              static_cast<unsigned long long>(r.server.cookies.rejected_bad + r.server.cookies.rejected_expired),
              static_cast<unsigned long long>(r.server.accepted));
  return r;
}

TEST(TcpSynFlood, WithCookiesEveryClientConnects) {
  const FloodResult r = flood(true);
  // The flood really was one: nearly all of its SYNs reached the listener,
  // 300 times its SYN queue.
  EXPECT_GT(r.syns_sent, 19'000u);
  EXPECT_GT(r.server.listen_syns, r.syns_sent - 100);
  EXPECT_EQ(r.connected, kClients);
  EXPECT_EQ(r.finished, kClients);
  EXPECT_EQ(r.sink_records, static_cast<std::size_t>(kClients));
  // The attacker filled the SYN queue first, so every client came in with a
  // cookie, and every other spoofed SYN was answered with one.
  EXPECT_EQ(r.server.cookies.validated, static_cast<std::uint64_t>(kClients));
  EXPECT_GE(r.server.cookies.sent, r.syns_sent - kBacklog);
  EXPECT_EQ(r.server.syn_queue_drops, 0u);
}

TEST(TcpSynFlood, WithoutCookiesMostClientsFail) {
  const FloodResult r = flood(false);
  EXPECT_GT(r.syns_sent, 19'000u);
  // The spoofed half-open connections keep the SYN queue full for the whole
  // run (each lives through 127 s of SYN-ACK retries): the clients' SYNs,
  // retried six times, are dropped, and they give up.
  EXPECT_LT(r.connected, kClients / 10);
  EXPECT_GT(r.timed_out, kClients * 9 / 10);
  EXPECT_EQ(r.server.cookies.sent, 0u);
  EXPECT_GT(r.server.syn_queue_drops, r.syns_sent - 2 * kBacklog);
}

}  // namespace
}  // namespace wirestack::sim
