#include "loop/apps.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace wirestack::loop {

// ---- UDP echo -------------------------------------------------------------------

UdpEchoServer::UdpEchoServer(TapHost& host, std::uint16_t port)
    : host_(host), socket_(host.stack().udp().open()), bound_(host.stack().udp_bind(socket_, {{}, port})) {
  hook_ = host_.on_activity([this] {
    auto& udp = host_.stack().udp();
    while (true) {
      auto d = udp.recv_from(socket_);
      if (!d) break;
      if (udp.send_to(socket_, d->from, d->payload)) ++echoed_;
    }
  });
}

UdpEchoServer::~UdpEchoServer() {
  host_.remove_activity(hook_);
  host_.stack().udp().close(socket_);  // false only for a stale handle
}

// ---- ping -------------------------------------------------------------------------

namespace {

double to_ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ping(8)'s words for an ICMP error.
const char* describe(const iface::IcmpError& e) {
  if (e.type == Icmpv4Type::time_exceeded) return e.code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
  if (e.type != Icmpv4Type::dst_unreachable) return "ICMP error";
  switch (e.code) {
    case 0: return "Destination Net Unreachable";
    case 1: return "Destination Host Unreachable";
    case 2: return "Destination Protocol Unreachable";
    case 3: return "Destination Port Unreachable";
    case 4: return "Frag needed and DF set";
    case 13: return "Communication administratively prohibited";
    default: return "Destination Unreachable";
  }
}

}  // namespace

Pinger::Pinger(TapHost& host, Ipv4Address dst, PingerConfig config, std::ostream& out)
    : host_(host), dst_(dst), config_(config), out_(out) {
  hook_ = host_.on_activity([this] { on_activity(); });
}

Pinger::~Pinger() { host_.remove_activity(hook_); }

void Pinger::on_activity() {
  const Instant now = host_.now();
  if (!started_) {
    started_ = now;
    next_send_ = now;
  }
  // Replies and errors that are ours (ident, destination, a sequence we sent).
  auto& replies = host_.ping_replies();
  for (auto it = replies.begin(); it != replies.end();) {
    if (it->ident != config_.ident || it->from != dst_ || it->seq < 1 || it->seq > sent_at_.size()) {
      ++it;
      continue;
    }
    const std::size_t i = it->seq - 1u;
    const Duration rtt = it->at - sent_at_[i];
    char line[160];
    std::snprintf(line, sizeof line, "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms%s", it->payload_len + 8,
                  it->from.to_string().c_str(), static_cast<unsigned>(it->seq), static_cast<unsigned>(it->ttl),
                  to_ms(rtt), answered_[i] ? " (DUP!)" : "");
    out_ << line << "\n" << std::flush;
    if (answered_[i]) {
      ++duplicates_;
    } else {
      answered_[i] = true;
      ++received_;
      rtts_.push_back(rtt);
    }
    it = replies.erase(it);
  }
  auto& errors = host_.icmp_errors();
  for (auto it = errors.begin(); it != errors.end();) {
    if (it->orig_protocol != IpProtocol::icmp || it->orig_dst != dst_ || it->src_port != config_.ident ||
        it->dst_port < 1 || it->dst_port > sent_at_.size()) {
      ++it;
      continue;
    }
    out_ << "From " << it->from << " icmp_seq=" << it->dst_port << " " << describe(*it) << "\n" << std::flush;
    ++errors_;
    answered_[it->dst_port - 1u] = true;
    it = errors.erase(it);
  }

  const bool more = config_.count == 0 || sent_ < config_.count;
  if (more && now >= next_send_) {
    const auto seq = static_cast<std::uint16_t>(sent_ + 1);
    auto r = host_.stack().send_ping(dst_, config_.ident, seq, config_.payload_len, now);
    if (!r) out_ << "ping: icmp_seq=" << seq << ": " << r.error() << "\n" << std::flush;
    ++sent_;
    sent_at_.push_back(now);
    answered_.push_back(false);
    last_sent_ = now;
    next_send_ = std::max(next_send_ + config_.interval, now);
  }
  if (config_.count == 0 || sent_ < config_.count) {
    host_.wake_at(next_send_);
    return;
  }
  const bool all_answered = std::all_of(answered_.begin(), answered_.end(), [](bool a) { return a; });
  if (all_answered || now >= last_sent_ + config_.linger) {
    host_.stop();
    return;
  }
  host_.wake_at(last_sent_ + config_.linger);
}

void Pinger::print_summary(std::ostream& os) const {
  os << "--- " << dst_ << " ping statistics ---\n";
  const int loss = sent_ == 0 ? 0 : (100 * (sent_ - received_)) / sent_;
  const long long elapsed_ms =
      started_ ? std::chrono::duration_cast<std::chrono::milliseconds>(last_sent_ - *started_).count() : 0;
  os << sent_ << " packets transmitted, " << received_ << " received";
  if (duplicates_ > 0) os << ", +" << duplicates_ << " duplicates";
  if (errors_ > 0) os << ", +" << errors_ << " errors";
  os << ", " << loss << "% packet loss, time " << elapsed_ms << "ms\n";
  if (rtts_.empty()) return;
  double min = to_ms(rtts_.front());
  double max = min;
  double sum = 0;
  double sum_sq = 0;
  for (const Duration d : rtts_) {
    const double v = to_ms(d);
    min = std::min(min, v);
    max = std::max(max, v);
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(rtts_.size());
  const double avg = sum / n;
  const double mdev = std::sqrt(std::max(0.0, sum_sq / n - avg * avg));
  char line[128];
  std::snprintf(line, sizeof line, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, avg, max, mdev);
  os << line;
}

}  // namespace wirestack::loop
