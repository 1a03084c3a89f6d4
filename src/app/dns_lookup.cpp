#include "app/dns_lookup.hpp"

#include <array>

namespace wirestack::app {

DnsLookup::DnsLookup(runtime::Host& host, IpEndpoint server, std::string name, dns::Type type, DnsLookupConfig config,
                     Done done)
    : host_(host), server_(server), name_(std::move(name)), rng_(config.seed), done_(std::move(done)),
      udp_(host.udp().open()) {
  started_ = host_.now();
  auto n = dns::Name::parse(name_);
  if (!n) {
    result_ = Result<dns::LookupResult, dns::LookupError>(
        Unexpected{dns::LookupError{dns::LookupErrc::bad_response, dns::Rcode::noerror, "bad name: " + n.error()}});
    timer_ = host_.schedule_in(Duration::zero(), [this] { finish(); });  // the callback never runs inside the constructor
    return;
  }
  lookup_.emplace(*n, type, server_, config.lookup, rng_, started_);
  if (auto r = host_.udp().connect(udp_, server_); !r) {
    result_ = Result<dns::LookupResult, dns::LookupError>(Unexpected{
        dns::LookupError{dns::LookupErrc::timeout, dns::Rcode::noerror, "cannot reach " + server_.to_string() + ": " + r.error().message}});
    timer_ = host_.schedule_in(Duration::zero(), [this] { finish(); });
    return;
  }
  hook_ = host_.on_activity([this] { on_activity(); });
  timer_ = host_.schedule_in(Duration::zero(), [this] { pump(); });
}

DnsLookup::~DnsLookup() {
  host_.cancel(timer_);
  if (hook_) host_.remove_activity(*hook_);
  (void)host_.udp().close(udp_);
  if (tcp_) (void)host_.tcp().abort(*tcp_);
}

void DnsLookup::pump() {
  if (finished_ || !lookup_) return;
  const Instant now = host_.now();
  while (auto tx = lookup_->poll_transmit(now)) {
    if (tx->transport == dns::Transport::udp) {
      (void)host_.udp().send(udp_, tx->bytes);  // lost or refused: the retry timer covers it
    } else {
      auto& tcp = host_.tcp();
      if (tcp_) (void)tcp.abort(*tcp_);
      tcp_ = tcp.open();
      tcp_out_ = tx->bytes;
      if (auto r = tcp.connect(*tcp_, tx->to, now); !r) lookup_->on_tcp_closed(now);
    }
  }
  if (lookup_->done()) {
    finish();
    return;
  }
  host_.cancel(timer_);
  if (auto t = lookup_->poll_at()) timer_ = host_.schedule_at(std::max(*t, now), [this] { pump(); });
}

void DnsLookup::on_activity() {
  if (finished_ || !lookup_) return;
  const Instant now = host_.now();
  auto& udp = host_.udp();
  while (auto d = udp.recv_from(udp_)) lookup_->on_udp(d->from, d->payload, now);
  (void)udp.take_error(udp_);  // port unreachable: keep waiting, the retries decide
  if (tcp_ && !lookup_->done()) {
    auto& tcp = host_.tcp();
    if (tcp.take_error(*tcp_)) {
      lookup_->on_tcp_closed(now);
    } else {
      if (!tcp_out_.empty() && (tcp.readiness(*tcp_) & tcp::ready::kWritable) != 0) {
        if (auto n = tcp.send(*tcp_, tcp_out_)) {
          tcp_out_.erase(tcp_out_.begin(), tcp_out_.begin() + static_cast<std::ptrdiff_t>(*n));
        }
      }
      std::array<std::byte, 4096> buf{};
      for (;;) {
        auto r = tcp.recv(*tcp_, buf);
        if (!r) {
          if (r.error().code != tcp::Errc::would_block) lookup_->on_tcp_closed(now);
          break;
        }
        if (*r == 0) {
          lookup_->on_tcp_closed(now);
          break;
        }
        lookup_->on_tcp_data(Bytes(buf).first(*r), now);
        if (lookup_->done()) break;
      }
    }
  }
  if (lookup_->done()) {
    finish();
  } else {
    pump();
  }
}

void DnsLookup::finish() {
  if (finished_) return;
  finished_ = true;
  if (lookup_ && lookup_->done()) result_ = lookup_->result();
  latency_ = host_.now() - started_;
  host_.cancel(timer_);
  if (tcp_) {
    (void)host_.tcp().close(*tcp_);  // RFC 7766 6.2.1: the client closes
    tcp_.reset();
  }
  if (done_) done_(*this);
}

}  // namespace wirestack::app
