// sim/storm_detector.cpp — see storm_detector.hpp for the rules.
#include "sim/storm_detector.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "base/assert.hpp"
#include "base/hash.hpp"
#include "wire/ethernet.hpp"

namespace wirestack::sim {

namespace {

// "10 ms", "1 s", "250 us": the largest unit that divides exactly.
void print_duration(std::ostream& os, Duration d) {
  const auto ns = d.count();
  if (ns != 0 && ns % 1'000'000'000 == 0) {
    os << ns / 1'000'000'000 << " s";
  } else if (ns != 0 && ns % 1'000'000 == 0) {
    os << ns / 1'000'000 << " ms";
  } else if (ns != 0 && ns % 1'000 == 0) {
    os << ns / 1'000 << " us";
  } else {
    os << ns << " ns";
  }
}

void print_times(std::ostream& os, std::uint64_t n) {
  if (n == 1) {
    os << "once";
  } else {
    os << n << " times";
  }
}

std::string summarize(Bytes frame) {
  std::ostringstream os;
  if (auto f = EthernetFrame::checked(frame)) {
    os << f->src() << " > " << f->dst() << ", ethertype " << f->ethertype();
  } else {
    os << frame.size() << " bytes";
  }
  return os.str();
}

constexpr std::uint64_t rotl(std::uint64_t x, int r) { return x << r | x >> (64 - r); }

}  // namespace

std::ostream& operator<<(std::ostream& os, const StormReport& r) { return os << r.explanation; }

std::uint64_t StormDetector::frame_hash(Bytes frame) {
  // Eight bytes per step (MurmurHash3-style mixing), then base/hash.hpp's finalizer. Not
  // cryptographic: it only has to keep distinct frames of one window apart.
  constexpr std::uint64_t k1 = 0x87c37b91114253d5ULL;
  constexpr std::uint64_t k2 = 0x4cf5ad432745937fULL;
  std::uint64_t h = 0xcbf29ce484222325ULL ^ frame.size();
  std::size_t i = 0;
  for (; i + 8 <= frame.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, frame.data() + i, 8);
    h ^= rotl(w * k1, 31) * k2;
    h = rotl(h, 27) * 5 + 0x52dce729;
  }
  std::uint64_t tail = 0;
  for (std::size_t j = 0; i + j < frame.size(); ++j) tail |= std::to_integer<std::uint64_t>(frame[i + j]) << (8 * j);
  h ^= rotl(tail * k1, 31) * k2;
  return mix64(h);
}

void StormDetector::HashWindow::add(Instant now, std::uint64_t hash) {
  seen.push_back(Seen{now, hash});
  ++counts[hash];
}

void StormDetector::HashWindow::expire(Instant cutoff) {
  while (!seen.empty() && seen.front().when <= cutoff) {
    auto it = counts.find(seen.front().hash);
    WIRESTACK_ASSERT(it != counts.end() && it->second > 0);
    if (--it->second == 0) counts.erase(it);
    seen.pop_front();
  }
}

std::uint64_t StormDetector::HashWindow::count(std::uint64_t hash) const {
  auto it = counts.find(hash);
  return it == counts.end() ? 0 : it->second;
}

StormDetector::StormDetector(StormConfig config) : config_(config) {
  WIRESTACK_ASSERT(config_.window > Duration::zero() && config_.repeat_window > Duration::zero());
  WIRESTACK_ASSERT(config_.repeat_limit > 0);
}

std::size_t StormDetector::add_switch(std::string name) {
  switches_.push_back(SwitchState{.name = std::move(name), .floods = {}, .passes = {}});
  return switches_.size() - 1;
}

void StormDetector::advance(Instant now) {
  WIRESTACK_ASSERT(now >= last_);  // the windows slide forward only
  last_ = now;
  while (!host_recent_.empty() && host_recent_.front() <= now - config_.window) host_recent_.pop_front();
  host_sends_.expire(now - config_.repeat_window);
}

void StormDetector::on_host_frame(Instant now, Bytes frame) {
  ++counters_.host_frames;
  if (report_ || !armed_) return;
  advance(now);
  host_recent_.push_back(now);
  host_sends_.add(now, frame_hash(frame));
}

void StormDetector::on_forward(Instant now, std::size_t sw, Bytes frame, bool flooded) {
  WIRESTACK_ASSERT(sw < switches_.size());
  ++counters_.forwarded;
  if (flooded) ++counters_.flooded;
  // Known unicast follows the table to one port: it cannot multiply, and a
  // loop shows itself through the broadcasts that precede it.
  if (report_ || !flooded || !armed_) return;
  advance(now);
  SwitchState& s = switches_[sw];

  while (!s.floods.empty() && s.floods.front() <= now - config_.window) s.floods.pop_front();
  s.floods.push_back(now);
  s.passes.expire(now - config_.repeat_window);
  const std::uint64_t hash = frame_hash(frame);
  s.passes.add(now, hash);

  // Rule 2: in a loop-free network a frame passes a switch once per send.
  const std::uint64_t repeats = s.passes.count(hash);
  const std::uint64_t host_sends = host_sends_.count(hash);
  if (repeats > config_.repeat_limit * std::max<std::uint64_t>(1, host_sends)) {
    fire(StormReport::Rule::revisits, now, s, frame, repeats, host_sends);
    return;
  }
  // Rule 1: and is flooded at most once per send, maybe late: a burst of
  // host frames waits in the links' queues before the switches flood it.
  const std::uint64_t allowance = std::max({std::uint64_t{config_.flood_threshold_min},
                                            config_.flood_factor * host_recent_.size(),
                                            std::uint64_t{host_sends_.seen.size()}});
  if (s.floods.size() > allowance) fire(StormReport::Rule::flood_rate, now, s, frame, repeats, host_sends);
}

void StormDetector::fire(StormReport::Rule rule, Instant now, const SwitchState& s, Bytes frame,
                         std::uint64_t repeats, std::uint64_t host_sends) {
  StormReport r{
      .rule = rule,
      .when = now,
      .switch_name = s.name,
      .frames_in_window = s.floods.size(),
      .host_frames_in_window = host_recent_.size(),
      .same_frame_repeats = repeats,
      .same_frame_host_sends = host_sends,
      .frame = summarize(frame),
      .explanation = {},
  };
  std::ostringstream os;
  os << "broadcast storm: switch " << r.switch_name << " flooded " << r.frames_in_window << " frames in ";
  print_duration(os, config_.window);
  os << " while hosts sent " << r.host_frames_in_window << "; the same frame (" << r.frame << ") passed "
     << r.switch_name << ' ' << r.same_frame_repeats << " times in ";
  print_duration(os, config_.repeat_window);
  os << " while hosts sent it ";
  print_times(os, r.same_frame_host_sends);
  os << ": the topology has a loop (a spanning tree would cut it: stp = true on its switches)";
  r.explanation = os.str();
  report_ = std::move(r);
  if (hook_) hook_(*report_);
}

}  // namespace wirestack::sim
