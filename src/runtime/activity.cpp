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
    for (std::size_t i = 0; i < hooks_.size(); ++i) {  // a hook may register another
      if (hooks_[i]) hooks_[i]();
    }
    echo_replies.clear();  // unclaimed: nobody is waiting for them
    icmp_errors.clear();
    if (world.flush()) again_ = true;
  } while (again_ && ++round < kMaxRounds);
  for (std::size_t t : removed_) hooks_.at(t) = nullptr;
  removed_.clear();
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
