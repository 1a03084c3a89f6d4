// scenario/tcp_tally.cpp — the run's TCP figures, a hash lookup per frame.
#include "scenario/tcp_tally.hpp"

#include <cstring>

#include "base/hash.hpp"
#include "wire/ethernet.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/tcp.hpp"

namespace wirestack::scenario {

namespace {

bool before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

// Up to 8 bytes of `b` from `at`, in memory order (a hash input only).
std::uint64_t load(Bytes b, std::size_t at, std::size_t n) {
  std::uint64_t w = 0;
  std::memcpy(&w, b.data() + at, n);
  return w;
}

// The hash of a direction: its source and destination addresses (the bytes
// as on the wire, 4 or 16 each) and ports. Swapping the ends changes it.
std::uint64_t direction_key(Bytes src, Bytes dst, std::uint16_t sport, std::uint16_t dport) {
  std::uint64_t h = mix64(std::uint64_t{sport} << 16 | dport | std::uint64_t{src.size()} << 32);
  if (src.size() == 4) {  // IPv4: both addresses in one word, one mix (per frame: 2 % of a run)
    h = mix64(h ^ (load(src, 0, 4) | load(dst, 0, 4) << 32));
    return h != 0 ? h : 1;
  }
  for (const Bytes a : {src, dst}) {
    for (std::size_t at = 0; at < a.size(); at += 8) h = mix64(h ^ load(a, at, std::min<std::size_t>(8, a.size() - at)));
  }
  return h != 0 ? h : 1;  // 0 marks a free place in the table
}

// Hop-by-hop (0), routing (43) and destination options (60) carry their
// length in 8-octet units after the first 8; a fragment (44) ends the walk:
// only whole segments are tallied, as the narrator dissects them.
bool skippable_ipv6_extension(std::uint8_t next) { return next == 0 || next == 43 || next == 60; }

}  // namespace

TcpTally::Dir* TcpTally::find(std::uint64_t key) {
  if (table_.empty()) return nullptr;
  for (std::size_t i = key & mask_;; i = (i + 1) & mask_) {
    Dir& d = table_[i];
    if (d.key == key) return &d;
    if (d.key == 0) return nullptr;
  }
}

TcpTally::Dir& TcpTally::find_or_add(std::uint64_t key, std::uintptr_t link) {
  if (Dir* d = find(key)) return *d;
  if ((size_ + 1) * 2 > table_.size()) grow();
  std::size_t i = key & mask_;
  while (table_[i].key != 0) i = (i + 1) & mask_;
  ++size_;
  return table_[i] = Dir{.key = key, .link = link};
}

void TcpTally::grow() {
  std::vector<Dir> old = std::move(table_);
  table_.assign(old.empty() ? 1024 : old.size() * 2, Dir{});
  mask_ = table_.size() - 1;
  for (const Dir& d : old) {
    if (d.key == 0) continue;
    std::size_t i = d.key & mask_;
    while (table_[i].key != 0) i = (i + 1) & mask_;
    table_[i] = d;
  }
}

void TcpTally::on_frame(std::uintptr_t link, Bytes frame) {
  const auto eth = EthernetFrame::checked(frame);
  if (!eth) return;
  Bytes src, dst, l4;
  if (eth->ethertype() == EtherType::ipv4) {
    const auto ip = Ipv4Packet::checked(eth->payload());
    if (!ip || ip->protocol() != IpProtocol::tcp || ip->more_fragments() || ip->frag_offset() != 0) return;
    const Bytes h = eth->payload();
    src = h.subspan(12, 4);
    dst = h.subspan(16, 4);
    l4 = ip->payload();
  } else if (eth->ethertype() == EtherType::ipv6) {
    const auto ip = Ipv6Packet::checked(eth->payload());
    if (!ip) return;
    const Bytes h = eth->payload();
    src = h.subspan(8, 16);
    dst = h.subspan(24, 16);
    l4 = ip->payload();
    auto next = static_cast<std::uint8_t>(ip->next_header());
    while (skippable_ipv6_extension(next)) {
      if (l4.size() < 8) return;
      const std::size_t len = (std::size_t{std::to_integer<std::uint8_t>(l4[1])} + 1) * 8;
      if (l4.size() < len) return;
      next = std::to_integer<std::uint8_t>(l4[0]);
      l4 = l4.subspan(len);
    }
    if (next != static_cast<std::uint8_t>(IpProtocol::tcp)) return;
  } else {
    return;
  }
  const auto seg = TcpPacket::checked(l4);
  if (!seg) return;
  const std::uint16_t sport = seg->src_port();
  const std::uint16_t dport = seg->dst_port();
  const std::uint64_t key = direction_key(src, dst, sport, dport);
  Dir& me = find_or_add(key, link);
  if (me.link != link) return;  // a copy of a frame its sender's link carried
  const std::uint32_t seq = seg->seq_number();
  const auto len = static_cast<std::uint32_t>(seg->payload().size());
  if (seg->syn() && !me.has_isn) {
    me.isn = seq;
    me.has_isn = true;
  }
  const std::uint32_t seg_len = len + (seg->syn() ? 1u : 0u) + (seg->fin() ? 1u : 0u);
  const std::uint32_t end = seq + seg_len;
  if (seg_len > 0 && me.has_high && before(seq, me.high)) retransmitted_.insert(mix64(key ^ seq));
  if (seg_len > 0 && (!me.has_high || before(me.high, end))) {
    me.high = end;
    me.has_high = true;
  }
  if (seg->rst() || seg->syn()) return;
  if (seg->fin()) {
    if (!me.fin) ++closes_;
    me.fin = true;
    return;
  }
  if (len > 0) {
    me.handshake_done = true;
    return;
  }
  if (me.handshake_done || !seg->ack()) return;
  // A pure ACK: the third segment of the handshake if it acknowledges the
  // peer's SYN (looked up only here, once per direction).
  const Dir* peer = find(direction_key(dst, src, dport, sport));
  if (peer && peer->has_high && peer->has_isn && seg->ack_number() == peer->isn + 1) {
    me.handshake_done = true;
    ++handshakes_;
  }
}

}  // namespace wirestack::scenario
