// tcp/connection_pair_test.cpp — two Connections wired back to back through a
// tiny deterministic "link" (fixed delay, seeded loss, optional reordering):
// a bulk transfer must arrive byte for byte, whatever the loss, and both ends
// must close cleanly. A smoke test of the whole machine (retransmission,
// fast retransmit, out-of-order reassembly, SACK blocks, FIN handshake); the
// simulator's transfers in tests/sim are the real thing.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "tcp/connection.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr IpEndpoint kClient{Ipv4Address(10, 0, 0, 1), 40000};
constexpr IpEndpoint kServer{Ipv4Address(10, 0, 0, 2), 80};

struct InFlight {
  Instant arrives;
  std::uint64_t order;
  bool to_server;
  Segment seg;
};

struct LinkParams {
  double loss = 0.0;         // per segment, each direction
  Duration delay = 5ms;      // one way
  Duration jitter = 0ms;     // uniform extra delay in [0, jitter): reorders
  std::uint64_t seed = 1;
};

class Pair {
 public:
  Pair(const ConnectionConfig& cfg, LinkParams link, bool echo = false)
      : cfg_(cfg), link_(link), rng_(link.seed), echo_(echo) {}

  // Runs until both ends are CLOSED or `limit`. Returns the bytes the server read.
  std::string run(const std::string& data, Instant limit) {
    Instant now = at(0ms);
    client_.emplace(Connection::connect(cfg_, kClient, kServer, 1000, now));
    std::size_t sent = 0;
    std::string got;
    bool client_closed = false;
    bool server_closed = false;
    for (int steps = 0; steps < 2'000'000 && now <= limit; ++steps) {
      // Applications: the client writes what fits, then closes; the server
      // reads everything and closes when it has seen the FIN.
      if (client_) {
        while (sent < data.size() && client_->can_send()) {
          auto n = client_->send(as_bytes(std::string_view(data).substr(sent)));
          if (!n) break;
          sent += *n;
        }
        if (sent == data.size() && !client_closed && client_->state() == State::established) {
          if (echo_) {
            client_->shutdown_send();  // still reading the echo
          } else {
            client_->close();
          }
          client_closed = true;
        }
        std::array<std::byte, 4096> cbuf{};
        while (std::size_t n = client_->recv(cbuf)) echoed_.append(reinterpret_cast<const char*>(cbuf.data()), n);
      }
      if (server_) {
        std::array<std::byte, 4096> buf{};
        while (std::size_t n = server_->recv(buf)) {
          got.append(reinterpret_cast<const char*>(buf.data()), n);
          if (echo_) pending_echo_.append(reinterpret_cast<const char*>(buf.data()), n);
        }
        while (!pending_echo_.empty() && server_->can_send()) {
          auto n = server_->send(as_bytes(pending_echo_));
          if (!n) break;
          pending_echo_.erase(0, *n);
        }
        if (server_->eof() && !server_closed && pending_echo_.empty()) {
          server_->close();
          server_closed = true;
        }
      }
      drain(client_, true, now);
      drain(server_, false, now);
      if (client_ && server_ && client_->state() == State::closed && server_->state() == State::closed) break;
      // Next event: a delivery or a connection's deadline.
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      for (const auto& f : wire_) consider(f.arrives);
      if (client_) consider(client_->poll_at());
      if (server_) consider(server_->poll_at());
      if (!next) break;
      now = std::max(now, *next);
      deliver(now);
    }
    end_ = now;
    return got;
  }

  std::optional<Connection> client_;
  std::optional<Connection> server_;
  Instant end_{};
  std::string echoed_;

 private:
  double uniform() {
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(rng_ >> 11) / static_cast<double>(1ULL << 53);
  }

  void drain(std::optional<Connection>& c, bool to_server, Instant now) {
    if (!c) return;
    auto ship = [&](Segment s) {
      if (uniform() < link_.loss) return;
      Duration d = link_.delay;
      if (link_.jitter > Duration::zero()) {
        d += Duration{static_cast<Duration::rep>(uniform() * static_cast<double>(link_.jitter.count()))};
      }
      wire_.push_back(InFlight{now + d, order_++, to_server, std::move(s)});
    };
    if (to_server) {
      // The client side goes through the zero-copy view.
      TcpRepr h;
      storage::SpanPair pl;
      while (c->poll_output_view(now, h, pl)) {
        Segment s{.tcp = h};
        s.payload.assign(pl.first.begin(), pl.first.end());
        s.payload.insert(s.payload.end(), pl.second.begin(), pl.second.end());
        ship(std::move(s));
      }
      return;
    }
    while (auto s = c->poll_output(now)) ship(std::move(*s));
  }

  void deliver(Instant now) {
    std::stable_sort(wire_.begin(), wire_.end(), [](const InFlight& a, const InFlight& b) {
      return a.arrives != b.arrives ? a.arrives < b.arrives : a.order < b.order;
    });
    while (!wire_.empty() && wire_.front().arrives <= now) {
      InFlight f = std::move(wire_.front());
      wire_.pop_front();
      const Bytes payload(f.seg.payload);
      if (f.to_server) {
        if (!server_) {
          if (f.seg.tcp.flags.syn() && !f.seg.tcp.flags.ack()) {
            server_.emplace(Connection::accept_syn(cfg_, kServer, kClient, f.seg.tcp, 7000, now));
          }
          continue;
        }
        server_->on_segment(f.seg.tcp, payload, now);
      } else if (client_) {
        client_->on_segment(f.seg.tcp, payload, now);
      }
    }
  }

  ConnectionConfig cfg_;
  LinkParams link_;
  std::uint64_t rng_;
  std::uint64_t order_ = 0;
  std::deque<InFlight> wire_;
  bool echo_ = false;
  std::string pending_echo_;
};

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& ch : s) {
    x = x * 1103515245u + 12345u;
    ch = static_cast<char>(x >> 24);
  }
  return s;
}

// No loss: everything arrives, both ends close (client through TIME-WAIT).
TEST(ConnectionPair, LosslessTransferAndClose) {
  Pair p(ConnectionConfig{}, LinkParams{});
  const std::string data = pattern(300'000);
  const std::string got = p.run(data, at(300s));
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(p.client_->state(), State::closed);
  EXPECT_EQ(p.server_->state(), State::closed);
  EXPECT_EQ(p.client_->error(), std::nullopt);
  EXPECT_EQ(p.server_->error(), std::nullopt);
  EXPECT_EQ(p.client_->retransmits(), 0u);
}

// Loss and reordering, with and without options, NewReno, CUBIC and BBR,
// several seeds: the bytes always arrive intact and in order.
TEST(ConnectionPair, LossyTransfersArriveIntact) {
  for (const double loss : {0.01, 0.05, 0.2}) {
    for (const bool options : {true, false}) {
      for (const Algorithm algo : {Algorithm::newreno, Algorithm::cubic, Algorithm::bbr}) {
        for (std::uint64_t seed = 1; seed <= 10; ++seed) {
          SCOPED_TRACE(::testing::Message() << "loss " << loss << " options " << options << " " << algo
                                            << " seed " << seed);
          ConnectionConfig cfg;
          cfg.congestion = algo;
          if (!options) {
            cfg.timestamps = false;
            cfg.sack = false;
            cfg.window_scale = 0;
          }
          cfg.max_retries = 30;
          cfg.max_syn_retries = 30;
          Pair p(cfg, LinkParams{.loss = loss, .delay = 5ms, .jitter = 3ms, .seed = seed});
          const std::string data = pattern(100'000);
          const std::string got = p.run(data, at(3600s));
          ASSERT_EQ(got.size(), data.size());
          EXPECT_TRUE(got == data);
          ASSERT_TRUE(p.server_.has_value());
          EXPECT_EQ(p.server_->error(), std::nullopt);
        }
      }
    }
  }
}

// Both directions at once: the server echoes everything back while the
// client is still sending (piggy-backed ACKs, half-close on the client side).
TEST(ConnectionPair, EchoBothWaysUnderLoss) {
  for (const double loss : {0.0, 0.05}) {
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      SCOPED_TRACE(::testing::Message() << "loss " << loss << " seed " << seed);
      ConnectionConfig cfg;
      cfg.max_retries = 30;
      Pair p(cfg, LinkParams{.loss = loss, .delay = 5ms, .jitter = 2ms, .seed = seed}, /*echo=*/true);
      const std::string data = pattern(200'000);
      const std::string got = p.run(data, at(3600s));
      EXPECT_TRUE(got == data);
      EXPECT_EQ(p.echoed_.size(), data.size());
      EXPECT_TRUE(p.echoed_ == data);
      EXPECT_EQ(p.client_->state(), State::closed);
      EXPECT_EQ(p.server_->state(), State::closed);
      EXPECT_EQ(p.client_->error(), std::nullopt);
      EXPECT_EQ(p.server_->error(), std::nullopt);
    }
  }
}

// A black hole: the SYN is never answered; the connection times out after
// 1+2+4+8+16+32+64 s with Error::timed_out (MUST-20, MUST-22).
TEST(ConnectionPair, BlackHoleTimesOut) {
  Pair p(ConnectionConfig{}, LinkParams{.loss = 1.0});
  const std::string got = p.run("hello", at(600s));
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(p.client_->state(), State::closed);
  EXPECT_EQ(p.client_->error(), Error::timed_out);
  EXPECT_EQ(p.end_, at(127s));
  EXPECT_EQ(p.client_->retransmits(), 6u);
}

}  // namespace
}  // namespace wirestack::tcp
