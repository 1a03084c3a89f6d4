// Stateful TCP: two socket tables, A (10.0.0.1, listening on 81) and B
// (10.0.0.2, listening on 80), joined by a wire that the input controls. The
// input is a script: five bytes of configuration (options, buffer sizes, MSS,
// backlogs, retry limits), then steps. A step delivers a segment from the
// wire as it was sent, mutated (flags; sequence and acknowledgement numbers
// near the receiver's window edges; window; options; truncation; a flipped
// byte), twice, or not at all; injects a segment built from a TcpRepr;
// advances time; or is an application call (connect, simultaneous open,
// accept, send, recv, shutdown, close, abort, listen, options, an ICMP error,
// a crash). Every segment reaches a table as bytes: emitted from its Repr,
// parsed back (wire/tcp.hpp), then SocketTable::on_segment.
//
// Properties, checked after every step (a failure aborts with the input):
//  * no crash, no undefined behaviour (the sanitizer build);
//  * every state change (the table's tracer) is an edge of RFC 9293's state
//    diagram (kAllowed below), starts from the state the connection was last
//    seen in, and a connection is born only where none lives (or one in
//    TIME-WAIT, which a new SYN may end);
//  * what an application receives is a prefix of what its peer's application
//    sent (byte for byte, each 4-tuple its own pattern), and end of stream
//    comes only after the peer shut down and every byte arrived; unless a
//    forged or mutated segment that could legitimately change the stream
//    (data at another sequence number, other data, SYN, a moved FIN) reached
//    that connection: TCP trusts such a segment, so the check is off for it;
//  * queues within their bounds: send and receive buffers, the receive
//    window, bytes in flight, the heap a connection holds, SYN and accept
//    queues, slots (no socket the application does not hold and that is not
//    a connection), and poll_at() after poll(now) is in the future (no busy
//    loop); readiness agrees with recv() and send();
//  * every segment a table sends is well formed (emit then parse gives the
//    same Repr);
//  * at the end every application closes everything and the network runs
//    honestly for 40 virtual minutes: both tables must then be empty (no
//    orphan leaks).
//
// Seeds: fuzz/make_corpus.py --tcp-stateful writes fuzz/corpus/tcp_stateful/.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_check.hpp"
#include "tcp/socket_table.hpp"
#include "tcp/seq.hpp"
#include "wire/tcp.hpp"

using namespace wirestack;
using tcp::SocketHandle;
using tcp::SocketTable;
using tcp::State;
using namespace std::chrono_literals;

namespace {

const IpAddress kAddr[2] = {IpAddress(Ipv4Address(10, 0, 0, 1)), IpAddress(Ipv4Address(10, 0, 0, 2))};
const IpAddress kStranger(Ipv4Address(10, 0, 0, 3));  // neither table: what is sent to it is lost
constexpr std::uint16_t kListenPort[2] = {81, 80};
constexpr std::size_t kMaxWire = 256;   // segments in flight; more are lost (a full queue)
constexpr int kMaxSteps = 600;

// TCP_STATEFUL_TRACE=1 prints every step and every segment delivered (to
// read a failing input: fuzz_tcp_stateful crash-...).
const bool kTrace = std::getenv("TCP_STATEFUL_TRACE") != nullptr;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "tcp_stateful: %s\n", what.c_str());
  std::abort();
}

// RFC 9293 3.3.2, Figure 5, with what the diagram leaves to prose: any
// state goes to CLOSED by ABORT, a RST or a time-out (3.10.5, 3.10.7.4,
// 3.8.3); SYN-RECEIVED "returns to LISTEN" by leaving the listener's queue,
// which a table shows as CLOSED; LISTEN itself is a listener, never a
// connection, so a connection is born CLOSED -> SYN-SENT (connect) or
// LISTEN -> SYN-RECEIVED (a listener's child).
bool allowed(State from, State to) {
  using S = State;
  if (to == S::closed) return from != S::closed && from != S::listen;
  switch (from) {
    case S::closed: return to == S::syn_sent;
    case S::listen: return to == S::syn_received;
    case S::syn_sent: return to == S::syn_received || to == S::established;
    case S::syn_received: return to == S::established || to == S::fin_wait_1;
    case S::established: return to == S::fin_wait_1 || to == S::close_wait;
    case S::fin_wait_1: return to == S::fin_wait_2 || to == S::closing || to == S::time_wait;
    case S::fin_wait_2: return to == S::time_wait;
    case S::close_wait: return to == S::last_ack;
    case S::closing: return to == S::time_wait;
    case S::last_ack: return false;
    case S::time_wait: return false;
  }
  return false;
}

class Reader {
 public:
  Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool done() const { return at_ >= n_; }
  std::uint8_t u8() { return at_ < n_ ? d_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() << 8 | u8()); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) << 16 | u16(); }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t at_ = 0;
};

struct Packet {
  IpAddress src, dst;
  TcpRepr tcp;
  ByteVec payload;
};

// One table's IP layer: what the table sends goes on the wire, checked.
class WireIp final : public tcp::IpLayer {
 public:
  WireIp(IpAddress self, std::function<void(Packet)> out) : self_(self), out_(std::move(out)) {}
  void send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header, storage::SpanPair payload,
                    std::uint16_t gso_size, std::uint8_t ecn, Instant) override {
    FUZZ_CHECK(gso_size == 0);  // no TSO on this path
    FUZZ_CHECK(ecn <= 3);       // the IP header's two ECN bits
    ByteVec p(payload.first.begin(), payload.first.end());
    p.insert(p.end(), payload.second.begin(), payload.second.end());
    FUZZ_CHECK(src == self_);
    FUZZ_CHECK(header.header_len() <= 60);
    FUZZ_CHECK(header.src_port != 0 && header.dst_port != 0);
    FUZZ_CHECK(header.header_len() + p.size() <= 65535);
    out_(Packet{src, dst, header, std::move(p)});
  }
  std::optional<Path> path_to(const IpAddress&) const override { return Path{.src = self_, .mtu = 1500}; }
  bool is_local_address(const IpAddress& a) const override { return a == self_; }

 private:
  IpAddress self_;
  std::function<void(Packet)> out_;
};

// The byte at `offset` of the stream `side` sends from local port `lport` to `rport`.
std::byte pattern(int side, std::uint16_t lport, std::uint16_t rport, std::uint64_t offset) {
  std::uint32_t x = static_cast<std::uint32_t>(offset) * 2654435761u ^ static_cast<std::uint32_t>(side) * 0x9e3779b9u ^
                    (static_cast<std::uint32_t>(lport) << 16 | rport);
  x ^= x >> 13;
  x *= 0x5bd1e995u;
  x ^= x >> 15;
  return static_cast<std::byte>(x);
}

struct Config {
  tcp::SocketTableConfig table[2];
  std::uint32_t backlog = 1;
};

Config decode_config(Reader& in) {
  Config cfg;
  const std::uint8_t flags_a = in.u8();
  const std::uint8_t sizes = in.u8();
  const std::uint8_t misc = in.u8();
  const std::uint8_t flags_b = flags_a ^ in.u8();
  const std::uint8_t more = in.u8();
  constexpr std::uint16_t kMss[4] = {88, 200, 536, 1460};
  cfg.backlog = 1 + (misc & 3);
  for (int side = 0; side < 2; ++side) {
    const std::uint8_t f = side == 0 ? flags_a : flags_b;
    tcp::SocketTableConfig& t = cfg.table[side];
    tcp::ConnectionConfig& c = t.connection;
    c.sack = (f & 1) != 0;
    c.timestamps = (f & 2) != 0;
    c.window_scale = (f & 4) != 0 ? static_cast<std::uint8_t>(more & 15) : 0;
    c.nagle = (f & 8) != 0;
    c.delayed_ack = (f & 16) != 0;
    t.syn_cookies = (f & 32) != 0;
    c.congestion = (f & 64) != 0 ? tcp::Algorithm::cubic : tcp::Algorithm::newreno;
    c.keepalive = (f & 128) != 0;
    c.keepalive_idle = 10s;
    c.keepalive_interval = 5s;
    c.keepalive_probes = 3;
    c.recv_buffer = 256u << ((side == 0 ? sizes : sizes >> 3) & 7);
    c.send_buffer = 256u << ((side == 0 ? sizes >> 3 : sizes) & 7);
    c.mss = kMss[(sizes >> 6) & 3];
    c.max_retries = static_cast<std::uint8_t>(2 + ((misc >> 4) & 3));
    c.max_syn_retries = static_cast<std::uint8_t>(1 + ((misc >> 6) & 3));
    c.pacing = (more & 16) != 0;
    t.mss_from_path = false;
    t.allow_privileged_ports = true;  // the listeners on 80 and 81
    t.syn_backlog = 1 + ((misc >> 2) & 3);
  }
  return cfg;
}

using ConnKey = std::tuple<int, IpEndpoint, IpEndpoint>;      // side, local, remote
using StreamKey = std::tuple<int, std::uint16_t, std::uint16_t>;  // sender side, its port, the peer's

struct AppConn {
  int side;
  SocketHandle h;
  IpEndpoint local, remote;
  std::uint64_t received = 0;
};
struct AppListener {
  int side;
  SocketHandle h;
  std::uint32_t backlog;  // the largest it was given (a smaller one leaves the queue as it is)
};

class Harness {
 public:
  explicit Harness(const Config& cfg)
      : cfg_(cfg),
        ip_{WireIp(kAddr[0], [this](Packet p) { put(std::move(p)); }),
            WireIp(kAddr[1], [this](Packet p) { put(std::move(p)); })},
        a_(ip_[0], rng_[0], cfg.table[0]),
        b_(ip_[1], rng_[1], cfg.table[1]) {
    for (int side = 0; side < 2; ++side) {
      table(side).set_tracer([this, side](const IpEndpoint& l, const IpEndpoint& r, State from, State to) {
        on_trace(side, l, r, from, to);
      });
      listen(side, cfg.backlog);
    }
  }

  void run(Reader& in) {
    for (int step = 0; step < kMaxSteps && !in.done(); ++step) {
      this->step(in);
      poll_both();
      check();
    }
    finish();
  }

 private:
  SocketTable& table(int side) { return side == 0 ? a_ : b_; }
  static int side_of(const IpAddress& a) { return a == kAddr[0] ? 0 : a == kAddr[1] ? 1 : -1; }

  void put(Packet p) {
    if (wire_.size() < kMaxWire) wire_.push_back(std::move(p));
  }

  void poll_both() {
    for (int side = 0; side < 2; ++side) table(side).poll(now_);
  }

  // ---- The state diagram ----------------------------------------------------------
  void on_trace(int side, const IpEndpoint& l, const IpEndpoint& r, State from, State to) {
    std::ostringstream what;
    what << "side " << side << " " << l.to_string() << " <-> " << r.to_string() << ": " << from << " -> " << to;
    if (!allowed(from, to)) fail("transition outside RFC 9293's diagram: " + what.str());
    const ConnKey key{side, l, r};
    auto it = traced_.find(key);
    const bool birth = (from == State::closed && to == State::syn_sent) || (from == State::listen && to == State::syn_received);
    if (birth) {
      if (it != traced_.end() && it->second != State::closed && it->second != State::time_wait) {
        what << " while the same 4-tuple is in " << it->second;
        fail("a connection born over a live one: " + what.str());
      }
    } else if (it == traced_.end() || it->second != from) {
      if (it != traced_.end()) what << " (last seen in " << it->second << ")";
      fail("a transition from a state the connection was not in: " + what.str());
    }
    traced_[key] = to;
  }

  // ---- Wire -----------------------------------------------------------------------
  // The receiving connection of a segment, if the table has one.
  const tcp::Connection* receiver(int side, const IpEndpoint& local, const IpEndpoint& remote) {
    const tcp::Connection* found = nullptr;
    table(side).for_each_connection([&](const IpEndpoint& l, const IpEndpoint& r, const tcp::Connection& c) {
      if (l == local && r == remote && c.state() != State::closed) found = &c;
    });
    return found;
  }

  // A sequence number near the receiver's window: RCV.NXT, its right edge,
  // the original, or anything, give or take a little (or a lot).
  std::uint32_t pick_seq(Reader& in, const tcp::Connection* c, std::uint32_t orig) {
    const std::uint8_t how = in.u8();
    std::int32_t delta = static_cast<std::int8_t>(in.u8());
    if ((how & 4) != 0) delta *= 1024;
    std::uint32_t base = orig;
    switch (how & 3) {
      case 0: base = orig; break;
      case 1: base = c != nullptr ? c->rcv_nxt().value() : orig; break;
      case 2: base = c != nullptr ? (c->rcv_nxt() + c->recv_window()).value() : orig; break;
      case 3: base = in.u32(); break;
    }
    if ((how & 8) != 0) base += 0x80000000u;
    return base + static_cast<std::uint32_t>(delta);
  }

  // An acknowledgement near what the receiver (as a sender) has sent:
  // SND.UNA, SND.NXT, the original, or anything, give or take.
  std::uint32_t pick_ack(Reader& in, const tcp::Connection* c, std::uint32_t orig) {
    const std::uint8_t how = in.u8();
    std::int32_t delta = static_cast<std::int8_t>(in.u8());
    if ((how & 4) != 0) delta *= 1024;
    std::uint32_t base = orig;
    switch (how & 3) {
      case 0: base = orig; break;
      case 1: base = c != nullptr ? c->snd_una().value() : orig; break;
      case 2: base = c != nullptr ? c->snd_nxt().value() : orig; break;
      case 3: base = in.u32(); break;
    }
    if ((how & 8) != 0) base += 0x80000000u;
    return base + static_cast<std::uint32_t>(delta);
  }

  void mutate_options(Reader& in, TcpRepr& r, const tcp::Connection* c) {
    const std::uint8_t what = in.u8();
    switch (what % 8) {
      case 0: r.options.timestamps.reset(); break;
      case 1: {
        const std::uint32_t v = in.u32();
        r.options.timestamps = Timestamps{.tsval = (what & 8) != 0 ? v : r.options.timestamps.value_or(Timestamps{}).tsval - v % 4096,
                                          .tsecr = r.options.timestamps.value_or(Timestamps{}).tsecr};
        break;
      }
      case 2: {
        const std::uint32_t base = c != nullptr ? c->snd_una().value() : r.ack;
        const std::uint32_t left = base + static_cast<std::uint32_t>(static_cast<std::int16_t>(in.u16()));
        (void)r.options.add_sack(SackBlock{.left = left, .right = left + in.u16()});
        break;
      }
      case 3: r.options.mss = in.u16(); break;
      case 4: r.options.window_scale = in.u8(); break;
      case 5: r.options.sack_permitted = !r.options.sack_permitted; break;
      case 6: r.options = TcpOptions{}; break;
      case 7: r.options.sack_count = 0; break;
    }
  }

  // Delivers `p` as bytes; `orig` is what the sender sent when p was
  // mutated, nullptr for an honest delivery; `forged` for an injected one.
  void deliver(const Packet& p, const Packet* orig, bool forged, std::optional<std::pair<std::uint16_t, std::uint8_t>> flip) {
    const int side = side_of(p.dst);
    if (side < 0) return;  // to a stranger: lost
    if (p.tcp.header_len() > 60) return;  // a mutation that does not fit a header
    ByteVec bytes(p.tcp.header_len() + p.payload.size());
    const IpPair ips{p.src, p.dst};
    p.tcp.emit(TcpPacketMut(bytes), ips, p.payload);
    if (flip && !bytes.empty()) bytes[flip->first % bytes.size()] ^= std::byte{static_cast<std::uint8_t>(flip->second | 1)};
    auto view = TcpPacket::checked(bytes);
    if (!view) {
      FUZZ_CHECK(flip.has_value());
      return;
    }
    auto r = TcpRepr::parse(*view, ips, flip ? kNoVerify : ChecksumMode{});
    if (!r) {
      FUZZ_CHECK(flip.has_value() || forged || orig != nullptr);
      return;
    }
    if (orig == nullptr && !forged) FUZZ_CHECK(*r == p.tcp);
    const Bytes payload = view->payload();
    const ConnKey key{side, IpEndpoint{p.dst, r->dst_port}, IpEndpoint{p.src, r->src_port}};
    if (forged) {
      if (!payload.empty() || r->flags.syn() || r->flags.fin()) tainted_.insert(key);
    } else if (orig != nullptr) {
      const TcpRepr& o = orig->tcp;
      const bool moved = r->seq != o.seq || r->src_port != o.src_port || r->dst_port != o.dst_port;
      const bool prefix = payload.size() <= orig->payload.size() &&
                          std::equal(payload.begin(), payload.end(), orig->payload.begin());
      if (r->flags.syn() != o.flags.syn() || !prefix || (moved && (!payload.empty() || r->flags.syn() || r->flags.fin())) ||
          (r->flags.fin() && (!o.flags.fin() || payload.size() != orig->payload.size()))) {
        tainted_.insert(key);
      }
    }
    if (kTrace) {
      std::cerr << "  " << (now_ - Instant{}).count() / 1000 << "us " << (side == 0 ? "B>A " : "A>B ") << *r
                << " len " << payload.size() << (forged ? " (forged)" : orig != nullptr ? " (mutated)" : "") << "\n";
    }
    table(side).on_segment(p.src, p.dst, *r, payload, now_);
    if (kTrace) {
      for (const AppListener& l : listeners_) {
        std::cerr << "    listener " << l.side << ": accept queue " << table(l.side).accept_queue_len(l.h) << ", SYN queue "
                  << table(l.side).syn_queue_len(l.h) << "\n";
      }
    }
  }

  Packet take(std::size_t i, bool keep) {
    Packet p = wire_[i];
    if (!keep) wire_.erase(wire_.begin() + static_cast<std::ptrdiff_t>(i));
    return p;
  }

  void deliver_queued(std::size_t limit) {
    for (std::size_t n = 0; n < limit && !wire_.empty(); ++n) {
      Packet p = std::move(wire_.front());
      wire_.pop_front();
      deliver(p, nullptr, false, std::nullopt);
    }
  }

  void mutate_and_deliver(Reader& in) {
    if (wire_.empty()) return;
    const std::size_t i = in.u8() % wire_.size();
    const std::uint8_t mask = in.u8();
    const Packet orig = take(i, (mask & 128) != 0);
    Packet p = orig;
    const int side = side_of(p.dst);
    const tcp::Connection* c =
        side < 0 ? nullptr : receiver(side, IpEndpoint{p.dst, p.tcp.dst_port}, IpEndpoint{p.src, p.tcp.src_port});
    if ((mask & 1) != 0) p.tcp.flags = TcpFlags(static_cast<std::uint16_t>(p.tcp.flags.bits() ^ in.u8()));
    if ((mask & 2) != 0) p.tcp.seq = pick_seq(in, c, p.tcp.seq);
    if ((mask & 4) != 0) p.tcp.ack = pick_ack(in, c, p.tcp.ack);
    if ((mask & 8) != 0) p.tcp.window = in.u16();
    if ((mask & 16) != 0) mutate_options(in, p.tcp, c);
    if ((mask & 32) != 0) p.payload.resize(in.u16() % (p.payload.size() + 1));
    std::optional<std::pair<std::uint16_t, std::uint8_t>> flip;
    if ((mask & 64) != 0) flip = std::pair{in.u16(), in.u8()};
    deliver(p, &orig, false, flip);
  }

  void inject(Reader& in) {
    const std::uint8_t target = in.u8();
    const int side = target & 1;
    IpEndpoint local{kAddr[side], kListenPort[side]};
    IpEndpoint remote{kAddr[1 - side], static_cast<std::uint16_t>(40000 + in.u8())};
    const tcp::Connection* c = nullptr;
    switch ((target >> 1) & 3) {
      case 0:
      case 1: {  // an existing connection of that side
        std::vector<std::pair<IpEndpoint, IpEndpoint>> conns;
        table(side).for_each_connection([&](const IpEndpoint& l, const IpEndpoint& r, const tcp::Connection& cc) {
          if (cc.state() != State::closed) conns.emplace_back(l, r);
        });
        if (!conns.empty()) {
          const auto& pick = conns[in.u8() % conns.size()];
          local = pick.first;
          remote = pick.second;
          c = receiver(side, local, remote);
        }
        break;
      }
      case 2: break;  // the listener, from some port
      case 3:         // anything, from a stranger or the peer
        local.port = static_cast<std::uint16_t>(in.u16() | 1);
        remote = IpEndpoint{(target & 32) != 0 ? kStranger : kAddr[1 - side], static_cast<std::uint16_t>(in.u16() | 1)};
        break;
    }
    Packet p{remote.addr, local.addr, TcpRepr{}, {}};
    p.tcp.src_port = remote.port;
    p.tcp.dst_port = local.port;
    p.tcp.flags = TcpFlags(static_cast<std::uint16_t>(in.u8() | ((target & 64) != 0 ? 0x100 : 0)));
    p.tcp.seq = pick_seq(in, c, 0);
    p.tcp.ack = pick_ack(in, c, 0);
    p.tcp.window = in.u16();
    const std::uint8_t opts = in.u8();
    if ((opts & 1) != 0) p.tcp.options.mss = static_cast<std::uint16_t>(in.u16());
    if ((opts & 2) != 0) p.tcp.options.window_scale = static_cast<std::uint8_t>(in.u8() % 16);
    if ((opts & 4) != 0) p.tcp.options.sack_permitted = true;
    if ((opts & 8) != 0) p.tcp.options.timestamps = Timestamps{.tsval = in.u32(), .tsecr = in.u32()};
    if ((opts & 16) != 0) mutate_options(in, p.tcp, c);
    p.payload.resize(static_cast<std::size_t>(in.u8()) * ((opts & 32) != 0 ? 8 : 1));
    for (std::size_t k = 0; k < p.payload.size(); ++k) p.payload[k] = pattern(1 - side, remote.port, local.port, k);
    deliver(p, nullptr, true, std::nullopt);
  }

  // ---- Applications ---------------------------------------------------------------
  void listen(int side, std::uint32_t backlog) {
    for (AppListener& l : listeners_) {
      if (l.side == side) {
        FUZZ_CHECK(table(side).listen(l.h, backlog).has_value());
        l.backlog = std::max(l.backlog, backlog);
        return;
      }
    }
    SocketTable& t = table(side);
    const SocketHandle h = t.open();
    FUZZ_CHECK(t.bind(h, {kAddr[side], kListenPort[side]}).has_value());
    FUZZ_CHECK(t.listen(h, backlog).has_value());
    listeners_.push_back({side, h, backlog});
  }

  void add_conn(int side, SocketHandle h) {
    SocketTable& t = table(side);
    conns_.push_back(AppConn{side, h, *t.local_endpoint(h), *t.remote_endpoint(h)});
  }

  // Opens a socket on `side` bound to `lport` and connects it to the peer's `rport`.
  void connect(int side, std::uint16_t lport, std::uint16_t rport) {
    SocketTable& t = table(side);
    const SocketHandle h = t.open();
    if (!t.bind(h, {kAddr[side], lport}) || !t.connect(h, {kAddr[1 - side], rport}, now_)) {
      FUZZ_CHECK(t.close(h).has_value());
      return;
    }
    add_conn(side, h);
  }

  void accept_all() {
    for (const AppListener& l : listeners_) {
      while (auto h = table(l.side).accept(l.h)) add_conn(l.side, *h);
    }
  }

  AppConn* pick_conn(Reader& in) {
    const std::uint8_t i = in.u8();
    return conns_.empty() ? nullptr : &conns_[i % conns_.size()];
  }

  StreamKey stream_of(const AppConn& c) const { return {c.side, c.local.port, c.remote.port}; }
  StreamKey peer_stream_of(const AppConn& c) const { return {1 - c.side, c.remote.port, c.local.port}; }
  bool tainted(const AppConn& c) const {
    return tainted_.contains(ConnKey{c.side, c.local, c.remote}) || c.remote.addr != kAddr[1 - c.side];
  }

  void app_send(AppConn& c, std::size_t len) {
    SocketTable& t = table(c.side);
    const bool writable = (t.readiness(c.h) & tcp::ready::kWritable) != 0;
    std::uint64_t& sent = sent_[stream_of(c)];
    ByteVec data(len);
    for (std::size_t k = 0; k < len; ++k) data[k] = pattern(c.side, c.local.port, c.remote.port, sent + k);
    auto r = t.send(c.h, data);
    if (writable && len > 0) FUZZ_CHECK(r && *r > 0);  // writable: send() takes at least one byte
    if (r) {
      FUZZ_CHECK(*r <= len);
      sent += *r;
    }
  }

  void app_recv(AppConn& c, std::size_t len) {
    SocketTable& t = table(c.side);
    const bool readable = (t.readiness(c.h) & tcp::ready::kReadable) != 0;
    ByteVec buf(len);
    auto r = t.recv(c.h, buf);
    if (!r) {
      if (r.error().code == tcp::Errc::would_block) FUZZ_CHECK(!readable);
      return;
    }
    FUZZ_CHECK(*r <= len);
    const bool check = !tainted(c);
    if (*r > 0) {
      if (check) {
        const std::uint64_t peer_sent = sent_[peer_stream_of(c)];
        if (c.received + *r > peer_sent) {
          fail("received " + std::to_string(c.received + *r) + " bytes, the peer's application sent " +
               std::to_string(peer_sent));
        }
        for (std::size_t k = 0; k < *r; ++k) {
          if (buf[k] != pattern(1 - c.side, c.remote.port, c.local.port, c.received + k)) {
            fail("received byte " + std::to_string(c.received + k) + " is not what the peer's application sent");
          }
        }
      }
      c.received += *r;
      return;
    }
    const tcp::Connection* conn = t.connection(c.h);
    if (len > 0 && check && conn != nullptr && conn->eof()) {
      // End of stream: the peer shut down, and everything it sent arrived.
      FUZZ_CHECK(shut_.contains(peer_stream_of(c)));
      if (c.received != sent_[peer_stream_of(c)]) {
        fail("end of stream after " + std::to_string(c.received) + " bytes, the peer's application sent " +
             std::to_string(sent_[peer_stream_of(c)]));
      }
    }
  }

  void remove_conn(const AppConn* c) {
    conns_.erase(conns_.begin() + (c - conns_.data()));
  }

  void crash(int side) {
    table(side).forget_all();
    std::erase_if(conns_, [&](const AppConn& c) { return c.side == side; });
    std::erase_if(listeners_, [&](const AppListener& l) { return l.side == side; });
    std::erase_if(traced_, [&](const auto& kv) { return std::get<0>(kv.first) == side; });
  }

  void step(Reader& in) {
    const std::uint8_t op = in.u8();
    if (kTrace) std::cerr << "step " << op % 20 << " (wire " << wire_.size() << ")\n";
    switch (op % 20) {
      case 0:  // deliver one segment as sent
        if (!wire_.empty()) deliver(take(in.u8() % wire_.size(), false), nullptr, false, std::nullopt);
        break;
      case 1: mutate_and_deliver(in); break;
      case 2:  // deliver a copy, keep the segment for later
        if (!wire_.empty()) deliver(take(in.u8() % wire_.size(), true), nullptr, false, std::nullopt);
        break;
      case 3:  // lose one
        if (!wire_.empty()) (void)take(in.u8() % wire_.size(), false);
        break;
      case 4: deliver_queued(wire_.size()); break;
      case 5: advance(in.u8()); break;
      case 6:
        if (AppConn* c = pick_conn(in)) app_send(*c, 1 + in.u16() % 4096);
        break;
      case 7:
        if (AppConn* c = pick_conn(in)) app_recv(*c, static_cast<std::size_t>(in.u8()) * 16);
        break;
      case 8:
        if (AppConn* c = pick_conn(in)) {
          FUZZ_CHECK(table(c->side).shutdown_send(c->h).has_value());
          shut_.insert(stream_of(*c));
        }
        break;
      case 9:
        if (AppConn* c = pick_conn(in)) {
          FUZZ_CHECK(table(c->side).close(c->h).has_value());
          shut_.insert(stream_of(*c));
          remove_conn(c);
        }
        break;
      case 10:
        if (AppConn* c = pick_conn(in)) {
          FUZZ_CHECK(table(c->side).abort(c->h).has_value());
          remove_conn(c);
        }
        break;
      case 11: {  // connect to the peer's listener from a port of our own
        const int side = in.u8() & 1;
        connect(side, static_cast<std::uint16_t>((side == 0 ? 40000 : 50000) + next_port_++), kListenPort[1 - side]);
        break;
      }
      case 12: accept_all(); break;
      case 13: inject(in); break;
      case 14: {  // simultaneous open
        const auto pa = static_cast<std::uint16_t>(30000 + next_port_);
        const auto pb = static_cast<std::uint16_t>(31000 + next_port_++);
        connect(0, pa, pb);
        connect(1, pb, pa);
        break;
      }
      case 15: {  // listen again (after a close or a crash), or a new backlog
        const std::uint8_t a = in.u8();
        listen(a & 1, 1 + ((a >> 1) & 3));
        break;
      }
      case 16: settle(in.u8()); break;
      case 17: {
        const std::uint8_t a = in.u8();
        if ((a & 0xfe) == 0xfe) {
          crash(a & 1);
        } else if ((a & 0xf0) == 0xf0) {  // close a listener
          std::erase_if(listeners_, [&](const AppListener& l) {
            if (l.side != (a & 1)) return false;
            FUZZ_CHECK(table(l.side).close(l.h).has_value());
            return true;
          });
        }
        break;
      }
      case 18:
        if (AppConn* c = pick_conn(in)) {
          const std::uint8_t a = in.u8();
          if (tcp::Connection* conn = table(c->side).connection(c->h)) {
            switch (a % 4) {
              case 0: conn->set_nagle((a & 4) != 0); break;
              case 1: conn->set_keepalive((a & 4) != 0); break;
              case 2: conn->set_max_retries(static_cast<std::uint8_t>(1 + (a >> 2) % 8)); break;
              case 3: break;
            }
          }
        }
        break;
      case 19:
        if (AppConn* c = pick_conn(in)) {
          const std::uint8_t a = in.u8();
          constexpr tcp::Errc kErr[4] = {tcp::Errc::host_unreachable, tcp::Errc::net_unreachable,
                                         tcp::Errc::connection_refused, tcp::Errc::message_too_long};
          table(c->side).on_icmp_error(c->local, c->remote, kErr[a % 4], (a & 4) != 0);
        }
        break;
    }
  }

  void advance(std::uint8_t how) {
    constexpr Duration kSteps[9] = {1ms, 5ms, 50ms, 200ms, 1s, 3s, 30s, 61s, 121s};
    const unsigned k = how % 12;
    if (k < 9) {
      now_ += kSteps[k];
      return;
    }
    std::optional<Instant> next;
    for (int side = 0; side < 2; ++side) {
      if (k - 9 != static_cast<unsigned>(1 - side)) {
        if (auto t = table(side).poll_at(); t && (!next || *t < *next)) next = *t;
      }
    }
    if (next && *next > now_) now_ = *next;
  }

  // Delivers everything in order and runs the timers until `d` has passed.
  void run_honestly(Duration d) {
    const Instant until = now_ + d;
    int busy = 0;  // rounds at one instant with segments still on the wire
    for (int i = 0; i < 4000; ++i) {
      deliver_queued(64);
      poll_both();
      check();
      if (!wire_.empty()) {
        // Two ends exchanging segments without time passing: an ACK war.
        if (++busy > 200) fail("segments keep flowing at one instant (an ACK war?)");
        continue;
      }
      busy = 0;
      std::optional<Instant> next;
      for (int side = 0; side < 2; ++side) {
        if (auto t = table(side).poll_at(); t && (!next || *t < *next)) next = *t;
      }
      if (!next || *next >= until) break;
      now_ = std::max(now_, *next);
    }
    now_ = std::max(now_, until);
    poll_both();
  }

  void settle(std::uint8_t how) {
    constexpr Duration kSpans[4] = {10ms, 100ms, 1s, 10s};
    run_honestly(kSpans[how % 4]);
  }

  // ---- Invariants -----------------------------------------------------------------
  void check() {
    for (int side = 0; side < 2; ++side) {
      SocketTable& t = table(side);
      const tcp::ConnectionConfig& cc = cfg_.table[side].connection;
      for (int i = 0; i < 4; ++i) {
        auto at = t.poll_at();
        if (!at || *at > now_) break;
        if (i == 3) fail("poll_at() is still due after poll(now): a busy loop");
        t.poll(now_);
      }
      std::size_t held = 0;
      for (const AppConn& c : conns_) {
        if (c.side != side) continue;
        ++held;
        FUZZ_CHECK(t.is_open(c.h));
      }
      for (const AppListener& l : listeners_) {
        if (l.side != side) continue;
        ++held;
        FUZZ_CHECK(t.is_listener(l.h));
        if (t.accept_queue_len(l.h) > l.backlog) {
          fail("side " + std::to_string(side) + ": " + std::to_string(t.accept_queue_len(l.h)) +
               " connections in the accept queue, backlog " + std::to_string(l.backlog) + " (SYN queue " +
               std::to_string(t.syn_queue_len(l.h)) + ")");
        }
        FUZZ_CHECK(t.syn_queue_len(l.h) <= cfg_.table[side].syn_backlog);
      }
      FUZZ_CHECK(t.connection_count() <= t.open_count());
      FUZZ_CHECK(t.open_count() <= held + t.connection_count());
      t.for_each_connection([&](const IpEndpoint& l, const IpEndpoint& r, const tcp::Connection& c) {
        auto expect = [&](bool ok, const char* what) {
          if (ok) return;
          std::ostringstream os;
          os << "side " << side << " " << l.to_string() << " <-> " << r.to_string() << ": " << what << "\n  " << c
             << "\n  send_queue " << c.send_queue() << " recv_queue " << c.recv_queue() << " allocated "
             << c.allocated_bytes();
          fail(os.str());
        };
        expect(c.state() != State::listen, "a connection in LISTEN");
        // The rings' limits grow with autotuning, up to the ceilings.
        expect(c.recv_buffer() <= std::max(cc.recv_buffer, cc.recv_buffer_max), "a receive buffer beyond its ceiling");
        expect(c.send_buffer() <= std::max(cc.send_buffer, cc.send_buffer_max), "a send buffer beyond its ceiling");
        expect(c.recv_queue() <= c.recv_buffer(), "more received than the receive buffer holds");
        expect(c.send_queue() <= c.send_buffer(), "more queued than the send buffer holds");
        expect(c.recv_window() <= c.recv_buffer(), "a receive window beyond the buffer");
        expect(c.allocated_bytes() <= 2 * (c.recv_buffer() + c.send_buffer()) + 256 * 1024, "heap beyond its bound");
        if (c.state() == State::closed) return;
        expect(c.snd_una() <= c.snd_nxt(), "SND.UNA beyond SND.NXT");
        // In flight: the bytes of the send buffer, and the SYN and the FIN.
        expect(static_cast<std::uint32_t>(c.snd_nxt() - c.snd_una()) <= c.send_queue() + 2,
               "more in flight than the send buffer holds");
        auto it = traced_.find(ConnKey{side, l, r});
        expect(it != traced_.end() && it->second == c.state(), "not in the state its last transition left it in");
      });
    }
  }

  // Everyone closes; the network runs honestly; nothing may be left.
  void finish() {
    accept_all();
    for (const AppConn& c : conns_) FUZZ_CHECK(table(c.side).close(c.h).has_value());
    for (const AppListener& l : listeners_) FUZZ_CHECK(table(l.side).close(l.h).has_value());
    conns_.clear();
    listeners_.clear();
    poll_both();
    for (int i = 0; i < 80; ++i) run_honestly(30s);
    for (int side = 0; side < 2; ++side) {
      if (table(side).open_count() != 0) {
        std::ostringstream os;
        os << "side " << side << " still holds " << table(side).open_count() << " sockets after everything closed:";
        table(side).for_each_connection([&](const IpEndpoint& l, const IpEndpoint& r, const tcp::Connection& c) {
          os << "\n  " << l.to_string() << " <-> " << r.to_string() << " " << c;
        });
        fail(os.str());
      }
    }
  }

  Config cfg_;
  Rng rng_[2] = {Rng(1), Rng(2)};
  WireIp ip_[2];
  SocketTable a_;
  SocketTable b_;
  Instant now_ = Instant{} + 1s;
  std::deque<Packet> wire_;
  std::vector<AppConn> conns_;
  std::vector<AppListener> listeners_;
  std::map<ConnKey, State> traced_;
  std::set<ConnKey> tainted_;
  std::map<StreamKey, std::uint64_t> sent_;
  std::set<StreamKey> shut_;
  unsigned next_port_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  Reader in(data, size);
  const Config cfg = decode_config(in);
  Harness h(cfg);
  h.run(in);
  return 0;
}
