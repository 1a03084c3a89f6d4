#include "sim/apps.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace wirestack::sim {

namespace {
std::string ms(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", std::chrono::duration<double, std::milli>(d).count());
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

PingApp::PingApp(Host& host, Ipv4Address dst, PingConfig config) : host_(host), dst_(dst), config_(config) {
  if (config_.ident == 0) config_.ident = host_.next_ping_ident();
  hook_ = host_.on_activity([this] { collect(); });
  next_ = host_.queue().schedule_in(config_.start, [this] { send_next(); });
}

PingApp::~PingApp() {
  host_.queue().cancel(next_);
  host_.remove_activity(hook_);
}

bool PingApp::done() const {
  return result_.sent == config_.count && result_.received + static_cast<int>(result_.errors.size()) >= result_.sent;
}

void PingApp::send_next() {
  next_ = {};
  const auto seq = static_cast<std::uint16_t>(result_.sent + 1);
  const Instant now = host_.queue().now();
  auto r = host_.stack().send_ping(dst_, config_.ident, seq, config_.payload_len, now,
                                   iface::PingOptions{.ttl = config_.ttl, .dont_fragment = false});
  ++result_.sent;
  sent_at_.push_back(now);
  answered_.push_back(false);
  if (!r) {
    std::ostringstream os;
    os << "icmp_seq=" << seq << ": " << r.error();
    result_.send_errors.push_back(os.str());
  }
  host_.kick();
  if (result_.sent < config_.count) next_ = host_.queue().schedule_in(config_.interval, [this] { send_next(); });
}

void PingApp::collect() {
  auto& replies = host_.ping_replies();
  for (auto it = replies.begin(); it != replies.end();) {
    if (it->ident == config_.ident && it->from == dst_ && it->seq >= 1 && it->seq <= sent_at_.size()) {
      if (answered_[it->seq - 1]) {
        ++result_.duplicates;  // a duplicated frame: one answer per request
      } else {
        answered_[it->seq - 1] = true;
        ++result_.received;
        result_.rtts.push_back(it->at - sent_at_[it->seq - 1]);
        result_.replies.push_back(*it);
      }
      it = replies.erase(it);
    } else {
      ++it;
    }
  }
  auto& errors = host_.icmp_errors();
  for (auto it = errors.begin(); it != errors.end();) {
    if (it->orig_protocol == IpProtocol::icmp && it->orig_dst == dst_ && it->src_port == config_.ident) {
      result_.errors.push_back(*it);
      it = errors.erase(it);
    } else {
      ++it;
    }
  }
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

TracerouteApp::TracerouteApp(Host& host, Ipv4Address dst, TracerouteConfig config)
    : host_(host), dst_(dst), config_(config) {
  hook_ = host_.on_activity([this] { collect(); });
  next_ = host_.queue().schedule_in(Duration::zero(), [this] {
    next_ = {};
    probe();
  });
}

TracerouteApp::~TracerouteApp() {
  host_.queue().cancel(timeout_);
  host_.queue().cancel(next_);
  host_.remove_activity(hook_);
}

void TracerouteApp::probe() {
  const auto ttl = static_cast<std::uint8_t>(hops_.size() + 1);
  hops_.push_back(TracerouteHop{.ttl = ttl});
  sent_at_ = host_.queue().now();
  waiting_ = true;
  // One probe per hop; its sequence number is its TTL, so answers match.
  auto r = host_.stack().send_ping(dst_, config_.ident, ttl, 32, sent_at_, iface::PingOptions{.ttl = ttl});
  if (!r) {
    hops_.back().note = "send failed";
    done_ = true;
    waiting_ = false;
    return;
  }
  timeout_ = host_.queue().schedule_in(config_.probe_timeout, [this] {
    timeout_ = {};
    finish_hop();
  });
  host_.kick();
}

void TracerouteApp::collect() {
  if (!waiting_) return;
  TracerouteHop& hop = hops_.back();
  auto& replies = host_.ping_replies();
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
    if (it->orig_protocol == IpProtocol::icmp && it->orig_dst == dst_ && it->src_port == config_.ident &&
        it->dst_port == hop.ttl) {
      hop.from = it->from;
      hop.rtt = it->at - sent_at_;
      if (it->type == Icmpv4Type::dst_unreachable) {
        // traceroute(8)'s annotations: !N net, !H host, !P protocol, !F
        // fragmentation needed, !X administratively prohibited.
        switch (it->code) {
          case 0: hop.note = "!N"; break;
          case 1: hop.note = "!H"; break;
          case 2: hop.note = "!P"; break;
          case 4: hop.note = "!F"; break;
          case 13: hop.note = "!X"; break;
          default: hop.note = "!" + std::to_string(it->code); break;
        }
        hop.reached = true;  // nothing further will answer
      }
      errors.erase(it);
      break;
    }
  }
  if (hop.from) {
    host_.queue().cancel(timeout_);
    timeout_ = {};
    // Not from inside the host's activity: schedule the next step.
    next_ = host_.queue().schedule_in(Duration::zero(), [this] {
      next_ = {};
      finish_hop();
    });
    waiting_ = false;
  }
}

void TracerouteApp::finish_hop() {
  waiting_ = false;
  const TracerouteHop& hop = hops_.back();
  if (hop.reached || hop.ttl >= config_.max_hops) {
    done_ = true;
    return;
  }
  probe();
}

// ---- UDP echo -------------------------------------------------------------------

UdpEchoServer::UdpEchoServer(Host& host, std::uint16_t port)
    : host_(host), socket_(host.stack().udp().open()), bound_(host.stack().udp().bind(socket_, {{}, port})) {
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
  (void)host_.stack().udp().close(socket_);
}

UdpClient::UdpClient(Host& host, IpEndpoint dst, Config config)
    : host_(host), dst_(dst), config_(std::move(config)), socket_(host.stack().udp().open()) {
  (void)host_.stack().udp().connect(socket_, dst_).has_value();
  hook_ = host_.on_activity([this] {
    auto& udp = host_.stack().udp();
    while (true) {
      auto d = udp.recv_from(socket_);
      if (!d) break;
      received_.emplace_back(reinterpret_cast<const char*>(d->payload.data()), d->payload.size());
    }
    if (auto e = udp.take_error(socket_)) errors_.push_back(*e);
  });
  next_ = host_.queue().schedule_in(Duration::zero(), [this] { send_next(); });
}

UdpClient::~UdpClient() {
  host_.queue().cancel(next_);
  host_.remove_activity(hook_);
  (void)host_.stack().udp().close(socket_);  // the port is free again
}

void UdpClient::send_next() {
  next_ = {};
  if (auto r = host_.stack().udp().send(socket_, as_bytes(config_.payload)); !r) {
    errors_.push_back(r.error().code);
  }
  ++sent_;
  host_.kick();
  if (sent_ < config_.count) next_ = host_.queue().schedule_in(config_.interval, [this] { send_next(); });
}

}  // namespace wirestack::sim
