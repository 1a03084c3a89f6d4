#include "dns/resolver.hpp"

#include <algorithm>

namespace wirestack::dns {
namespace {
constexpr int kMaxNames = 8;
}

std::string_view to_string(LookupErrc e) {
  switch (e) {
    case LookupErrc::timeout: return "no answer (timed out)";
    case LookupErrc::server_error: return "the server answered with an error";
    case LookupErrc::bad_response: return "bad response";
    case LookupErrc::tcp_failed: return "TCP connection for a truncated answer failed";
    case LookupErrc::too_many_cnames: return "CNAME chain too long";
  }
  return "unknown error";
}

std::vector<IpAddress> LookupResult::addresses() const {
  std::vector<IpAddress> out;
  for (const auto& r : answers) {
    if (const auto* a = std::get_if<AddressData>(&r.data)) out.push_back(a->addr);
  }
  return out;
}

Lookup::Lookup(Name name, Type type, IpEndpoint server, LookupConfig config, Rng& rng, Instant now)
    : question_{std::move(name), type, kClassIn}, original_(question_), server_(server), config_(config), rng_(rng) {
  (void)now;
  id_ = static_cast<std::uint16_t>(rng_.next_u32());
  partial_.canonical = question_.name;
}

ByteVec Lookup::query_bytes() const {
  Message q;
  q.header = Header{.id = id_, .rd = config_.recursion_desired};
  q.questions.push_back(question_);
  if (config_.edns_size != 0) {
    q.additional.push_back(
        Record{.name = Name{}, .type = Type::opt, .klass = config_.edns_size, .ttl = 0, .data = OpaqueData{}});
  }
  return q.emit();
}

std::optional<Lookup::Transmit> Lookup::poll_transmit(Instant now) {
  if (phase_ == Phase::wait_udp && now >= deadline_) {
    if (tries_ >= config_.attempts) {
      fail(LookupErrc::timeout, "no answer from " + server_.to_string() + " after " + std::to_string(tries_) +
                                    " tries for " + question_.name.to_string());
      return std::nullopt;
    }
    phase_ = Phase::send_udp;  // RFC 1035 4.2.1: retransmit, same id
  }
  if (phase_ == Phase::wait_tcp && now >= deadline_) {
    fail(LookupErrc::timeout, "no answer over TCP from " + server_.to_string());
    return std::nullopt;
  }
  if (phase_ == Phase::send_udp) {
    const Duration wait = config_.timeout * (1 << std::min(tries_, 6));
    ++tries_;
    ++partial_.queries;
    deadline_ = now + wait;
    phase_ = Phase::wait_udp;
    return Transmit{Transport::udp, server_, query_bytes()};
  }
  if (phase_ == Phase::send_tcp) {
    ++partial_.queries;
    partial_.used_tcp = true;
    framer_ = TcpFramer{};
    deadline_ = now + config_.timeout * 4;
    phase_ = Phase::wait_tcp;
    return Transmit{Transport::tcp, server_, frame_tcp(query_bytes())};
  }
  return std::nullopt;
}

std::optional<Instant> Lookup::poll_at() const {
  switch (phase_) {
    case Phase::send_udp:
    case Phase::send_tcp: return Instant{};  // at once
    case Phase::wait_udp:
    case Phase::wait_tcp: return deadline_;
    case Phase::finished: return std::nullopt;
  }
  return std::nullopt;
}

void Lookup::on_udp(const IpEndpoint& from, Bytes datagram, Instant now) {
  // RFC 5452 9.1: only from the address and port we asked.
  if (phase_ != Phase::wait_udp || from != server_) {
    ++ignored_;
    return;
  }
  take(datagram, now);
}

void Lookup::on_tcp_data(Bytes data, Instant now) {
  if (phase_ != Phase::wait_tcp) return;
  framer_.push(data);
  while (phase_ == Phase::wait_tcp) {
    auto m = framer_.next();
    if (!m) break;
    take(*m, now);
  }
  if (framer_.bad()) fail(LookupErrc::bad_response, "zero-length message over TCP");
}

void Lookup::on_tcp_closed(Instant) {
  if (phase_ == Phase::wait_tcp) fail(LookupErrc::tcp_failed, "the TCP connection to " + server_.to_string() + " closed before the answer");
}

void Lookup::take(Bytes response, Instant) {
  auto m = Message::parse(response);
  if (!m || !m->header.qr || m->header.id != id_ || m->questions.size() != 1 || !(m->questions[0] == question_)) {
    ++ignored_;  // not the answer to our question: keep waiting
    return;
  }
  if (m->header.tc) {
    if (phase_ == Phase::wait_tcp) {
      fail(LookupErrc::bad_response, "truncated answer over TCP");
      return;
    }
    phase_ = Phase::send_tcp;  // RFC 7766 5: ask again over TCP
    return;
  }
  const Rcode rc = m->header.rcode;
  if (rc != Rcode::noerror && rc != Rcode::nxdomain) {
    fail(LookupErrc::server_error,
         server_.to_string() + " answered " + std::string(to_string(rc)) + " for " + question_.name.to_string(), rc);
    return;
  }
  // Follow the CNAME chain inside the answer (RFC 1034 5.2.2).
  Name at = question_.name;
  std::vector<Record> found;
  for (int hop = 0; hop <= kMaxNames; ++hop) {
    bool moved = false;
    for (const auto& r : m->answers) {
      if (!(r.name == at) || r.klass != kClassIn) continue;
      if (r.type == question_.type) found.push_back(r);
    }
    if (!found.empty() || question_.type == Type::cname) break;
    for (const auto& r : m->answers) {
      if (r.name == at && r.type == Type::cname && r.klass == kClassIn) {
        partial_.chain.push_back(r);
        at = std::get<NameData>(r.data).name;
        moved = true;
        break;
      }
    }
    if (!moved) break;
    if (partial_.chain.size() > kMaxNames) {
      fail(LookupErrc::too_many_cnames, "more than 8 CNAMEs from " + original_.name.to_string());
      return;
    }
  }
  partial_.canonical = at;
  if (!found.empty() || rc == Rcode::nxdomain || at == question_.name) {  // answers, NXDOMAIN or NODATA
    partial_.answers = std::move(found);
    partial_.rcode = rc;
    phase_ = Phase::finished;
    result_ = partial_;
    return;
  }
  // The chain ended at a name the answer says nothing more about: NODATA if
  // the server said so (an SOA in authority), otherwise ask for the target.
  const bool negative = std::ranges::any_of(m->authority, [](const Record& r) { return r.type == Type::soa; });
  if (negative) {
    partial_.rcode = rc;
    phase_ = Phase::finished;
    result_ = partial_;
    return;
  }
  restart(at);
}

void Lookup::restart(Name target) {
  question_.name = std::move(target);
  id_ = static_cast<std::uint16_t>(rng_.next_u32());
  tries_ = 0;
  phase_ = Phase::send_udp;
}

void Lookup::fail(LookupErrc code, std::string message, Rcode rcode) {
  phase_ = Phase::finished;
  result_ = Result<LookupResult, LookupError>(Unexpected{LookupError{code, rcode, std::move(message)}});
}

}  // namespace wirestack::dns
