// sim/switch.cpp — see switch.hpp for the forwarding steps.
#include "sim/switch.hpp"

#include <limits>
#include <utility>

#include "sim/storm_detector.hpp"
#include "wire/ethernet.hpp"
#include "wire/stp.hpp"

namespace wirestack::sim {

SwitchPortCounters& SwitchPortCounters::operator+=(const SwitchPortCounters& o) {
  rx_frames += o.rx_frames;
  rx_bytes += o.rx_bytes;
  forwarded += o.forwarded;
  flooded += o.flooded;
  filtered += o.filtered;
  dropped_malformed += o.dropped_malformed;
  dropped_storm += o.dropped_storm;
  dropped_blocked += o.dropped_blocked;
  bpdu_rx += o.bpdu_rx;
  bpdu_tx += o.bpdu_tx;
  tx_frames += o.tx_frames;
  tx_bytes += o.tx_bytes;
  tx_dropped += o.tx_dropped;
  return *this;
}

std::ostream& operator<<(std::ostream& os, const SwitchPortCounters& c) {
  os << "rx " << c.rx_frames << " (" << c.rx_bytes << " B) forwarded " << c.forwarded << " flooded " << c.flooded
     << " filtered " << c.filtered << " malformed " << c.dropped_malformed << " storm " << c.dropped_storm << " tx "
     << c.tx_frames << " (" << c.tx_bytes << " B) tx_dropped " << c.tx_dropped;
  if (c.dropped_blocked + c.bpdu_rx + c.bpdu_tx != 0) {
    os << " blocked " << c.dropped_blocked << " bpdu rx " << c.bpdu_rx << " tx " << c.bpdu_tx;
  }
  return os;
}

Switch::Switch(EventQueue& queue, std::string name, std::size_t ports, SwitchConfig config)
    : queue_(queue), name_(std::move(name)), config_(config), table_(config.table) {
  WIRESTACK_ASSERT(ports >= 1 && ports <= std::size_t{std::numeric_limits<PortId>::max()} + 1);
  WIRESTACK_ASSERT(config_.forwarding_delay >= Duration::zero());
  ports_.reserve(ports);
  for (std::size_t p = 0; p < ports; ++p) ports_.push_back(PortState{.port = Port(this, static_cast<PortId>(p))});
  if (config_.stp) stp_.emplace(config_.bridge_mac, ports, *config_.stp, queue_.now());
  run_stp();
}

Switch::~Switch() {
  for (const Pending& p : pending_)
    if (p.busy) queue_.cancel(p.event);
  if (stp_timer_at_ != Instant::max()) queue_.cancel(stp_timer_);
}

FramePort& Switch::port(PortId p) { return state(p).port; }

void Switch::connect(PortId p, Link& link, int side) {
  WIRESTACK_ASSERT(side == 0 || side == 1);
  PortState& s = state(p);
  if (s.link != nullptr && (s.link != &link || s.side != side)) s.link->attach(s.side, nullptr);
  s.link = &link;
  s.side = side;
  link.attach(side, &s.port);
  if (stp_) {
    stp_->set_path_cost(p, link::default_path_cost(link.config(side).bits_per_second));
    if (link.is_up()) stp_->enable_port(p, queue_.now());
    run_stp();
  }
}

void Switch::set_path_cost(PortId p, std::uint32_t cost) {
  WIRESTACK_ASSERT(p < ports_.size());
  if (stp_) stp_->set_path_cost(p, cost);
}

void Switch::link_state(PortId p, bool up) {
  if (!stp_) return;
  if (up) {
    stp_->enable_port(p, queue_.now());
  } else {
    stp_->disable_port(p, queue_.now());
    table_.flush_port(p);
  }
  run_stp();
}

void Switch::run_stp() {
  if (!stp_) return;
  const Instant now = queue_.now();
  for (const link::PortChange& c : stp_->take_changes()) {
    const bool was_learning = c.from == link::PortState::learning || c.from == link::PortState::forwarding;
    if (was_learning && !stp_->learning(c.port)) table_.flush_port(c.port);
    if (port_change_) port_change_(*this, c);
  }
  for (const link::StpTransmit& t : stp_->take_transmits()) {
    const MacAddress src = MacAddress::from_parts(config_.bridge_mac.oui(), config_.bridge_mac.serial() + 1 + t.port);
    const ByteVec frame = bpdu_frame(src, t.bpdu);
    PortState& s = state(t.port);
    const std::uint64_t before = s.counters.tx_frames;
    transmit(t.port, frame);
    if (s.counters.tx_frames != before) ++s.counters.bpdu_tx;
  }
  // 802.1D 8.3.5 ages the table out in forward_delay during a topology
  // change; flushing it when the change starts is the same, sooner.
  if (stp_->topology_change() && !stp_topology_change_) table_.flush();
  stp_topology_change_ = stp_->topology_change();
  const Instant at = stp_->poll_at();
  if (at == stp_timer_at_) return;
  if (stp_timer_at_ != Instant::max()) queue_.cancel(stp_timer_);
  stp_timer_at_ = at;
  if (at == Instant::max()) return;
  stp_timer_ = queue_.schedule_at(std::max(at, now), [this] {
    stp_timer_at_ = Instant::max();
    stp_->poll(queue_.now());
    run_stp();
  });
}

bool Switch::is_connected(PortId p) const { return state(p).link != nullptr; }

std::size_t Switch::port_down(PortId p) {
  WIRESTACK_ASSERT(p < ports_.size());
  return table_.flush_port(p);
}

void Switch::set_storm_detector(StormDetector* detector) {
  detector_ = detector;
  if (detector_ != nullptr) detector_index_ = detector_->add_switch(name_);
}

bool Switch::halted() const { return config_.halt_on_storm && detector_ != nullptr && detector_->storm_detected(); }

const SwitchPortCounters& Switch::counters(PortId p) const { return state(p).counters; }

SwitchPortCounters Switch::totals() const {
  SwitchPortCounters sum;
  for (const PortState& s : ports_) sum += s.counters;
  return sum;
}

void Switch::receive(PortId ingress, Bytes frame) {
  SwitchPortCounters& c = state(ingress).counters;
  ++c.rx_frames;
  c.rx_bytes += frame.size();
  if (halted()) {
    ++c.dropped_storm;
    return;
  }
  // Malformed input is normal: counted and dropped, never asserted.
  auto eth = EthernetFrame::checked(frame);
  if (!eth) {
    ++c.dropped_malformed;
    return;
  }
  const Instant now = queue_.now();
  if (stp_) {
    if (eth->dst() == kBridgeGroupAddress) {
      auto bpdu = parse_bpdu_frame(frame);
      if (!bpdu) {
        ++c.dropped_malformed;
        return;
      }
      ++c.bpdu_rx;
      stp_->receive(ingress, *bpdu, now);
      run_stp();
      return;
    }
    if (!stp_->learning(ingress)) {
      ++c.dropped_blocked;
      return;
    }
  }
  // 802.1D 7.8: learn where the source lives (group sources are ignored).
  table_.learn(eth->src(), ingress, now);
  if (!passes(ingress)) {  // learning, not yet forwarding
    ++c.dropped_blocked;
    return;
  }
  // 802.1D 7.7.1: where the destination goes.
  const link::ForwardDecision d = table_.decide(eth->dst(), ingress, now);
  if (d.action == link::ForwardAction::filter) {
    ++c.filtered;
    return;
  }
  if (detector_ != nullptr) {
    detector_->on_forward(now, detector_index_, frame, d.action == link::ForwardAction::flood);
    if (halted()) {  // this very frame tipped it
      ++c.dropped_storm;
      return;
    }
  }
  // The bytes are only valid during this call: copy them into a reused slot.
  const std::uint32_t slot = acquire_pending();
  Pending& p = pending_[slot];
  p.bytes.assign(frame.begin(), frame.end());
  p.ingress = ingress;
  p.decision = d;
  p.event = queue_.schedule_in(config_.forwarding_delay, [this, slot] { forward(slot); });
}

void Switch::forward(std::uint32_t slot) {
  // By value: nothing below may hold a reference into pending_. The span
  // points into the slot's heap buffer, which stays put while the slot is busy.
  const PortId ingress = pending_[slot].ingress;
  const link::ForwardDecision d = pending_[slot].decision;
  const Bytes frame = pending_[slot].bytes;
  SwitchPortCounters& c = state(ingress).counters;
  if (halted()) {
    ++c.dropped_storm;
  } else if (!passes(ingress) || (d.action == link::ForwardAction::to_port && !passes(d.port))) {
    ++c.dropped_blocked;  // the tree changed during the forwarding delay
  } else if (d.action == link::ForwardAction::to_port) {
    ++c.forwarded;
    transmit(d.port, frame);
  } else {
    // Flood: every connected (and forwarding) port but the ingress one, in ascending order.
    ++c.flooded;
    for (std::size_t e = 0; e < ports_.size(); ++e) {
      const auto port = static_cast<PortId>(e);
      if (e != ingress && ports_[e].link != nullptr && passes(port)) transmit(port, frame);
    }
  }
  release_pending(slot);
}

void Switch::transmit(PortId egress, Bytes frame) {
  PortState& s = state(egress);
  if (s.link == nullptr || !s.link->send(s.side, frame)) {
    ++s.counters.tx_dropped;
    return;
  }
  ++s.counters.tx_frames;
  s.counters.tx_bytes += frame.size();
}

std::uint32_t Switch::acquire_pending() {
  std::uint32_t slot;
  if (!free_pending_.empty()) {
    slot = free_pending_.back();
    free_pending_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(pending_.size());
    pending_.emplace_back();
  }
  pending_[slot].busy = true;
  ++pending_count_;
  return slot;
}

void Switch::release_pending(std::uint32_t slot) {
  Pending& p = pending_[slot];
  p.busy = false;
  p.event = EventId{};
  --pending_count_;
  free_pending_.push_back(slot);
}

void Switch::print_table(std::ostream& os) const {
  const auto entries = table_.entries(queue_.now());
  os << name_ << " MAC table, " << entries.size() << (entries.size() == 1 ? " entry:\n" : " entries:\n");
  for (const link::MacEntry& e : entries) os << "  " << e << '\n';
}

void Switch::print_counters(std::ostream& os) const {
  for (std::size_t p = 0; p < ports_.size(); ++p) os << name_ << " port " << p << ": " << ports_[p].counters << '\n';
}

}  // namespace wirestack::sim
