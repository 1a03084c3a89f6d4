// Socket table tests: two tables joined by an in-memory wire (1 ms one way),
// driven in virtual time: listen/accept, refused connects, the SYN and
// accept queues, SYN cookies under a flood, TIME-WAIT reuse, orphans, the
// RST rate limit and the socket errors an application sees.
#include "tcp/socket_table.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace wirestack::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Ipv4Address kA(10, 0, 0, 1);  // client
const Ipv4Address kB(10, 0, 0, 2);  // server
const Ipv6Address kA6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);  // the same two, over IPv6
const Ipv6Address kB6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

struct Packet {
  Instant at;
  IpAddress src;
  IpAddress dst;
  TcpRepr tcp;
  ByteVec payload;
  std::uint8_t ecn = 0;  // the IP header's ECN field
};

// A dual-stack IP layer: one IPv4 and one IPv6 address.
class FakeIp final : public IpLayer {
 public:
  FakeIp(Ipv4Address addr, Ipv6Address addr6, std::function<void(Packet)> out)
      : addr_(addr), addr6_(addr6), out_(std::move(out)) {}
  void send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header, storage::SpanPair payload,
                    std::uint16_t /*gso_size*/, std::uint8_t ecn, Instant now) override {
    ByteVec p(payload.first.begin(), payload.first.end());
    p.insert(p.end(), payload.second.begin(), payload.second.end());
    out_(Packet{now, src, dst, header, std::move(p), ecn});
  }
  std::optional<Path> path_to(const IpAddress& dst) const override {
    if (dst == IpAddress(Ipv4Address(10, 9, 9, 9))) return std::nullopt;  // no route
    if (dst.is_v6()) return Path{.src = addr6_, .mtu = mtu, .header_len = 40};
    return Path{.src = addr_, .mtu = mtu};
  }
  bool is_local_address(const IpAddress& a) const override { return a == addr_ || a == addr6_; }
  std::uint16_t mtu = 1500;

 private:
  Ipv4Address addr_;
  Ipv6Address addr6_;
  std::function<void(Packet)> out_;
};

// Client table `a` at 10.0.0.1, server table `b` at 10.0.0.2. Segments to
// other addresses vanish (spoofed sources); `drop` filters the wire.
struct Net {
  explicit Net(SocketTableConfig server_cfg = {}, SocketTableConfig client_cfg = {})
      : ipa(kA, kA6, [this](Packet p) { send(std::move(p)); }),
        ipb(kB, kB6, [this](Packet p) { send(std::move(p)); }),
        a(ipa, rng_a, client_cfg),
        b(ipb, rng_b, server_cfg) {}

  void send(Packet p) {
    ++sent[p.src];
    log.push_back(p);
    if (drop && drop(p)) return;
    if (mark) mark(p);
    p.at = p.at + latency;
    wire.push_back(std::move(p));
  }

  // Runs until `until`, delivering segments and firing timers in time order.
  void run(Duration d) {
    const Instant until = now + d;
    for (int guard = 0; guard < 1'000'000; ++guard) {
      Instant next = until;
      if (!wire.empty()) next = std::min(next, wire.front().at);
      for (SocketTable* t : {&a, &b}) {
        if (auto p = t->poll_at()) next = std::min(next, std::max(*p, now));
      }
      if (next >= until && (wire.empty() || wire.front().at > until)) {
        now = until;
        a.poll(now);
        b.poll(now);
        if (on_step) on_step();
        return;
      }
      now = next;
      while (!wire.empty() && wire.front().at <= now) {
        Packet p = std::move(wire.front());
        wire.pop_front();
        SocketTable* t = p.dst == kA || p.dst == kA6 ? &a : p.dst == kB || p.dst == kB6 ? &b : nullptr;
        if (t != nullptr) t->on_segment(p.src, p.dst, p.tcp, p.payload, now, p.ecn);
      }
      a.poll(now);
      b.poll(now);
      if (on_step) on_step();
    }
    FAIL() << "the simulation did not settle";
  }

  Rng rng_a{1};
  Rng rng_b{2};
  FakeIp ipa;
  FakeIp ipb;
  SocketTable a;
  SocketTable b;
  Instant now = at(seconds{1});
  Duration latency = milliseconds{1};
  std::deque<Packet> wire;
  std::vector<Packet> log;
  std::map<IpAddress, int> sent;
  std::function<bool(const Packet&)> drop;
  std::function<void(Packet&)> mark;  // a router on the wire (after `drop`): may set CE
  std::function<void()> on_step;
};

SocketHandle listen_on(SocketTable& t, std::uint16_t port, std::uint32_t backlog = 16) {
  SocketHandle s = t.open();
  EXPECT_TRUE(t.bind(s, {Ipv4Address::any(), port}));
  EXPECT_TRUE(t.listen(s, backlog));
  return s;
}

std::string recv_all(SocketTable& t, SocketHandle h) {
  std::string out;
  std::array<std::byte, 512> buf{};
  for (;;) {
    auto n = t.recv(h, buf);
    if (!n || *n == 0) return out;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

TEST(SocketTable, ListenConnectAcceptEchoAndCloseBothWays) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  EXPECT_EQ(net.a.state(cli), State::syn_sent);
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::established);
  EXPECT_TRUE(net.a.readiness(cli) & ready::kWritable);
  EXPECT_EQ(net.b.accept_queue_len(srv), 1u);
  EXPECT_EQ(net.b.readiness(srv), ready::kReadable);
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  EXPECT_EQ(net.b.remote_endpoint(*conn)->addr, kA);
  EXPECT_EQ(net.b.local_endpoint(*conn), (IpEndpoint{kB, 8080}));
  EXPECT_EQ(net.b.accept(srv).error().code, Errc::would_block);

  ASSERT_EQ(*net.a.send(cli, as_bytes("hello")), 5u);
  net.run(milliseconds{10});
  EXPECT_EQ(recv_all(net.b, *conn), "hello");
  ASSERT_TRUE(net.b.send(*conn, as_bytes("HELLO")));
  net.run(milliseconds{10});
  EXPECT_EQ(recv_all(net.a, cli), "HELLO");

  // Four-way close: the client closes first and ends in TIME-WAIT.
  ASSERT_TRUE(net.a.shutdown_send(cli));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::fin_wait_2);
  EXPECT_EQ(net.b.state(*conn), State::close_wait);
  std::array<std::byte, 8> buf{};
  EXPECT_EQ(*net.b.recv(*conn, buf), 0u);  // end of stream
  EXPECT_TRUE(net.b.readiness(*conn) & ready::kHangup);
  ASSERT_TRUE(net.b.close(*conn));
  EXPECT_FALSE(net.b.is_open(*conn));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::time_wait);
  EXPECT_EQ(net.b.connection_count(), 0u);  // LAST-ACK done: the orphan is gone
  EXPECT_EQ(net.b.open_count(), 1u);        // the listener
  net.run(seconds{61});
  EXPECT_EQ(net.a.state(cli), State::closed);
  EXPECT_EQ(net.a.connection_count(), 0u);
  EXPECT_EQ(net.b.counters().passive_opens, 1u);
  EXPECT_EQ(net.a.counters().active_opens, 1u);
  EXPECT_EQ(net.b.counters().established, 1u);
  EXPECT_EQ(net.b.counters().accepted, 1u);
  ASSERT_TRUE(net.a.close(cli));
  EXPECT_EQ(net.a.open_count(), 0u);
}

TEST(SocketTable, ClosedPortIsRefusedWithARst) {
  Net net;
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 9}, net.now));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::closed);
  EXPECT_TRUE(net.a.readiness(cli) & ready::kError);
  EXPECT_EQ(net.a.take_error(cli), Errc::connection_refused);
  EXPECT_EQ(net.b.counters().no_socket, 1u);
  EXPECT_EQ(net.b.counters().rst_out, 1u);
  ASSERT_EQ(net.log.size(), 2u);
  // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  EXPECT_TRUE(net.log[1].tcp.flags.rst());
  EXPECT_TRUE(net.log[1].tcp.flags.ack());
  EXPECT_EQ(net.log[1].tcp.seq, 0u);
  EXPECT_EQ(net.log[1].tcp.ack, net.log[0].tcp.seq + 1);
}

TEST(SocketTable, RecvReportsTheErrorOfAFailedConnection) {
  Net net;
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 9}, net.now));
  net.run(milliseconds{10});
  std::array<std::byte, 8> buf{};
  auto r = net.a.recv(cli, buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::connection_refused);
  auto s = net.a.send(cli, as_bytes("x"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::connection_refused);
}

TEST(SocketTable, NoRouteFailsAtOnce) {
  Net net;
  const SocketHandle cli = net.a.open();
  auto r = net.a.connect(cli, {Ipv4Address(10, 9, 9, 9), 80}, net.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::net_unreachable);
  EXPECT_NE(r.error().message.find("no route"), std::string::npos);
}

TEST(SocketTable, BindErrorsSayWhatToDo) {
  Net net;
  const SocketHandle s1 = net.b.open();
  ASSERT_TRUE(net.b.bind(s1, {Ipv4Address::any(), 8080}));
  const SocketHandle s2 = net.b.open();
  auto in_use = net.b.bind(s2, {kB, 8080});
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, Errc::address_in_use);
  EXPECT_NE(in_use.error().message.find("pick another port"), std::string::npos);
  auto priv = net.b.bind(s2, {kB, 80});
  ASSERT_FALSE(priv);
  EXPECT_EQ(priv.error().code, Errc::permission_denied);
  auto foreign = net.b.bind(s2, {Ipv4Address(10, 0, 0, 77), 8081});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, Errc::address_not_available);
  auto eph = net.b.bind(s2, {Ipv4Address::any(), 0});
  ASSERT_TRUE(eph);
  EXPECT_GE(eph->port, 49152);
  EXPECT_EQ(net.b.bind(s2, {Ipv4Address::any(), 8082}).error().code, Errc::already_bound);
  ASSERT_TRUE(net.b.close(s1));
  EXPECT_EQ(net.b.bind(s1, {kB, 1}).error().code, Errc::invalid_handle);  // stale handle
  const SocketHandle s3 = net.b.open();
  EXPECT_TRUE(net.b.bind(s3, {kB, 8080}));  // free again after close
  EXPECT_NE(s3, s1);
}

TEST(SocketTable, ManyClientsGetDistinctEphemeralPorts) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080, 128);
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(net.a.open());
    ASSERT_TRUE(net.a.connect(clients.back(), {kB, 8080}, net.now));
  }
  net.run(milliseconds{20});
  std::set<std::uint16_t> ports;
  for (auto c : clients) {
    EXPECT_EQ(net.a.state(c), State::established);
    ports.insert(net.a.local_endpoint(c)->port);
  }
  EXPECT_EQ(ports.size(), 100u);
  EXPECT_EQ(net.b.accept_queue_len(srv), 100u);
}

TEST(SocketTable, AFullBacklogDropsSynsUntilTheApplicationAccepts) {
  SocketTableConfig cfg;
  cfg.syn_cookies = false;
  Net net(cfg);
  const SocketHandle srv = listen_on(net.b, 8080, 2);
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(net.a.open());
    ASSERT_TRUE(net.a.connect(clients.back(), {kB, 8080}, net.now));
  }
  net.run(milliseconds{20});
  EXPECT_EQ(net.b.accept_queue_len(srv), 2u);
  EXPECT_EQ(net.a.state(clients[2]), State::syn_sent);
  EXPECT_EQ(net.b.counters().syn_queue_drops, 1u);
  ASSERT_TRUE(net.b.accept(srv));
  ASSERT_TRUE(net.b.accept(srv));
  net.run(seconds{2});  // the third client's SYN retransmission (RTO 1 s) gets in
  EXPECT_EQ(net.a.state(clients[2]), State::established);
  EXPECT_EQ(net.b.accept_queue_len(srv), 1u);
}

TEST(SocketTable, WithCookiesAnOverflowingHandshakeCompletesWithTheFirstData) {
  Net net;  // cookies on (the default)
  const SocketHandle srv = listen_on(net.b, 8080, 2);
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(net.a.open());
    ASSERT_TRUE(net.a.connect(clients.back(), {kB, 8080}, net.now));
  }
  net.run(milliseconds{20});
  // The third got a cookie; its ACK found the accept queue full and was dropped
  // (the client believes it is connected, as with Linux).
  EXPECT_EQ(net.b.counters().cookies.sent, 1u);
  EXPECT_EQ(net.b.counters().accept_queue_drops, 1u);
  EXPECT_EQ(net.a.state(clients[2]), State::established);
  EXPECT_EQ(net.b.accept_queue_len(srv), 2u);
  ASSERT_TRUE(net.b.accept(srv));
  ASSERT_TRUE(net.b.accept(srv));
  // Its first data segment carries the cookie again and opens the connection.
  ASSERT_TRUE(net.a.send(clients[2], as_bytes("late")));
  net.run(milliseconds{20});
  auto third = net.b.accept(srv);
  ASSERT_TRUE(third);
  EXPECT_EQ(recv_all(net.b, *third), "late");
  EXPECT_EQ(net.b.counters().cookies.validated, 2u);
}

// Found by fuzz_tcp_stateful: cookies fill the accept queue while a child
// waits in the SYN queue (its handshake ACK lost); when that ACK comes it is
// dropped (Linux's "listen overflow"), not queued beyond the backlog, and
// the child's next SYN-ACK retransmission completes it once there is room.
TEST(SocketTable, AHandshakeCompletingIntoAFullAcceptQueueWaits) {
  SocketTableConfig server;
  server.syn_backlog = 1;
  Net net(server);
  const SocketHandle srv = listen_on(net.b, 8080, 2);
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(net.a.open());
    ASSERT_TRUE(net.a.connect(clients.back(), {kB, 8080}, net.now));
  }
  const std::uint16_t first = net.a.local_endpoint(clients[0])->port;
  bool dropped = false;
  net.drop = [&](const Packet& p) {
    if (dropped || p.src != kA || p.tcp.src_port != first || p.tcp.flags.syn() || !p.tcp.flags.ack()) return false;
    dropped = true;  // the first client's handshake ACK
    return true;
  };
  net.run(milliseconds{20});
  EXPECT_EQ(net.b.counters().cookies.sent, 2u);
  EXPECT_EQ(net.b.accept_queue_len(srv), 2u);
  EXPECT_EQ(net.b.syn_queue_len(srv), 1u);
  net.run(seconds{2});  // the child's SYN-ACK again; the client's ACK finds the queue full
  EXPECT_EQ(net.b.accept_queue_len(srv), 2u);
  EXPECT_EQ(net.b.syn_queue_len(srv), 1u);
  EXPECT_EQ(net.b.counters().accept_queue_drops, 1u);
  ASSERT_TRUE(net.b.accept(srv));
  ASSERT_TRUE(net.b.accept(srv));
  net.run(seconds{4});  // the next SYN-ACK retransmission: now there is room
  EXPECT_EQ(net.b.accept_queue_len(srv), 1u);
  EXPECT_EQ(net.b.syn_queue_len(srv), 0u);
  EXPECT_EQ(net.a.state(clients[0]), State::established);
}

// The seed's SYN flood: spoofed SYNs fill the SYN queue; with cookies the
// legitimate clients still connect, without them they do not.
struct FloodResult {
  int connected = 0;
  TcpCounters server;
};

FloodResult syn_flood(bool cookies) {
  SocketTableConfig cfg;
  cfg.syn_backlog = 64;
  cfg.syn_cookies = cookies;
  Net net(cfg);
  const SocketHandle srv = listen_on(net.b, 80 + 8000, 1024);
  // 5000 spoofed SYNs over one second, from sources that never answer.
  std::uint32_t n = 0;
  net.on_step = [&] {
    for (; n < 5000 && at(seconds{1}) + milliseconds{n / 5} <= net.now; ++n) {
      const Ipv4Address spoofed(172, 16, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n));
      TcpRepr syn{.src_port = static_cast<std::uint16_t>(1024 + n), .dst_port = 8080, .seq = n * 7919,
                  .flags = TcpFlags{TcpFlags::kSyn}, .window = 1024};
      syn.options.mss = 1460;
      net.b.on_segment(spoofed, kB, syn, {}, net.now);
    }
  };
  net.run(milliseconds{100});  // the flood is on
  std::vector<SocketHandle> clients;
  for (int i = 0; i < 100; ++i) {
    clients.push_back(net.a.open());
    (void)net.a.connect(clients.back(), {kB, 8080}, net.now);
  }
  net.run(seconds{3});
  FloodResult r;
  for (auto c : clients) r.connected += net.a.state(c) == State::established ? 1 : 0;
  r.server = net.b.counters();
  while (net.b.accept(srv)) {
  }
  return r;
}

TEST(SocketTable, SynCookiesLetLegitimateClientsThroughASynFlood) {
  const FloodResult with = syn_flood(true);
  EXPECT_EQ(with.connected, 100);
  EXPECT_GT(with.server.cookies.sent, 4000u);
  EXPECT_EQ(with.server.cookies.validated, 100u);
  EXPECT_EQ(with.server.cookies.rejected_bad, 0u);
  EXPECT_EQ(with.server.syn_queue_drops, 0u);

  const FloodResult without = syn_flood(false);
  EXPECT_LT(without.connected, 10);
  EXPECT_GT(without.server.syn_queue_drops, 4000u);
  EXPECT_EQ(without.server.cookies.sent, 0u);
}

TEST(SocketTable, CookieSynAckCarriesOptionsInTheTimestamp) {
  SocketTableConfig cfg;
  cfg.syn_backlog = 1;
  Net net(cfg);
  listen_on(net.b, 8080);
  // Fill the one-entry SYN queue with a spoofed SYN.
  TcpRepr spoof{.src_port = 1, .dst_port = 8080, .seq = 5, .flags = TcpFlags{TcpFlags::kSyn}, .window = 100};
  net.b.on_segment(Ipv4Address(172, 16, 0, 1), kB, spoof, {}, net.now);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  ASSERT_EQ(net.a.state(cli), State::established);
  const Connection* c = net.a.connection(cli);
  EXPECT_TRUE(c->timestamps_enabled());
  EXPECT_TRUE(c->sack_enabled());
  EXPECT_EQ(c->send_wscale(), 7);
  EXPECT_EQ(net.b.counters().cookies.validated, 1u);
  // Data flows both ways over the cookie connection.
  auto srv_conn = net.b.accept(SocketHandle{0, 1});
  ASSERT_TRUE(srv_conn);
  ASSERT_TRUE(net.a.send(cli, as_bytes("through")));
  net.run(milliseconds{10});
  EXPECT_EQ(recv_all(net.b, *srv_conn), "through");
  EXPECT_EQ(net.b.connection(*srv_conn)->send_wscale(), 7);
}

// ECN through a SYN cookie (RFC 3168 6.1.1; Linux cookie_init_timestamp /
// cookie_ecn_ok): the ECN-setup SYN's request rides in the low bits of the
// cookie SYN-ACK's TSval, so the connection rebuilt from the ACK runs ECN:
// its data leaves ECT(0), and a CE mark on it comes back as ECE and reduces
// the server's window. Without timestamps there is nowhere to keep it: the
// SYN-ACK says no (no ECE) and the connection runs without ECN.
TEST(SocketTable, CookieConnectionKeepsEcnInTheTimestamp) {
  for (const bool timestamps : {true, false}) {
    SCOPED_TRACE(timestamps ? "timestamps" : "no timestamps");
    SocketTableConfig server;
    server.syn_backlog = 1;
    SocketTableConfig client;
    client.connection.ecn = EcnMode::on;
    client.connection.timestamps = timestamps;
    Net net(server, client);
    const SocketHandle srv = listen_on(net.b, 8080);
    TcpRepr spoof{.src_port = 1, .dst_port = 8080, .seq = 5, .flags = TcpFlags{TcpFlags::kSyn}, .window = 100};
    net.b.on_segment(Ipv4Address(172, 16, 0, 1), kB, spoof, {}, net.now);  // fills the SYN queue
    const SocketHandle cli = net.a.open();
    ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
    net.run(milliseconds{10});
    ASSERT_EQ(net.a.state(cli), State::established);
    ASSERT_EQ(net.b.counters().cookies.validated, 1u);
    const auto synack = std::find_if(net.log.begin(), net.log.end(),
                                     [](const Packet& p) { return p.dst == kA && p.tcp.flags.syn(); });
    ASSERT_NE(synack, net.log.end());
    EXPECT_EQ(synack->tcp.flags.ece(), timestamps);
    EXPECT_FALSE(synack->tcp.flags.cwr());
    EXPECT_EQ(synack->ecn, 0);  // RFC 3168 6.1.1: Not-ECT
    auto conn = net.b.accept(srv);
    ASSERT_TRUE(conn);
    // A router marks the server's ECN-capable data CE.
    net.mark = [](Packet& p) {
      if (p.src == kB && p.ecn == 2) p.ecn = 3;
    };
    const std::string data(20000, 'x');
    ASSERT_TRUE(net.b.send(*conn, as_bytes(std::string_view(data))));
    net.run(milliseconds{50});
    EXPECT_EQ(recv_all(net.a, cli), data);
    int ect = 0;
    int ece = 0;
    for (const Packet& p : net.log) {
      if (p.src == kB && !p.payload.empty() && p.ecn == 2) ++ect;
      if (p.src == kA && p.tcp.flags.ece() && !p.tcp.flags.syn()) ++ece;
    }
    if (timestamps) {
      EXPECT_GT(ect, 0);
      EXPECT_GT(ece, 0);
      EXPECT_GE(net.a.counters().ce_received, 1u);
      EXPECT_GE(net.b.counters().ecn_reductions, 1u);
    } else {
      EXPECT_EQ(ect, 0);
      EXPECT_EQ(ece, 0);
      EXPECT_EQ(net.b.counters().ecn_reductions, 0u);
    }
  }
}

TEST(SocketTable, ForgedCookieAckGetsARst) {
  SocketTableConfig cfg;
  cfg.syn_backlog = 1;
  Net net(cfg);
  listen_on(net.b, 8080);
  TcpRepr spoof{.src_port = 1, .dst_port = 8080, .seq = 5, .flags = TcpFlags{TcpFlags::kSyn}, .window = 100};
  net.b.on_segment(Ipv4Address(172, 16, 0, 1), kB, spoof, {}, net.now);
  net.b.on_segment(Ipv4Address(172, 16, 0, 2), kB, spoof, {}, net.now);  // a cookie: cookies are "recent"
  TcpRepr forged{.src_port = 2000, .dst_port = 8080, .seq = 100, .ack = 12345, .flags = TcpFlags{TcpFlags::kAck},
                 .window = 100};
  net.b.on_segment(kA, kB, forged, {}, net.now);
  EXPECT_EQ(net.b.counters().cookies.rejected_bad, 1u);
  EXPECT_EQ(net.b.connection_count(), 1u);  // the spoofed SYN's child only
  ASSERT_FALSE(net.log.empty());
  EXPECT_TRUE(net.log.back().tcp.flags.rst());
  EXPECT_EQ(net.log.back().tcp.seq, 12345u);
}

// A flood fills the queues on the way (the interop test saw it: the kernel's
// TAP queue): the handshake's ACK and the first data of a cookie connection
// are lost, and its FIN arrives first. Its SEQ - 1 is not the ISN, so the
// cookie cannot be checked; a RST would kill a connection the client
// believes is open. It is dropped, and the client's retransmission from its
// first byte opens the connection with all the data.
TEST(SocketTable, WithCookiesALateSegmentOfALostHandshakeIsDroppedNotReset) {
  SocketTableConfig cfg;
  cfg.syn_backlog = 1;
  Net net(cfg);
  const SocketHandle srv = listen_on(net.b, 8080);
  TcpRepr spoof{.src_port = 1, .dst_port = 8080, .seq = 5, .flags = TcpFlags{TcpFlags::kSyn}, .window = 100};
  net.b.on_segment(Ipv4Address(172, 16, 0, 1), kB, spoof, {}, net.now);  // fills the SYN queue
  // The client's first two segments after its SYN are lost: the ACK, the data.
  int lost = 0;
  net.drop = [&](const Packet& p) {
    if (p.src != kA || p.tcp.flags.syn() || lost >= 2) return false;
    ++lost;
    return true;
  };
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{5});
  ASSERT_EQ(net.a.state(cli), State::established);
  ASSERT_TRUE(net.a.send(cli, as_bytes("first words")));
  net.run(milliseconds{5});
  ASSERT_EQ(lost, 2);
  ASSERT_TRUE(net.a.shutdown_send(cli));  // the FIN, alone, at ISN + 1 + 11
  net.run(milliseconds{5});
  EXPECT_EQ(net.b.counters().cookies.sent, 1u);
  EXPECT_EQ(net.a.state(cli), State::fin_wait_1);  // the client believes it is connected
  EXPECT_GE(net.b.counters().cookie_late_segment_drops, 1u);
  EXPECT_EQ(net.b.counters().rst_out, 0u);
  for (const Packet& p : net.log) EXPECT_FALSE(p.src == kB && p.tcp.flags.rst());
  net.run(seconds{3});  // the client's RTO resends from its first byte
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  EXPECT_EQ(recv_all(net.b, *conn), "first words");
  EXPECT_EQ(net.b.counters().cookies.validated, 1u);
}

TEST(SocketTable, ClosingAListenerResetsConnectionsNobodyAccepted) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  ASSERT_EQ(net.b.accept_queue_len(srv), 1u);
  ASSERT_TRUE(net.b.close(srv));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::closed);
  EXPECT_EQ(net.a.take_error(cli), Errc::connection_reset);
  EXPECT_EQ(net.b.open_count(), 0u);
}

// A crash (iface::Interface::crash): every socket forgotten, nothing sent;
// the old handles are stale; the peer's next segment on its connection meets
// no socket and gets a RST, so the peer learns it then; the port is free for
// the server's next life.
TEST(SocketTable, ForgetAllSendsNothingAndThePeersNextSegmentGetsARst) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  const std::size_t logged = net.log.size();
  net.b.forget_all();
  net.run(milliseconds{10});
  EXPECT_EQ(net.log.size(), logged);  // not a byte from b
  EXPECT_EQ(net.b.connection_count(), 0u);
  EXPECT_FALSE(net.b.is_open(srv));
  EXPECT_FALSE(net.b.is_open(*conn));
  EXPECT_FALSE(net.b.send(*conn, as_bytes("x")));
  ASSERT_TRUE(net.a.send(cli, as_bytes("anyone there?")));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::closed);
  EXPECT_EQ(net.b.counters().rst_out, 1u);
  EXPECT_TRUE(listen_on(net.b, 8080).index < 1000);  // the port is free again
}

TEST(SocketTable, ANewSynEndsTimeWait) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.bind(cli, {Ipv4Address::any(), 40000}));
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  // The server closes first: the server side waits in TIME-WAIT.
  ASSERT_TRUE(net.b.close(*conn));
  net.run(milliseconds{10});
  ASSERT_TRUE(net.a.close(cli));
  net.run(milliseconds{10});
  EXPECT_EQ(net.b.connection_count(), 1u);  // TIME-WAIT
  // Same 4-tuple again, seconds later (a higher ISN).
  net.run(seconds{5});
  cli = net.a.open();
  ASSERT_TRUE(net.a.bind(cli, {Ipv4Address::any(), 40000}));
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::established);
  EXPECT_EQ(net.b.counters().time_wait_reused, 1u);
}

TEST(SocketTable, AnOrphanInFinWait2IsDroppedAfterTheFinTimeout) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  ASSERT_TRUE(net.b.close(*conn));  // the client never closes
  net.run(milliseconds{10});
  EXPECT_EQ(net.b.connection_count(), 1u);
  EXPECT_EQ(net.a.state(cli), State::close_wait);
  net.run(seconds{61});
  EXPECT_EQ(net.b.connection_count(), 0u);
  EXPECT_EQ(net.b.counters().orphans_dropped, 1u);
}

TEST(SocketTable, ResetsForStrangersAreRateLimited) {
  SocketTableConfig cfg;
  cfg.rst_rate = 10;
  cfg.rst_burst = 5;
  Net net(cfg);
  for (std::uint16_t i = 0; i < 20; ++i) {
    TcpRepr ack{.src_port = static_cast<std::uint16_t>(3000 + i), .dst_port = 7, .seq = 1, .ack = 2,
                .flags = TcpFlags{TcpFlags::kAck}, .window = 100};
    net.b.on_segment(kA, kB, ack, {}, net.now);
  }
  EXPECT_EQ(net.b.counters().rst_out, 5u);
  EXPECT_EQ(net.b.counters().rst_rate_limited, 15u);
  net.now = net.now + milliseconds{500};  // 5 more tokens
  for (std::uint16_t i = 0; i < 10; ++i) {
    TcpRepr ack{.src_port = static_cast<std::uint16_t>(4000 + i), .dst_port = 7, .seq = 1, .ack = 2,
                .flags = TcpFlags{TcpFlags::kAck}, .window = 100};
    net.b.on_segment(kA, kB, ack, {}, net.now);
  }
  EXPECT_EQ(net.b.counters().rst_out, 10u);
}

TEST(SocketTable, MssIsClampedToThePathMtu) {
  Net net;
  net.ipa.mtu = 576;
  listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  ASSERT_FALSE(net.log.empty());
  EXPECT_EQ(net.log[0].tcp.options.mss, 536);
  EXPECT_EQ(net.log[1].tcp.options.mss, 1460);
}

TEST(SocketTable, ChangedListsSocketsWhoseReadinessMoved) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  std::vector<SocketHandle> changed;
  net.b.take_changed(changed);
  EXPECT_NE(std::find(changed.begin(), changed.end(), srv), changed.end());
  net.b.take_changed(changed);
  EXPECT_TRUE(changed.empty());
  std::vector<SocketHandle> a_changed;
  net.a.take_changed(a_changed);
  EXPECT_NE(std::find(a_changed.begin(), a_changed.end(), cli), a_changed.end());
}

TEST(SocketTable, TracerSeesEveryStateChange) {
  Net net;
  std::vector<std::string> trace;
  net.a.set_tracer([&](IpEndpoint, IpEndpoint, State from, State to) {
    trace.push_back(std::string(to_string(from)) + ">" + std::string(to_string(to)));
  });
  listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  ASSERT_TRUE(net.a.close(cli));
  net.run(milliseconds{10});
  EXPECT_EQ(trace, (std::vector<std::string>{"CLOSED>SYN-SENT", "SYN-SENT>ESTABLISHED", "ESTABLISHED>FIN-WAIT-1",
                                             "FIN-WAIT-1>FIN-WAIT-2"}));
}

// The same table carries IPv6: the 4-tuple, the ports, the ISN and the MSS
// follow the family (MTU 1500 - 40 - 20 = 1440).
TEST(SocketTable, ConnectsEchoesAndClosesOverIpv6) {
  Net net;
  const SocketHandle srv = net.b.open();
  ASSERT_TRUE(net.b.bind(srv, {IpAddress::any(IpFamily::v6), 8080}));
  ASSERT_TRUE(net.b.listen(srv, 16));
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB6, 8080}, net.now));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.state(cli), State::established);
  EXPECT_EQ(net.a.local_endpoint(cli)->addr, IpAddress(kA6));
  ASSERT_FALSE(net.log.empty());
  EXPECT_EQ(net.log.front().src, IpAddress(kA6));
  EXPECT_EQ(net.log.front().tcp.options.mss, 1440);
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  EXPECT_EQ(net.b.remote_endpoint(*conn), net.a.local_endpoint(cli));
  EXPECT_EQ(net.b.local_endpoint(*conn), (IpEndpoint{kB6, 8080}));
  ASSERT_TRUE(net.a.send(cli, as_bytes("hello over IPv6")));
  net.run(milliseconds{10});
  EXPECT_EQ(recv_all(net.b, *conn), "hello over IPv6");
  ASSERT_TRUE(net.a.close(cli));
  net.run(milliseconds{10});
  ASSERT_TRUE(net.b.close(*conn));
  net.run(milliseconds{10});
  EXPECT_EQ(net.b.connection_count(), 0u);  // LAST-ACK done
  EXPECT_EQ(net.a.connection_count(), 1u);  // TIME-WAIT, under its IPv6 4-tuple
}

// 0.0.0.0 and :: are separate port spaces (Linux's IPV6_V6ONLY): an IPv4
// listener neither blocks an IPv6 bind of its port nor answers IPv6 SYNs.
TEST(SocketTable, TheFamiliesAreSeparatePortSpaces) {
  Net net;
  const SocketHandle v4 = listen_on(net.b, 8080);
  const SocketHandle v6 = net.b.open();
  ASSERT_TRUE(net.b.bind(v6, {kB6, 8080}));
  const SocketHandle v6_again = net.b.open();
  EXPECT_EQ(net.b.bind(v6_again, {IpAddress::any(IpFamily::v6), 8080}).error().code, Errc::address_in_use);
  ASSERT_TRUE(net.b.close(v6));
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.connect(cli, {kB6, 8080}, net.now));
  net.run(milliseconds{10});
  EXPECT_EQ(net.a.take_error(cli), Errc::connection_refused);
  EXPECT_EQ(net.b.accept_queue_len(v4), 0u);
  EXPECT_EQ(net.b.counters().no_socket, 1u);
}

TEST(SocketTable, ABoundSocketConnectsOnlyWithinItsFamily) {
  Net net;
  listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.bind(cli, {kA, 0}));
  auto r = net.a.connect(cli, {kB6, 8080}, net.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::address_family);
  EXPECT_NE(r.error().message.find("other IP family"), std::string::npos) << r.error().message;
  EXPECT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
}

// One port allocator (transport/port_allocator.hpp): a bad range is an
// error every ephemeral bind reports, not a silent fix.
TEST(SocketTable, AnEmptyEphemeralRangeIsReportedOnUse) {
  SocketTableConfig cfg;
  cfg.ephemeral = {.first = 600, .last = 500};
  Net net({}, cfg);
  listen_on(net.b, 8080);
  const SocketHandle cli = net.a.open();
  auto r = net.a.connect(cli, {kB, 8080}, net.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::no_ephemeral_port);
  EXPECT_NE(r.error().message.find("600-500 is empty"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace wirestack::tcp

namespace wirestack::tcp {
namespace {

// SO_RCVBUF / SO_SNDBUF: set on a socket before connect() and on a
// listener (for what it accepts), the sizes reach the connections fixed
// (autotuning off), announced in the SYN's window; on a connection they
// apply at once; nonsense sizes are refused with the range in the message.
TEST(SocketTable, BufferSizesReachTheConnectionsFixed) {
  Net net;
  const SocketHandle srv = listen_on(net.b, 8080);
  ASSERT_TRUE(net.b.set_buffer_sizes(srv, {.recv = 20'000, .send = 30'000}));
  const SocketHandle cli = net.a.open();
  ASSERT_TRUE(net.a.set_buffer_sizes(cli, {.recv = 40'000}));
  ASSERT_TRUE(net.a.connect(cli, {kB, 8080}, net.now));
  net.run(milliseconds{10});
  auto conn = net.b.accept(srv);
  ASSERT_TRUE(conn);
  EXPECT_EQ(net.a.connection(cli)->recv_buffer(), 40'000u);
  EXPECT_EQ(net.a.connection(cli)->send_buffer(), ConnectionConfig{}.send_buffer);
  EXPECT_EQ(net.b.connection(*conn)->recv_buffer(), 20'000u);
  EXPECT_EQ(net.b.connection(*conn)->send_buffer(), 30'000u);
  // The client's SYN offered its 40,000 bytes (a SYN's window is unscaled).
  EXPECT_EQ(net.log.front().tcp.window, 40'000u);
  ASSERT_TRUE(net.a.set_buffer_sizes(cli, {.recv = 100'000, .send = 50'000}));
  EXPECT_EQ(net.a.connection(cli)->recv_buffer(), 100'000u);
  EXPECT_EQ(net.a.connection(cli)->send_buffer(), 50'000u);
  auto bad = net.a.set_buffer_sizes(cli, {.recv = 100});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_NE(bad.error().message.find("2048 .. 1073741824"), std::string::npos) << bad.error().message;
}


// connections_in() and listen_queues() are what a report samples instead of
// walking every connection: at every step of a SYN flood with clients that
// connect, talk, close (TIME-WAIT included) and a crash, they equal a walk.
TEST(SocketTable, StateGaugesAndListenQueuesMatchAWalk) {
  for (bool cookies : {true, false}) {
    SCOPED_TRACE(cookies ? "cookies on" : "cookies off");
    SocketTableConfig cfg;
    cfg.syn_backlog = 8;
    cfg.syn_cookies = cookies;
    Net net(cfg);
    const SocketHandle srv = listen_on(net.b, 8080, 4);
    int checks = 0;
    bool listening = true;
    std::size_t most_syn = 0, most_accept = 0;
    net.on_step = [&] {
      for (const SocketTable* t : {&net.a, &net.b}) {
        std::array<std::size_t, 11> walk{};
        t->for_each_connection([&](const IpEndpoint&, const IpEndpoint&, const Connection& c) {
          if (c.state() != State::closed) ++walk[static_cast<std::size_t>(c.state())];
        });
        for (std::size_t s = 0; s < walk.size(); ++s) {
          ASSERT_EQ(t->connections_in(static_cast<State>(s)), walk[s]) << to_string(static_cast<State>(s));
        }
      }
      const auto q = net.b.listen_queues();
      ASSERT_EQ(q.listeners, listening ? 1u : 0u);
      if (!listening) return;
      ASSERT_EQ(q.syn_queue, net.b.syn_queue_len(srv));
      ASSERT_EQ(q.accept_queue, net.b.accept_queue_len(srv));
      ASSERT_EQ(q.backlog, 4u);
      most_syn = std::max(most_syn, q.syn_queue);
      most_accept = std::max(most_accept, q.accept_queue);
      ++checks;
    };
    for (std::uint32_t n = 0; n < 30; ++n) {  // spoofed: their SYN-ACKs go nowhere
      TcpRepr syn{.src_port = static_cast<std::uint16_t>(2000 + n), .dst_port = 8080, .seq = n * 7919,
                  .flags = TcpFlags{TcpFlags::kSyn}, .window = 1024};
      syn.options.mss = 1460;
      net.b.on_segment(Ipv4Address(172, 16, 0, static_cast<std::uint8_t>(n)), kB, syn, {}, net.now);
    }
    std::vector<SocketHandle> clients;
    for (int i = 0; i < 12; ++i) {
      clients.push_back(net.a.open());
      ASSERT_TRUE(net.a.connect(clients.back(), {kB, 8080}, net.now));
    }
    net.run(milliseconds{50});
    for (auto c : clients) (void)net.a.send(c, as_bytes("hello"));
    net.run(seconds{4});
    std::vector<SocketHandle> accepted;
    while (auto c = net.b.accept(srv)) accepted.push_back(*c);
    net.run(seconds{4});
    while (auto c = net.b.accept(srv)) accepted.push_back(*c);
    for (std::size_t i = 0; i < accepted.size(); ++i) {
      (void)recv_all(net.b, accepted[i]);
      if (i % 3 == 0) (void)net.b.abort(accepted[i]);
      else (void)net.b.close(accepted[i]);  // the server closes first: TIME-WAIT there
    }
    net.run(milliseconds{50});
    for (auto c : clients) (void)net.a.close(c);
    net.run(seconds{5});
    if (cookies) {  // without, the flood kept the clients out
      EXPECT_GT(net.b.connections_in(State::time_wait), 0u);
    }
    listening = false;
    net.b.forget_all();
    EXPECT_EQ(net.b.connections_in(State::time_wait), 0u);
    EXPECT_EQ(net.b.connections_in(State::syn_received), 0u);
    net.run(seconds{2});
    EXPECT_GT(checks, 10);
    EXPECT_EQ(most_syn, 4u);  // the SYN queue filled: min(backlog, syn_backlog)
    if (cookies) {
      EXPECT_GT(most_accept, 0u);
    }
  }
}

}  // namespace
}  // namespace wirestack::tcp
