// sim/event_queue.hpp — the discrete-event engine: virtual time for the simulator.
//
// The only clock of a simulated world. Events run in (time, scheduling order):
// two events at the same Instant run first-scheduled first (the ns-3 rule), so
// a run is a pure function of its inputs and seeds. Nothing here reads the
// wall clock or iterates a hash container.
//
//   EventQueue q;
//   EventId rto = q.schedule_in(200ms, [&] { retransmit(); });
//   q.schedule_at(at(5ms), [&] { q.cancel(rto); });   // O(1)
//   q.run_until(at(1s));                               // q.now() == at(1s)
//
// Contract:
//  * schedule_at() into the past (before now()) is a bug: WIRESTACK_ASSERT.
//    Scheduling at now() is fine, also from inside a running action.
//  * cancel() of an event that already ran, was already cancelled, or is the
//    one running right now is a no-op. EventId{} never names an event.
//  * now() is the time of the event running (or of the last one run), and
//    run_until(limit) leaves it at `limit`.
//
// Storage: actions live in a slab of slots indexed by EventId::slot and reused
// through a free list; a 4-ary min-heap holds (time, seq and slot) pairs, so
// sifting moves 16-byte entries and never the actions. The heap starts
// kHeapPad entries into a cache-line-aligned array, so the four children of
// a node fill exactly one cache line: a pop reads one line per level (with
// 24-byte entries it read two), which is what it costs once the heap
// outgrows the CPU's caches (a million clients: about 100,000 events).
// cancel() frees the slot at once; its heap triple goes stale (seq no longer
// matches the slot) and is skipped when it reaches the top, or dropped when
// stale triples outnumber live ones (the heap is then rebuilt, amortised
// O(1)). Memory is bounded by the peak number of pending events: nothing grows
// with the number of events cancelled or run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/assert.hpp"
#include "base/time.hpp"

namespace wirestack::sim {

// A move-only `void()` callable. Callables up to kInlineSize bytes (a lambda
// capturing up to six pointers) are stored in place: scheduling one does not
// allocate. Larger ones go to the heap.
class Action {
 public:
  static constexpr std::size_t kInlineSize = 48;
  static constexpr std::size_t kInlineAlign = alignof(void*);  // 16-aligned callables go to the heap

  Action() noexcept = default;

  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Action> && std::is_invocable_r_v<void, std::decay_t<F>&>)
  Action(F&& f) {  // NOLINT: implicit on purpose, as std::function
    using Fn = std::decay_t<F>;
    if constexpr (fits_inline<Fn>) {
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      ops_ = &kInlineOps<Fn>;
    } else {
      Fn* p = new Fn(std::forward<F>(f));
      ::new (static_cast<void*>(storage_)) Fn*(p);
      ops_ = &kHeapOps<Fn>;
    }
  }

  Action(Action&& other) noexcept { take(other); }
  Action& operator=(Action&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  Action(const Action&) = delete;
  Action& operator=(const Action&) = delete;
  ~Action() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  void operator()() {
    WIRESTACK_ASSERT(ops_ != nullptr);
    ops_->invoke(storage_);
  }
  void reset() noexcept {
    if (ops_ != nullptr) {
      ops_->destroy(storage_);
      ops_ = nullptr;
    }
  }
  // Whether the callable is stored in place (for tests and benchmarks).
  bool is_inline() const noexcept { return ops_ != nullptr && ops_->inline_storage; }
  // Asks for the cache lines the callable will touch first, if it says
  // which (a `void prefetch() const noexcept` member): the queue calls it
  // for the next event while the current one runs. Only a hint.
  void prefetch() const noexcept {
    if (ops_ != nullptr && ops_->prefetch != nullptr) ops_->prefetch(storage_);
  }

 private:
  struct Ops {
    void (*invoke)(void*);
    void (*relocate)(void* dst, void* src) noexcept;  // move-construct into dst, destroy src
    void (*destroy)(void*) noexcept;
    void (*prefetch)(const void*) noexcept;  // null: the callable names nothing to fetch (PrefetchFn)
    bool inline_storage;
  };
  template <class Fn>
  static constexpr bool has_prefetch = requires(const Fn& f) { f.prefetch(); };

  template <class Fn>
  static constexpr bool fits_inline = sizeof(Fn) <= kInlineSize && alignof(Fn) <= kInlineAlign &&
                                      std::is_nothrow_move_constructible_v<Fn>;

  using PrefetchFn = void (*)(const void*) noexcept;
  template <class Fn>
  static constexpr PrefetchFn prefetch_inline() {
    if constexpr (has_prefetch<Fn>) {
      return [](const void* p) noexcept { std::launder(static_cast<const Fn*>(p))->prefetch(); };
    } else {
      return nullptr;
    }
  }
  template <class Fn>
  static constexpr PrefetchFn prefetch_heap() {
    if constexpr (has_prefetch<Fn>) {
      return [](const void* p) noexcept { (*std::launder(static_cast<Fn* const*>(p)))->prefetch(); };
    } else {
      return nullptr;
    }
  }

  template <class Fn>
  static constexpr Ops kInlineOps{
      [](void* p) { (*std::launder(static_cast<Fn*>(p)))(); },
      [](void* dst, void* src) noexcept {
        Fn* s = std::launder(static_cast<Fn*>(src));
        ::new (dst) Fn(std::move(*s));
        s->~Fn();
      },
      [](void* p) noexcept { std::launder(static_cast<Fn*>(p))->~Fn(); },
      prefetch_inline<Fn>(),
      true,
  };
  template <class Fn>
  static constexpr Ops kHeapOps{
      [](void* p) { (**std::launder(static_cast<Fn**>(p)))(); },
      [](void* dst, void* src) noexcept { ::new (dst) Fn*(*std::launder(static_cast<Fn**>(src))); },
      [](void* p) noexcept { delete *std::launder(static_cast<Fn**>(p)); },
      prefetch_heap<Fn>(),
      false,
  };

  void take(Action& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->relocate(storage_, other.storage_);
      ops_ = std::exchange(other.ops_, nullptr);
    }
  }

  alignas(kInlineAlign) unsigned char storage_[kInlineSize];
  const Ops* ops_ = nullptr;
};

// Names one scheduled event. seq is unique for the queue's lifetime (it is
// the tie-breaker of the ordering), slot says where its action is stored.
struct EventId {
  std::uint64_t seq = 0;  // 0: no event
  std::uint32_t slot = 0;
  explicit operator bool() const { return seq != 0; }
  friend bool operator==(const EventId&, const EventId&) = default;
};

class EventQueue {
 public:
  static constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

  EventQueue() = default;
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  Instant now() const { return now_; }

  // Runs `action` at `when` (>= now()).
  EventId schedule_at(Instant when, Action action);
  // Runs `action` after `delay` (>= 0) from now().
  EventId schedule_in(Duration delay, Action action) {
    WIRESTACK_ASSERT(delay >= Duration::zero());
    return schedule_at(now_ + delay, std::move(action));
  }

  // Forgets a pending event; returns whether it was pending. O(1).
  bool cancel(EventId id);
  bool is_pending(EventId id) const {
    return id.seq != 0 && id.slot < slots_.size() && slots_[id.slot].seq == id.seq;
  }

  // Runs the next event, if any; returns whether one ran.
  bool step();
  // Runs every event at or before `limit`, then sets now() to `limit`
  // (limit >= now()). Returns how many ran.
  std::uint64_t run_until(Instant limit);
  // Runs events until none is pending, `max_events` have run, or the next
  // one lies after `deadline`; returns how many ran. now() stays at the last
  // event run (it does not jump to the deadline): check idle() to tell a
  // finished run from a guard that tripped.
  std::uint64_t run_until_idle(std::uint64_t max_events = kNoLimit, Instant deadline = Instant::max());

  // When the next pending event is due, if any.
  std::optional<Instant> next_time();

  bool idle() const { return pending_ == 0; }
  std::size_t pending() const { return pending_; }
  std::uint64_t events_run() const { return events_run_; }
  std::uint64_t events_scheduled() const { return next_seq_ - 1; }

  // What the queue holds, for tests of its memory bound: heap entries
  // (cancelled ones included until dropped) and action slots (used or free).
  struct Footprint {
    std::size_t heap_entries;
    std::size_t slots;
  };
  Footprint footprint() const { return {heap_size(), slots_.size()}; }

 private:
  // One cache line each: running an event touches exactly one line of the slab.
  struct alignas(64) Slot {
    Action action;
    std::uint64_t seq = 0;  // of the event stored here; 0 while free
  };
  static_assert(sizeof(Slot) == 64);
  // The slot in the low kSlotBits bits of `order`, the seq above them:
  // ordering by `order` is ordering by seq (unique), as the contract says.
  // 2^26 slots are 4 GiB of pending actions; 2^38 events are days of running.
  static constexpr unsigned kSlotBits = 26;
  struct Entry {
    std::int64_t when;     // ns since the clock's origin
    std::uint64_t order;   // seq << kSlotBits | slot
    std::uint64_t seq() const { return order >> kSlotBits; }
    std::uint32_t slot() const { return static_cast<std::uint32_t>(order & ((std::uint64_t{1} << kSlotBits) - 1)); }
  };
  static_assert(sizeof(Entry) == 16);
  static bool earlier(const Entry& a, const Entry& b) { return a.when != b.when ? a.when < b.when : a.order < b.order; }
  // A 4-ary min-heap: half the depth of a binary one. Node i's children are
  // 4i+1..4i+4; stored kHeapPad entries in, they start on a 64-byte boundary.
  static constexpr std::size_t kArity = 4;
  static constexpr std::size_t kHeapPad = 3;
  template <class T>
  struct LineAligned {
    using value_type = T;
    LineAligned() = default;
    template <class U>
    LineAligned(const LineAligned<U>&) noexcept {}  // NOLINT: rebinding, as std::allocator
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
    // The unsized form: clang (without -fsized-deallocation) declares no
    // sized aligned delete.
    void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p, std::align_val_t{64}); }
    friend bool operator==(const LineAligned&, const LineAligned&) = default;
  };
  Entry* heap() { return heap_.data() + kHeapPad; }
  std::size_t heap_size() const { return heap_.size() - kHeapPad; }
  void heap_push(Entry e);
  void heap_pop();

  bool is_live(const Entry& e) const { return slots_[e.slot()].seq == e.seq(); }
  // Drops stale entries from the top; returns the next live one, if any.
  const Entry* top_live();
  // Pops the top (live) entry and runs its action at its time.
  void run_top();
  void release(std::uint32_t slot);
  void maybe_compact();

  std::vector<Entry, LineAligned<Entry>> heap_ = std::vector<Entry, LineAligned<Entry>>(kHeapPad);  // pad, then the heap
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::size_t pending_ = 0;
  std::size_t stale_ = 0;  // heap entries whose event was cancelled
  std::uint64_t next_seq_ = 1;
  std::uint64_t events_run_ = 0;
  Instant now_{};
};

}  // namespace wirestack::sim
