// sim/switch.hpp — an N-port learning switch: an IEEE 802.1D transparent
// bridge, with the Spanning Tree Protocol when SwitchConfig::stp is set
// (link/stp.hpp). Without it a loop in the topology makes broadcasts
// circulate: see sim/storm_detector.hpp.
//
//   EventQueue q;
//   Switch sw(q, "sw1", 4, SwitchConfig{.forwarding_delay = 5us});
//   Link l0(q, Rng(1), LinkDirection{});
//   sw.connect(0, l0, 1);      // switch port 0 is side 1 of l0 (attaches it, too)
//   l0.attach(0, &host_nic);   // whatever sits on side 0 (a host's FramePort)
//   StormDetector storms;
//   sw.set_storm_detector(&storms);
//   q.run_until(at(1s));
//   sw.print_table(std::cout);
//
// What a frame arriving on port p goes through (802.1D 7.5-7.7):
//  1. Counted in port p's rx_frames / rx_bytes.
//  2. If the attached StormDetector has fired and halt_on_storm is set, it is
//     dropped (dropped_storm): the loop drains and the EventQueue goes idle.
//  3. Shorter than an Ethernet header (14 bytes): dropped_malformed.
//  4. Learning (7.8): MacTable::learn(src, p, now). Group and zero sources are
//     not learned, but the frame is still forwarded.
//  5. Decision (7.7.1): MacTable::decide(dst, p, now), taken at arrival:
//     known unicast -> that port (forwarded); broadcast, multicast, unknown
//     unicast -> every *connected* port but p, in ascending port order
//     (flooded); destination on p itself -> discarded (filtered).
//  6. The StormDetector (if any) is told about every frame not filtered.
//  7. forwarding_delay later (an EventQueue event, also when the delay is 0:
//     a switch never transmits from inside a Link's delivery) the copy is sent
//     with Link::send on each egress port: tx_frames / tx_bytes, or tx_dropped
//     when the link's transmit queue refuses it or the port is not connected.
//     A frame whose ingress switch halted meanwhile is dropped_storm instead.
//
// Counters: rx-side ones (rx_*, forwarded, flooded, filtered, dropped_*) are
// kept on the ingress port, tx-side ones (tx_*) on the egress port. A frame
// has one fate, counted when it is decided: forwarded / flooded when it is
// sent out (after the delay), the others at arrival. Per port:
//   rx_frames == forwarded + flooded + filtered + dropped_malformed
//                + dropped_storm + frames still waiting for the forwarding delay
// A flooded frame adds one `flooded` on its ingress port and one tx_frames (or
// tx_dropped) on each egress port.
//
// Spanning tree (config.stp set): frames to the Bridge Group Address
// 01:80:c2:00:00:00 are BPDUs for link::SpanningTree (counted bpdu_rx, never
// forwarded; one that does not parse is dropped_malformed). Other frames are
// learned only on a learning or forwarding port and forwarded only from and
// to forwarding ports (else dropped_blocked, on the ingress port). The
// tree's BPDUs leave each port from its own MAC (bridge_mac + 1 + port),
// counted bpdu_tx (and tx_frames). A port whose link goes down
// (FramePort::on_link_state) is disabled at once and its stations
// forgotten; a port leaving forwarding forgets its stations; a topology
// change (the TC flag rising) empties the MAC table, so stations are
// relearned along the new tree. Every port state change goes to the
// on_port_change() listener (the narrative). Without stp, BPDUs are flooded
// like any multicast, as a Linux bridge with stp_state 0 does.
//
// Link state: the Link models the wire; a down link swallows what the switch
// sends (Link counts dropped_down). Call port_down(p) when p's link goes
// down: it forgets the stations learned on p (802.1D 17.11), so frames to them
// are flooded and relearned wherever they reappear.
//
// Determinism: no hash order reaches any output (MacTable::entries() sorts).
// Frame copies live in reused slots, so steady traffic does not allocate.
//
// Lifetime: the Switch cannot move (its ports and events point at it), must
// not outlive its EventQueue, and cancels its pending forwards when destroyed.
// Links attached to its ports must not deliver to it after it is gone
// (destroy them first, or detach them, before running the queue again).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "link/mac_table.hpp"
#include "link/stp.hpp"
#include "sim/event_queue.hpp"
#include "sim/frame_port.hpp"
#include "sim/link.hpp"

namespace wirestack::sim {

class StormDetector;

using link::PortId;

struct SwitchConfig {
  link::MacTableConfig table;
  Duration forwarding_delay = std::chrono::microseconds{5};  // ingress to egress; 0 allowed
  // Once the attached StormDetector fires, drop every frame (see step 2).
  bool halt_on_storm = true;
  // Spanning tree: none (the default), or 802.1D STP with these parameters.
  std::optional<link::StpConfig> stp;
  // The bridge's own address (the spanning tree's bridge id); World gives
  // each switch one from kSimBridgeOui.
  MacAddress bridge_mac{};
};

struct SwitchPortCounters {
  // Frames that arrived on this port, and what became of them.
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t forwarded = 0;          // known unicast, sent to one port
  std::uint64_t flooded = 0;            // broadcast, multicast, unknown unicast
  std::uint64_t filtered = 0;           // destination on this very port
  std::uint64_t dropped_malformed = 0;  // shorter than an Ethernet header
  std::uint64_t dropped_storm = 0;      // after the storm detector fired
  std::uint64_t dropped_blocked = 0;    // spanning tree: port not forwarding (either end)
  std::uint64_t bpdu_rx = 0;            // BPDUs handed to the spanning tree
  std::uint64_t bpdu_tx = 0;            // BPDUs it sent out of this port (also in tx_frames)
  // Copies sent out of this port.
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_dropped = 0;  // refused by the link's transmit queue, or port not connected

  SwitchPortCounters& operator+=(const SwitchPortCounters& o);
  friend bool operator==(const SwitchPortCounters&, const SwitchPortCounters&) = default;
};
// "rx 3 (180 B) forwarded 1 flooded 2 filtered 0 malformed 0 storm 0 tx 4 (240 B) tx_dropped 0",
// then " blocked 0 bpdu rx 1 tx 2" when the spanning tree counted anything.
std::ostream& operator<<(std::ostream& os, const SwitchPortCounters& c);

class Switch {
 public:
  // `ports` >= 1 ports, numbered 0 .. ports - 1, none connected yet.
  Switch(EventQueue& queue, std::string name, std::size_t ports, SwitchConfig config = {});
  ~Switch();
  Switch(const Switch&) = delete;
  Switch& operator=(const Switch&) = delete;

  const std::string& name() const { return name_; }
  std::size_t port_count() const { return ports_.size(); }
  const SwitchConfig& config() const { return config_; }

  // The FramePort that receives for switch port `p` (connect() attaches it).
  FramePort& port(PortId p);
  // Makes `side` of `link` switch port `p`: attaches port(p) to that side and
  // sends p's egress frames with link.send(side, ...). Reconnecting a port
  // detaches it from its previous link. The link is borrowed.
  void connect(PortId p, Link& link, int side);
  bool is_connected(PortId p) const;

  // p's link went down: forgets the stations learned on p; returns how many.
  std::size_t port_down(PortId p);

  // The spanning tree (nullptr without config.stp).
  const link::SpanningTree* stp() const { return stp_ ? &*stp_ : nullptr; }
  // Port p's path cost (spanning tree only; default from its link's rate).
  void set_path_cost(PortId p, std::uint32_t cost);
  // Told of every port state change of the spanning tree.
  using PortChangeListener = std::function<void(const Switch&, const link::PortChange&)>;
  void on_port_change(PortChangeListener l) { port_change_ = std::move(l); }

  // Reports every forwarded frame to `detector` (borrowed; nullptr: none).
  // Several switches share one detector, which also hears the hosts.
  void set_storm_detector(StormDetector* detector);
  const StormDetector* storm_detector() const { return detector_; }
  // Whether this switch stopped forwarding because a storm was detected.
  bool halted() const;

  const link::MacTable& table() const { return table_; }
  const SwitchPortCounters& counters(PortId p) const;
  // The sum over all ports.
  SwitchPortCounters totals() const;
  // Frames received and not yet sent out (waiting for the forwarding delay).
  std::size_t pending() const { return pending_count_; }

  // "sw1 MAC table, 2 entries:" then one "  02:00:00:00:00:01 port 0 age 0.001s"
  // line per live entry, sorted by MAC, aged at the queue's now().
  void print_table(std::ostream& os) const;
  // One "sw1 port 0: <counters>" line per port.
  void print_counters(std::ostream& os) const;

 private:
  class Port final : public FramePort {
   public:
    Port(Switch* sw, PortId id) : sw_(sw), id_(id) {}
    void on_frame(Bytes frame) override { sw_->receive(id_, frame); }
    void on_link_state(bool up) override { sw_->link_state(id_, up); }

   private:
    Switch* sw_;
    PortId id_;
  };
  struct PortState {
    Port port;
    Link* link = nullptr;  // nullptr: not connected
    int side = 0;
    SwitchPortCounters counters;
  };
  // A frame waiting for the forwarding delay. Slots are reused and keep their
  // buffer's capacity.
  struct Pending {
    ByteVec bytes;
    EventId event;
    PortId ingress = 0;
    link::ForwardDecision decision;
    bool busy = false;
  };

  PortState& state(PortId p) {
    WIRESTACK_ASSERT(p < ports_.size());
    return ports_[p];
  }
  const PortState& state(PortId p) const {
    WIRESTACK_ASSERT(p < ports_.size());
    return ports_[p];
  }
  void receive(PortId ingress, Bytes frame);
  void link_state(PortId p, bool up);
  // Whether a spanning tree lets frames through port p.
  bool passes(PortId p) const { return !stp_ || stp_->forwarding(p); }
  // Sends what the spanning tree produced, applies its port changes and
  // sets its next timer.
  void run_stp();
  void forward(std::uint32_t slot);
  void transmit(PortId egress, Bytes frame);
  std::uint32_t acquire_pending();
  void release_pending(std::uint32_t slot);

  EventQueue& queue_;
  std::string name_;
  SwitchConfig config_;
  link::MacTable table_;
  std::vector<PortState> ports_;  // sized once: Port addresses stay valid
  std::vector<Pending> pending_;
  std::vector<std::uint32_t> free_pending_;
  std::size_t pending_count_ = 0;
  std::optional<link::SpanningTree> stp_;
  EventId stp_timer_;
  Instant stp_timer_at_ = Instant::max();
  bool stp_topology_change_ = false;
  PortChangeListener port_change_;
  StormDetector* detector_ = nullptr;
  std::size_t detector_index_ = 0;  // this switch's number in detector_
};

}  // namespace wirestack::sim
