// sim/storm_detector.hpp — tells a broadcast storm (a loop in a topology
// without spanning tree) from heavy legitimate traffic, so a simulation stops
// with a report instead of running forever.
//
// In a loop-free network every frame a host sends passes each switch at most
// once, and is flooded there at most once. A loop breaks both bounds: the
// same bytes come back to the same switch over and over, and flooding grows
// without any host sending more. The detector therefore hears two things:
//   * on_host_frame(now, frame): an end station (host NIC, router interface)
//     put a frame on a wire;
//   * on_forward(now, switch, frame, flooded): a switch forwarded a frame
//     (once per frame, not per copy), which Switch does by itself once
//     set_storm_detector() was called.
// and fires on the first of two rules, both over exact sliding windows of
// simulated time (an event exactly `window` old is out):
//  1. Flood rate: at one switch, the flooded frames in the last `window`
//     exceed max(flood_threshold_min, flood_factor x host frames in it,
//     host frames in the last repeat_window). The last term is the burst:
//     5,000 hosts announcing themselves at once send in a microsecond what
//     a switch floods over tens of milliseconds, as the frames wait in the
//     links' queues; each may still be flooded once at each switch.
//  2. Revisits: at one switch, one flooded frame (same bytes, 64-bit hash)
//     passed more than repeat_limit x max(1, times hosts sent those bytes)
//     times in the last `repeat_window`. A host sending identical bytes
//     100k times a second raises its own allowance; a loop does not.
// Rule 2 catches a single frame circling a slow loop (1 ms links) that rule 1
// never would; rule 1 catches storms of ever-new frames.
//
// What stays quiet (tests prove it): a host sending 100k identical frames a
// second through switches, known or unknown unicast; ARP broadcasts from 50
// hosts at once. Both rules need the world to report host frames: without
// on_host_frame() the allowances fall back to flood_threshold_min and
// repeat_limit, which a fast stream of identical flooded frames exceeds.
//
// It fires once: report() keeps the first StormReport, storm_detected()
// turns true, the on_storm() hook runs, and everything after is only counted.
// Switches with halt_on_storm (the default) then drop what they receive, so
// the loop drains and the EventQueue goes idle. A world that runs in slices
// checks storm_detected() between them.
//
//   StormDetector storms;                         // shared by the whole world
//   sw1.set_storm_detector(&storms);
//   sw2.set_storm_detector(&storms);
//   storms.on_storm([](const StormReport& r) { log(r.explanation); });
//   host_send = [&](Bytes f) { storms.on_host_frame(q.now(), f); link.send(0, f); };
//   while (!storms.storm_detected() && q.now() < end) q.run_until(q.now() + 10ms);
//
// Cost: a hash of each frame and O(1) amortised work per call; memory holds
// the flooded frames of each switch and the host frames of the last
// repeat_window. Times passed in must not decrease. No hash order reaches
// any output.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"

namespace wirestack::sim {

struct StormConfig {
  Duration window = std::chrono::milliseconds{10};  // rule 1
  std::uint64_t flood_threshold_min = 1000;
  std::uint64_t flood_factor = 50;
  Duration repeat_window = std::chrono::seconds{1};  // rule 2
  std::uint64_t repeat_limit = 16;
};

struct StormReport {
  enum class Rule : std::uint8_t { flood_rate, revisits };
  Rule rule = Rule::revisits;  // which one fired
  Instant when{};
  std::string switch_name;
  std::uint64_t frames_in_window = 0;       // flooded frames at that switch in `window`
  std::uint64_t host_frames_in_window = 0;  // frames hosts sent in `window`
  std::uint64_t same_frame_repeats = 0;     // passes of the frame that tipped it, in repeat_window
  std::uint64_t same_frame_host_sends = 0;  // times hosts sent that frame, in repeat_window
  std::string frame;                        // "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP"
  // "broadcast storm: switch sw1 flooded 19 frames in 10 ms while hosts sent 1;
  //  the same frame (...) passed sw1 17 times in 1 s while hosts sent it once:
  //  the topology has a loop (a spanning tree would cut it: stp = true on its switches)"
  std::string explanation;
};
std::ostream& operator<<(std::ostream& os, const StormReport& r);  // the explanation

class StormDetector {
 public:
  struct Counters {
    std::uint64_t host_frames = 0;
    std::uint64_t forwarded = 0;  // every on_forward()
    std::uint64_t flooded = 0;    // of which flooded
    friend bool operator==(const Counters&, const Counters&) = default;
  };

  explicit StormDetector(StormConfig config = {});

  const StormConfig& config() const { return config_; }
  const Counters& counters() const { return counters_; }

  // Registers a switch; returns the number to pass to on_forward().
  std::size_t add_switch(std::string name);
  std::size_t switch_count() const { return switches_.size(); }

  // Off, the detector only counts: no hashing, no windows. A world turns it
  // on when its switches form a loop (sim::World::connect of two switches
  // already joined), since without one no frame can come back to a switch
  // and a storm cannot happen: a run of a million clients on a tree pays
  // nothing for it. On by default, for a detector used on its own. Windows
  // start empty when it is turned on.
  void set_armed(bool on) { armed_ = on; }
  bool armed() const { return armed_; }

  // An end station sent `frame` at `now`.
  void on_host_frame(Instant now, Bytes frame);
  // Switch `sw` forwarded `frame` at `now`: flooded, or to one port.
  void on_forward(Instant now, std::size_t sw, Bytes frame, bool flooded);

  // Runs `hook` once, when the storm is detected (replaces any earlier hook).
  void on_storm(std::function<void(const StormReport&)> hook) { hook_ = std::move(hook); }
  bool storm_detected() const { return report_.has_value(); }
  const std::optional<StormReport>& report() const { return report_; }

  // The identity of a frame: a 64-bit hash of all its bytes.
  static std::uint64_t frame_hash(Bytes frame);

 private:
  struct Seen {
    Instant when;
    std::uint64_t hash;
  };
  // Times and hashes in a sliding window, with a count per hash.
  struct HashWindow {
    std::deque<Seen> seen;
    std::unordered_map<std::uint64_t, std::uint64_t> counts;
    void add(Instant now, std::uint64_t hash);
    void expire(Instant cutoff);  // drops entries at or before cutoff
    std::uint64_t count(std::uint64_t hash) const;
  };
  struct SwitchState {
    std::string name;
    std::deque<Instant> floods;  // rule 1
    HashWindow passes;           // rule 2: flooded frames
  };

  void advance(Instant now);
  void fire(StormReport::Rule rule, Instant now, const SwitchState& s, Bytes frame, std::uint64_t repeats,
            std::uint64_t host_sends);

  StormConfig config_;
  Counters counters_;
  std::vector<SwitchState> switches_;
  std::deque<Instant> host_recent_;  // rule 1
  HashWindow host_sends_;            // rule 2
  Instant last_{Instant::min()};
  std::optional<StormReport> report_;
  std::function<void(const StormReport&)> hook_;
  bool armed_ = true;
};

}  // namespace wirestack::sim
