// tcp/isn.hpp — initial sequence numbers from a keyed hash plus a clock
// (RFC 6528 3, RFC 9293 3.4.1 MUST-8), and the keyed hash they share with
// SYN cookies (tcp/syn_cookie.hpp).
//
//   ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// M is RFC 6528's 4-microsecond timer, derived from the Instant the caller
// passes: M = floor(nanoseconds / 4000) mod 2^32, so a fixed 4-tuple's ISN
// grows by 250,000 per second and wraps every ~4.77 hours (RFC 9293 3.4.1).
// F is SipHash-2-4 (libsodium's crypto_shorthash, a 16-byte key) over this
// layout (12 bytes over IPv4; over IPv6 each address is 16 bytes, 36 in
// all), truncated to its low 32 bits:
//
//   offset 0  local address   4 bytes, network order
//          4  local port      2 bytes, network order
//          6  remote address  4 bytes, network order
//         10  remote port     2 bytes, network order
//
// SipHash's 64-bit output is read little-endian (its native order, the order
// of the 8 bytes crypto_shorthash writes); "low 32 bits" means bytes 0..3.
// Linux does the same with its own SipHash (secure_tcp_seq() in
// net/core/secure_seq.c), keeping M in a 64 ns tick instead.
//
// Sans-IO: no clock and no randomness is read here. The key is passed in.
// Real deployments fill it in the driver layer (loop/) with libsodium's
// randombytes_buf() after sodium_init(); simulations call generate_key(rng)
// with their seeded Rng so runs are reproducible. This file never calls
// sodium_init(): crypto_shorthash (SipHash-2-4) is libsodium's portable
// reference code with no CPU dispatch and no global state, so it is correct
// without initialisation, whereas sodium_init() would seed libsodium's random
// generator from the kernel (I/O that the sans-IO rule keeps out of tcp/).
//
//   IsnGenerator isn_gen(key);              // once per stack
//   std::uint32_t iss = isn_gen.isn(local, 80, remote, 40000, now);
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::tcp {

// A SipHash-2-4 key (crypto_shorthash_KEYBYTES == 16).
using SipHashKey = std::array<std::uint8_t, 16>;

// SipHash-2-4 of `message` under `key` (libsodium crypto_shorthash), the
// 8 output bytes read as a little-endian integer.
std::uint64_t siphash24(const SipHashKey& key, Bytes message);

// A key drawn from a seeded generator: for simulations and tests only. A real
// stack's driver fills the key with randombytes_buf() instead.
SipHashKey generate_sip_key(Rng& rng);

// RFC 6528 initial sequence numbers. Cheap to copy; holds only the key.
class IsnGenerator {
 public:
  using Key = SipHashKey;

  static constexpr std::int64_t kTickNanos = 4000;  // RFC 6528's 4 microsecond timer

  explicit IsnGenerator(const Key& key) : key_(key) {}

  // For deterministic simulation: a key from the seeded Rng (see file comment).
  static Key generate_key(Rng& rng) { return generate_sip_key(rng); }

  // ISN = M(now) + F(4-tuple): see the file comment for the exact layout.
  std::uint32_t isn(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote, std::uint16_t remote_port,
                    Instant now) const;

  // The two halves, exposed for tests and tracing.
  static std::uint32_t clock_part(Instant now);  // M
  std::uint32_t hash_part(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote,
                          std::uint16_t remote_port) const;  // F

 private:
  Key key_;
};

}  // namespace wirestack::tcp
