#include "sim/host.hpp"

#include <algorithm>

#include "sim/storm_detector.hpp"

namespace wirestack::sim {

Host::Host(EventQueue& queue, Rng rng, std::string name, iface::InterfaceConfig config, StormDetector* storms)
    : StackHost(*this, rng, config), queue_(queue), name_(std::move(name)), storms_(storms) {}

Host::~Host() {
  queue_.cancel(wake_);
  queue_.cancel(app_wake_);
  for (const auto& [id, event] : timers_) queue_.cancel(event);
  for (auto& n : nics_) {
    if (n.link != nullptr) n.link->attach(n.side, nullptr);
  }
}

iface::NicId Host::add_nic(MacAddress mac, Link& link, int side, std::uint16_t mtu) {
  const iface::NicId id = stack().add_nic(mac, mtu);
  Nic& n = nics_.emplace_back();
  n.host = this;
  n.id = id;
  n.link = &link;
  n.side = side;
  link.attach(side, &n);
  stack().nic_up(id, queue_.now());
  after_activity();
  return id;
}

void Host::Nic::on_frame(Bytes frame) { host->stack().receive(id, frame, host->queue_.now()); }

// The sender's stack summed it and the link flipped no bit: TCP and UDP do
// not sum the payload again (the IPv4 header's checksum is still checked).
void Host::Nic::on_frame_checksummed(Bytes frame) {
  host->stack().receive_checksummed(id, frame, host->queue_.now());
}

// Once per batch of frames received together: the applications read what
// the whole batch brought, and TCP answers it with one ACK.
void Host::Nic::end_of_batch() { host->after_activity(); }

void Host::Nic::on_room() {
  host->stack().nic_has_room(id);
  host->stack().poll(host->queue_.now());
  host->after_activity();
}

bool Host::has_room(iface::NicId nic) {
  Nic& n = nics_.at(nic);
  return n.link->has_room(n.side);
}

std::size_t Host::room(iface::NicId nic) {
  Nic& n = nics_.at(nic);
  return n.link->room_bytes(n.side);
}

void Host::send_owned(iface::NicId nic, ByteVec& frame, std::size_t len, bool checksummed) {
  Nic& n = nics_.at(nic);
  if (storms_ != nullptr) storms_->on_host_frame(queue_.now(), Bytes(frame).first(len));
  (void)n.link->send_owned(n.side, frame, len, checksummed);  // no copy: the frame's buffer travels
}

void Host::transmit_owned(iface::NicId nic, ByteVec& frame, std::size_t len) {
  // The stack built the datagram inside, so its checksums are right when
  // the stack fills them in.
  send_owned(nic, frame, len, stack().config().checksum.fill_tx);
}

void Host::transmit_forwarded(iface::NicId nic, ByteVec& frame, std::size_t len, bool checksummed) {
  // The checksums inside are the original sender's: vouched for only if they
  // arrived vouched for (no bit of the frame can have flipped on the way in,
  // the router touched only the IPv4 header); otherwise the receiver checks
  // them itself.
  send_owned(nic, frame, len, checksummed);
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
  stack().crash(queue_.now());
  after_activity();  // the applications see their sockets gone
}

void Host::restart() {
  if (!crashed_) return;
  crashed_ = false;
  for (const Nic& n : nics_) stack().nic_up(n.id, queue_.now());
  after_activity();
}

void Host::kick() {
  stack().poll(queue_.now());
  after_activity();
}

std::chrono::system_clock::time_point Host::wall_clock() const {
  const std::chrono::system_clock::time_point epoch{std::chrono::seconds{kCalendarOriginSeconds}};
  return epoch + std::chrono::duration_cast<std::chrono::system_clock::duration>(queue_.now().time_since_epoch());
}

void Host::wake_at(Instant t) {
  t = std::max(t, queue_.now());
  if (!activity_.request_wake(t)) return;  // an earlier request stands
  queue_.cancel(app_wake_);
  app_wake_ = queue_.schedule_at(t, [this] {
    app_wake_ = {};
    (void)activity_.take_due(queue_.now());
    ++wakeups_;
    stack().poll(queue_.now());
    after_activity();
  });
}

runtime::TimerId Host::schedule_at(Instant at, std::function<void()> fn) {
  const runtime::TimerId id{++last_timer_};
  timers_[id.value] = queue_.schedule_at(std::max(at, queue_.now()), [this, id, fn = std::move(fn)] {
    timers_.erase(id.value);
    fn();
    stack().poll(queue_.now());
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

void Host::after_activity() {
  if (!run_activity(queue_.now())) {
    if (!activity_.running()) reschedule();
    return;
  }
  // Two applications answering each other on one host: give the rest of
  // the world a turn instead of looping here.
  queue_.cancel(wake_);
  wake_at_ = queue_.now();
  wake_ = queue_.schedule_at(wake_at_, [this] {
    wake_ = {};
    ++wakeups_;
    stack().poll(queue_.now());
    after_activity();
  });
}

void Host::reschedule() {
  const std::optional<Instant> t = stack().poll_at();
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
    stack().poll(queue_.now());
    after_activity();
  });
}

}  // namespace wirestack::sim
