// iface/test_net.hpp — a tiny deterministic network for Interface tests:
// nodes (Interfaces) joined by point-to-point wires with a fixed latency,
// driven in virtual time. Frames are delivered in (arrival time, send order);
// poll() runs when a node's poll_at() is due. Every frame is logged as one
// text line ("12.000ms A.0 ARP, Request who-has 10.0.0.2 tell 10.0.0.1"), so
// tests assert exact traces. Test-only: used by *_test.cpp in this folder.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "base/assert.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "iface/interface.hpp"
#include "wire/dissect.hpp"
#include "wire/ethernet.hpp"

namespace wirestack::iface::testing {

struct SentFrame {
  NicId nic;
  ByteVec bytes;
};

class QueueSink : public FrameSink {
 public:
  void transmit(NicId nic, Bytes frame) override {
    frames.push_back(SentFrame{nic, ByteVec(frame.begin(), frame.end())});
  }
  // A NIC with TSO (Interface::set_tso): noted, then cut in software as the
  // device would, onto the wire as plain frames.
  void transmit_offloaded(NicId nic, Bytes frame, const TxOffload& tx) override {
    offloaded.push_back(Offloaded{.size = frame.size(), .gso_size = tx.gso_size});
    FrameSink::transmit_offloaded(nic, frame, tx);
  }
  struct Offloaded {
    std::size_t size;
    std::uint16_t gso_size;
  };
  std::vector<SentFrame> frames;
  std::vector<Offloaded> offloaded;
};

// One line for a frame: the dissector's layers after Ethernet, joined by " | ".
inline std::string summary(Bytes frame) {
  const Dissection d = dissect(frame);
  std::string out;
  for (std::size_t i = 1; i < d.layers.size(); ++i) {
    if (d.layers[i].protocol == "data") continue;
    if (!out.empty()) out += " | ";
    out += d.layers[i].text;
  }
  // Verified checksums are noise in a trace; bad ones show up in problems.
  for (std::size_t at; (at = out.find(", checksum 0x")) != std::string::npos && out.compare(at + 17, 3, " ok") == 0;) {
    out.erase(at, 20);
  }
  for (const auto& p : d.problems) out += " [" + p.protocol + ": " + std::string(to_string(p.error)) + "]";
  return out;
}

inline std::string ms(Instant t) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(3);
  os << static_cast<double>(to_nanos(t)) / 1e6 << "ms";
  return os.str();
}

class TestNet {
 public:
  struct Node {
    std::string name;
    QueueSink sink;
    Rng rng;
    Interface iface;
    Node(std::string n, std::uint64_t seed, InterfaceConfig config)
        : name(std::move(n)), rng(seed), iface(sink, rng, config) {}
  };

  explicit TestNet(Duration latency = std::chrono::milliseconds{1}) : latency_(latency) {}

  Interface& add(const std::string& name, InterfaceConfig config = {}) {
    nodes_.push_back(std::make_unique<Node>(name, 1000 + nodes_.size(), config));
    return nodes_.back()->iface;
  }
  Interface& node(std::size_t i) { return nodes_[i]->iface; }
  const QueueSink& sink(std::size_t i) const { return nodes_[i]->sink; }

  // Joins node a's NIC na with node b's NIC nb.
  void wire(std::size_t a, NicId na, std::size_t b, NicId nb) {
    peers_[{a, na}] = {b, nb};
    peers_[{b, nb}] = {a, na};
  }

  // Frames for which drop(from node, nic, bytes) is true are logged with
  // "DROPPED" and not delivered.
  std::function<bool(std::size_t, NicId, Bytes)> drop;
  // Pad short frames with zeros to the 60-byte Ethernet minimum, as a NIC does.
  bool pad_short_frames = false;

  Instant now() const { return now_; }
  const std::vector<std::string>& trace() const { return trace_; }
  // Every frame sent so far, as sent (before padding or dropping).
  const std::vector<ByteVec>& frames() const { return frames_; }
  std::vector<std::string> take_trace() { return std::exchange(trace_, {}); }

  // Runs events up to and including `end`, then sets now() = end.
  void run_until(Instant end) {
    for (int guard = 0;; ++guard) {
      WIRESTACK_ASSERT(guard < 1'000'000);  // a poll_at() that poll() never clears
      collect();
      std::optional<Instant> next;
      if (!pending_.empty()) next = pending_.begin()->first.first;
      for (const auto& n : nodes_) {
        if (auto t = n->iface.poll_at(); t && (!next || *t < *next)) next = t;
      }
      if (!next || *next > end) break;
      if (*next > now_) now_ = *next;
      while (!pending_.empty() && pending_.begin()->first.first <= now_) {
        auto node = pending_.begin()->second;
        pending_.erase(pending_.begin());
        nodes_[node.to]->iface.receive(node.nic, node.bytes, now_);
        collect();
      }
      for (const auto& n : nodes_) {
        if (auto t = n->iface.poll_at(); t && *t <= now_) n->iface.poll(now_);
      }
    }
    if (end > now_) now_ = end;
  }
  void run_for(Duration d) { run_until(now_ + d); }

 private:
  struct InFlight {
    std::size_t to;
    NicId nic;
    ByteVec bytes;
  };

  // Moves every node's transmitted frames onto the wires.
  void collect() {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      auto frames = std::exchange(nodes_[i]->sink.frames, {});
      for (SentFrame& f : frames) {
        frames_.push_back(f.bytes);
        std::string line = ms(now_) + " " + nodes_[i]->name + "." + std::to_string(f.nic) + " " + summary(f.bytes);
        const auto peer = peers_.find({i, f.nic});
        if (peer == peers_.end() || (drop && drop(i, f.nic, f.bytes))) {
          trace_.push_back(line + " DROPPED");
          continue;
        }
        trace_.push_back(line);
        if (pad_short_frames && f.bytes.size() < kEthernetMinFrameLen) f.bytes.resize(kEthernetMinFrameLen);
        pending_.emplace(std::make_pair(now_ + latency_, seq_++),
                         InFlight{peer->second.first, peer->second.second, std::move(f.bytes)});
      }
    }
  }

  Duration latency_;
  Instant now_{};
  std::uint64_t seq_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::pair<std::size_t, NicId>, std::pair<std::size_t, NicId>> peers_;
  std::multimap<std::pair<Instant, std::uint64_t>, InFlight> pending_;
  std::vector<std::string> trace_;
  std::vector<ByteVec> frames_;
};

constexpr MacAddress mac(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }
inline Ipv4Prefix prefix(const char* text) { return *Ipv4Prefix::parse(text); }
constexpr Ipv4Address ip(std::uint8_t n) { return Ipv4Address{10, 0, 0, n}; }

// A and B on one wire, up, with the gratuitous ARPs already exchanged.
struct Pair {
  TestNet net;
  Interface& a;
  Interface& b;
  explicit Pair(InterfaceConfig config_a = {}, InterfaceConfig config_b = {})
      : a(net.add("A", config_a)), b(net.add("B", config_b)) {
    const NicId na = a.add_nic(mac(1));
    const NicId nb = b.add_nic(mac(2));
    WIRESTACK_ASSERT(a.add_address(na, prefix("10.0.0.1/24")));
    WIRESTACK_ASSERT(b.add_address(nb, prefix("10.0.0.2/24")));
    net.wire(0, na, 1, nb);
    a.nic_up(na, net.now());
    b.nic_up(nb, net.now());
    net.run_for(std::chrono::milliseconds{10});
    net.take_trace();
  }
};

// A 10.0.1.2 (:0a) --- 10.0.1.1 (:11) R 10.0.2.1 (:12) --- 10.0.2.2 (:0b) B
// A and B: default via R. R: forwarding on, no default route; its NIC to B
// has MTU mtu_rb.
constexpr Ipv4Address kA{10, 0, 1, 2};
constexpr Ipv4Address kRa{10, 0, 1, 1};
constexpr Ipv4Address kRb{10, 0, 2, 1};
constexpr Ipv4Address kB{10, 0, 2, 2};

inline InterfaceConfig router_config() {
  InterfaceConfig c;
  c.forwarding = true;
  return c;
}

struct Routed {
  TestNet net;
  Interface& a;
  Interface& r;
  Interface& b;
  explicit Routed(InterfaceConfig config_r = router_config(), std::uint16_t mtu_rb = 1500)
      : a(net.add("A")), r(net.add("R", config_r)), b(net.add("B")) {
    const NicId na = a.add_nic(mac(0x0a));
    const NicId ra = r.add_nic(mac(0x11));
    const NicId rb = r.add_nic(mac(0x12), mtu_rb);
    const NicId nb = b.add_nic(mac(0x0b));
    WIRESTACK_ASSERT(a.add_address(na, prefix("10.0.1.2/24")));
    WIRESTACK_ASSERT(r.add_address(ra, prefix("10.0.1.1/24")));
    WIRESTACK_ASSERT(r.add_address(rb, prefix("10.0.2.1/24")));
    WIRESTACK_ASSERT(b.add_address(nb, prefix("10.0.2.2/24")));
    WIRESTACK_ASSERT(a.routes().set_default(kRa, na));
    WIRESTACK_ASSERT(b.routes().set_default(kRb, nb));
    net.wire(0, na, 1, ra);
    net.wire(1, rb, 2, nb);
    for (Interface* i : {&a, &r, &b}) {
      for (NicId n = 0; n < i->nic_count(); ++n) i->nic_up(n, net.now());
    }
    net.run_for(std::chrono::milliseconds{10});
    net.take_trace();
  }
  // Resolves A<->R<->B so later traces hold only the traffic under test.
  void warm_up() {
    WIRESTACK_ASSERT(a.send_ping(kB, 1, 0, 0, net.now()));
    net.run_for(std::chrono::milliseconds{100});
    net.take_trace();
    a.take_ping_replies();
  }
};

// A TCP connection from `from` to `port` of `to` (at `to_addr`), `data`
// written as fast as it is taken, read by the other side every 200 us of
// virtual time: what arrived (stops when all did, or after 4 s).
inline ByteVec tcp_transfer(TestNet& net, Interface& from, Interface& to, IpAddress to_addr, const ByteVec& data,
                            std::uint16_t port = 8080) {
  auto& tf = from.tcp();
  auto& tt = to.tcp();
  const auto srv = tt.open();
  WIRESTACK_ASSERT(tt.bind(srv, {IpAddress::any(to_addr.family()), port}));
  WIRESTACK_ASSERT(tt.listen(srv, 8));
  const auto cli = tf.open();
  WIRESTACK_ASSERT(tf.connect(cli, {to_addr, port}, net.now()));
  std::optional<tcp::SocketHandle> conn;
  ByteVec got;
  std::size_t sent = 0;
  ByteVec buf(64 * 1024);
  for (int round = 0; round < 20'000 && got.size() < data.size(); ++round) {
    if (sent < data.size()) {
      if (auto n = tf.send(cli, Bytes(data).subspan(sent))) sent += *n;
    }
    net.run_for(std::chrono::microseconds{200});
    if (!conn) {
      if (auto c = tt.accept(srv)) conn = *c;
    }
    while (conn) {
      auto n = tt.recv(*conn, buf);
      if (!n || *n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
  }
  return got;
}

// n bytes that are not a repeating short pattern.
inline ByteVec pattern(std::size_t n) {
  ByteVec data(n);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  return data;
}

}  // namespace wirestack::iface::testing
