// link/stp.cpp — 802.1D-1998 clause 8, procedure by procedure (see stp.hpp).
#include "link/stp.hpp"

#include <tuple>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::link {

namespace {
// 8.6.1.3.2: a transmitted message age is the held one plus an increment.
constexpr Duration kMessageAgeIncrement = std::chrono::nanoseconds{1'000'000'000 / 256};
}  // namespace

std::uint32_t default_path_cost(std::uint64_t bits_per_second) {
  // 802.1D-1998 table 8-5 (0 means an infinitely fast link: the cheapest).
  if (bits_per_second == 0 || bits_per_second >= 10'000'000'000) return 2;
  if (bits_per_second >= 1'000'000'000) return 4;
  if (bits_per_second >= 100'000'000) return 19;
  if (bits_per_second >= 16'000'000) return 62;
  if (bits_per_second >= 10'000'000) return 100;
  return 250;
}

std::string_view to_string(PortState s) {
  switch (s) {
    case PortState::disabled: return "disabled";
    case PortState::blocking: return "blocking";
    case PortState::listening: return "listening";
    case PortState::learning: return "learning";
    case PortState::forwarding: return "forwarding";
  }
  return "?";
}

std::string_view to_string(PortRole r) {
  switch (r) {
    case PortRole::disabled: return "disabled";
    case PortRole::root: return "root port";
    case PortRole::designated: return "designated port";
    case PortRole::alternate: return "alternate port, cutting the loop";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, const PortChange& c) {
  os << "port " << c.port << ": " << to_string(c.from) << " -> " << to_string(c.to);
  if (c.role != PortRole::disabled) os << " (" << to_string(c.role) << ")";
  return os;
}

SpanningTree::SpanningTree(MacAddress bridge_mac, std::size_t ports, StpConfig config, Instant now)
    : bridge_id_{config.priority, bridge_mac},
      config_(config),
      designated_root_(bridge_id_),
      max_age_(config.max_age),
      hello_time_(config.hello_time),
      forward_delay_(config.forward_delay) {
  WIRESTACK_ASSERT(ports >= 1 && ports < 0x1000);
  ports_.resize(ports);
  for (std::size_t p = 0; p < ports; ++p) {
    ports_[p].id = static_cast<std::uint16_t>(0x8000 | (p + 1));  // priority 128, port number p + 1
    become_designated_port(static_cast<StpPort>(p));
  }
  hello_expiry_ = now + hello_time_;
}

SpanningTree::Port& SpanningTree::port(StpPort p) {
  WIRESTACK_ASSERT(p < ports_.size());
  return ports_[p];
}
const SpanningTree::Port& SpanningTree::port(StpPort p) const {
  WIRESTACK_ASSERT(p < ports_.size());
  return ports_[p];
}

void SpanningTree::set_path_cost(StpPort p, std::uint32_t cost) {
  WIRESTACK_ASSERT(cost >= 1);
  port(p).path_cost = cost;
}

PortRole SpanningTree::role(StpPort p) const {
  if (state(p) == PortState::disabled) return PortRole::disabled;
  if (root_port_ == p) return PortRole::root;
  if (designated_port(p)) return PortRole::designated;
  return PortRole::alternate;
}

bool SpanningTree::designated_port(StpPort p) const {
  const Port& s = port(p);
  return s.designated_bridge == bridge_id_ && s.designated_port == s.id;
}

// 8.6.2.2
bool SpanningTree::supersedes_port_info(StpPort p, const BpduRepr& b) const {
  const Port& s = port(p);
  if (b.root != s.designated_root) return b.root < s.designated_root;
  if (b.root_path_cost != s.designated_cost) return b.root_path_cost < s.designated_cost;
  if (b.bridge != s.designated_bridge) return b.bridge < s.designated_bridge;
  return b.bridge != bridge_id_ || b.port_id <= s.designated_port;
}

// 8.6.1
void SpanningTree::transmit_config(StpPort p, Instant now) {
  Port& s = port(p);
  if (s.hold_expiry) {
    s.config_pending = true;
    return;
  }
  BpduRepr b;
  b.root = designated_root_;
  b.root_path_cost = root_path_cost_;
  b.bridge = bridge_id_;
  b.port_id = s.id;
  if (!is_root() && root_port_) {
    const Port& r = ports_[*root_port_];
    b.message_age = r.received_age + (now - r.received_at) + kMessageAgeIncrement;
  }
  b.max_age = max_age_;
  b.hello_time = hello_time_;
  b.forward_delay = forward_delay_;
  b.topology_change = topology_change_;
  b.topology_change_ack = s.topology_change_ack;
  if (b.message_age >= max_age_) return;  // stale: never pass it on
  transmits_.push_back(StpTransmit{p, b});
  ++counters_.config_sent;
  s.topology_change_ack = false;
  s.config_pending = false;
  s.hold_expiry = now + config_.hold_time;
}

// 8.6.4
void SpanningTree::config_bpdu_generation(Instant now) {
  for (StpPort p = 0; p < ports_.size(); ++p) {
    if (ports_[p].state != PortState::disabled && designated_port(p)) transmit_config(p, now);
  }
}

// 8.6.6
void SpanningTree::transmit_tcn(Instant) {
  if (!root_port_) return;
  transmits_.push_back(StpTransmit{*root_port_, BpduRepr::tcn()});
  ++counters_.tcn_sent;
}

// 8.6.7
void SpanningTree::configuration_update() {
  root_selection();
  designated_port_selection();
}

// 8.6.8
void SpanningTree::root_selection() {
  std::optional<StpPort> best;
  const auto key = [&](StpPort p) {
    const Port& s = ports_[p];
    return std::tuple{s.designated_root, s.designated_cost + s.path_cost, s.designated_bridge, s.designated_port, s.id};
  };
  for (StpPort p = 0; p < ports_.size(); ++p) {
    const Port& s = ports_[p];
    if (s.state == PortState::disabled || designated_port(p) || !(s.designated_root < bridge_id_)) continue;
    if (!best || key(p) < key(*best)) best = p;
  }
  root_port_ = best;
  if (!best) {
    designated_root_ = bridge_id_;
    root_path_cost_ = 0;
  } else {
    designated_root_ = ports_[*best].designated_root;
    root_path_cost_ = ports_[*best].designated_cost + ports_[*best].path_cost;
  }
}

// 8.6.9
void SpanningTree::designated_port_selection() {
  for (StpPort p = 0; p < ports_.size(); ++p) {
    const Port& s = ports_[p];
    if (s.state == PortState::disabled) continue;
    const bool become = designated_port(p) || s.designated_root != designated_root_ ||
                        root_path_cost_ < s.designated_cost ||
                        (root_path_cost_ == s.designated_cost &&
                         (bridge_id_ < s.designated_bridge ||
                          (bridge_id_ == s.designated_bridge && s.id <= s.designated_port)));
    if (become) become_designated_port(p);
  }
}

// 8.6.10
void SpanningTree::become_designated_port(StpPort p) {
  Port& s = port(p);
  s.designated_root = designated_root_;
  s.designated_cost = root_path_cost_;
  s.designated_bridge = bridge_id_;
  s.designated_port = s.id;
}

// 8.6.11
void SpanningTree::port_state_selection(Instant now) {
  for (StpPort p = 0; p < ports_.size(); ++p) {
    Port& s = ports_[p];
    if (s.state == PortState::disabled) continue;
    if (root_port_ == p) {
      s.config_pending = false;
      s.topology_change_ack = false;
      make_forwarding(p, now);
    } else if (designated_port(p)) {
      s.message_age_expiry.reset();
      make_forwarding(p, now);
    } else {
      s.config_pending = false;
      s.topology_change_ack = false;
      make_blocking(p, now);
    }
  }
}

// 8.6.12
void SpanningTree::make_forwarding(StpPort p, Instant now) {
  Port& s = port(p);
  if (s.state != PortState::blocking) return;
  set_state(p, PortState::listening, now);
  s.forward_delay_expiry = now + forward_delay_;
}

// 8.6.13
void SpanningTree::make_blocking(StpPort p, Instant now) {
  Port& s = port(p);
  if (s.state == PortState::disabled || s.state == PortState::blocking) return;
  if (s.state == PortState::forwarding || s.state == PortState::learning) topology_change_detection(now);
  set_state(p, PortState::blocking, now);
  s.forward_delay_expiry.reset();
}

void SpanningTree::set_state(StpPort p, PortState to, Instant now) {
  Port& s = port(p);
  if (s.state == to) return;
  const PortState from = s.state;
  s.state = to;
  // Two steps of one port at one instant (enabled: disabled -> blocking ->
  // listening) are one change for the reader.
  if (!changes_.empty() && changes_.back().port == p && changes_.back().at == now && changes_.back().to == from) {
    changes_.back().to = to;
    changes_.back().role = role(p);
    if (changes_.back().from == to) changes_.pop_back();
    return;
  }
  changes_.push_back(PortChange{now, p, from, to, role(p)});
}

// 8.6.14
void SpanningTree::topology_change_detection(Instant now) {
  ++counters_.topology_changes;
  if (is_root()) {
    topology_change_ = true;
    topology_change_expiry_ = now + config_.max_age + config_.forward_delay;
  } else if (!topology_change_detected_) {
    transmit_tcn(now);
    tcn_expiry_ = now + config_.hello_time;
  }
  topology_change_detected_ = true;
}

void SpanningTree::became_root(Instant now) {
  max_age_ = config_.max_age;
  hello_time_ = config_.hello_time;
  forward_delay_ = config_.forward_delay;
  topology_change_detection(now);
  tcn_expiry_.reset();
  config_bpdu_generation(now);
  hello_expiry_ = now + hello_time_;
}

void SpanningTree::after_update(bool was_root, Instant now) {
  if (is_root() && !was_root) {
    became_root(now);
  } else if (!is_root() && was_root) {
    hello_expiry_.reset();
    if (topology_change_detected_) {
      topology_change_expiry_.reset();
      transmit_tcn(now);
      tcn_expiry_ = now + config_.hello_time;
    }
  }
}

// 8.8.1 (initialize_port, then port_state_selection)
void SpanningTree::enable_port(StpPort p, Instant now) {
  Port& s = port(p);
  if (s.state != PortState::disabled) return;
  become_designated_port(p);
  s.topology_change_ack = false;
  s.config_pending = false;
  s.message_age_expiry.reset();
  s.forward_delay_expiry.reset();
  s.hold_expiry.reset();
  set_state(p, PortState::blocking, now);
  port_state_selection(now);
}

// 8.8.2
void SpanningTree::disable_port(StpPort p, Instant now) {
  Port& s = port(p);
  if (s.state == PortState::disabled) return;
  const bool was_root = is_root();
  become_designated_port(p);
  set_state(p, PortState::disabled, now);
  s.topology_change_ack = false;
  s.config_pending = false;
  s.message_age_expiry.reset();
  s.forward_delay_expiry.reset();
  s.hold_expiry.reset();
  configuration_update();
  port_state_selection(now);
  after_update(was_root, now);
}

// 8.7.1 and 8.7.2
void SpanningTree::receive(StpPort p, const BpduRepr& b, Instant now) {
  Port& s = port(p);
  if (s.state == PortState::disabled) {
    ++counters_.ignored;
    return;
  }
  if (b.type == BpduType::tcn) {
    ++counters_.tcn_received;
    if (designated_port(p)) {
      topology_change_detection(now);
      s.topology_change_ack = true;  // 8.6.16 acknowledge_topology_change
      transmit_config(p, now);
    }
    return;
  }
  if (b.message_age >= b.max_age) {  // aged out on the way (802.1D-2004 9.3.4)
    ++counters_.ignored;
    return;
  }
  ++counters_.config_received;
  if (supersedes_port_info(p, b)) {
    const bool was_root = is_root();
    // 8.6.2 record_config_information
    s.designated_root = b.root;
    s.designated_cost = b.root_path_cost;
    s.designated_bridge = b.bridge;
    s.designated_port = b.port_id;
    s.received_age = b.message_age;
    s.received_at = now;
    s.message_age_expiry = now + (max_age_ - b.message_age);
    configuration_update();
    port_state_selection(now);
    after_update(was_root, now);
    if (root_port_ == p) {
      // 8.6.3 record_config_timeout_values
      max_age_ = b.max_age;
      hello_time_ = b.hello_time;
      forward_delay_ = b.forward_delay;
      topology_change_ = b.topology_change;
      config_bpdu_generation(now);
      if (b.topology_change_ack) {  // 8.6.15 topology_change_acknowledged
        topology_change_detected_ = false;
        tcn_expiry_.reset();
      }
    }
  } else if (designated_port(p)) {
    transmit_config(p, now);  // 8.6.5 reply: tell the other bridge it is not designated
  }
}

Instant SpanningTree::poll_at() const {
  Instant at = Instant::max();
  for (const auto& t : {hello_expiry_, tcn_expiry_, topology_change_expiry_}) {
    if (t && *t < at) at = *t;
  }
  for (const Port& s : ports_) {
    for (const auto& t : {s.message_age_expiry, s.forward_delay_expiry, s.hold_expiry}) {
      if (t && *t < at) at = *t;
    }
  }
  return at;
}

// 8.7.3-8.7.8: every expired timer, earliest first (ties: bridge timers, then
// ports ascending), each run at its own deadline.
void SpanningTree::poll(Instant now) {
  for (Instant at = poll_at(); at <= now; at = poll_at()) {
    if (hello_expiry_ == at) {
      config_bpdu_generation(at);
      hello_expiry_ = at + hello_time_;
      continue;
    }
    if (tcn_expiry_ == at) {
      transmit_tcn(at);
      tcn_expiry_ = at + config_.hello_time;
      continue;
    }
    if (topology_change_expiry_ == at) {
      topology_change_expiry_.reset();
      topology_change_detected_ = false;
      topology_change_ = false;
      continue;
    }
    for (StpPort p = 0; p < ports_.size(); ++p) {
      Port& s = ports_[p];
      if (s.message_age_expiry == at) {
        s.message_age_expiry.reset();
        const bool was_root = is_root();
        become_designated_port(p);
        configuration_update();
        port_state_selection(at);
        after_update(was_root, at);
        break;
      }
      if (s.forward_delay_expiry == at) {
        if (s.state == PortState::listening) {
          set_state(p, PortState::learning, at);
          s.forward_delay_expiry = at + forward_delay_;
        } else {
          s.forward_delay_expiry.reset();
          set_state(p, PortState::forwarding, at);
          bool designated_somewhere = false;
          for (StpPort q = 0; q < ports_.size(); ++q) {
            designated_somewhere =
                designated_somewhere || (ports_[q].state != PortState::disabled && designated_port(q));
          }
          if (designated_somewhere) topology_change_detection(at);
        }
        break;
      }
      if (s.hold_expiry == at) {
        s.hold_expiry.reset();
        if (s.config_pending) transmit_config(p, at);
        break;
      }
    }
  }
}

std::vector<StpTransmit> SpanningTree::take_transmits() { return std::exchange(transmits_, {}); }
std::vector<PortChange> SpanningTree::take_changes() { return std::exchange(changes_, {}); }

}  // namespace wirestack::link
