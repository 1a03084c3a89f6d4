#include "sim/host.hpp"

#include <algorithm>

#include "sim/storm_detector.hpp"

namespace wirestack::sim {

Host::Host(EventQueue& queue, Rng rng, std::string name, iface::InterfaceConfig config, StormDetector* storms)
    : queue_(queue), rng_(rng), name_(std::move(name)), storms_(storms), stack_(*this, rng_, config) {}

Host::~Host() {
  queue_.cancel(wake_);
  queue_.cancel(app_wake_);
  for (const auto& [id, event] : timers_) queue_.cancel(event);
  for (auto& n : nics_) {
    if (n.link != nullptr) n.link->attach(n.side, nullptr);
  }
}

iface::NicId Host::add_nic(MacAddress mac, Link& link, int side, std::uint16_t mtu) {
  const iface::NicId id = stack_.add_nic(mac, mtu);
  Nic& n = nics_.emplace_back();
  n.host = this;
  n.id = id;
  n.link = &link;
  n.side = side;
  link.attach(side, &n);
  stack_.nic_up(id, queue_.now());
  after_activity();
  return id;
}

void Host::Nic::on_frame(Bytes frame) {
  host->stack_.receive(id, frame, host->queue_.now());
  host->after_activity();
}

void Host::transmit(iface::NicId nic, Bytes frame) {
  Nic& n = nics_.at(nic);
  if (storms_ != nullptr) storms_->on_host_frame(queue_.now(), frame);
  // A full transmit queue drops the frame; the link counts it (dropped_queue).
  (void)n.link->send(n.side, frame);
}

void Host::crash() {
  if (crashed_) return;
  crashed_ = true;
  stack_.crash(queue_.now());
  after_activity();  // the applications see their sockets gone
}

void Host::restart() {
  if (!crashed_) return;
  crashed_ = false;
  for (const Nic& n : nics_) stack_.nic_up(n.id, queue_.now());
  after_activity();
}

void Host::kick() {
  stack_.poll(queue_.now());
  after_activity();
}

std::chrono::system_clock::time_point Host::wall_clock() const {
  // 1767225600 = 2026-01-01T00:00:00Z: a fixed origin keeps runs reproducible.
  const std::chrono::system_clock::time_point epoch{std::chrono::seconds{1767225600}};
  return epoch + std::chrono::duration_cast<std::chrono::system_clock::duration>(queue_.now().time_since_epoch());
}

void Host::wake_at(Instant t) {
  if (t < queue_.now()) t = queue_.now();
  if (queue_.is_pending(app_wake_) && app_wake_at_ <= t) return;
  queue_.cancel(app_wake_);
  app_wake_at_ = t;
  app_wake_ = queue_.schedule_at(t, [this] {
    app_wake_ = {};
    ++wakeups_;
    stack_.poll(queue_.now());
    after_activity();
  });
}

runtime::TimerId Host::schedule_at(Instant at, std::function<void()> fn) {
  const runtime::TimerId id{++last_timer_};
  timers_[id.value] = queue_.schedule_at(std::max(at, queue_.now()), [this, id, fn = std::move(fn)] {
    timers_.erase(id.value);
    fn();
    stack_.poll(queue_.now());
    after_activity();
  });
  return id;
}

void Host::cancel(runtime::TimerId id) {
  auto it = timers_.find(id.value);
  if (it == timers_.end()) return;
  queue_.cancel(it->second);
  timers_.erase(it);
}

void Host::remove_activity(std::size_t token) {
  if (in_activity_) {
    removed_.push_back(token);
  } else {
    hooks_.at(token) = nullptr;
  }
}

void Host::after_activity() {
  // Hooks may call kick() (an echo server answering): do not recurse into
  // the hooks; note that there is more to look at and go round again.
  if (in_activity_) {
    again_ = true;
    return;
  }
  in_activity_ = true;
  // Sending may deliver locally (a datagram to our own address), which the
  // applications must see now, not at some unrelated later event: repeat
  // until a round changes nothing, a bounded number of times.
  constexpr int kMaxRounds = 16;
  int round = 0;
  do {
    again_ = false;
    for (auto& r : stack_.take_ping_replies()) replies_.push_back(r);
    for (auto& e : stack_.take_icmp_errors()) errors_.push_back(e);
    const auto delivered_before = stack_.counters().ipv4.delivered;
    tcp_changed_ = stack_.tcp().take_changed();
    for (std::size_t i = 0; i < hooks_.size(); ++i) {  // a hook may register another
      if (hooks_[i]) hooks_[i]();
    }
    replies_.clear();  // unclaimed: nobody is waiting for them
    errors_.clear();
    stack_.poll(queue_.now());  // what the hooks queued (UDP datagrams, TCP data) leaves now
    if (stack_.counters().ipv4.delivered != delivered_before) again_ = true;
  } while (again_ && ++round < kMaxRounds);
  for (std::size_t t : removed_) hooks_.at(t) = nullptr;
  removed_.clear();
  in_activity_ = false;
  if (again_) {
    // Two applications answering each other on one host: give the rest of
    // the world a turn instead of looping here.
    queue_.cancel(wake_);
    wake_at_ = queue_.now();
    wake_ = queue_.schedule_at(wake_at_, [this] {
      wake_ = {};
      ++wakeups_;
      stack_.poll(queue_.now());
      after_activity();
    });
    return;
  }
  reschedule();
}

void Host::reschedule() {
  const std::optional<Instant> t = stack_.poll_at();
  if (!t) {
    queue_.cancel(wake_);
    wake_ = {};
    return;
  }
  const Instant when = std::max(*t, queue_.now());
  if (queue_.is_pending(wake_) && wake_at_ == when) return;
  queue_.cancel(wake_);
  wake_at_ = when;
  wake_ = queue_.schedule_at(when, [this] {
    wake_ = {};
    ++wakeups_;
    stack_.poll(queue_.now());
    after_activity();
  });
}

}  // namespace wirestack::sim
