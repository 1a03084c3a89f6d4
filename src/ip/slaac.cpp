// ip/slaac.cpp — see slaac.hpp for the contract. Linux's counterparts:
// addrconf_prefix_rcvd() and addrconf_prefix_rcvd_add_addr() (5.5.3),
// ipv6_generate_stable_address() (RFC 7217, with SHA-1 there).
#include "ip/slaac.hpp"

#include <sodium.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::ip {

static_assert(std::tuple_size_v<StableIdSecret> == crypto_shorthash_KEYBYTES);
static_assert(crypto_shorthash_BYTES == 8);

Ipv6Address with_interface_id(const Ipv6Address& prefix, Ipv6InterfaceId iid) {
  std::array<std::byte, Ipv6Address::kSize> b = prefix.bytes();
  for (std::size_t i = 0; i < 8; ++i) b[8 + i] = static_cast<std::byte>(iid >> (8 * (7 - i)));
  return Ipv6Address{b};
}

Ipv6InterfaceId interface_id_of(const Ipv6Address& a) {
  Ipv6InterfaceId iid = 0;
  for (std::size_t i = 0; i < 8; ++i) iid = iid << 8 | std::to_integer<Ipv6InterfaceId>(a.bytes()[8 + i]);
  return iid;
}

Ipv6Address link_local_address(Ipv6InterfaceId iid) {
  return with_interface_id(Ipv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 0), iid);
}

Ipv6InterfaceId modified_eui64(MacAddress mac) {
  const auto& m = mac.bytes();
  const std::array<std::byte, 8> e{m[0] ^ std::byte{0x02}, m[1], m[2], std::byte{0xff}, std::byte{0xfe}, m[3], m[4],
                                   m[5]};
  Ipv6InterfaceId iid = 0;
  for (std::byte b : e) iid = iid << 8 | std::to_integer<Ipv6InterfaceId>(b);
  return iid;
}

bool is_reserved_interface_id(Ipv6InterfaceId iid) {
  if (iid == 0) return true;                                                       // RFC 4291 2.6.1
  if (iid >= 0x02005efffe000000ULL && iid <= 0x02005efffeffffffULL) return true;  // RFC 5453 3 (IANA)
  return iid >= 0xfdffffffffffff80ULL;                                             // RFC 2526
}

std::uint64_t siphash24_be(const StableIdSecret& key, Bytes message) {
  // No sodium_init() needed: crypto_shorthash is portable reference code
  // without global state (see tcp/isn.hpp).
  std::array<unsigned char, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(), key.data());
  std::uint64_t v = 0;
  for (unsigned char c : out) v = v << 8 | c;
  return v;
}

Ipv6InterfaceId stable_interface_id(const StableIdParams& params, const Ipv6Address& prefix, std::uint8_t dad_counter) {
  const std::size_t n = std::min<std::size_t>(params.net_iface.size(), 255);
  const std::size_t m = std::min<std::size_t>(params.network_id.size(), 255);
  ByteVec msg;
  msg.reserve(8 + 1 + n + 1 + m + 1);
  for (std::size_t i = 0; i < 8; ++i) msg.push_back(prefix.bytes()[i]);
  msg.push_back(static_cast<std::byte>(n));
  for (std::size_t i = 0; i < n; ++i) msg.push_back(static_cast<std::byte>(params.net_iface[i]));
  msg.push_back(static_cast<std::byte>(m));
  for (std::size_t i = 0; i < m; ++i) msg.push_back(params.network_id[i]);
  msg.push_back(static_cast<std::byte>(dad_counter));
  return siphash24_be(params.secret, msg);
}

std::optional<StableAddress> stable_address(const StableIdParams& params, const Ipv6Address& prefix,
                                            std::uint8_t dad_counter) {
  // RFC 7217 5: "if the resulting Interface Identifier is reserved ... the
  // DAD_Counter ... is incremented and a new Interface ID is computed".
  for (std::uint32_t c = dad_counter; c <= kIdgenRetries; ++c) {
    const Ipv6InterfaceId iid = stable_interface_id(params, prefix, static_cast<std::uint8_t>(c));
    if (!is_reserved_interface_id(iid)) {
      return StableAddress{.address = with_interface_id(prefix, iid), .dad_counter = static_cast<std::uint8_t>(c)};
    }
  }
  return std::nullopt;
}

Instant lifetime_deadline(Instant now, std::uint32_t seconds) {
  if (seconds == kNdInfiniteLifetime) return Instant::max();
  return now + std::chrono::seconds{seconds};
}

std::ostream& operator<<(std::ostream& os, PrefixVerdict v) {
  switch (v) {
    case PrefixVerdict::created: return os << "created";
    case PrefixVerdict::updated: return os << "updated";
    case PrefixVerdict::not_autonomous: return os << "not_autonomous";
    case PrefixVerdict::link_local_prefix: return os << "link_local_prefix";
    case PrefixVerdict::preferred_over_valid: return os << "preferred_over_valid";
    case PrefixVerdict::zero_valid_lifetime: return os << "zero_valid_lifetime";
    case PrefixVerdict::bad_prefix_length: return os << "bad_prefix_length";
    case PrefixVerdict::no_address: return os << "no_address";
  }
  return os << "PrefixVerdict(" << static_cast<unsigned>(v) << ')';
}

std::ostream& operator<<(std::ostream& os, const SlaacAddressInfo& a) {
  os << a.address << '/' << static_cast<unsigned>(a.prefix_len);
  if (a.tentative) os << " tentative";
  if (a.deprecated) os << " deprecated";
  os << " dad " << static_cast<unsigned>(a.dad_counter);
  return os;
}

Slaac::Slaac(SlaacConfig config) : config_(std::move(config)) { WIRESTACK_ASSERT(config_.max_addresses >= 1); }

std::vector<Slaac::Entry>::iterator Slaac::find(const Ipv6Address& addr) {
  return std::find_if(addrs_.begin(), addrs_.end(), [&](const Entry& e) { return e.info.address == addr; });
}

std::optional<Ipv6Address> Slaac::form(const Ipv6Address& prefix, std::uint8_t counter, Instant preferred_until,
                                       Instant valid_until) {
  if (addrs_.size() >= config_.max_addresses) return std::nullopt;
  const std::optional<StableAddress> s = stable_address(config_.id, prefix, counter);
  if (!s) {
    ++idgen_failures_;
    return std::nullopt;
  }
  addrs_.push_back(Entry{.info = {.address = s->address,
                                  .prefix_len = 64,
                                  .dad_counter = s->dad_counter,
                                  .tentative = true,
                                  .preferred_until = preferred_until,
                                  .valid_until = valid_until},
                         .prefix = Ipv6Prefix(prefix, 64).network()});
  return s->address;
}

std::optional<Ipv6Address> Slaac::start_link_local(Instant now) {
  (void)now;
  const Ipv6Address fe80(0xfe80, 0, 0, 0, 0, 0, 0, 0);
  for (const Entry& e : addrs_) {
    if (e.prefix == fe80) return e.info.address;
  }
  return form(fe80, 0, Instant::max(), Instant::max());
}

PrefixResult Slaac::on_prefix(const NdPrefixInfo& p, Instant now) {
  PrefixResult r;
  // 5.5.3 a) "If the Autonomous flag is not set, silently ignore the Prefix Information option."
  if (!p.autonomous) {
    r.verdict = PrefixVerdict::not_autonomous;
    return r;
  }
  // b) "If the prefix is the link-local prefix, silently ignore".
  if (p.prefix.is_link_local()) {
    r.verdict = PrefixVerdict::link_local_prefix;
    return r;
  }
  // c) "If the preferred lifetime is greater than the valid lifetime, silently ignore".
  if (p.preferred_lifetime > p.valid_lifetime) {
    r.verdict = PrefixVerdict::preferred_over_valid;
    return r;
  }
  // "If the sum of the prefix length and interface identifier length does
  // not equal 128 bits, the Prefix Information option MUST be ignored."
  if (p.prefix_len != 64) {
    r.verdict = PrefixVerdict::bad_prefix_length;
    return r;
  }
  const Ipv6Address network = Ipv6Prefix(p.prefix, 64).network();
  auto it = std::find_if(addrs_.begin(), addrs_.end(), [&](const Entry& e) { return e.prefix == network; });
  if (it == addrs_.end()) {
    // d) "If the prefix advertised is not equal to the prefix of an address
    // configured by stateless autoconfiguration already in the list ... and
    // if the Valid Lifetime is not 0, form an address".
    if (p.valid_lifetime == 0) {
      r.verdict = PrefixVerdict::zero_valid_lifetime;
      return r;
    }
    r.tentative = form(network, 0, lifetime_deadline(now, p.preferred_lifetime),
                       lifetime_deadline(now, p.valid_lifetime));
    r.verdict = r.tentative ? PrefixVerdict::created : PrefixVerdict::no_address;
    return r;
  }
  // e) "1. The preferred lifetime of the address is reset to the Preferred
  // Lifetime in the received advertisement."
  SlaacAddressInfo& a = it->info;
  // "2. ... If the received Valid Lifetime is greater than 2 hours or greater
  // than RemainingLifetime, set the valid lifetime of the corresponding
  // address to the advertised Valid Lifetime. 2. If RemainingLifetime is less
  // than or equal to 2 hours, ignore the Prefix Information option with
  // regards to the valid lifetime, unless the Router Advertisement from which
  // this option was obtained has been authenticated ... 3. Otherwise, reset
  // the valid lifetime of the corresponding address to 2 hours."
  const Instant advertised = lifetime_deadline(now, p.valid_lifetime);
  const bool over_two_hours = p.valid_lifetime == kNdInfiniteLifetime || std::chrono::seconds{p.valid_lifetime} > kTwoHours;
  const bool remaining_within_two_hours = a.valid_until != Instant::max() && a.valid_until - now <= kTwoHours;
  if (over_two_hours || advertised > a.valid_until) {
    a.valid_until = advertised;
  } else if (!remaining_within_two_hours) {
    a.valid_until = now + kTwoHours;
  }
  a.preferred_until = std::min(lifetime_deadline(now, p.preferred_lifetime), a.valid_until);
  if (a.preferred_until > now) it->deprecation_reported = false;  // preferred again
  r.verdict = PrefixVerdict::updated;
  return r;
}

bool Slaac::on_dad_succeeded(const Ipv6Address& addr) {
  auto it = find(addr);
  if (it == addrs_.end() || !it->info.tentative) return false;
  it->info.tentative = false;
  return true;
}

std::optional<Ipv6Address> Slaac::on_dad_failed(const Ipv6Address& addr) {
  auto it = find(addr);
  if (it == addrs_.end() || !it->info.tentative) return std::nullopt;
  const Entry old = *it;
  addrs_.erase(it);
  // RFC 7217 6: "the node MUST ... increment the DAD_Counter ... and try
  // again", at most IDGEN_RETRIES times.
  if (old.info.dad_counter >= kIdgenRetries) {
    ++idgen_failures_;
    return std::nullopt;
  }
  return form(old.prefix, static_cast<std::uint8_t>(old.info.dad_counter + 1), old.info.preferred_until,
              old.info.valid_until);
}

SlaacPollResult Slaac::poll(Instant now) {
  SlaacPollResult out;
  for (auto it = addrs_.begin(); it != addrs_.end();) {
    if (now >= it->info.valid_until) {
      // RFC 4862 5.5.4: "An address (and its association with an interface)
      // becomes invalid when its valid lifetime expires."
      out.removed.push_back(it->info.address);
      it = addrs_.erase(it);
      continue;
    }
    if (now >= it->info.preferred_until && !it->deprecation_reported) {
      out.deprecated.push_back(it->info.address);
      it->deprecation_reported = true;
    }
    ++it;
  }
  return out;
}

std::optional<Instant> Slaac::poll_at() const {
  std::optional<Instant> best;
  for (const Entry& e : addrs_) {
    const Instant next = e.deprecation_reported ? e.info.valid_until : e.info.preferred_until;
    if (next == Instant::max()) continue;
    if (!best || next < *best) best = next;
  }
  return best;
}

bool Slaac::is_preferred(const Ipv6Address& addr, Instant now) const {
  for (const Entry& e : addrs_) {
    if (e.info.address == addr) return !e.info.tentative && now < e.info.preferred_until && now < e.info.valid_until;
  }
  return false;
}

std::vector<SlaacAddressInfo> Slaac::addresses(Instant now) const {
  std::vector<SlaacAddressInfo> out;
  out.reserve(addrs_.size());
  for (const Entry& e : addrs_) {
    if (now >= e.info.valid_until) continue;
    SlaacAddressInfo a = e.info;
    a.deprecated = now >= a.preferred_until;
    out.push_back(a);
  }
  return out;
}

}  // namespace wirestack::ip
