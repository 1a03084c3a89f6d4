// tcp/syn_cookie.cpp — SYN cookies (see syn_cookie.hpp for the layout).
#include "tcp/syn_cookie.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "base/bytes.hpp"

namespace wirestack::tcp {
namespace {

constexpr std::uint32_t kCookieBits = 24;                            // Linux COOKIEBITS
constexpr std::uint32_t kCookieMask = (1U << kCookieBits) - 1;       // Linux COOKIEMASK
constexpr std::uint32_t kCounterMask = 0xffffffffU >> kCookieBits;   // t mod 256
constexpr std::uint32_t kMssIndexSpace = 8;                          // r in [4, 8): bad_mss
static_assert(kSynCookieMssTable.size() <= kMssIndexSpace);

constexpr std::uint32_t kTsWscaleMask = 0xf;  // Linux TS_OPT_WSCALE_MASK; 0xf = no window scaling
constexpr std::uint32_t kTsSack = 1U << 4;    // Linux TS_OPT_SACK
constexpr std::uint32_t kTsEcn = 1U << 5;     // Linux TS_OPT_ECN
constexpr std::uint8_t kMaxWscale = 14;       // RFC 7323 2.3

}  // namespace

std::string_view to_string(CookieError e) {
  switch (e) {
    case CookieError::expired: return "expired";
    case CookieError::bad_hash: return "bad_hash";
    case CookieError::bad_mss: return "bad_mss";
    default: return "CookieError(?)";
  }
}

SynCookies::SynCookies(const Key& key, SynCookieConfig config) : key_(key), config_(config) {
  WIRESTACK_ASSERT(config_.period > Duration::zero());
  WIRESTACK_ASSERT(config_.max_age_periods >= 1 && config_.max_age_periods <= kCounterMask);
}

std::size_t SynCookies::mss_index(std::optional<std::uint16_t> client_mss) {
  // Linux cookie_v4_init_sequence(): the largest entry <= the client's MSS,
  // entry 0 if none is. Without an MSS option the peer's MSS is 536
  // (RFC 9293 3.7.1), which is entry 0 as well.
  const std::uint16_t mss = client_mss.value_or(kSynCookieMssTable[0]);
  std::size_t i = kSynCookieMssTable.size() - 1;
  while (i > 0 && mss < kSynCookieMssTable[i]) --i;
  return i;
}

std::uint32_t SynCookies::counter(Instant now) const {
  // floor(now / period): rounding toward minus infinity, like isn.cpp's M.
  const std::int64_t ns = to_nanos(now);
  const std::int64_t p = config_.period.count();
  std::int64_t t = ns / p;
  if (ns % p < 0) --t;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(t));  // mod 2^32
}

std::uint32_t SynCookies::hash(std::uint8_t c, const Tuple& tuple, std::uint32_t t) const {
  // The layout documented in syn_cookie.hpp: 17 bytes for IPv4, 41 for IPv6.
  std::array<std::byte, 41> msg{};
  const MutBytes m(msg);
  store_u8(m, 0, c);
  std::size_t at = 1;
  auto put = [&](const IpAddress& a, std::uint16_t port) {
    at += a.write_wire(m.subspan(at));
    store_be16(m, at, port);
    at += 2;
  };
  put(tuple.local, tuple.local_port);
  put(tuple.remote, tuple.remote_port);
  store_be32(m, at, t);
  at += 4;
  return static_cast<std::uint32_t>(siphash24(key_, Bytes(msg).first(at)));
}

SynCookie SynCookies::issue(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote,
                            std::uint16_t remote_port, std::uint32_t client_isn,
                            std::optional<std::uint16_t> client_mss, Instant now,
                            SynCookieCounters& counters) const {
  const Tuple tuple{local, local_port, remote, remote_port};
  const std::size_t index = mss_index(client_mss);
  const std::uint32_t t = counter(now);
  // secure_tcp_syn_cookie():
  //   H(0, tuple, 0) + sseq + (count << 24) + ((H(1, tuple, count) + data) & COOKIEMASK)
  const std::uint32_t cookie = hash(0, tuple, 0) + client_isn + (t << kCookieBits) +
                               ((hash(1, tuple, t) + static_cast<std::uint32_t>(index)) & kCookieMask);
  ++counters.sent;
  return SynCookie{.isn = cookie, .mss = kSynCookieMssTable[index]};
}

Result<std::uint16_t, CookieError> SynCookies::decode(const Tuple& tuple, std::uint32_t client_isn,
                                                      std::uint32_t cookie, Instant now) const {
  // check_tcp_syn_cookie(): strip the layers.
  const std::uint32_t t_now = counter(now);
  const std::uint32_t rest = cookie - (hash(0, tuple, 0) + client_isn);  // (t << 24) + field
  const std::uint32_t diff = (t_now - (rest >> kCookieBits)) & kCounterMask;
  const std::uint32_t r = (rest - hash(1, tuple, t_now - diff)) & kCookieMask;
  if (r >= kMssIndexSpace) return Unexpected{CookieError::bad_hash};
  // Linux: "if (diff >= MAX_SYNCOOKIE_AGE) return (__u32)-1;". It decides
  // this before the hash; we look at the hash first so that `expired` counts
  // only authentic cookies and forgeries count as bad.
  if (r < kSynCookieMssTable.size() && diff >= config_.max_age_periods) return Unexpected{CookieError::expired};
  if (diff >= config_.max_age_periods) return Unexpected{CookieError::bad_hash};
  // cookie_v4_check(): "mssind < ARRAY_SIZE(msstab)".
  if (r >= kSynCookieMssTable.size()) return Unexpected{CookieError::bad_mss};
  return kSynCookieMssTable[r];
}

Result<std::uint16_t, CookieError> SynCookies::check(const IpAddress& local, std::uint16_t local_port,
                                                     const IpAddress& remote, std::uint16_t remote_port,
                                                     std::uint32_t client_isn, std::uint32_t cookie, Instant now,
                                                     SynCookieCounters& counters) const {
  auto verdict = decode(Tuple{local, local_port, remote, remote_port}, client_isn, cookie, now);
  if (verdict) {
    ++counters.validated;
  } else if (verdict.error() == CookieError::expired) {
    ++counters.rejected_expired;
  } else {
    ++counters.rejected_bad;
  }
  return verdict;
}

std::uint32_t encode_ts_options(std::uint32_t ts_now, const CookieTsOptions& options) {
  // cookie_init_timestamp()
  std::uint32_t bits = options.window_scale ? std::min(*options.window_scale, kMaxWscale) : kTsWscaleMask;
  if (options.sack_permitted) bits |= kTsSack;
  if (options.ecn) bits |= kTsEcn;
  std::uint32_t ts = (ts_now & ~kCookieTsMask) | bits;
  // Linux: "we must make sure that the resulting initial timestamp is <=
  // tcp_time_stamp". Near zero this wraps, which is still "before" mod 2^32.
  if (ts > ts_now) ts -= kCookieTsMask + 1;
  return ts;
}

CookieTsOptions decode_ts_options(std::uint32_t tsecr) {
  // cookie_timestamp_decode()
  CookieTsOptions o;
  const std::uint32_t wscale = tsecr & kTsWscaleMask;
  if (wscale != kTsWscaleMask) o.window_scale = static_cast<std::uint8_t>(wscale);  // 0..14
  o.sack_permitted = (tsecr & kTsSack) != 0;
  o.ecn = (tsecr & kTsEcn) != 0;
  return o;
}

}  // namespace wirestack::tcp
