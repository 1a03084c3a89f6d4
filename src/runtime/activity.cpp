#include "runtime/activity.hpp"

#include <algorithm>

namespace wirestack::runtime {

std::size_t ActivityLoop::add(std::function<void()> hook) {
  hooks_.push_back(std::move(hook));
  return hooks_.size() - 1;
}

void ActivityLoop::remove(std::size_t token) {
  if (running_) {
    removed_.push_back(token);
  } else {
    hooks_.at(token) = nullptr;
  }
}

void ActivityLoop::watch(tcp::SocketHandle h, std::function<void()> fn) {
  const std::uint64_t k = key(h);
  auto it = watchers_.find(k);
  if (it == watchers_.end()) {
    watchers_.emplace(k, Watcher{.fn = std::move(fn)});
  } else if (!running_) {
    it->second = Watcher{.fn = std::move(fn)};
  } else {
    // The old one may be running: it goes after the run, the new one then.
    it->second.dead = true;
    dead_.push_back(k);
    replaced_.emplace_back(k, std::move(fn));
  }
}

void ActivityLoop::unwatch(tcp::SocketHandle h) {
  const auto it = watchers_.find(key(h));
  if (it == watchers_.end()) return;
  if (!running_) {
    watchers_.erase(it);
    return;
  }
  it->second.dead = true;
  dead_.push_back(it->first);
  std::erase_if(replaced_, [&](const auto& r) { return r.first == it->first; });
}

void ActivityLoop::run_watchers() {
  if (watchers_.empty()) return;
  for (const tcp::SocketHandle h : tcp_changed) {
    const auto it = watchers_.find(key(h));
    if (it == watchers_.end() || it->second.dead) continue;
    it->second.fn();
  }
}

bool ActivityLoop::run(World& world) {
  if (running_) {  // a hook kicked its host: go round again instead of recursing
    again_ = true;
    return false;
  }
  running_ = true;
  int round = 0;
  do {
    again_ = false;
    world.collect(*this);
    run_watchers();
    for (std::size_t i = 0; i < hooks_.size(); ++i) {  // a hook may register another
      if (hooks_[i]) hooks_[i]();
    }
    echo_replies.clear();  // unclaimed: nobody is waiting for them
    icmp_errors.clear();
    if (world.flush()) again_ = true;
  } while (again_ && ++round < kMaxRounds);
  for (std::size_t t : removed_) hooks_.at(t) = nullptr;
  removed_.clear();
  for (const std::uint64_t k : dead_) {
    if (auto it = watchers_.find(k); it != watchers_.end() && it->second.dead) watchers_.erase(it);
  }
  dead_.clear();
  for (auto& [k, fn] : replaced_) watchers_[k] = Watcher{.fn = std::move(fn)};
  replaced_.clear();
  running_ = false;
  return again_;
}

bool ActivityLoop::request_wake(Instant t) {
  if (wake_ && *wake_ <= t) return false;
  wake_ = t;
  return true;
}

bool ActivityLoop::take_due(Instant now) {
  if (!wake_ || *wake_ > now) return false;
  wake_.reset();
  return true;
}

}  // namespace wirestack::runtime
