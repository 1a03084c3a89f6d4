// tcp/connection_random_test.cpp — hostile input never breaks a connection's
// invariants: seeded random segments (flags, sequence and acknowledgment
// numbers near and far from the windows, payloads, options) are thrown at
// connections in every state, interleaved with application calls and
// poll_output at advancing times. Nothing may assert (WIRESTACK_ASSERT aborts)
// and every emitted segment must be well formed. The libFuzzer target for the
// TCP input path (fuzz/) can reuse this driver.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "tcp/connection.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr IpEndpoint kLocal{Ipv4Address(10, 0, 0, 1), 40000};
constexpr IpEndpoint kRemote{Ipv4Address(10, 0, 0, 2), 80};

struct Lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33);
  }
  std::uint32_t below(std::uint32_t n) { return next() % n; }
};

std::uint32_t near(Lcg& r, SeqNum base) {
  switch (r.below(4)) {
    case 0: return base.value();
    case 1: return (base + static_cast<std::int32_t>(r.below(20000)) - 10000).value();
    case 2: return (base + static_cast<std::int32_t>(r.below(200)) - 100).value();
    default: return r.next();
  }
}

TEST(ConnectionRandom, HostileSegmentsKeepInvariants) {
  std::array<int, 11> total{};
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    Lcg r{seed};
    ConnectionConfig cfg;
    cfg.recv_buffer = 1 + r.below(20000);
    cfg.send_buffer = 1 + r.below(20000);
    cfg.timestamps = r.below(2) == 0;
    cfg.sack = r.below(2) == 0;
    cfg.window_scale = static_cast<std::uint8_t>(r.below(15));
    cfg.keepalive = r.below(2) == 0;
    if (r.below(4) == 0) cfg.mss = static_cast<std::uint16_t>(r.below(2000));
    cfg.nagle = r.below(2) == 0;
    cfg.delayed_ack = r.below(2) == 0;
    cfg.keepalive_idle = 1s;
    cfg.congestion = r.below(2) == 0 ? Algorithm::newreno : Algorithm::cubic;
    Duration now = 0ms;
    std::optional<Connection> c;
    std::array<int, 11> seen{};
    auto fresh = [&] {
      const std::uint32_t iss = r.next();
      const std::uint32_t peer_iss = r.next();
      TcpRepr syn{.src_port = 80, .dst_port = 40000, .seq = peer_iss, .flags = TcpFlags{TcpFlags::kSyn},
                  .window = static_cast<std::uint16_t>(r.next())};
      if (r.below(2)) syn.options.mss = static_cast<std::uint16_t>(r.next());
      if (r.below(2)) syn.options.window_scale = static_cast<std::uint8_t>(r.below(20));
      syn.options.sack_permitted = r.below(2) == 0;
      if (r.below(2)) syn.options.timestamps = Timestamps{.tsval = r.next(), .tsecr = 0};
      const bool active = r.below(2) == 0;
      if (active) {
        c.emplace(Connection::connect(cfg, kLocal, kRemote, iss, at(now)));
      } else {
        c.emplace(Connection::accept_syn(cfg, kLocal, kRemote, syn, iss, at(now)));
      }
      while (c->poll_output(at(now))) {
      }
      if (r.below(5) == 0) return;  // leave it half open
      // Complete the handshake properly most of the time.
      TcpRepr reply = syn;
      reply.ack = iss + 1;
      if (active) {
        reply.flags = TcpFlags{TcpFlags::kSyn | TcpFlags::kAck};
      } else {
        reply.seq = peer_iss + 1;
        reply.flags = TcpFlags{TcpFlags::kAck};
        reply.options = TcpOptions{};
      }
      c->on_segment(reply, Bytes{}, at(now));
    };
    fresh();
    std::string payload(3000, 'p');
    std::array<std::byte, 512> buf{};
    for (int i = 0; i < 3000; ++i) {
      now += Duration{std::chrono::microseconds{r.below(300'000)}};
      switch (r.below(10)) {
        case 0: {
          auto n = c->send(as_bytes(std::string_view(payload).substr(0, r.below(3000))));
          if (n) {
            EXPECT_LE(*n, 3000u);
          }
          break;
        }
        case 1: c->recv(buf); break;
        case 2:
          if (r.below(30) == 0) c->close();
          if (r.below(30) == 0) c->shutdown_send();
          if (r.below(300) == 0) c->abort();
          break;
        default: {
          TcpRepr seg{.src_port = 80, .dst_port = 40000};
          seg.flags = TcpFlags{static_cast<std::uint16_t>(r.below(64) | (r.below(3) ? TcpFlags::kAck : 0))};
          if (r.below(8)) seg.flags.set_syn(false);
          if (r.below(30)) seg.flags.set_rst(false);
          seg.seq = near(r, c->rcv_nxt());
          seg.ack = near(r, r.below(2) ? c->snd_una() : c->snd_nxt());
          seg.window = static_cast<std::uint16_t>(r.below(3) == 0 ? 0 : r.next());
          if (r.below(2)) seg.options.timestamps = Timestamps{.tsval = r.next(), .tsecr = r.next()};
          for (std::uint32_t k = r.below(4); k > 0; --k) {
            const std::uint32_t left = near(r, c->snd_una());
            seg.options.add_sack(SackBlock{.left = left, .right = left + r.below(5000)});
          }
          const std::size_t len = r.below(3) == 0 ? r.below(3000) : 0;
          c->on_segment(seg, as_bytes(std::string_view(payload).substr(0, len)), at(now));
        }
      }
      for (int k = 0; k < 200; ++k) {
        auto out = c->poll_output(at(now));
        if (!out) break;
        ASSERT_LE(out->tcp.header_len(), kTcpMaxHeaderLen);
        ASSERT_LE(out->payload.size(), 65535u);
        ASSERT_EQ(out->tcp.src_port, 40000);
        if (out->tcp.flags.rst()) {
          ASSERT_TRUE(out->payload.empty());
        }
      }
      if (auto t = c->poll_at(); t && *t != Instant::min()) {
        ASSERT_GE(t->time_since_epoch(), Duration{0});
      }
      // Nothing due: the wake-up poll_output_view() reports is poll_at()'s.
      TcpRepr header;
      storage::SpanPair spans;
      std::optional<Instant> wake = Instant::max();
      if (!c->poll_output_view(at(now), header, spans, &wake)) {
        ASSERT_EQ(wake, c->poll_at());
      }
      seen[static_cast<std::size_t>(c->state())]++;
      if (c->state() == State::closed) fresh();
    }
    // The walk reached the states that matter.
    EXPECT_GT(seen[static_cast<std::size_t>(State::established)], 0);
    for (std::size_t i = 0; i < total.size(); ++i) total[i] += seen[i];
  }
  for (const State st : {State::syn_sent, State::syn_received, State::established, State::fin_wait_1,
                         State::fin_wait_2, State::close_wait, State::last_ack, State::time_wait}) {
    EXPECT_GT(total[static_cast<std::size_t>(st)], 0) << to_string(st);
  }
}

}  // namespace
}  // namespace wirestack::tcp
