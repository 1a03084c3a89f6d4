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
    WIRESTACK_ASSERT(slots_.size() < (std::size_t{1} << kSlotBits));
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const std::uint64_t seq = next_seq_++;
  WIRESTACK_ASSERT(seq < (std::uint64_t{1} << (64 - kSlotBits)));
  slots_[slot].action = std::move(action);
  slots_[slot].seq = seq;
  heap_push(Entry{when.time_since_epoch().count(), seq << kSlotBits | slot});
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
  if (stale_ < 64 || stale_ <= heap_size() / 2) return;
  std::vector<Entry> live;
  live.reserve(heap_size() - stale_);
  for (std::size_t i = 0; i < heap_size(); ++i)
    if (is_live(heap()[i])) live.push_back(heap()[i]);
  heap_.resize(kHeapPad);
  for (const Entry& e : live) heap_push(e);
  stale_ = 0;
}

void EventQueue::heap_push(Entry e) {
  std::size_t hole = heap_size();
  heap_.push_back(e);
  Entry* h = heap();
  while (hole > 0) {
    const std::size_t parent = (hole - 1) / kArity;
    if (!earlier(e, h[parent])) break;
    h[hole] = h[parent];
    hole = parent;
  }
  h[hole] = e;
}

void EventQueue::heap_pop() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_size();
  if (n == 0) return;
  Entry* h = heap();
  std::size_t hole = 0;
  while (true) {
    const std::size_t first = hole * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = std::min(first + kArity, n);
    // The hole goes down one of these four: fetch all their child lines at
    // once, so the level below (out of cache in a big heap) costs one wait
    // for four lines instead of one whole miss after this comparison.
    for (std::size_t c = first; c < end && c * kArity + 1 < n; ++c) __builtin_prefetch(&h[c * kArity + 1]);
    for (std::size_t c = first + 1; c < end; ++c)
      if (earlier(h[c], h[best])) best = c;
    if (!earlier(h[best], last)) break;
    h[hole] = h[best];
    hole = best;
  }
  h[hole] = last;
}

const EventQueue::Entry* EventQueue::top_live() {
  while (heap_size() > 0) {
    if (is_live(heap()[0])) return &heap()[0];
    heap_pop();
    --stale_;
  }
  return nullptr;
}

void EventQueue::run_top() {
  const Entry e = heap()[0];
  heap_pop();
  // What the next events touch was written when they were scheduled, often
  // long ago: ask for it now, so that it arrives while this action runs
  // instead of stalling the next ones (a million clients: 5 % of the run
  // waited on the next slot). The one after next (the least of the root's
  // children) gets its slot fetched; the next one, whose slot was fetched
  // that way a step ago, gets what its action names (Action::prefetch).
  if (const std::size_t n = heap_size(); n > 0) {
    const Entry* h = heap();
    slots_[h[0].slot()].action.prefetch();
    std::size_t after = 1;
    for (std::size_t c = 2; c <= kArity && c < n; ++c)
      if (earlier(h[c], h[after])) after = c;
    if (after < n) __builtin_prefetch(&slots_[h[after].slot()]);
  }
  // Move the action out and free its slot before running it: the action may
  // schedule (reusing the slot, growing the slab) or cancel its own id (a no-op).
  Action action = std::move(slots_[e.slot()].action);
  release(e.slot());
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
