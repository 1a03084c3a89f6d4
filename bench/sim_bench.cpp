// bench/sim_bench.cpp — speed of the simulator's engine and links.
//
//   ./build/bench/wirestack_bench_sim --benchmark_counters_tabular=true
//
// * BM_ScheduleThenRun/N: schedule N events at random times (0..1 ms ahead,
//   many ties), then run them all. events/s counts events scheduled and run.
// * BM_Hold/N: the classic "hold" model: N events pending at all times; each
//   event, when it runs, schedules one more at a random time ahead. This is
//   the steady state of a simulation (every timer re-arms). BM_HoldBigAction
//   captures 64 bytes, past Action's inline buffer: one allocation per event.
// * BM_HoldSnippet8/N: the same load on the sketch of STYLE.md snippet 8
//   (std::function stored in the heap entries, cancel through an
//   unordered_set), as the baseline.
// * BM_LinkPingPong/len: two ports on a 1 Gb/s, 10 us link; each sends back
//   every frame it receives. frames/s counts deliveries; sim_s/s is
//   simulated seconds per wall (CPU) second. Every frame is copied once into
//   the link, CRC-32'd at send and checked at arrival.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <unordered_set>
#include <vector>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "sim/event_queue.hpp"
#include "sim/frame_port.hpp"
#include "sim/link.hpp"

namespace wirestack::sim {
namespace {

constexpr std::uint64_t kHorizonNs = 1'000'000;

std::vector<Duration> random_delays(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Duration> v(n);
  for (auto& d : v) d = Duration{static_cast<Duration::rep>(rng.below(kHorizonNs))};
  return v;
}

void BM_ScheduleThenRun(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto delays = random_delays(n, 1);
  EventQueue q;
  std::uint64_t sum = 0;
  for (auto _ : state) {
    for (const Duration d : delays) q.schedule_in(d, [&sum] { ++sum; });
    q.run_until_idle();
  }
  benchmark::DoNotOptimize(sum);
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(n), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScheduleThenRun)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

// Each event re-arms itself; Pad makes the captured state bigger.
template <std::size_t Pad>
struct Rearm {
  EventQueue* q;
  const std::vector<Duration>* delays;
  std::size_t* next;
  std::uint64_t pad[Pad];
  void operator()() const {
    const Duration d = (*delays)[(*next)++ % delays->size()];
    q->schedule_in(d, *this);
  }
};

template <std::size_t Pad>
void hold(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto delays = random_delays(1 << 16, 2);
  EventQueue q;
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) q.schedule_in(delays[i % delays.size()], Rearm<Pad>{&q, &delays, &next, {}});
  constexpr std::uint64_t kPerIteration = 100'000;
  for (auto _ : state) {
    const std::uint64_t ran = q.run_until_idle(kPerIteration);
    benchmark::DoNotOptimize(ran);
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kPerIteration,
                                                  benchmark::Counter::kIsRate);
  state.counters["inline"] = Action(Rearm<Pad>{}).is_inline() ? 1 : 0;
}
void BM_Hold(benchmark::State& state) { hold<1>(state); }
void BM_HoldBigAction(benchmark::State& state) { hold<8>(state); }
BENCHMARK(BM_Hold)->Arg(100)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_HoldBigAction)->Arg(10'000);

// STYLE.md snippet 8, as written there (assert -> nothing), for comparison.
class Snippet8Queue {
 public:
  using Action8 = std::function<void()>;
  struct EventId8 {
    std::uint64_t seq;
  };
  Instant now() const { return now_; }
  EventId8 schedule_in(Duration d, Action8 a) {
    const EventId8 id{next_seq_++};
    heap_.push_back(Entry{now_ + d, id.seq, std::move(a)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    return id;
  }
  void cancel(EventId8 id) { cancelled_.insert(id.seq); }
  std::uint64_t run_events(std::uint64_t max) {
    std::uint64_t ran = 0;
    while (!heap_.empty() && ran < max) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      Entry next = std::move(heap_.back());
      heap_.pop_back();
      if (cancelled_.erase(next.seq) != 0) continue;
      now_ = next.when;
      next.action();
      ++ran;
    }
    return ran;
  }

 private:
  struct Entry {
    Instant when;
    std::uint64_t seq;
    Action8 action;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  std::vector<Entry> heap_;
  std::unordered_set<std::uint64_t> cancelled_;
  Instant now_{};
  std::uint64_t next_seq_ = 0;
};

struct Rearm8 {
  Snippet8Queue* q;
  const std::vector<Duration>* delays;
  std::size_t* next;
  void operator()() const {
    const Duration d = (*delays)[(*next)++ % delays->size()];
    q->schedule_in(d, *this);
  }
};

void BM_HoldSnippet8(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto delays = random_delays(1 << 16, 2);
  Snippet8Queue q;
  std::size_t next = 0;
  for (std::size_t i = 0; i < n; ++i) q.schedule_in(delays[i % delays.size()], Rearm8{&q, &delays, &next});
  constexpr std::uint64_t kPerIteration = 100'000;
  for (auto _ : state) {
    const std::uint64_t ran = q.run_events(kPerIteration);
    benchmark::DoNotOptimize(ran);
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * kPerIteration,
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HoldSnippet8)->Arg(100)->Arg(10'000)->Arg(1'000'000);

class Echo final : public FramePort {
 public:
  Echo(Link& link, int side) : link_(link), side_(side) {}
  void on_frame(Bytes frame) override {
    ++received;
    link_.send(side_, frame);
  }
  std::uint64_t received = 0;

 private:
  Link& link_;
  int side_;
};

void BM_LinkPingPong(benchmark::State& state) {
  const auto len = static_cast<std::size_t>(state.range(0));
  EventQueue q;
  Link link(q, Rng(1), LinkDirection{.bits_per_second = 1'000'000'000, .delay = std::chrono::microseconds{10}});
  Echo a(link, 0);
  Echo b(link, 1);
  link.attach(0, &a);
  link.attach(1, &b);
  const ByteVec frame(len, std::byte{0x42});
  link.send(0, frame);
  constexpr std::uint64_t kPerIteration = 10'000;
  const Instant start = q.now();
  for (auto _ : state) {
    const std::uint64_t ran = q.run_until_idle(kPerIteration);
    benchmark::DoNotOptimize(ran);
  }
  const double frames = static_cast<double>(a.received + b.received);
  state.counters["frames/s"] = benchmark::Counter(frames, benchmark::Counter::kIsRate);
  state.counters["sim_s/s"] = benchmark::Counter(to_seconds(q.now() - start), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(frames) * static_cast<std::int64_t>(len));
}
BENCHMARK(BM_LinkPingPong)->Arg(64)->Arg(1500);

}  // namespace
}  // namespace wirestack::sim
