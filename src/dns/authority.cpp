#include "dns/authority.hpp"

#include <algorithm>

namespace wirestack::dns {
namespace {

constexpr int kMaxCnameChain = 8;

// The response header: id, opcode and RD echoed (RFC 1035 4.1.1).
Header reply_header(const Header& q, Rcode rcode, bool aa) {
  return Header{.id = q.id, .qr = true, .opcode = q.opcode, .aa = aa, .rd = q.rd, .cd = q.cd, .rcode = rcode};
}

ByteVec bare(const Header& q, Rcode rcode) {
  Message m;
  m.header = reply_header(q, rcode, false);
  return m.emit();
}

Record negative_soa(const Zone& zone, const Name& apex) {
  Record soa = zone.soa(apex);
  soa.ttl = std::min(soa.ttl, std::get<SoaData>(soa.data).minimum);  // RFC 2308 3
  return soa;
}

}  // namespace

std::optional<ByteVec> answer(const Zone& zone, Bytes query, Transport transport, AnswerStats& stats) {
  ++stats.queries;
  auto hv = HeaderView::checked(query);
  if (!hv || hv->qr()) {  // too short to answer, or a response: never answer those (loops)
    ++stats.dropped;
    return std::nullopt;
  }
  const Header qh = Header::from(*hv);
  auto q = Message::parse(query);
  if (!q) {
    ++stats.formerr;
    return bare(qh, Rcode::formerr);
  }
  if (qh.opcode != Opcode::query) {
    ++stats.notimp;
    return bare(qh, Rcode::notimp);
  }
  if (q->questions.size() != 1 || !q->answers.empty() || !q->authority.empty()) {
    ++stats.formerr;
    return bare(qh, Rcode::formerr);
  }
  const Question& question = q->questions.front();
  Message r;
  r.header = reply_header(qh, Rcode::noerror, true);
  r.questions.push_back(question);

  // EDNS0: at most one OPT, owned by the root (RFC 6891 6.1.1).
  std::size_t limit = kUdpLimit;
  const auto opts = std::ranges::count_if(q->additional, [](const Record& x) { return x.type == Type::opt; });
  if (opts > 1) {
    ++stats.formerr;
    return bare(qh, Rcode::formerr);
  }
  if (auto size = q->edns_udp_size()) {
    limit = std::clamp<std::size_t>(*size, kUdpLimit, kEdnsSize);
    r.additional.push_back(Record{.name = Name{}, .type = Type::opt, .klass = kEdnsSize, .ttl = 0,
                                  .data = OpaqueData{}});
    const auto opt = std::ranges::find_if(q->additional, [](const Record& x) { return x.type == Type::opt; });
    if ((opt->ttl >> 16 & 0xff) != 0) {
      // RFC 6891 6.1.3: a version we do not speak: BADVERS (16), whose high
      // bits travel in our OPT's extended-rcode byte; no answer.
      r.additional.back().ttl = std::uint32_t{16 >> 4} << 24;
      ++stats.badvers;
      return r.emit(kUdpLimit);
    }
  }
  if (transport == Transport::tcp) limit = 65535;

  const auto finish = [&](Rcode rcode, bool aa) {
    r.header.rcode = rcode;
    r.header.aa = aa;
    ByteVec out = r.emit(limit);
    if (HeaderView(out).tc()) ++stats.truncated;
    return out;
  };
  if (question.klass != kClassIn && question.klass != kClassAny) {
    ++stats.refused;
    return finish(Rcode::refused, false);
  }
  if (question.type == Type::axfr || question.type == Type::ixfr || question.type == Type::opt) {
    ++stats.notimp;  // no zone transfers
    return finish(Rcode::notimp, false);
  }
  const Name* apex = zone.apex_for(question.name);
  if (apex == nullptr) {
    ++stats.refused;
    return finish(Rcode::refused, false);
  }
  Name name = question.name;
  for (int hop = 0; hop <= kMaxCnameChain; ++hop) {
    const auto* rrs = zone.find(name);
    if (rrs == nullptr) {
      // RFC 1034 4.3.2 3c: the name does not exist (an empty non-terminal does).
      const bool exists = zone.exists(name);
      r.authority.push_back(negative_soa(zone, *zone.apex_for(name)));
      if (exists) {
        ++stats.nodata;
        return finish(Rcode::noerror, true);
      }
      ++stats.nxdomain;
      return finish(Rcode::nxdomain, true);  // RFC 6604: the rcode of the chain's last name
    }
    bool matched = false;
    for (const auto& rec : *rrs) {
      if (rec.type == question.type || question.type == Type::any) {
        Record copy = rec;
        copy.name = name;  // as asked (case), the owner of the chain's step
        r.answers.push_back(std::move(copy));
        matched = true;
      }
    }
    if (matched) {
      ++stats.answered;
      return finish(Rcode::noerror, true);
    }
    const auto cname = std::ranges::find_if(*rrs, [](const Record& x) { return x.type == Type::cname; });
    if (cname == rrs->end()) {
      r.authority.push_back(negative_soa(zone, *zone.apex_for(name)));
      ++stats.nodata;
      return finish(Rcode::noerror, true);
    }
    // RFC 1034 3.6.2: give the CNAME and restart at its target.
    Record copy = *cname;
    copy.name = name;
    r.answers.push_back(copy);
    name = std::get<NameData>(cname->data).name;
    if (zone.apex_for(name) == nullptr) {  // leaves our zones: the client follows it
      ++stats.answered;
      return finish(Rcode::noerror, true);
    }
  }
  ++stats.answered;  // a chain longer than we follow: what we have
  return finish(Rcode::noerror, true);
}

ByteVec frame_tcp(Bytes message) {
  const std::size_t n = std::min<std::size_t>(message.size(), 0xffff);
  ByteVec out(2 + n);
  store_be16(out, 0, static_cast<std::uint16_t>(n));
  std::copy_n(message.begin(), n, out.begin() + 2);
  return out;
}

std::optional<ByteVec> TcpFramer::next() {
  if (bad_ || buf_.size() < 2) return std::nullopt;
  const std::size_t len = load_be16(buf_, 0);
  if (len == 0) {
    bad_ = true;
    return std::nullopt;
  }
  if (buf_.size() < 2 + len) return std::nullopt;
  ByteVec m(buf_.begin() + 2, buf_.begin() + 2 + static_cast<std::ptrdiff_t>(len));
  buf_.erase(buf_.begin(), buf_.begin() + 2 + static_cast<std::ptrdiff_t>(len));
  return m;
}

}  // namespace wirestack::dns
