// wire/tcp_options.hpp — the TCP options area: a reader that walks it option
// by option, and TcpOptions, what a segment carries, with parse() and emit().
//
//   kind 0  EOL             1 byte, ends the list (the rest is padding)
//   kind 1  NOP             1 byte, used to align the next option
//   kind 2  MSS             len 4:  16-bit maximum segment size (RFC 9293 3.7.1)
//   kind 3  window scale    len 3:  shift count 0..14 (RFC 7323 2)
//   kind 4  SACK-permitted  len 2   (RFC 2018 2)
//   kind 5  SACK            len 2+8n, n = 1..4 blocks {left, right} (RFC 2018 3)
//   kind 8  timestamps      len 10: TSval, TSecr (RFC 7323 3)
//   other kinds: kind, len >= 2, data; skipped by their length (RFC 9293
//   3.1: "must be prepared to handle an illegal option length").
//
// Errors (all WireError::bad_option_length): a length byte below 2, a length
// (or a missing length byte) that runs past the area, a known option whose
// length is not its fixed length, a SACK option with 0 or more than 4 blocks.
//
// Parsing does not judge meaning: a window scale above 14, an MSS outside a
// SYN or a repeated option are the TCP layer's business (a repeated option:
// the last one wins). Values are kept as on the wire.
//
// emit() writes the layout Linux writes (tcp_options_write() in
// net/ipv4/tcp_output.c), every option aligned on 32 bits:
//   MSS | SACK_PERM,TS (or NOP,NOP,TS) | NOP,NOP,SACK_PERM (no TS) |
//   NOP,WSCALE | NOP,NOP,SACK blocks | unknown options as parsed | zero padding
// so a SYN is "MSS, SACK_PERM, TS, NOP, WSCALE" and a data segment
// "NOP, NOP, TS". parse(emit(x)) == x. NOPs and EOL are layout, not meaning:
// TcpOptions does not record them.
//
//   auto opts = TcpOptions::parse(packet.options());
//   if (!opts) return Unexpected{opts.error()};
//   if (opts->mss) peer_mss = *opts->mss;
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>

#include "base/bytes.hpp"
#include "wire/error.hpp"

namespace wirestack {

inline constexpr std::size_t kTcpMaxOptionsLen = 40;  // data offset 15 words - 5
inline constexpr std::size_t kTcpMaxSackBlocks = 4;   // (40 - 2) / 8

// Open enum: kinds we do not name are carried as they are.
enum class TcpOptionKind : std::uint8_t {
  eol = 0,
  nop = 1,
  mss = 2,
  window_scale = 3,
  sack_permitted = 4,
  sack = 5,
  timestamps = 8,
};

// One option as it sits in the area. For known kinds the length is already
// validated, so decoding value() cannot read out of bounds.
struct TcpOption {
  TcpOptionKind kind = TcpOptionKind::eol;
  Bytes bytes{};  // the whole option: kind, length, value (only the kind for EOL and NOP)

  // What follows the kind and length bytes; empty for EOL and NOP.
  Bytes value() const { return bytes.size() <= 2 ? Bytes{} : bytes.subspan(2); }
};

// Walks an options area in wire order:
//
//   TcpOptionReader reader(area);
//   while (true) {
//     auto opt = reader.next();
//     if (!opt) return Unexpected{opt.error()};
//     if (!*opt) break;          // end of the area, or after EOL
//     use(**opt);
//   }
class TcpOptionReader {
 public:
  explicit constexpr TcpOptionReader(Bytes area) : rest_(area) {}

  // The next option; std::nullopt at the end of the area and after EOL (which
  // is returned once). After an error the reader is at its end.
  WireResult<std::optional<TcpOption>> next();

 private:
  Bytes rest_;
};

struct SackBlock {
  std::uint32_t left = 0;   // first sequence number of the block
  std::uint32_t right = 0;  // sequence number just after the block
  friend constexpr bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct Timestamps {
  std::uint32_t tsval = 0;
  std::uint32_t tsecr = 0;
  friend constexpr bool operator==(const Timestamps&, const Timestamps&) = default;
};

// Options of kinds we do not interpret, kept whole (kind, length, data) in
// wire order, for printing and for re-emitting. They fit in 40 bytes because
// they came from one options area.
class UnknownTcpOptions {
 public:
  // Appends one whole option. Returns false (and changes nothing) if it does
  // not fit into 40 bytes.
  bool append(Bytes option);
  Bytes bytes() const { return Bytes(buf_).first(len_); }
  std::size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }

  friend bool operator==(const UnknownTcpOptions& a, const UnknownTcpOptions& b);

 private:
  std::array<std::byte, kTcpMaxOptionsLen> buf_{};
  std::uint8_t len_ = 0;
};

struct TcpOptions {
  std::optional<std::uint16_t> mss{};
  std::optional<std::uint8_t> window_scale{};  // as sent; RFC 7323 caps its use at 14
  bool sack_permitted = false;
  std::array<SackBlock, kTcpMaxSackBlocks> sack_blocks{};  // the first sack_count are set
  std::uint8_t sack_count = 0;
  std::optional<Timestamps> timestamps{};
  UnknownTcpOptions unknown{};

  // Parses an options area (the bytes between the fixed header and the data).
  // Precondition-free: any bytes give a value or an error. An area longer than
  // 40 bytes is refused with bad_option_length.
  static WireResult<TcpOptions> parse(Bytes area);

  // Bytes emit() writes: a multiple of 4. Can exceed 40 for a few tight
  // layouts (TS + WSCALE + 3 SACK blocks needs 44 once aligned); a TCP header
  // carries at most 40, which TcpRepr::emit enforces.
  std::size_t emitted_len() const;
  // Precondition: out.size() == emitted_len().
  void emit(MutBytes out) const;

  std::span<const SackBlock> sacks() const {
    return std::span(sack_blocks).first(std::min<std::size_t>(sack_count, kTcpMaxSackBlocks));
  }
  // Appends a block; returns false if four are already there.
  bool add_sack(SackBlock b);
  bool empty() const { return emitted_len() == 0; }

  // Compares only the first sack_count SACK blocks.
  friend bool operator==(const TcpOptions& a, const TcpOptions& b);
};

// tcpdump style, in the order emit() writes them, NOPs included:
// "mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7".
std::ostream& operator<<(std::ostream& os, const TcpOptions& o);

// Prints an options area as it is on the wire, like tcpdump: comma separated,
// "[bad opt]" where the area stops making sense. Safe on any bytes.
void print_tcp_options(std::ostream& os, Bytes area);

}  // namespace wirestack
