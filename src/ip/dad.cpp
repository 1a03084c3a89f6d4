// ip/dad.cpp — see dad.hpp for the contract. Linux's counterparts:
// addrconf_dad_start()/addrconf_dad_work() (net/ipv6/addrconf.c) and
// ndisc_recv_ns()/ndisc_recv_na() (net/ipv6/ndisc.c) for the tentative cases.
#include "ip/dad.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace wirestack::ip {

std::ostream& operator<<(std::ostream& os, DadVerdict v) {
  switch (v) {
    case DadVerdict::not_tentative: return os << "not_tentative";
    case DadVerdict::duplicate: return os << "duplicate";
    case DadVerdict::address_resolution: return os << "address_resolution";
    case DadVerdict::looped_back: return os << "looped_back";
  }
  return os << "DadVerdict(" << static_cast<unsigned>(v) << ')';
}

Dad::Dad(DadConfig config) : config_(config) { WIRESTACK_ASSERT(config_.retrans_timer > Duration::zero()); }

bool Dad::start(const Ipv6Address& addr, Duration delay, const DadNonce& nonce, Instant now) {
  WIRESTACK_ASSERT(addr.is_unicast());
  if (runs_.contains(addr) || runs_.size() >= config_.max_runs) return false;
  runs_.emplace(addr, Run{.nonce = nonce, .next_at = now + std::max(delay, Duration::zero())});
  return true;
}

bool Dad::cancel(const Ipv6Address& addr) { return runs_.erase(addr) > 0; }

DadPollResult Dad::poll(Instant now) {
  DadPollResult out;
  for (auto it = runs_.begin(); it != runs_.end();) {
    Run& r = it->second;
    if (now < r.next_at) {
      ++it;
      continue;
    }
    if (r.sent < config_.dup_addr_detect_transmits) {
      // 5.4.2: "sending DupAddrDetectTransmits Neighbor Solicitations, each
      // separated by RetransTimer milliseconds".
      out.solicits.push_back(DadSolicit{.target = it->first, .nonce = r.nonce});
      ++r.sent;
      ++counters_.solicits_sent;
      r.next_at = now + config_.retrans_timer;
      ++it;
      continue;
    }
    // 5.4.2/5.4.5: no duplicate heard RetransTimer after the last NS (or DAD
    // is off): the address is unique.
    out.unique.push_back(it->first);
    ++counters_.succeeded;
    it = runs_.erase(it);
  }
  return out;
}

std::optional<Instant> Dad::poll_at() const {
  if (runs_.empty()) return std::nullopt;  // the usual case, asked after every event
  std::optional<Instant> best;
  for (const auto& [addr, r] : runs_) {
    if (!best || r.next_at < *best) best = r.next_at;
  }
  return best;
}

DadVerdict Dad::on_solicit(const Ipv6Address& src, const Ipv6Address& target, std::optional<Bytes> nonce) {
  auto it = runs_.find(target);
  if (it == runs_.end()) return DadVerdict::not_tentative;
  // 5.4.3: "If the target address is tentative, and the source address is a
  // unicast address, the solicitation's sender is performing address
  // resolution on the target; the solicitation should be silently ignored."
  if (!src.is_unspecified()) {
    ++counters_.ignored;
    return DadVerdict::address_resolution;
  }
  // RFC 7527 4.1: a Nonce equal to the one we sent marks our own NS looped
  // back, not another node's; a missing or different nonce is another node.
  if (nonce && std::ranges::equal(*nonce, it->second.nonce)) {
    ++counters_.looped_back;
    return DadVerdict::looped_back;
  }
  // 5.4.3: "If the solicitation is from another node, the tentative address
  // is a duplicate and should not be used (by either node)."
  runs_.erase(it);
  ++counters_.duplicates;
  return DadVerdict::duplicate;
}

DadVerdict Dad::on_advert(const Ipv6Address& target) {
  // 5.4.4: "If the target address is tentative, the tentative address is not
  // unique."
  auto it = runs_.find(target);
  if (it == runs_.end()) return DadVerdict::not_tentative;
  runs_.erase(it);
  ++counters_.duplicates;
  return DadVerdict::duplicate;
}

}  // namespace wirestack::ip
