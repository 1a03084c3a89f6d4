#include "ip/reassembler.hpp"

#include <algorithm>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::ip {

namespace {

// RFC 792: an ICMP error quotes "the internet header plus the first 64 bits
// of the original datagram's data".
constexpr std::size_t kQuotedDataLen = 8;

}  // namespace

std::ostream& operator<<(std::ostream& os, const FragmentKey& k) {
  return os << k.src << " > " << k.dst << " proto " << static_cast<unsigned>(k.protocol) << " id " << k.ident;
}

std::string_view to_string(ReassemblyDrop d) {
  switch (d) {
    case ReassemblyDrop::duplicate: return "duplicate fragment";
    case ReassemblyDrop::overlap: return "overlapping fragment";
    case ReassemblyDrop::inconsistent: return "inconsistent fragment end";
    case ReassemblyDrop::oversize: return "datagram longer than 65535 bytes";
    case ReassemblyDrop::malformed: return "malformed fragment";
    case ReassemblyDrop::memory: return "reassembly memory exhausted";
    case ReassemblyDrop::poisoned: return "fragment of a dropped datagram";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, ReassemblyDrop d) { return os << to_string(d); }

Reassembler::Reassembler(ReassemblerConfig config) : config_(config) {
  WIRESTACK_ASSERT(config_.max_datagrams >= 1);
  WIRESTACK_ASSERT(config_.timeout > Duration::zero());
}

ReassemblyResult Reassembler::accept_datagram(Bytes datagram, Instant now, ChecksumMode mode) {
  const auto packet = Ipv4Packet::checked(datagram);
  if (!packet) {
    ++stats_.malformed_drops;
    return ReassemblyDrop::malformed;
  }
  const auto repr = Ipv4Repr::parse(*packet, mode);
  if (!repr) {
    ++stats_.malformed_drops;
    return ReassemblyDrop::malformed;
  }
  return accept(*repr, packet->payload(), now);
}

ReassemblyResult Reassembler::accept(const Ipv4Repr& header, Bytes payload, Instant now) {
  WIRESTACK_ASSERT(payload.size() == header.payload_len);
  if (!header.is_fragment()) {  // a whole datagram: nothing to do
    Reassembled whole{.header = header, .datagram = ByteVec(header.total_len())};
    Ipv4PacketMut out(whole.datagram);
    header.emit(out);
    std::ranges::copy(payload, out.payload().begin());
    return whole;
  }
  ++stats_.fragments_received;
  expire(now);

  // RFC 791 3.2: every fragment but the last carries a whole number of
  // 8-octet blocks ("the data ... must be ... a multiple of 8 octets"), and
  // at least one of them.
  if (header.more_fragments && (header.payload_len == 0 || header.payload_len % 8 != 0)) {
    ++stats_.malformed_drops;
    return ReassemblyDrop::malformed;
  }

  const FragmentKey key{.src = header.src, .dst = header.dst, .protocol = header.protocol, .ident = header.ident};
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.poisoned) {
    ++stats_.poisoned_drops;
    return ReassemblyDrop::poisoned;
  }
  if (it == entries_.end()) {
    // RFC 791: "If this is a new datagram, allocate buffer resources" — up
    // to max_datagrams of them, the oldest making room.
    while (entries_.size() >= config_.max_datagrams && evict_oldest(key)) {
    }
    it = create(key, now);
  }
  return store(it, header, payload);
}

ReassemblyResult Reassembler::store(EntryMap::iterator it, const Ipv4Repr& header, Bytes payload) {
  Entry& e = it->second;
  const bool last = !header.more_fragments;
  const std::uint32_t begin = header.frag_offset;
  const std::uint32_t end = begin + header.payload_len;

  // The whole datagram must fit the 16-bit total length (the "ping of death"
  // check). Until fragment 0 tells the header length, assume the minimum.
  const std::size_t header_len = begin == 0 ? header.header_len()
                                 : e.first  ? e.first->header_len()
                                            : kIpv4MinHeaderLen;
  if (header_len + std::max(end, e.data.max_end()) > kIpv4MaxTotalLen) {
    ++stats_.oversize_drops;
    poison(it);
    return ReassemblyDrop::oversize;
  }

  switch (e.data.classify(begin, payload, last)) {
    case FragmentData::Fit::fits: break;
    case FragmentData::Fit::duplicate:
      ++stats_.duplicates_ignored;
      return ReassemblyDrop::duplicate;
    case FragmentData::Fit::inconsistent:
      // The last fragment (MF = 0) fixes the datagram's length: no other last
      // fragment may disagree and no data may lie past it.
      ++stats_.inconsistent_drops;
      poison(it);
      return ReassemblyDrop::inconsistent;
    case FragmentData::Fit::overlap:
      // RFC 5722: "if one or more of its constituent fragments is determined
      // to be an overlapping fragment, the entire datagram (and any
      // constituent fragments, including those not yet received) MUST be
      // silently discarded."
      ++stats_.overlaps_dropped;
      poison(it);
      return ReassemblyDrop::overlap;
  }

  if (begin != end) {  // an empty last fragment only says where the datagram ends
    const std::size_t charge = header.payload_len + config_.per_fragment_overhead + (begin == 0 ? header_len : 0);
    while (memory_used_ + charge > config_.memory_limit && evict_oldest(it->first)) {
    }
    if (memory_used_ + charge > config_.memory_limit) {
      ++stats_.memory_drops;
      erase(it);
      return ReassemblyDrop::memory;
    }
    memory_used_ += charge;
    e.charged += charge;
    if (begin == 0) e.first = header;
  }
  e.data.insert(begin, payload, last);

  // RFC 815 step 8: "If the hole descriptor list is now empty, the datagram
  // is now complete."
  if (e.data.complete()) {
    Reassembled done = assemble(e);
    erase(it);
    ++stats_.reassembled;
    return done;
  }
  return ReassemblyPending{};
}

Reassembled Reassembler::assemble(const Entry& e) const {
  WIRESTACK_ASSERT(e.first.has_value() && e.data.complete());  // no hole left: fragment 0 is in
  // RFC 791 3.2: the reassembled datagram takes the first fragment's header
  // (its options are all of them); MF and offset clear, length the total.
  Reassembled out{.header = *e.first, .datagram = {}};
  out.header.more_fragments = false;
  out.header.frag_offset = 0;
  out.header.payload_len = static_cast<std::uint16_t>(e.data.total());
  out.datagram.resize(out.header.total_len());
  Ipv4PacketMut packet(out.datagram);
  out.header.emit(packet);
  e.data.copy_to(packet.payload());
  return out;
}

void Reassembler::clear() {
  entries_.clear();
  by_age_.clear();
  expired_.clear();
  memory_used_ = 0;
}

std::vector<ReassemblyTimeout> Reassembler::poll(Instant now) {
  expire(now);
  return std::exchange(expired_, {});
}

std::optional<Instant> Reassembler::poll_at() const {
  if (!expired_.empty()) return expired_.front().deadline;
  if (by_age_.empty()) return std::nullopt;
  return by_age_.begin()->first.first;
}

void Reassembler::expire(Instant now) {
  while (!by_age_.empty() && by_age_.begin()->first.first <= now) {
    const auto it = entries_.find(by_age_.begin()->second);
    WIRESTACK_ASSERT(it != entries_.end());
    const Entry& e = it->second;
    if (!e.poisoned) {
      // RFC 1122 3.3.2: "If the reassembly timeout expires, the partially-
      // reassembled datagram MUST be discarded and an ICMP Time Exceeded
      // message sent to the source host (if fragment zero has been received)."
      ++stats_.timeouts;
      ReassemblyTimeout report{.key = it->first, .deadline = e.age.first, .first_fragment_received = e.first.has_value(),
                               .quote = {}};
      if (e.first) {
        const Bytes data = e.data.piece(0);
        const std::size_t n = std::min(data.size(), kQuotedDataLen);
        report.quote.resize(e.first->header_len() + n);
        e.first->emit(Ipv4PacketMut(report.quote));
        std::ranges::copy(data.first(n), report.quote.begin() + static_cast<std::ptrdiff_t>(e.first->header_len()));
      }
      expired_.push_back(std::move(report));
    }
    erase(it);
  }
}

Reassembler::EntryMap::iterator Reassembler::create(const FragmentKey& key, Instant now) {
  const AgeKey age{now + config_.timeout, next_seq_++};
  auto [it, inserted] = entries_.emplace(key, Entry{.age = age});
  WIRESTACK_ASSERT(inserted);
  by_age_.emplace(age, key);
  return it;
}

void Reassembler::erase(EntryMap::iterator it) {
  WIRESTACK_ASSERT(memory_used_ >= it->second.charged);
  memory_used_ -= it->second.charged;
  by_age_.erase(it->second.age);
  entries_.erase(it);
}

void Reassembler::poison(EntryMap::iterator it) {
  Entry& e = it->second;
  WIRESTACK_ASSERT(memory_used_ >= e.charged);
  memory_used_ -= e.charged;
  e = Entry{.age = e.age, .poisoned = true};  // no data; kept until its deadline
}

bool Reassembler::evict_oldest(const FragmentKey& keep) {
  for (const auto& [age, key] : by_age_) {
    if (key == keep) continue;
    const auto it = entries_.find(key);  // `key` dies with the erase below: look it up first
    WIRESTACK_ASSERT(it != entries_.end());
    if (!it->second.poisoned) ++stats_.memory_drops;
    erase(it);
    return true;
  }
  return false;
}

}  // namespace wirestack::ip
