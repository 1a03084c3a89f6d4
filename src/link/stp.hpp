// link/stp.hpp — the IEEE 802.1D Spanning Tree Protocol of one bridge
// (802.1D-1998 clause 8, the algorithm Linux's net/bridge/br_stp*.c runs),
// as a sans-IO state machine: time is an argument, BPDUs in and out are
// wire::BpduRepr values, and the bridge's switch does the sending.
//
//   link::SpanningTree stp(BridgeId{0x8000, mac}, 4, {}, now);
//   stp.enable_port(0, now);                 // carrier up
//   stp.receive(0, bpdu, now);               // a BPDU arrived on port 0
//   stp.poll(now);                           // at stp.poll_at(): timers
//   for (auto& t : stp.take_transmits()) send(bpdu_frame(port_mac(t.port), t.bpdu));
//   if (stp.state(p) == PortState::forwarding) ...; // learning(p) / forwarding(p)
//
// What it does (the procedure names are the standard's, 8.6 and 8.7):
// * Root election: every bridge starts as root, sends Configuration BPDUs
//   every hello_time on its designated ports, and adopts better information
//   (lower root id, then root path cost, then sender bridge id, then port id:
//   supersedes_port_info); root_selection() picks the port with the best
//   path to the root, designated_port_selection() the ports on whose segment
//   this bridge offers the best path.
// * Port states: a root or designated port goes blocking -> listening ->
//   learning -> forwarding, forward_delay in each of the two middle states;
//   any other port is blocked (an *alternate*: the loop is cut there).
// * Failures: information received on a port ages out max_age after the root
//   sent it (message age timer); a port whose carrier is lost (disable_port)
//   is disabled at once. Either makes the tree be recomputed.
// * Topology change: a port entering forwarding (or leaving it) is notified
//   towards the root with TCN BPDUs (repeated every hello_time until
//   acknowledged with the TCA flag); the root then sets the TC flag in its
//   BPDUs for max_age + forward_delay, and every bridge that sees it ages its
//   MAC table out quickly (topology_change()).
// * Hold time (1 s): at most one Configuration BPDU per port per hold time.
//
// Timers are deadlines; poll(now) runs every expired one in a fixed order
// (ports ascending), so a run is deterministic. Every change of a port's
// state is kept as a PortChange for the narrative (take_changes()); steps
// of one port at one instant are merged (disabled -> listening).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include "base/time.hpp"
#include "wire/stp.hpp"

namespace wirestack::link {

using StpPort = std::uint16_t;

struct StpConfig {
  std::uint16_t priority = 0x8000;  // the bridge priority (802.1D: 0..61440 in steps of 4096)
  Duration hello_time = std::chrono::seconds{2};
  Duration max_age = std::chrono::seconds{20};
  Duration forward_delay = std::chrono::seconds{15};
  Duration hold_time = std::chrono::seconds{1};
};

// 802.1D-2004 table 17-3's recommended path costs (ports default to 100 Mb/s).
std::uint32_t default_path_cost(std::uint64_t bits_per_second);

enum class PortState : std::uint8_t { disabled, blocking, listening, learning, forwarding };
enum class PortRole : std::uint8_t { disabled, root, designated, alternate };
std::string_view to_string(PortState s);
std::string_view to_string(PortRole r);

struct PortChange {
  Instant at{};
  StpPort port = 0;
  PortState from = PortState::disabled;
  PortState to = PortState::disabled;
  PortRole role = PortRole::disabled;  // after the change
};
// "port 2: blocking -> listening (root port)"
std::ostream& operator<<(std::ostream& os, const PortChange& c);

struct StpTransmit {
  StpPort port = 0;
  BpduRepr bpdu;
};

struct StpCounters {
  std::uint64_t config_sent = 0;
  std::uint64_t tcn_sent = 0;
  std::uint64_t config_received = 0;
  std::uint64_t tcn_received = 0;
  std::uint64_t ignored = 0;  // on a disabled port, or aged beyond max_age
  std::uint64_t topology_changes = 0;  // times this bridge detected one
};

class SpanningTree {
 public:
  // Every port starts disabled (no carrier): enable_port() them.
  SpanningTree(MacAddress bridge_mac, std::size_t ports, StpConfig config, Instant now);

  BridgeId bridge_id() const { return bridge_id_; }
  std::size_t port_count() const { return ports_.size(); }
  void set_path_cost(StpPort p, std::uint32_t cost);
  std::uint32_t path_cost(StpPort p) const { return port(p).path_cost; }

  // Carrier came up / went down on port p (8.8.1 / 8.8.2).
  void enable_port(StpPort p, Instant now);
  void disable_port(StpPort p, Instant now);
  // A BPDU arrived on port p (8.7.1 / 8.7.2).
  void receive(StpPort p, const BpduRepr& bpdu, Instant now);
  // Runs the timers that expired at or before `now`.
  void poll(Instant now);
  // The earliest timer (Instant::max() when none runs).
  Instant poll_at() const;

  std::vector<StpTransmit> take_transmits();
  std::vector<PortChange> take_changes();

  PortState state(StpPort p) const { return port(p).state; }
  PortRole role(StpPort p) const;
  bool learning(StpPort p) const { return state(p) == PortState::learning || state(p) == PortState::forwarding; }
  bool forwarding(StpPort p) const { return state(p) == PortState::forwarding; }
  bool is_root() const { return designated_root_ == bridge_id_; }
  BridgeId root() const { return designated_root_; }
  std::uint32_t root_path_cost() const { return root_path_cost_; }
  std::optional<StpPort> root_port() const { return root_port_; }
  // The TC flag this bridge follows: while set, its MAC table should age
  // entries after forward_delay (802.1D 8.3.5) instead of the usual time.
  bool topology_change() const { return topology_change_; }
  const StpCounters& counters() const { return counters_; }
  Duration forward_delay() const { return forward_delay_; }

 private:
  struct Port {
    PortState state = PortState::disabled;
    std::uint16_t id = 0;
    std::uint32_t path_cost = 19;
    BridgeId designated_root{};
    std::uint32_t designated_cost = 0;
    BridgeId designated_bridge{};
    std::uint16_t designated_port = 0;
    bool topology_change_ack = false;
    bool config_pending = false;
    std::optional<Instant> message_age_expiry;
    Duration received_age{};  // message age of the information held, when received
    Instant received_at{};
    std::optional<Instant> forward_delay_expiry;
    std::optional<Instant> hold_expiry;
  };

  Port& port(StpPort p);
  const Port& port(StpPort p) const;
  bool designated_port(StpPort p) const;
  bool supersedes_port_info(StpPort p, const BpduRepr& b) const;
  void transmit_config(StpPort p, Instant now);
  void config_bpdu_generation(Instant now);
  void transmit_tcn(Instant now);
  void configuration_update();
  void root_selection();
  void designated_port_selection();
  void become_designated_port(StpPort p);
  void port_state_selection(Instant now);
  void make_forwarding(StpPort p, Instant now);
  void make_blocking(StpPort p, Instant now);
  void set_state(StpPort p, PortState s, Instant now);
  void topology_change_detection(Instant now);
  // After a change that may have made this bridge the root (8.7.1, 8.8.2).
  void after_update(bool was_root, Instant now);
  void became_root(Instant now);

  BridgeId bridge_id_;
  StpConfig config_;
  std::vector<Port> ports_;
  BridgeId designated_root_;
  std::uint32_t root_path_cost_ = 0;
  std::optional<StpPort> root_port_;
  // The root's times, which every bridge uses (8.5.3.4-8.5.3.6).
  Duration max_age_;
  Duration hello_time_;
  Duration forward_delay_;
  bool topology_change_detected_ = false;
  bool topology_change_ = false;
  std::optional<Instant> hello_expiry_;
  std::optional<Instant> tcn_expiry_;
  std::optional<Instant> topology_change_expiry_;
  std::vector<StpTransmit> transmits_;
  std::vector<PortChange> changes_;
  StpCounters counters_;
};

}  // namespace wirestack::link
