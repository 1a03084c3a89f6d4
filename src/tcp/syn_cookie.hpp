// tcp/syn_cookie.hpp — SYN cookies: a listener whose SYN queue is full
// answers a SYN without keeping any state, and rebuilds the connection from
// the returning ACK (D. J. Bernstein's design, as Linux implements it in
// net/ipv4/syncookies.c; RFC 4987 3.6 describes it).
//
// The cookie is the ISN of the SYN-ACK. This file uses Linux's layout
// (secure_tcp_syn_cookie()), with its own keyed hash:
//
//   cookie = H(0, tuple, 0) + client_isn + (t << 24)
//          + ((H(1, tuple, t) + mss_index) mod 2^24)              (mod 2^32)
//
//   t          the time counter, floor(now / period) mod 2^32; its low 8 bits
//              land in the cookie's top byte (period: 60 s, Linux's
//              TCP_SYNCOOKIE_PERIOD; configurable)
//   mss_index  index into kSynCookieMssTable (Linux's msstab: 536, 1300,
//              1440, 1460), the largest entry <= the client's MSS; an MSS
//              below 536 (or none) encodes 536
//   H(c, tuple, t)  SipHash-2-4 (tcp/isn.hpp siphash24) under the 16-byte
//              key, low 32 bits, over 17 bytes: c (1 byte: 0 or 1, which
//              stands for Linux's two secrets), local address (4), local
//              port (2), remote address (4), remote port (2), t (4); all
//              network order (41 bytes over IPv6: addresses of 16). H(0, ...) always uses t = 0, as Linux does.
//
// Checking the ACK (check_tcp_syn_cookie()): cookie = SEG.ACK - 1 and
// client_isn = SEG.SEQ - 1. Subtract H(0) + client_isn; the top byte gives
// t mod 256, so diff = (t_now - t) mod 256. A cookie is accepted while
// diff < max_age_periods (Linux's MAX_SYNCOOKIE_AGE = 2): from the period it
// was made in and the next one, i.e. it lives between (max_age - 1) * period
// and max_age * period. Then r = (low 24 bits - H(1, tuple, t_now - diff))
// mod 2^24 must be a valid index: r < 4.
//
// Verdicts (CookieError):
//   expired  r is a valid index (the cookie is authentic) but diff >= max age;
//   bad_mss  diff is in range and r is 4..7: the hash nearly matched but the
//            index is beyond the table. The low bits are additive (Linux's
//            layout), so SEG.ACK moved by a few units decodes to a
//            neighbouring index: + from index 3 gives bad_mss, while - from
//            index 3 is *accepted* with MSS 1440. Harmless (whoever can
//            alter the ACK already knows the cookie), as in Linux;
//   bad_hash everything else (a forged or misdirected ACK, or one older than
//            256 periods). A random guess passes with probability
//            4 / 2^24 if it hits a valid period (2 of the 256 values of the
//            top byte), and is classed expired with about the same odds.
//
// Timestamps (cookie_init_timestamp() / cookie_timestamp_decode()): the SYN's
// window scale, SACK-permitted and ECN cannot fit in the cookie, so when the
// SYN carried timestamps they ride in the low 6 bits of the SYN-ACK's TSval,
// which the client echoes in TSecr:
//   bits 0..3  the client's window scale 0..14; 15 = no window scaling
//   bit  4     SACK permitted
//   bit  5     ECN
// The TSval stays <= the TS clock (never ahead of the values sent later).
// Without timestamps these options are lost: the SYN-ACK must then offer
// neither window scaling nor SACK-permitted (Linux: tcp_clear_options()).
// These bits are not authenticated: a client can change them, as it could by
// sending a different SYN.
//
// For the listener (as Linux does): call check() only for a segment with ACK
// set and SYN/RST clear that matches no connection, and only while cookies
// were sent within the last max_age_periods * period (Linux:
// tcp_synq_no_recent_overflow()), so blind guessing gets no chance while the
// listener is not under a flood. The server's own window scale is not in the
// cookie: it must come out the same on issue and check (a function of the
// listener's buffer sizes). No SYN queue entry means no SYN-ACK
// retransmission; the client's retransmitted SYN just gets a fresh cookie.
//
// Sans-IO: time is the Instant passed in; the key is passed in (see isn.hpp
// for where real keys come from; generate_key(rng) is for simulations).
//
//   SynCookies cookies(key);
//   // SYN queue full, SYN in:
//   auto c = cookies.issue(local, lport, remote, rport, syn.seq, syn_mss, now, counters);
//   send SYN-ACK with seq c.isn (and TSval = encode_ts_options(ts_now, opts))
//   // bare ACK in for no known connection:
//   auto mss = cookies.check(local, lport, remote, rport, ack.seq - 1, ack.ack - 1, now, counters);
//   if (!mss) drop (or RST); else create the connection: iss = ack.ack - 1,
//   irs = ack.seq - 1, peer MSS = *mss, options = decode_ts_options(ack.tsecr)
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "tcp/isn.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::tcp {

// Linux's msstab (net/ipv4/syncookies.c): MSS values the cookie can carry.
inline constexpr std::array<std::uint16_t, 4> kSynCookieMssTable{536, 1300, 1440, 1460};

enum class CookieError : std::uint8_t {
  expired,   // authentic, but older than max_age_periods
  bad_hash,  // does not decode under this key, 4-tuple and client ISN
  bad_mss,   // decodes to an MSS index outside the table
};

std::string_view to_string(CookieError e);
inline std::ostream& operator<<(std::ostream& os, CookieError e) { return os << to_string(e); }

// Owned by the listener. issue() and check() count into the one they are given.
struct SynCookieCounters {
  std::uint64_t sent = 0;              // SYN-ACKs answered with a cookie
  std::uint64_t validated = 0;         // ACKs whose cookie was accepted
  std::uint64_t rejected_expired = 0;  // CookieError::expired
  std::uint64_t rejected_bad = 0;      // CookieError::bad_hash and bad_mss
  friend constexpr bool operator==(const SynCookieCounters&, const SynCookieCounters&) = default;
};

struct SynCookieConfig {
  Duration period = std::chrono::seconds{60};  // Linux TCP_SYNCOOKIE_PERIOD
  std::uint32_t max_age_periods = 2;           // Linux MAX_SYNCOOKIE_AGE; 1..255
};

// What to put in the SYN-ACK.
struct SynCookie {
  std::uint32_t isn = 0;  // the SYN-ACK's sequence number
  std::uint16_t mss = 0;  // the MSS the cookie carries: the peer's MSS once check() accepts it
};

class SynCookies {
 public:
  using Key = SipHashKey;

  // Precondition: config.period > 0 and 1 <= config.max_age_periods <= 255
  // (a constant of the listener; checked with WIRESTACK_ASSERT).
  explicit SynCookies(const Key& key, SynCookieConfig config = {});

  // For deterministic simulation: a key from the seeded Rng (see isn.hpp).
  static Key generate_key(Rng& rng) { return generate_sip_key(rng); }

  // The cookie for a SYN from remote:remote_port to local:local_port whose
  // sequence number is client_isn. client_mss is the SYN's MSS option
  // (nullopt if absent: RFC 9293's default 536). Counts `sent`.
  SynCookie issue(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote, std::uint16_t remote_port,
                  std::uint32_t client_isn, std::optional<std::uint16_t> client_mss, Instant now,
                  SynCookieCounters& counters) const;

  // Checks the ACK completing a cookie handshake: client_isn = SEG.SEQ - 1,
  // cookie = SEG.ACK - 1. Returns the MSS the cookie carries, or why it was
  // refused. Counts `validated`, `rejected_expired` or `rejected_bad`.
  Result<std::uint16_t, CookieError> check(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote,
                                           std::uint16_t remote_port, std::uint32_t client_isn, std::uint32_t cookie,
                                           Instant now, SynCookieCounters& counters) const;

  // Index of the table entry a client MSS maps to.
  static std::size_t mss_index(std::optional<std::uint16_t> client_mss);

  const SynCookieConfig& config() const { return config_; }

 private:
  struct Tuple {
    IpAddress local;
    std::uint16_t local_port;
    IpAddress remote;
    std::uint16_t remote_port;
  };
  std::uint32_t counter(Instant now) const;  // t
  std::uint32_t hash(std::uint8_t c, const Tuple& tuple, std::uint32_t t) const;
  Result<std::uint16_t, CookieError> decode(const Tuple& tuple, std::uint32_t client_isn, std::uint32_t cookie,
                                            Instant now) const;

  Key key_;
  SynCookieConfig config_;
};

// Options of the client's SYN that ride in the SYN-ACK's TSval.
struct CookieTsOptions {
  std::optional<std::uint8_t> window_scale{};  // the client's shift; values above 14 are taken as 14 (RFC 7323 2.3)
  bool sack_permitted = false;
  bool ecn = false;
  friend constexpr bool operator==(const CookieTsOptions&, const CookieTsOptions&) = default;
};

inline constexpr std::uint32_t kCookieTsBits = 6;  // Linux TSBITS
inline constexpr std::uint32_t kCookieTsMask = (1U << kCookieTsBits) - 1;

// The TSval for a cookie SYN-ACK: ts_now with its low 6 bits replaced by the
// options, moved back by 64 if that would put it ahead of ts_now (mod 2^32).
std::uint32_t encode_ts_options(std::uint32_t ts_now, const CookieTsOptions& options);

// The options from the TSecr of the ACK that completes a cookie handshake.
// Every value decodes (wscale 15 means none), so there is no error.
CookieTsOptions decode_ts_options(std::uint32_t tsecr);

}  // namespace wirestack::tcp
