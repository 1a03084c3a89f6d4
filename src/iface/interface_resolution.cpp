// iface/interface_resolution.cpp — how address resolutions went, told to the
// user (InterfaceConfig::resolution_events).
//
// A ping whose first replies take a second (1001, 801, 600 ms at a 0.2 s
// interval) is almost always a resolution that needed a second request: the
// first request, or its answer, was lost or late, and everything queued
// behind it waited for the retry. The caches (link::ArpCache,
// ip::NeighborCache) do the resolving; this file only watches the interface
// send their requests and receive their answers, and turns that into events
// a tool prints: a request retried, a resolution answered (after how many
// requests and how long), one given up, and a neighbour asking for our
// address again soon after we answered it, which means our answer did not
// reach it in time.
#include <iomanip>
#include <ostream>

#include "iface/interface.hpp"

namespace wirestack::iface {
namespace {

// A neighbour that asks for our address again within this long after we
// answered it did not get our answer (Linux retries every retrans_time,
// 1 s; the reachability probes of a STALE entry come tens of seconds apart).
constexpr Duration kAskedAgainWindow = std::chrono::seconds{3};
constexpr std::size_t kMaxEvents = 64;
constexpr std::size_t kMaxAnswered = 64;

// "2.0 ms" below 10 ms, else "1.002 s": a resolution on a LAN is answered
// in well under a millisecond, which base's print_seconds ("0.000s", to
// the millisecond) would show as nothing.
void print_elapsed(std::ostream& os, Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  const auto flags = os.flags();
  const auto precision = os.precision();
  if (us < 10'000) {
    os << std::fixed << std::setprecision(1) << static_cast<double>(us) / 1000.0 << " ms";
  } else {
    os << std::fixed << std::setprecision(3) << static_cast<double>(us) / 1e6 << " s";
  }
  os.flags(flags);
  os.precision(precision);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const ResolutionEvent& e) {
  const bool v4 = e.neighbor.is_v4();
  const char* proto = v4 ? "ARP" : "ND";
  const char* request = v4 ? "request" : "solicitation";
  os << proto << ": ";
  switch (e.kind) {
    case ResolutionEventKind::retry:
      os << e.neighbor << " has not answered in ";
      print_elapsed(os, e.elapsed);
      return os << ": " << request << " " << e.requests << " sent";
    case ResolutionEventKind::resolved:
      os << e.neighbor << " is at " << e.mac << " (answered ";
      print_elapsed(os, e.elapsed);
      if (e.requests <= 1) return os << " after our " << request << ")";
      return os << " after the first of " << e.requests << " " << request
                << "s: an earlier one or its answer was lost or late)";
    case ResolutionEventKind::failed:
      os << e.neighbor << " did not answer " << e.requests << " " << request << (e.requests == 1 ? "" : "s")
         << " in ";
      print_elapsed(os, e.elapsed);
      return os << ": given up, host unreachable";
    case ResolutionEventKind::asked_again:
      os << e.neighbor << " asked for " << e.ours << " again ";
      print_elapsed(os, e.elapsed);
      return os << " after we answered: our answer did not reach it in time";
  }
  return os;
}

std::vector<ResolutionEvent> Interface::take_resolution_events() {
  std::vector<ResolutionEvent> out(resolution_events_.begin(), resolution_events_.end());
  resolution_events_.clear();
  return out;
}

void Interface::push_resolution_event(ResolutionEvent e) {
  if (resolution_events_.size() >= kMaxEvents) resolution_events_.pop_front();
  resolution_events_.push_back(e);
}

// A (multicast/broadcast) resolution request for `target` went out.
void Interface::note_request(NicId nic, const IpAddress& target, Instant now) {
  if (!config_.resolution_events) return;
  auto [it, fresh] = pending_resolutions_.try_emplace({nic, target}, PendingResolution{.first = now});
  ++it->second.requests;
  if (fresh) return;
  push_resolution_event(ResolutionEvent{.nic = nic,
                                        .kind = ResolutionEventKind::retry,
                                        .neighbor = target,
                                        .requests = it->second.requests,
                                        .elapsed = now - it->second.first,
                                        .at = now});
}

void Interface::note_resolved(NicId nic, const IpAddress& target, MacAddress mac, Instant now) {
  if (!config_.resolution_events) return;
  auto it = pending_resolutions_.find({nic, target});
  if (it == pending_resolutions_.end()) return;  // resolved before a request went out
  push_resolution_event(ResolutionEvent{.nic = nic,
                                        .kind = ResolutionEventKind::resolved,
                                        .neighbor = target,
                                        .mac = mac,
                                        .requests = it->second.requests,
                                        .elapsed = now - it->second.first,
                                        .at = now});
  pending_resolutions_.erase(it);
}

void Interface::note_failed(NicId nic, const IpAddress& target, Instant now) {
  if (!config_.resolution_events) return;
  auto it = pending_resolutions_.find({nic, target});
  if (it == pending_resolutions_.end()) return;
  push_resolution_event(ResolutionEvent{.nic = nic,
                                        .kind = ResolutionEventKind::failed,
                                        .neighbor = target,
                                        .requests = it->second.requests,
                                        .elapsed = now - it->second.first,
                                        .at = now});
  pending_resolutions_.erase(it);
}

// We answered `asker`'s request for `ours`. A second request from it soon
// after means our first answer did not arrive (or arrived after its retry
// timer fired).
void Interface::note_answered(NicId nic, const IpAddress& asker, const IpAddress& ours, Instant now) {
  if (!config_.resolution_events) return;
  auto [it, fresh] = answered_.try_emplace({nic, asker}, now);
  if (!fresh) {
    const Duration since = now - it->second;
    it->second = now;
    if (since < kAskedAgainWindow) {
      push_resolution_event(ResolutionEvent{.nic = nic,
                                            .kind = ResolutionEventKind::asked_again,
                                            .neighbor = asker,
                                            .ours = ours,
                                            .elapsed = since,
                                            .at = now});
    }
    return;
  }
  if (answered_.size() > kMaxAnswered) {
    // Forget the answer given longest ago (a tool's peers are few; this
    // only bounds what a busy link could make of it).
    auto oldest = answered_.begin();
    for (auto a = answered_.begin(); a != answered_.end(); ++a) {
      if (a->second < oldest->second) oldest = a;
    }
    answered_.erase(oldest);
  }
}

}  // namespace wirestack::iface
