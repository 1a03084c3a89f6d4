// tcp/isn.cpp — RFC 6528 initial sequence numbers (see isn.hpp).
#include "tcp/isn.hpp"

#include <sodium.h>

namespace wirestack::tcp {

static_assert(std::tuple_size_v<SipHashKey> == crypto_shorthash_KEYBYTES);
static_assert(crypto_shorthash_BYTES == 8);

std::uint64_t siphash24(const SipHashKey& key, Bytes message) {
  // No sodium_init() needed: see isn.hpp. crypto_shorthash only fails on
  // impossible arguments and always returns 0.
  std::array<unsigned char, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(), key.data());
  std::uint64_t v = 0;
  for (std::size_t i = out.size(); i-- > 0;) v = v << 8 | out[i];  // little-endian
  return v;
}

SipHashKey generate_sip_key(Rng& rng) {
  SipHashKey key{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t w = rng.next_u64();
    for (std::size_t i = 0; i < 8; ++i) {
      key[half * 8 + i] = static_cast<std::uint8_t>(w & 0xff);
      w >>= 8;
    }
  }
  return key;
}

std::uint32_t IsnGenerator::clock_part(Instant now) {
  // floor(ns / 4000): rounding toward minus infinity keeps M monotonic across
  // the clock's origin, should a driver ever pass an Instant before it.
  const std::int64_t ns = to_nanos(now);
  std::int64_t ticks = ns / kTickNanos;
  if (ns % kTickNanos < 0) --ticks;
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ticks));  // mod 2^32
}

std::uint32_t IsnGenerator::hash_part(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote,
                                      std::uint16_t remote_port) const {
  // The layout documented in isn.hpp: 12 bytes for IPv4, 36 for IPv6.
  std::array<std::byte, 36> msg{};
  const MutBytes m(msg);
  std::size_t at = local.write_wire(m);
  store_be16(m, at, local_port);
  at += 2;
  at += remote.write_wire(m.subspan(at));
  store_be16(m, at, remote_port);
  at += 2;
  return static_cast<std::uint32_t>(siphash24(key_, Bytes(msg).first(at)));  // low 32 bits
}

std::uint32_t IsnGenerator::isn(const IpAddress& local, std::uint16_t local_port, const IpAddress& remote,
                                std::uint16_t remote_port, Instant now) const {
  // RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
  return clock_part(now) + hash_part(local, local_port, remote, remote_port);
}

}  // namespace wirestack::tcp
