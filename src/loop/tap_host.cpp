#include "loop/tap_host.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

namespace wirestack::loop {

namespace {

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// SIGINT and SIGTERM blocked (so the signalfd sees them) for a scope.
class BlockedSignals {
 public:
  explicit BlockedSignals(bool on) : on_(on) {
    if (!on_) return;
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  ~BlockedSignals() {
    if (on_) ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  const sigset_t& set() const { return set_; }

 private:
  bool on_;
  sigset_t set_{};
  sigset_t old_{};
};

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

constexpr std::uint64_t kTapTag = 1;
constexpr std::uint64_t kSignalTag = 2;
constexpr std::uint64_t kFdTagBase = 16;  // + the descriptor, for watch_fd()
// Frames read per readiness before the loop looks at its deadlines again.
constexpr int kRxBatch = 256;

}  // namespace

TapHost::TapHost(dev::TapDevice tap, TapHostConfig config)
    : StackHost(*this, Rng(config.seed), config.stack),
      tap_(std::move(tap)),
      config_(config),
      rx_buf_(dev::kTapMaxFrame) {
  nic_ = stack().add_nic(config_.mac, config_.mtu);
  // Streams of their own: the wire's draws never shift the stack's.
  const Rng wire(config_.seed ^ 0x5749524557495245ULL);
  if (config_.impair_in.active()) impair_in_.emplace(config_.impair_in, wire.derive(0));
  if (config_.impair_out.active()) impair_out_.emplace(config_.impair_out, wire.derive(1));
  // A device with offloads takes our TCP segments whole and finishes them;
  // an impaired wire out needs MTU-sized frames to lose and delay.
  stack().set_tso(nic_, tap_.offload() && !impair_out_);
}

std::chrono::system_clock::time_point TapHost::wall_clock() const { return std::chrono::system_clock::now(); }

void TapHost::watch_fd(int fd, std::function<void()> on_ready) {
  std::erase(unwatched_, fd);
  auto& w = watches_[fd];
  w.on_ready = std::move(on_ready);
}

void TapHost::unwatch_fd(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  if (it->second.registered) unwatched_.push_back(fd);
  watches_.erase(it);
}

Result<void, std::string> TapHost::sync_watches(int epoll_fd) {
  for (int fd : unwatched_) (void)::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  unwatched_.clear();
  for (auto& [fd, w] : watches_) {
    if (w.registered || w.always) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kFdTagBase + static_cast<std::uint64_t>(fd);
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0) {
      w.registered = true;
    } else if (errno == EPERM) {
      w.always = true;  // a regular file: reads never block
    } else if (errno == EEXIST) {
      w.registered = true;
    } else {
      return Unexpected{errno_text("epoll_ctl (watched descriptor)")};
    }
  }
  return {};
}

void TapHost::kick() {
  const Instant now = tick();
  stack().poll(now);
  after_activity(now);
}

void TapHost::transmit(iface::NicId /*nic*/, Bytes frame) {
  const Instant now = now_;  // the time the stack was given for what it sends
  if (impair_out_) {
    impair_out_->push(frame, now);
    impair_out_->release(now, [this, now](Bytes f) { write_frame(f, now); });  // what needs no wait
    return;
  }
  write_frame(frame, now);
}

void TapHost::transmit_offloaded(iface::NicId nic, Bytes frame, const iface::TxOffload& tx) {
  if (!tap_.offload() || impair_out_) {
    iface::FrameSink::transmit_offloaded(nic, frame, tx);  // finished in software
    return;
  }
  const Instant now = now_;
  auto r = tap_.write(frame, dev::TxOffload{.gso_size = tx.gso_size,
                                            .partial_checksum = true,
                                            .checksum_start = tx.checksum_start,
                                            .checksum_offset = tx.checksum_offset});
  if (!count_write(r, frame)) return;
  if (pcap_ != nullptr) {
    // What crossed the device, with the checksum the kernel completes (a
    // capture of partial checksums would show every segment as bad).
    capture_buf_.assign(frame.begin(), frame.end());
    (void)dev::TapDevice::fill_checksum(capture_buf_, tx.checksum_start, tx.checksum_offset);
    pcap_->write(now, capture_buf_);
  }
  ++counters_.checksums_offloaded;
  if (tx.gso_size > 0) ++counters_.tso_out;
}

void TapHost::write_frame(Bytes frame, Instant now) {
  if (!count_write(tap_.write(frame), frame)) return;
  if (pcap_ != nullptr) pcap_->write(now, frame);  // what really left
}

bool TapHost::count_write(const Result<bool, std::string>& r, Bytes frame) {
  if (!r) {
    if (counters_.tx_errors++ == 0) counters_.first_tx_error = r.error();
    return false;
  }
  if (!*r) {
    ++counters_.tx_full;
    return false;
  }
  ++counters_.frames_out;
  counters_.bytes_out += frame.size();
  return true;
}

void TapHost::after_activity(Instant now) {
  // Still busy (applications answering each other): another round at the next turn.
  if (run_activity(now)) wake_at(now);
}

Result<void, std::string> TapHost::drain_device() {
  // Up to kRxBatch frames per wake-up, read until the device is empty; the
  // stack takes them all, then the applications and the stack's output run
  // once for the batch (one ACK for several segments, as GRO does).
  std::optional<Instant> delivered;
  Result<void, std::string> result;
  for (int i = 0; i < kRxBatch; ++i) {
    auto r = tap_.read_frame(rx_buf_);
    if (!r) {
      result = Unexpected{r.error()};
      break;
    }
    if (!*r) break;
    const Bytes frame = Bytes(rx_buf_).first((*r)->len);
    const Instant now = tick();
    ++counters_.frames_in;
    if ((*r)->gso_size != 0) ++counters_.coalesced_in;
    if ((*r)->checksum_filled) ++counters_.checksums_filled;
    counters_.bytes_in += frame.size();
    if (impair_in_) {
      impair_in_->push(frame, now);
      release_impaired(now);
    } else {
      deliver_frame(frame, now, false, (*r)->checksum_filled || (*r)->checksum_valid);
      delivered = now;
    }
  }
  if (delivered) after_activity(*delivered);
  return result;
}

void TapHost::deliver_frame(Bytes frame, Instant now, bool run_activity_now, bool checksummed) {
  if (pcap_ != nullptr) pcap_->write(now, frame);  // what the stack really got
  if (checksummed) {
    stack().receive_checksummed(nic_, frame, now);  // filled or verified by the device: not summed again
  } else {
    stack().receive(nic_, frame, now);
  }
  if (run_activity_now) after_activity(now);
}

void TapHost::release_impaired(Instant now) {
  if (impair_out_) impair_out_->release(now, [this, now](Bytes f) { write_frame(f, now); });
  if (impair_in_) impair_in_->release(now, [this, now](Bytes f) { deliver_frame(f, now); });
}

int TapHost::timeout_ms(Instant now, std::optional<Instant> limit_at) const {
  std::optional<Instant> next = stack().poll_at();
  const std::optional<Instant> wire_in = impair_in_ ? impair_in_->next_release() : std::nullopt;
  const std::optional<Instant> wire_out = impair_out_ ? impair_out_->next_release() : std::nullopt;
  for (const auto& t : {activity_.wake(), limit_at, wire_in, wire_out, timers_.next()}) {
    if (t) next = next ? std::min(*next, *t) : *t;
  }
  if (!next) return -1;
  if (*next <= now) return 0;
  // Round up: waking a little late is harmless, waking early spins.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
  return static_cast<int>(std::min<std::int64_t>(ms, 60'000));
}

Result<StopReason, std::string> TapHost::run(std::optional<Duration> limit) {
  stop_ = false;
  const BlockedSignals blocked(config_.handle_signals);
  const Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.get() < 0) return Unexpected{errno_text("epoll_create1")};
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTapTag;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, tap_.fd(), &ev) < 0) return Unexpected{errno_text("epoll_ctl (tap)")};
  const Fd sig(config_.handle_signals ? ::signalfd(-1, &blocked.set(), SFD_NONBLOCK | SFD_CLOEXEC) : -1);
  if (config_.handle_signals) {
    if (sig.get() < 0) return Unexpected{errno_text("signalfd")};
    ev.data.u64 = kSignalTag;
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, sig.get(), &ev) < 0) {
      return Unexpected{errno_text("epoll_ctl (signalfd)")};
    }
  }

  Instant now = tick();
  const std::optional<Instant> limit_at = limit ? std::optional<Instant>(now + *limit) : std::nullopt;
  if (!stack().is_up(nic_)) stack().nic_up(nic_, now);
  after_activity(now);

  std::array<epoll_event, 4> events{};
  while (!stop_) {
    now = tick();
    if (limit_at && now >= *limit_at) return StopReason::time_limit;
    release_impaired(now);  // delivers (and runs the hooks) itself
    bool woke = false;
    if (auto t = stack().poll_at(); t && *t <= now) {
      stack().poll(now);
      woke = true;
    }
    if (activity_.take_due(now)) woke = true;
    if (timers_.run_due(now) > 0) {
      stack().poll(now);  // what the timers queued
      woke = true;
    }
    if (woke) {
      after_activity(now);
      if (stop_) break;
    }
    if (auto r = sync_watches(epoll.get()); !r) return Unexpected{r.error()};
    bool always_ready = false;
    for (const auto& [fd, w] : watches_) always_ready = always_ready || w.always;
    if (always_ready) {
      // Regular files: read them on every turn (never blocks), without sleeping.
      std::vector<std::function<void()>> ready;
      for (const auto& [fd, w] : watches_) {
        if (w.always) ready.push_back(w.on_ready);
      }
      for (auto& f : ready) f();
      after_activity(tick());
      if (stop_) break;
    }
    int timeout = always_ready ? 0 : timeout_ms(now, limit_at);
    // The stack still says "now" right after a poll: do not spin on it.
    if (woke && timeout == 0 && !always_ready) timeout = 1;
    const int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), timeout);
    ++counters_.wakeups;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unexpected{errno_text("epoll_wait")};
    }
    for (int i = 0; i < n; ++i) {
      if (events[static_cast<std::size_t>(i)].data.u64 == kSignalTag) {
        signalfd_siginfo info{};
        while (::read(sig.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        }
        return StopReason::signal;
      }
      const auto tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag >= kFdTagBase) {
        auto it = watches_.find(static_cast<int>(tag - kFdTagBase));
        if (it != watches_.end()) {
          auto cb = it->second.on_ready;  // a copy: the callback may unwatch itself
          cb();
          after_activity(tick());
        }
        continue;
      }
      const auto flags = events[static_cast<std::size_t>(i)].events;
      if ((flags & (EPOLLERR | EPOLLHUP)) != 0 && (flags & EPOLLIN) == 0) {
        return Unexpected{"device " + tap_.name() + " reported an error or hang-up (was it deleted?)"};
      }
      if (auto r = drain_device(); !r) return Unexpected{r.error()};
    }
  }
  return StopReason::stopped;
}

}  // namespace wirestack::loop
