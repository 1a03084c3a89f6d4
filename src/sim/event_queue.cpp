// sim/event_queue.cpp — see event_queue.hpp.
#include "sim/event_queue.hpp"

#include <algorithm>

namespace wirestack::sim {

EventId EventQueue::schedule_at(Instant when, Action action) {
  WIRESTACK_ASSERT(when >= now_ && "cannot schedule into the past");
  WIRESTACK_ASSERT(static_cast<bool>(action));
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    WIRESTACK_ASSERT(slots_.size() < std::numeric_limits<std::uint32_t>::max());
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const std::uint64_t seq = next_seq_++;
  slots_[slot].action = std::move(action);
  slots_[slot].seq = seq;
  heap_push(Entry{when.time_since_epoch().count(), seq, slot});
  ++pending_;
  return EventId{seq, slot};
}

bool EventQueue::cancel(EventId id) {
  if (!is_pending(id)) return false;
  release(id.slot);
  --pending_;
  ++stale_;
  maybe_compact();
  return true;
}

void EventQueue::release(std::uint32_t slot) {
  slots_[slot].action.reset();
  slots_[slot].seq = 0;
  free_slots_.push_back(slot);
}

// Lazy deletion keeps cancel() O(1); this bounds what it leaves behind. The
// rebuild is O(n) and happens after at least n/2 cancels: amortised O(1).
// It cannot change the run order, which (time, seq) fixes completely.
void EventQueue::maybe_compact() {
  if (stale_ < 64 || stale_ <= heap_.size() / 2) return;
  std::vector<Entry> live;
  live.reserve(heap_.size() - stale_);
  std::swap(live, heap_);
  for (const Entry& e : live)
    if (is_live(e)) heap_push(e);
  stale_ = 0;
}

void EventQueue::heap_push(Entry e) {
  std::size_t hole = heap_.size();
  heap_.push_back(e);
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / kArity;
    if (!earlier(e, heap_[parent])) break;
    heap_[hole] = heap_[parent];
    hole = parent;
  }
  heap_[hole] = e;
}

void EventQueue::heap_pop() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t hole = 0;
  while (true) {
    const std::size_t first = hole * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + kArity, n);
    for (std::size_t c = first + 1; c < end; ++c)
      if (earlier(heap_[c], heap_[best])) best = c;
    if (!earlier(heap_[best], last)) break;
    heap_[hole] = heap_[best];
    hole = best;
  }
  heap_[hole] = last;
}

const EventQueue::Entry* EventQueue::top_live() {
  while (!heap_.empty()) {
    if (is_live(heap_.front())) return &heap_.front();
    heap_pop();
    --stale_;
  }
  return nullptr;
}

void EventQueue::run_top() {
  const Entry e = heap_.front();
  heap_pop();
  // Move the action out and free its slot before running it: the action may
  // schedule (reusing the slot, growing the slab) or cancel its own id (a no-op).
  Action action = std::move(slots_[e.slot].action);
  release(e.slot);
  --pending_;
  now_ = Instant{Duration{e.when}};
  ++events_run_;
  action();
}

bool EventQueue::step() {
  if (top_live() == nullptr) return false;
  run_top();
  return true;
}

std::uint64_t EventQueue::run_until(Instant limit) {
  WIRESTACK_ASSERT(limit >= now_);
  const std::int64_t until = limit.time_since_epoch().count();
  std::uint64_t ran = 0;
  for (const Entry* e = top_live(); e != nullptr && e->when <= until; e = top_live()) {
    run_top();
    ++ran;
  }
  now_ = limit;
  return ran;
}

std::uint64_t EventQueue::run_until_idle(std::uint64_t max_events, Instant deadline) {
  const std::int64_t until = deadline.time_since_epoch().count();
  std::uint64_t ran = 0;
  for (const Entry* e = top_live(); ran < max_events && e != nullptr && e->when <= until; e = top_live()) {
    run_top();
    ++ran;
  }
  return ran;
}

std::optional<Instant> EventQueue::next_time() {
  const Entry* e = top_live();
  if (e == nullptr) return std::nullopt;
  return Instant{Duration{e->when}};
}

}  // namespace wirestack::sim
