// tcp/connection_harness.hpp — the packetdrill-style fixture the connection
// tests share (test-only). Conventions: we are 10.0.0.1:40000 with ISS 1000;
// the peer is 10.0.0.2:80 with ISS 5000. plain() turns options off (no
// timestamps, SACK or window scaling) and uses an 8 KiB receive buffer so
// windows are easy to read.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tcp/connection.hpp"

namespace wirestack::tcp::testing {

using namespace std::chrono_literals;

inline const IpEndpoint kLocal = *IpEndpoint::parse("10.0.0.1:40000");
inline const IpEndpoint kRemote = *IpEndpoint::parse("10.0.0.2:80");
constexpr std::uint32_t kIss = 1000;
constexpr std::uint32_t kPeerIss = 5000;

constexpr std::uint16_t S = TcpFlags::kSyn;
constexpr std::uint16_t A = TcpFlags::kAck;
constexpr std::uint16_t F = TcpFlags::kFin;
constexpr std::uint16_t R = TcpFlags::kRst;
constexpr std::uint16_t P = TcpFlags::kPsh;

inline ConnectionConfig plain() {
  ConnectionConfig cfg;
  cfg.timestamps = false;
  cfg.sack = false;
  cfg.window_scale = 0;
  cfg.recv_buffer = 8192;
  return cfg;
}

// A segment from the peer to us.
inline TcpRepr in(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack, std::uint16_t win) {
  return TcpRepr{.src_port = kRemote.port,
                 .dst_port = kLocal.port,
                 .seq = seq,
                 .ack = ack,
                 .flags = TcpFlags{flags},
                 .window = win};
}
// A segment from us to the peer.
inline TcpRepr out(std::uint16_t flags, std::uint32_t seq, std::uint32_t ack, std::uint16_t win) {
  return TcpRepr{.src_port = kLocal.port,
                 .dst_port = kRemote.port,
                 .seq = seq,
                 .ack = ack,
                 .flags = TcpFlags{flags},
                 .window = win};
}
inline TcpRepr with_mss(TcpRepr r, std::uint16_t mss) {
  r.options.mss = mss;
  return r;
}

inline std::string text(const Segment& s) {
  return std::string(reinterpret_cast<const char*>(s.payload.data()), s.payload.size());
}

class ConnectionHarness : public ::testing::Test {
 protected:
  void open(const ConnectionConfig& cfg, Duration t = 0ms) {
    c_.emplace(Connection::connect(cfg, kLocal, kRemote, kIss, at(t)));
    hook();
  }
  void accept(const ConnectionConfig& cfg, const TcpRepr& syn, Duration t = 0ms) {
    c_.emplace(Connection::accept_syn(cfg, kLocal, kRemote, syn, kIss, at(t)));
    hook();
  }
  void hook() {
    c_->set_state_hook([this](State from, State to) { log_.emplace_back(from, to); });
  }
  // Active open to ESTABLISHED at t = 10 ms (RTT 10 ms, peer window 4000, MSS 1460).
  void establish(const ConnectionConfig& cfg = plain()) {
    open(cfg);
    ASSERT_EQ(sends(0ms).size(), 1u);
    peer(with_mss(in(S | A, kPeerIss, kIss + 1, 4000), 1460), 10ms);
    ASSERT_EQ(sends(10ms).size(), 1u);
    ASSERT_EQ(c_->state(), State::established);
  }
  // As establish(), with SACK on both sides (timestamps and window scaling
  // off): ESTABLISHED at 10 ms with the peer's window and MSS given.
  void establish_sack(std::uint16_t peer_window = 60000, std::uint16_t peer_mss = 1000) {
    ConnectionConfig cfg = plain();
    cfg.sack = true;
    open(cfg);
    sends(0ms);
    TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, peer_window), peer_mss);
    synack.options.sack_permitted = true;
    peer(synack, 10ms);
    sends(10ms);
  }
  void peer(const TcpRepr& seg, Duration t, std::string_view data = {}) {
    c_->on_segment(seg, as_bytes(data), at(t));
  }
  std::vector<Segment> sends(Duration t) {
    std::vector<Segment> v;
    while (auto s = c_->poll_output(at(t))) {
      v.push_back(std::move(*s));
      if (v.size() > 100) break;
    }
    return v;
  }
  // An emptied ring is given back 200 ms (Connection's kRxReleaseDelay) after the poll that
  // saw it empty, if it stays empty: two polls, at `idle_from` and after the delay.
  void release_buffers(Instant idle_from) {
    while (c_->poll_output(idle_from)) {
    }
    const Instant later = idle_from + std::chrono::milliseconds{201};
    while (c_->poll_output(later)) {
    }
  }
  // Exactly one segment, header only.
  TcpRepr one(Duration t) {
    auto v = sends(t);
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? TcpRepr{} : v[0].tcp;
  }
  std::string read_all() {
    std::string s(c_->recv_queue(), '\0');
    const std::size_t n = c_->recv(std::as_writable_bytes(std::span<char>(s.data(), s.size())));
    s.resize(n);
    return s;
  }

  std::optional<Connection> c_;
  std::vector<std::pair<State, State>> log_;
};

}  // namespace wirestack::tcp::testing
