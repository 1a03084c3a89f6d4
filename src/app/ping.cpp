#include "app/ping.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace wirestack::app {

namespace {

double to_ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string ms(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", to_ms(d));
  return buf;
}

}  // namespace

// ---- ping ---------------------------------------------------------------------

Duration PingResult::min_rtt() const { return rtts.empty() ? Duration{} : *std::min_element(rtts.begin(), rtts.end()); }
Duration PingResult::max_rtt() const { return rtts.empty() ? Duration{} : *std::max_element(rtts.begin(), rtts.end()); }
Duration PingResult::avg_rtt() const {
  if (rtts.empty()) return Duration{};
  return std::accumulate(rtts.begin(), rtts.end(), Duration{}) / static_cast<Duration::rep>(rtts.size());
}
Duration PingResult::mdev_rtt() const {
  if (rtts.empty()) return Duration{};
  double sum = 0;
  double sum_sq = 0;
  for (const Duration d : rtts) {
    const double v = to_ms(d);
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(rtts.size());
  const double avg = sum / n;
  const double mdev = std::sqrt(std::max(0.0, sum_sq / n - avg * avg));
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(mdev));
}

std::ostream& operator<<(std::ostream& os, const PingResult& r) {
  const int loss = r.sent == 0 ? 0 : (100 * (r.sent - r.received)) / r.sent;
  os << r.sent << " packets transmitted, " << r.received << " received";
  if (r.duplicates > 0) os << ", +" << r.duplicates << " duplicates";
  if (!r.errors.empty()) os << ", +" << r.errors.size() << " errors";
  os << ", " << loss << "% packet loss";
  if (!r.rtts.empty()) {
    os << ", rtt min/avg/max = " << ms(r.min_rtt()) << " / " << ms(r.avg_rtt()) << " / " << ms(r.max_rtt());
  }
  return os;
}

Ping::Ping(runtime::Host& host, IpAddress dst, PingConfig config)
    : host_(host), dst_(dst), config_(std::move(config)) {
  if (config_.ident == 0) config_.ident = host_.next_echo_ident();
  hook_ = host_.on_activity([this] { collect(); });
  next_ = host_.schedule_in(config_.start, [this] { send_next(); });
}

Ping::~Ping() {
  host_.cancel(next_);
  host_.cancel(linger_);
  host_.remove_activity(hook_);
}

bool Ping::done() const {
  if (config_.count == 0 || result_.sent < config_.count) return false;
  if (std::all_of(answered_.begin(), answered_.end(), [](bool a) { return a; })) return true;
  return host_.now() >= sent_at_.back() + config_.linger;
}

void Ping::check_done() {
  if (done_called_ || !config_.on_done || !done()) return;
  done_called_ = true;
  host_.cancel(linger_);
  config_.on_done();
}

void Ping::send_next() {
  next_ = {};
  const auto seq = static_cast<std::uint16_t>(result_.sent + 1);
  const Instant now = host_.now();
  auto r = host_.send_echo(dst_, config_.ident, seq, config_.payload_len, runtime::EchoOptions{.ttl = config_.ttl});
  ++result_.sent;
  sent_at_.push_back(now);
  answered_.push_back(false);
  if (!r) {
    const std::string text = "icmp_seq=" + std::to_string(seq) + ": " + r.error().message;
    if (config_.lines != nullptr) *config_.lines << "ping: " << text << "\n" << std::flush;
    result_.send_errors.push_back(text);
  }
  if (config_.count == 0 || result_.sent < config_.count) {
    next_ = host_.schedule_in(config_.interval, [this] { send_next(); });
  } else if (config_.on_done) {
    // Only a caller waiting for the end needs a timer for the linger's end.
    linger_ = host_.schedule_in(config_.linger, [this] {
      linger_ = {};
      check_done();
    });
  }
}

void Ping::collect() {
  auto& replies = host_.echo_replies();
  for (auto it = replies.begin(); it != replies.end();) {
    if (it->ident != config_.ident || it->from != dst_ || it->seq < 1 || it->seq > sent_at_.size()) {
      ++it;
      continue;
    }
    const std::size_t i = it->seq - 1u;
    const Duration rtt = it->at - sent_at_[i];
    if (config_.lines != nullptr) {
      char line[160];
      std::snprintf(line, sizeof line, "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms%s", it->payload_len + 8,
                    it->from.to_string().c_str(), static_cast<unsigned>(it->seq), static_cast<unsigned>(it->ttl),
                    to_ms(rtt), answered_[i] ? " (DUP!)" : "");
      *config_.lines << line << "\n" << std::flush;
    }
    if (answered_[i]) {
      ++result_.duplicates;  // a duplicated frame: one answer per request
    } else {
      answered_[i] = true;
      ++result_.received;
      result_.rtts.push_back(rtt);
      result_.replies.push_back(*it);
    }
    it = replies.erase(it);
  }
  auto& errors = host_.icmp_errors();
  for (auto it = errors.begin(); it != errors.end();) {
    if (!runtime::about_echo(*it, dst_, config_.ident) || it->dst_port < 1 || it->dst_port > sent_at_.size()) {
      ++it;
      continue;
    }
    if (config_.lines != nullptr) {
      *config_.lines << "From " << it->from << " icmp_seq=" << it->dst_port << " " << runtime::describe(*it) << "\n"
                     << std::flush;
    }
    answered_[it->dst_port - 1u] = true;
    result_.errors.push_back(*it);
    it = errors.erase(it);
  }
  check_done();
}

void Ping::print_summary(std::ostream& os) const {
  os << "--- " << dst_ << " ping statistics ---\n";
  const int loss = result_.sent == 0 ? 0 : (100 * (result_.sent - result_.received)) / result_.sent;
  const long long elapsed_ms =
      sent_at_.empty() ? 0
                       : std::chrono::duration_cast<std::chrono::milliseconds>(sent_at_.back() - sent_at_.front()).count();
  os << result_.sent << " packets transmitted, " << result_.received << " received";
  if (result_.duplicates > 0) os << ", +" << result_.duplicates << " duplicates";
  if (!result_.errors.empty()) os << ", +" << result_.errors.size() << " errors";
  os << ", " << loss << "% packet loss, time " << elapsed_ms << "ms\n";
  if (result_.rtts.empty()) return;
  char line[128];
  std::snprintf(line, sizeof line, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", to_ms(result_.min_rtt()),
                to_ms(result_.avg_rtt()), to_ms(result_.max_rtt()), to_ms(result_.mdev_rtt()));
  os << line;
}

// ---- traceroute ---------------------------------------------------------------

std::ostream& operator<<(std::ostream& os, const std::vector<TracerouteHop>& hops) {
  for (const auto& h : hops) {
    char ttl[8];
    std::snprintf(ttl, sizeof ttl, "%2u", static_cast<unsigned>(h.ttl));
    os << ttl << "  ";
    if (!h.from) {
      os << "*\n";
      continue;
    }
    os << *h.from;
    if (h.rtt) os << "  " << ms(*h.rtt);
    if (!h.note.empty()) os << " " << h.note;
    os << "\n";
  }
  return os;
}

Traceroute::Traceroute(runtime::Host& host, IpAddress dst, TracerouteConfig config)
    : host_(host), dst_(dst), config_(std::move(config)) {
  hook_ = host_.on_activity([this] { collect(); });
  next_ = host_.schedule_in(Duration::zero(), [this] {
    next_ = {};
    probe();
  });
}

Traceroute::~Traceroute() {
  host_.cancel(timeout_);
  host_.cancel(next_);
  host_.remove_activity(hook_);
}

void Traceroute::probe() {
  const auto ttl = static_cast<std::uint8_t>(hops_.size() + 1);
  hops_.push_back(TracerouteHop{.ttl = ttl});
  sent_at_ = host_.now();
  waiting_ = true;
  // One probe per hop; its sequence number is its TTL, so answers match.
  auto r = host_.send_echo(dst_, config_.ident, ttl, 32, runtime::EchoOptions{.ttl = ttl});
  if (!r) {
    hops_.back().note = "send failed: " + r.error().message;
    waiting_ = false;
    finish();
    return;
  }
  timeout_ = host_.schedule_in(config_.probe_timeout, [this] {
    timeout_ = {};
    finish_hop();
  });
}

void Traceroute::collect() {
  if (!waiting_) return;
  TracerouteHop& hop = hops_.back();
  auto& replies = host_.echo_replies();
  for (auto it = replies.begin(); it != replies.end(); ++it) {
    if (it->ident == config_.ident && it->seq == hop.ttl && it->from == dst_) {
      hop.from = it->from;
      hop.rtt = it->at - sent_at_;
      hop.reached = true;
      replies.erase(it);
      break;
    }
  }
  auto& errors = host_.icmp_errors();
  for (auto it = errors.begin(); !hop.from && it != errors.end(); ++it) {
    if (runtime::about_echo(*it, dst_, config_.ident) && it->dst_port == hop.ttl) {
      hop.from = it->from;
      hop.rtt = it->at - sent_at_;
      hop.note = runtime::traceroute_mark(*it);
      if (!hop.note.empty()) hop.reached = true;  // unreachable: nothing further will answer
      errors.erase(it);
      break;
    }
  }
  if (hop.from) {
    host_.cancel(timeout_);
    timeout_ = {};
    // Not from inside the host's activity: the next probe from a timer.
    next_ = host_.schedule_in(Duration::zero(), [this] {
      next_ = {};
      finish_hop();
    });
    waiting_ = false;
  }
}

void Traceroute::finish_hop() {
  waiting_ = false;
  const TracerouteHop& hop = hops_.back();
  if (hop.reached || hop.ttl >= config_.max_hops) {
    finish();
    return;
  }
  probe();
}

void Traceroute::finish() {
  done_ = true;
  if (config_.on_done) config_.on_done();
}

}  // namespace wirestack::app
