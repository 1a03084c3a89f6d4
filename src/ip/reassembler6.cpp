#include "ip/reassembler6.hpp"

#include <algorithm>
#include <utility>

#include "base/assert.hpp"
#include "wire/icmpv6.hpp"

namespace wirestack::ip {

std::ostream& operator<<(std::ostream& os, const Fragment6Key& k) {
  return os << k.src << " > " << k.dst << " id " << k.ident;
}

std::string_view to_string(Reassembly6Drop d) {
  switch (d) {
    case Reassembly6Drop::duplicate: return "duplicate fragment";
    case Reassembly6Drop::overlap: return "overlapping fragment";
    case Reassembly6Drop::inconsistent: return "inconsistent fragment end";
    case Reassembly6Drop::oversize: return "payload longer than 65535 bytes";
    case Reassembly6Drop::malformed: return "malformed fragment";
    case Reassembly6Drop::incomplete_chain: return "first fragment without the whole header chain";
    case Reassembly6Drop::memory: return "reassembly memory exhausted";
    case Reassembly6Drop::poisoned: return "fragment of a dropped packet";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Reassembly6Drop d) { return os << to_string(d); }

ByteVec without_fragment_header(Ipv6Packet packet, const Ipv6FragmentInfo& frag, Bytes data) {
  const std::size_t unfragmentable = frag.header_offset;
  const std::size_t payload = unfragmentable - kIpv6HeaderLen + data.size();
  WIRESTACK_ASSERT(payload <= kIpv6MaxPayloadLen && frag.next_header_field < unfragmentable);
  ByteVec out(unfragmentable + data.size());
  const Bytes src = packet.bytes();
  std::copy_n(src.begin(), unfragmentable, out.begin());
  std::ranges::copy(data, out.begin() + static_cast<std::ptrdiff_t>(unfragmentable));
  // RFC 8200 4.5: "The Next Header field of the last header of the
  // Unfragmentable Part is obtained from the Next Header field of the first
  // fragment's Fragment header"; "The Payload Length of the reassembled
  // packet is computed from the length of the Unfragmentable Part and the
  // length and offset of the last fragment."
  store_u8(out, frag.next_header_field, static_cast<std::uint8_t>(frag.header.next_header));
  Ipv6PacketMut(out).set_payload_len(static_cast<std::uint16_t>(payload));
  return out;
}

Reassembler6::Reassembler6(Reassembler6Config config) : config_(config) {
  WIRESTACK_ASSERT(config_.max_datagrams >= 1);
  WIRESTACK_ASSERT(config_.timeout > Duration::zero());
}

Reassembly6Result Reassembler6::accept_packet(Bytes packet, Instant now, const Ipv6ChainLimits& limits) {
  const auto view = Ipv6Packet::checked(packet);
  if (!view) {
    ++stats_.malformed_drops;
    return Reassembly6Drop::malformed;
  }
  const auto chain = walk_ipv6_chain(*view, limits);
  if (const auto* d = std::get_if<Ipv6Deliver>(&chain)) {
    if (d->fragment) return accept(*view, *d->fragment, now);
    const Bytes whole = view->packet();
    return Reassembled6{.packet = ByteVec(whole.begin(), whole.end())};
  }
  if (const auto* p = std::get_if<Ipv6ParamProblem>(&chain);
      p && p->reason == Ipv6ChainDrop::incomplete_first_fragment) {
    ++stats_.incomplete_chain_drops;
    return Reassembly6Drop::incomplete_chain;
  }
  ++stats_.malformed_drops;
  return Reassembly6Drop::malformed;
}

Reassembly6Result Reassembler6::accept(Ipv6Packet packet, const Ipv6FragmentInfo& frag, Instant now) {
  const Bytes bytes = packet.packet();
  WIRESTACK_ASSERT(frag.data_offset() <= bytes.size());
  const Bytes data = bytes.subspan(frag.data_offset());
  // RFC 6946 4: "A host that receives an IPv6 packet that includes a Fragment
  // Header with the 'Fragment Offset' equal to 0 and the 'M' flag equal to 0
  // MUST process such packet in isolation from any other packets/fragments,
  // even if such packets/fragments contain the same set {IPv6 Source
  // Address, IPv6 Destination Address, Fragment Identification}."
  if (frag.header.atomic()) {
    ++stats_.atomic;
    return Reassembled6{.packet = without_fragment_header(packet, frag, data)};
  }
  ++stats_.fragments_received;
  expire(now);
  // RFC 8200 4.5: every fragment but the last carries a multiple of 8 bytes
  // (and an empty one says nothing).
  if (frag.header.more_fragments && (data.empty() || data.size() % 8 != 0)) {
    ++stats_.malformed_drops;
    return Reassembly6Drop::malformed;
  }
  const Fragment6Key key{.src = packet.src(), .dst = packet.dst(), .ident = frag.header.ident};
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.poisoned) {
    ++stats_.poisoned_drops;
    return Reassembly6Drop::poisoned;
  }
  if (it == entries_.end()) {
    while (entries_.size() >= config_.max_datagrams && evict_oldest(key)) {
    }
    it = create(key, now);
  }
  return store(it, packet, frag);
}

Reassembly6Result Reassembler6::store(EntryMap::iterator it, Ipv6Packet packet, const Ipv6FragmentInfo& frag) {
  Entry& e = it->second;
  const Bytes bytes = packet.packet();
  const Bytes data = bytes.subspan(frag.data_offset());
  const bool last = !frag.header.more_fragments;
  const std::uint32_t begin = frag.header.offset;
  const std::uint32_t end = begin + static_cast<std::uint32_t>(data.size());
  const bool first = begin == 0;

  // RFC 8200 4.5: the reassembled Payload Length (Unfragmentable Part after
  // the fixed header, plus the data) must fit 16 bits. Until fragment 0
  // arrives, this fragment's own Unfragmentable Part stands in.
  const std::size_t unfragmentable =
      (first || !e.have_first ? frag.header_offset : e.unfragmentable.size()) - kIpv6HeaderLen;
  if (unfragmentable + std::max(end, e.data.max_end()) > kIpv6MaxPayloadLen) {
    ++stats_.oversize_drops;
    poison(it);
    return Reassembly6Drop::oversize;
  }
  switch (e.data.classify(begin, data, last)) {
    case FragmentData::Fit::fits: break;
    case FragmentData::Fit::duplicate:
      ++stats_.duplicates_ignored;
      return Reassembly6Drop::duplicate;
    case FragmentData::Fit::inconsistent:
      ++stats_.inconsistent_drops;
      poison(it);
      return Reassembly6Drop::inconsistent;
    case FragmentData::Fit::overlap:
      // RFC 5722 4: "if any of the fragments being reassembled overlap with
      // any other fragments being reassembled for the same packet,
      // reassembly of that packet must be abandoned and all the fragments
      // that have been received for that packet must be discarded, and no
      // ICMP error messages should be sent." (RFC 8200 4.5 says the same.)
      ++stats_.overlaps_dropped;
      poison(it);
      return Reassembly6Drop::overlap;
  }
  if (begin != end) {  // an empty last fragment only says where the data ends
    const Bytes quote = icmpv6_quote(bytes);
    const std::size_t charge =
        data.size() + config_.per_fragment_overhead + (first ? frag.header_offset + quote.size() : 0);
    while (memory_used_ + charge > config_.memory_limit && evict_oldest(it->first)) {
    }
    if (memory_used_ + charge > config_.memory_limit) {
      ++stats_.memory_drops;
      erase(it);
      return Reassembly6Drop::memory;
    }
    memory_used_ += charge;
    e.charged += charge;
    if (first) {
      e.have_first = true;
      e.unfragmentable = without_fragment_header(packet, frag, {});
      e.quote.assign(quote.begin(), quote.end());
    }
  }
  e.data.insert(begin, data, last);

  if (e.data.complete()) {
    WIRESTACK_ASSERT(e.have_first);  // no hole left: fragment 0 is in
    Reassembled6 done{.packet = std::move(e.unfragmentable)};
    const std::size_t head = done.packet.size();
    done.packet.resize(head + e.data.total());
    e.data.copy_to(MutBytes(done.packet).subspan(head));
    Ipv6PacketMut(done.packet).set_payload_len(static_cast<std::uint16_t>(head - kIpv6HeaderLen + e.data.total()));
    erase(it);
    ++stats_.reassembled;
    return done;
  }
  return ReassemblyPending{};
}

void Reassembler6::clear() {
  entries_.clear();
  by_age_.clear();
  expired_.clear();
  memory_used_ = 0;
}

std::vector<Reassembly6Timeout> Reassembler6::poll(Instant now) {
  expire(now);
  return std::exchange(expired_, {});
}

std::optional<Instant> Reassembler6::poll_at() const {
  if (!expired_.empty()) return expired_.front().deadline;
  if (by_age_.empty()) return std::nullopt;
  return by_age_.begin()->first.first;
}

void Reassembler6::expire(Instant now) {
  while (!by_age_.empty() && by_age_.begin()->first.first <= now) {
    const auto it = entries_.find(by_age_.begin()->second);
    WIRESTACK_ASSERT(it != entries_.end());
    Entry& e = it->second;
    if (!e.poisoned) {
      ++stats_.timeouts;
      expired_.push_back(Reassembly6Timeout{.key = it->first,
                                            .deadline = e.age.first,
                                            .first_fragment_received = e.have_first,
                                            .quote = std::move(e.quote)});
    }
    erase(it);
  }
}

Reassembler6::EntryMap::iterator Reassembler6::create(const Fragment6Key& key, Instant now) {
  const AgeKey age{now + config_.timeout, next_seq_++};
  auto [it, inserted] = entries_.emplace(key, Entry{.age = age});
  WIRESTACK_ASSERT(inserted);
  by_age_.emplace(age, key);
  return it;
}

void Reassembler6::erase(EntryMap::iterator it) {
  WIRESTACK_ASSERT(memory_used_ >= it->second.charged);
  memory_used_ -= it->second.charged;
  by_age_.erase(it->second.age);
  entries_.erase(it);
}

void Reassembler6::poison(EntryMap::iterator it) {
  Entry& e = it->second;
  WIRESTACK_ASSERT(memory_used_ >= e.charged);
  memory_used_ -= e.charged;
  e = Entry{.age = e.age, .poisoned = true};
}

bool Reassembler6::evict_oldest(const Fragment6Key& keep) {
  for (const auto& [age, key] : by_age_) {
    if (key == keep) continue;
    const auto it = entries_.find(key);
    WIRESTACK_ASSERT(it != entries_.end());
    if (!it->second.poisoned) ++stats_.memory_drops;
    erase(it);
    return true;
  }
  return false;
}

}  // namespace wirestack::ip
