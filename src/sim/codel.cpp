// sim/codel.cpp — CoDel (RFC 8289 5) and CE marking of a frame in place.
#include "sim/codel.hpp"

#include <cmath>

#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"

namespace wirestack::sim {

bool Codel::ok_to_drop(Instant now, Duration sojourn, std::size_t backlog_bytes, std::size_t mtu) {
  // RFC 8289 5.3 dodequeue(): below target (or too little queued to matter)
  // resets the clock; above it for an interval makes dropping OK.
  if (sojourn < cfg_.target || backlog_bytes <= mtu) {
    above_ = false;
    return false;
  }
  if (!above_) {
    above_ = true;
    first_above_time_ = now + cfg_.interval;
    return false;
  }
  return now >= first_above_time_;
}

Instant Codel::control_law(Instant t) const {
  // RFC 8289 5.5: t + INTERVAL / sqrt(count).
  const double step = static_cast<double>(cfg_.interval.count()) / std::sqrt(static_cast<double>(count_));
  return t + Duration{static_cast<Duration::rep>(step)};
}

bool Codel::on_dequeue(Instant now, Duration sojourn, std::size_t backlog_bytes, std::size_t mtu) {
  const bool ok = ok_to_drop(now, sojourn, backlog_bytes, mtu);
  if (dropping_) {
    // RFC 8289 5.4 dequeue(), in the dropping state.
    if (!ok) {
      dropping_ = false;
      return false;
    }
    if (now < drop_next_) return false;
    ++count_;
    drop_next_ = control_law(drop_next_);
    return true;
  }
  if (!ok) return false;
  // Entering the dropping state: start from the last count when the last
  // episode was recent (the queue is probably still too long).
  dropping_ = true;
  const std::uint32_t delta = count_ - lastcount_;
  count_ = delta > 1 && now - drop_next_ < 16 * cfg_.interval ? delta : 1;
  drop_next_ = control_law(now);
  lastcount_ = count_;
  return true;
}

std::uint8_t frame_ecn(Bytes frame) {
  const auto eth = EthernetFrame::checked(frame);
  if (!eth) return 0;
  if (eth->ethertype() == EtherType::ipv4) {
    const auto ip = Ipv4Packet::checked(eth->payload());
    return ip ? ip->ecn() : 0;
  }
  if (eth->ethertype() == EtherType::ipv6) {
    const auto ip = Ipv6Packet::checked(eth->payload());
    return ip ? ip->ecn() : 0;
  }
  return 0;
}

void mark_ce(MutBytes frame) {
  const auto eth = EthernetFrameMut::checked(frame);
  if (!eth) return;
  if (eth->ethertype() == EtherType::ipv4) {
    auto ip = Ipv4PacketMut::checked(eth->payload());
    if (!ip) return;
    // The ECN bits share a 16-bit word with version and IHL: an incremental
    // update (RFC 1624), as decrement_ttl() does for the TTL.
    const std::uint8_t b0 = std::to_integer<std::uint8_t>(ip->bytes()[0]);
    const auto old_word = static_cast<std::uint16_t>(b0 << 8 | ip->dscp_ecn());
    ip->set_ecn(3);
    const auto new_word = static_cast<std::uint16_t>(b0 << 8 | ip->dscp_ecn());
    ip->set_checksum(checksum::update16(ip->checksum(), old_word, new_word));
  } else if (eth->ethertype() == EtherType::ipv6) {
    if (auto ip = Ipv6PacketMut::checked(eth->payload())) ip->set_traffic_class(static_cast<std::uint8_t>(ip->traffic_class() | 3));
  }
}

}  // namespace wirestack::sim
