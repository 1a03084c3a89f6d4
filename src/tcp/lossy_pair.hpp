// tcp/lossy_pair.hpp — two Connections joined by an in-memory path with a
// rate, a propagation delay, a drop-tail queue and seeded random loss in both
// directions (test-only; recovery_test.cpp, connection_buffers_test.cpp).
//
//   LossyPair p(Path{.loss = 0.01, .seed = 3});
//   const Outcome o = p.transfer(4 << 20, at(600s));   // client -> server
//   EXPECT_TRUE(o.complete);
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "base/time.hpp"
#include "tcp/connection.hpp"

namespace wirestack::tcp::testing {

using namespace std::chrono_literals;

// ASan + UBSan in a Debug build: some transfers are cut down there (each
// place says how); their job in that build is memory and UB errors.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

inline const IpEndpoint kClient = *IpEndpoint::parse("10.0.0.1:40000");
inline const IpEndpoint kServer = *IpEndpoint::parse("10.0.0.2:5001");

struct Path {
  double loss = 0;                     // per segment, each direction
  std::uint64_t bits_per_second = 1'000'000'000;
  Duration delay = 50us;               // one way, propagation
  std::size_t queue_bytes = 1 << 20;   // drop-tail, per direction
  std::uint64_t seed = 7;
  bool sack = true;  // SACK and timestamps (else RFC 6582 NewReno)
  bool read = true;  // the server's application reads everything at once (else never)
  ConnectionConfig config = fixed_buffers(512 * 1024);  // both ends

  static ConnectionConfig fixed_buffers(std::uint32_t bytes) {
    ConnectionConfig c;
    c.recv_buffer = c.recv_buffer_max = bytes;  // no autotuning
    c.send_buffer = c.send_buffer_max = bytes;
    c.max_retries = 30;
    return c;
  }
};

struct Outcome {
  bool complete = false;  // every byte read by the server, in order
  double goodput_bps = 0;  // bytes * 8 / (time the server read the last byte)
  std::uint32_t retransmits = 0;
  std::uint32_t timeouts = 0;  // RTOs seen by the sender (cwnd collapsed to 1 SMSS)
};

// One direction of the link: serialization at the rate, then the delay.
struct Direction {
  Instant free_at{};  // the transmitter is busy until then
  std::deque<std::pair<Instant, Segment>> in_flight;
};

class LossyPair {
 public:
  explicit LossyPair(Path path) : path_(path), rng_(path.seed * 0x9e3779b97f4a7c15ULL + 1) {}

  Outcome transfer(std::size_t bytes, Instant limit) {
    ConnectionConfig cfg = path_.config;
    cfg.sack = path_.sack;
    cfg.timestamps = path_.sack;
    Instant now = at(0ms);
    client_.emplace(Connection::connect(cfg, kClient, kServer, 0x9000'0000u, now));
    std::size_t sent = 0;
    std::size_t got = 0;
    bool ok = true;
    std::uint32_t timeouts = 0;
    std::array<std::byte, 65536> buf{};
    std::array<std::byte, 65536> chunk{};
    Outcome out;
    for (std::uint64_t steps = 0; steps < 20'000'000 && now <= limit; ++steps) {
      while (sent < bytes && client_->can_send()) {
        const std::size_t n = std::min(chunk.size(), bytes - sent);
        for (std::size_t i = 0; i < n; ++i) chunk[i] = static_cast<std::byte>((sent + i) * 7 + 3);
        auto r = client_->send(std::span<const std::byte>(chunk.data(), n));
        if (!r) break;
        sent += *r;
      }
      if (server_ && path_.read) {
        while (std::size_t n = server_->recv(buf)) {
          for (std::size_t i = 0; i < n; ++i) ok = ok && buf[i] == static_cast<std::byte>((got + i) * 7 + 3);
          got += n;
        }
        if (got == bytes && !out.complete) {
          out.complete = ok;
          out.goodput_bps = static_cast<double>(bytes) * 8 / to_seconds(now - at(0ms));
          break;
        }
      }
      const std::uint32_t cwnd_before = client_->cwnd();
      drain(*client_, up_, now);
      if (server_) drain(*server_, down_, now);
      // (Not in fast recovery: PRR may set cwnd to one segment there.)
      if (client_->cwnd() < cwnd_before && client_->cwnd() == client_->send_mss() && !client_->in_recovery()) ++timeouts;
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      if (!up_.in_flight.empty()) consider(up_.in_flight.front().first);
      if (!down_.in_flight.empty()) consider(down_.in_flight.front().first);
      consider(client_->poll_at());
      if (server_) consider(server_->poll_at());
      if (!next) break;
      now = std::max(now, *next);
      deliver(now, cfg);
    }
    out.retransmits = client_->retransmits();
    out.timeouts = timeouts;
    return out;
  }

  std::optional<Connection> client_;
  std::optional<Connection> server_;

 private:
  static double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

  double uniform() {
    rng_ = rng_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(rng_ >> 11) / static_cast<double>(1ULL << 53);
  }

  void drain(Connection& c, Direction& d, Instant now) {
    while (auto s = c.poll_output(now)) {
      // Ethernet + IPv4 + TCP headers and options on the wire.
      const std::size_t frame = s->payload.size() + 14 + 20 + 20 + 12 + 4;
      const Instant start = std::max(now, d.free_at);
      const auto backlog = static_cast<std::uint64_t>(std::chrono::duration<double>(start - now).count() *
                                                      static_cast<double>(path_.bits_per_second) / 8);
      if (backlog > path_.queue_bytes) continue;  // drop-tail
      d.free_at = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                              static_cast<double>(frame) * 8 / static_cast<double>(path_.bits_per_second)));
      if (uniform() < path_.loss) continue;
      d.in_flight.emplace_back(d.free_at + path_.delay, std::move(*s));
    }
  }

  void deliver(Instant now, const ConnectionConfig& cfg) {
    while (!up_.in_flight.empty() && up_.in_flight.front().first <= now) {
      Segment s = std::move(up_.in_flight.front().second);
      up_.in_flight.pop_front();
      if (!server_) {
        if (s.tcp.flags.syn() && !s.tcp.flags.ack()) {
          server_.emplace(Connection::accept_syn(cfg, kServer, kClient, s.tcp, 0x1234'5678u, now));
        }
        continue;
      }
      server_->on_segment(s.tcp, s.payload, now);
    }
    while (!down_.in_flight.empty() && down_.in_flight.front().first <= now) {
      Segment s = std::move(down_.in_flight.front().second);
      down_.in_flight.pop_front();
      client_->on_segment(s.tcp, s.payload, now);
    }
  }

  Path path_;
  std::uint64_t rng_;
  Direction up_;
  Direction down_;
};

}  // namespace wirestack::tcp::testing
