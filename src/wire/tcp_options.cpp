#include "base/assert.hpp"
#include "wire/tcp_options.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace wirestack {
namespace {

constexpr std::uint8_t kMssLen = 4;
constexpr std::uint8_t kWindowScaleLen = 3;
constexpr std::uint8_t kSackPermittedLen = 2;
constexpr std::uint8_t kTimestampsLen = 10;
constexpr std::uint8_t kSackBaseLen = 2;
constexpr std::uint8_t kSackBlockLen = 8;

// RFC 9293 3.1 gives MSS its length; RFC 7323 2.2 and 3.2, RFC 2018 2 and 3
// give the others theirs. Unknown kinds may have any length >= 2.
bool length_is_valid(TcpOptionKind kind, std::size_t len) {
  switch (kind) {
    case TcpOptionKind::mss: return len == kMssLen;
    case TcpOptionKind::window_scale: return len == kWindowScaleLen;
    case TcpOptionKind::sack_permitted: return len == kSackPermittedLen;
    case TcpOptionKind::timestamps: return len == kTimestampsLen;
    case TcpOptionKind::sack: {
      if (len < kSackBaseLen + kSackBlockLen || (len - kSackBaseLen) % kSackBlockLen != 0) return false;
      return (len - kSackBaseLen) / kSackBlockLen <= kTcpMaxSackBlocks;
    }
    default: return true;
  }
}

// Writes big-endian values one after another.
class Writer {
 public:
  explicit Writer(MutBytes out) : out_(out) {}
  void u8(std::uint8_t v) { store_u8(out_, at_++, v); }
  void u8(TcpOptionKind k) { u8(static_cast<std::uint8_t>(k)); }
  void be16(std::uint16_t v) {
    store_be16(out_, at_, v);
    at_ += 2;
  }
  void be32(std::uint32_t v) {
    store_be32(out_, at_, v);
    at_ += 4;
  }
  void raw(Bytes b) {
    std::ranges::copy(b, out_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ += b.size();
  }
  std::size_t at() const { return at_; }

 private:
  MutBytes out_;
  std::size_t at_ = 0;
};

std::size_t round_up4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// Mirrors tcp_print()'s option loop in tcpdump's print-tcp.c.
void print_area(std::ostream& os, Bytes area) {
  TcpOptionReader reader(area);
  const char* sep = "";
  while (true) {
    auto next = reader.next();
    if (!next) {
      os << sep << "[bad opt]";
      return;
    }
    if (!*next) return;
    const TcpOption& opt = **next;
    const Bytes v = opt.value();
    os << sep;
    sep = ",";
    switch (opt.kind) {
      case TcpOptionKind::eol: os << "eol"; break;
      case TcpOptionKind::nop: os << "nop"; break;
      case TcpOptionKind::mss: os << "mss " << load_be16(v, 0); break;
      case TcpOptionKind::window_scale: os << "wscale " << unsigned{load_u8(v, 0)}; break;
      case TcpOptionKind::sack_permitted: os << "sackOK"; break;
      case TcpOptionKind::sack:
        os << "sack " << v.size() / kSackBlockLen << ' ';
        for (std::size_t at = 0; at < v.size(); at += kSackBlockLen) {
          os << '{' << load_be32(v, at) << ':' << load_be32(v, at + 4) << '}';
        }
        break;
      case TcpOptionKind::timestamps: os << "TS val " << load_be32(v, 0) << " ecr " << load_be32(v, 4); break;
      default:
        os << "unknown-" << unsigned{static_cast<std::uint8_t>(opt.kind)};
        if (!v.empty()) os << " 0x" << to_hex(v, "");
        break;
    }
  }
}

}  // namespace

WireResult<std::optional<TcpOption>> TcpOptionReader::next() {
  if (rest_.empty()) return std::optional<TcpOption>{};
  const auto kind = TcpOptionKind{load_u8(rest_, 0)};
  switch (kind) {
    case TcpOptionKind::eol: {
      // RFC 9293 3.1: "End of Option List ... used at the end of all options,
      // not the end of each option". What follows is padding.
      const TcpOption eol{.kind = kind, .bytes = rest_.first(1)};
      rest_ = {};
      return std::optional<TcpOption>{eol};
    }
    case TcpOptionKind::nop: {
      const TcpOption nop{.kind = kind, .bytes = rest_.first(1)};
      rest_ = rest_.subspan(1);
      return std::optional<TcpOption>{nop};
    }
    default: break;
  }
  // RFC 9293 3.1: "a TCP implementation MUST be prepared to handle an illegal
  // option length (e.g., zero)". A missing length byte, a length below 2 (which
  // would not advance), or one past the area ends parsing with an error.
  std::size_t len = 0;
  if (rest_.size() >= 2) len = load_u8(rest_, 1);
  if (len < 2 || len > rest_.size() || !length_is_valid(kind, len)) {
    rest_ = {};
    return Unexpected{WireError::bad_option_length};
  }
  const TcpOption opt{.kind = kind, .bytes = rest_.first(len)};
  rest_ = rest_.subspan(len);
  return std::optional<TcpOption>{opt};
}

bool UnknownTcpOptions::append(Bytes option) {
  if (option.size() > buf_.size() - len_) return false;
  std::ranges::copy(option, buf_.begin() + len_);
  len_ = static_cast<std::uint8_t>(len_ + option.size());
  return true;
}

bool operator==(const UnknownTcpOptions& a, const UnknownTcpOptions& b) {
  return std::ranges::equal(a.bytes(), b.bytes());
}

WireResult<TcpOptions> TcpOptions::parse(Bytes area) {
  if (area.size() > kTcpMaxOptionsLen) return Unexpected{WireError::bad_option_length};
  TcpOptions o;
  // Nearly every segment of a connection with timestamps carries exactly
  // NOP, NOP, TS (RFC 7323 appendix A's layout): read it without the loop
  // (Linux tcp_parse_aligned_timestamp).
  if (area.size() == 12 && load_be32(area, 0) == 0x0101080a) {
    o.timestamps = Timestamps{.tsval = load_be32(area, 4), .tsecr = load_be32(area, 8)};
    return o;
  }
  TcpOptionReader reader(area);
  while (true) {
    auto next = reader.next();
    if (!next) return Unexpected{next.error()};
    if (!*next) break;
    const TcpOption& opt = **next;
    const Bytes v = opt.value();
    switch (opt.kind) {
      case TcpOptionKind::eol:
      case TcpOptionKind::nop: break;
      case TcpOptionKind::mss: o.mss = load_be16(v, 0); break;
      case TcpOptionKind::window_scale: o.window_scale = load_u8(v, 0); break;
      case TcpOptionKind::sack_permitted: o.sack_permitted = true; break;
      case TcpOptionKind::sack: {
        o.sack_blocks = {};
        o.sack_count = static_cast<std::uint8_t>(v.size() / kSackBlockLen);
        for (std::size_t i = 0; i < o.sack_count; ++i) {
          o.sack_blocks[i] = SackBlock{.left = load_be32(v, i * kSackBlockLen),
                                       .right = load_be32(v, i * kSackBlockLen + 4)};
        }
        break;
      }
      case TcpOptionKind::timestamps:
        o.timestamps = Timestamps{.tsval = load_be32(v, 0), .tsecr = load_be32(v, 4)};
        break;
      default:
        // Cannot fail: unknown options come from an area of at most 40 bytes.
        if (!o.unknown.append(opt.bytes)) return Unexpected{WireError::bad_option_length};
        break;
    }
  }
  return o;
}

std::size_t TcpOptions::emitted_len() const {
  std::size_t n = 0;
  if (mss) n += 4;
  if (timestamps) n += 12;                      // SACK_PERM,TS or NOP,NOP,TS
  if (sack_permitted && !timestamps) n += 4;    // NOP,NOP,SACK_PERM
  if (window_scale) n += 4;                     // NOP,WSCALE
  if (!sacks().empty()) n += 4 + kSackBlockLen * sacks().size();  // NOP,NOP,SACK
  return n + round_up4(unknown.size());
}

// Mirrors tcp_options_write() (Linux net/ipv4/tcp_output.c): each option is
// preceded by the NOPs that align it on 32 bits, and SACK_PERM shares the word
// in front of TS instead of two NOPs.
void TcpOptions::emit(MutBytes out) const {
  WIRESTACK_ASSERT((out.size() == emitted_len()) && "TcpOptions::emit: out.size() == emitted_len()");
  Writer w(out);
  if (mss) {
    w.u8(TcpOptionKind::mss);
    w.u8(kMssLen);
    w.be16(*mss);
  }
  if (timestamps) {
    if (sack_permitted) {
      w.u8(TcpOptionKind::sack_permitted);
      w.u8(kSackPermittedLen);
    } else {
      w.u8(TcpOptionKind::nop);
      w.u8(TcpOptionKind::nop);
    }
    w.u8(TcpOptionKind::timestamps);
    w.u8(kTimestampsLen);
    w.be32(timestamps->tsval);
    w.be32(timestamps->tsecr);
  } else if (sack_permitted) {
    w.u8(TcpOptionKind::nop);
    w.u8(TcpOptionKind::nop);
    w.u8(TcpOptionKind::sack_permitted);
    w.u8(kSackPermittedLen);
  }
  if (window_scale) {
    w.u8(TcpOptionKind::nop);
    w.u8(TcpOptionKind::window_scale);
    w.u8(kWindowScaleLen);
    w.u8(*window_scale);
  }
  if (!sacks().empty()) {
    w.u8(TcpOptionKind::nop);
    w.u8(TcpOptionKind::nop);
    w.u8(TcpOptionKind::sack);
    w.u8(static_cast<std::uint8_t>(kSackBaseLen + kSackBlockLen * sacks().size()));
    for (const SackBlock& b : sacks()) {
      w.be32(b.left);
      w.be32(b.right);
    }
  }
  w.raw(unknown.bytes());
  // RFC 9293 3.1: "The TCP header padding ... is composed of zeros", which
  // reads as EOL and ends the list.
  while (w.at() < out.size()) w.u8(TcpOptionKind::eol);
}

bool TcpOptions::add_sack(SackBlock b) {
  if (sack_count >= kTcpMaxSackBlocks) return false;
  sack_blocks[sack_count++] = b;
  return true;
}

bool operator==(const TcpOptions& a, const TcpOptions& b) {
  return a.mss == b.mss && a.window_scale == b.window_scale && a.sack_permitted == b.sack_permitted &&
         std::ranges::equal(a.sacks(), b.sacks()) && a.timestamps == b.timestamps && a.unknown == b.unknown;
}

void print_tcp_options(std::ostream& out, Bytes area) {
  // A fresh stream: the caller's formatting state (std::hex, a width) cannot
  // change the numbers; the list goes out as one string.
  std::ostringstream os;
  print_area(os, area);
  out << os.str();
}

std::ostream& operator<<(std::ostream& os, const TcpOptions& o) {
  // Print exactly what emit() would write. Bounded: 4 + 12 + 4 + 4 + 36 + 40.
  std::array<std::byte, 128> scratch{};
  const std::size_t len = o.emitted_len();
  WIRESTACK_ASSERT((len <= scratch.size()) && "TcpOptions: emitted_len() fits the print buffer");
  o.emit(std::span(scratch).first(len));
  print_tcp_options(os, std::span(scratch).first(len));
  return os;
}

}  // namespace wirestack
