#include "base/assert.hpp"
#include "wire/tcp.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "wire/checksum.hpp"

namespace wirestack {
namespace {

constexpr std::size_t kMaxSegmentLen = 0xffff;  // the pseudo-header's length field

// The header fields tcpdump prints, from a view or a Repr.
struct Line {
  std::uint16_t src_port;
  std::uint16_t dst_port;
  std::uint32_t seq;
  std::uint32_t ack;
  TcpFlags flags;
  std::uint16_t window;
  std::uint16_t urgent;
};

// Mirrors tcp_print() in tcpdump's print-tcp.c (with -S: absolute sequence
// numbers). Without a payload length (a Repr) seq is always printed.
// Writes into a fresh stream, so the caller's formatting state (std::hex, a
// width) cannot change the numbers; the line goes out as one string.
std::ostream& print_line(std::ostream& out, const Line& l, Bytes options_area,
                         std::optional<std::size_t> payload_len) {
  std::ostringstream os;
  os << l.src_port << " > " << l.dst_port << ": Flags " << l.flags;
  const bool data = payload_len && *payload_len > 0;
  if (!payload_len || data || l.flags.syn() || l.flags.fin() || l.flags.rst()) {
    os << ", seq " << l.seq;
    if (data) os << ':' << static_cast<std::uint32_t>(l.seq + *payload_len);
  }
  if (l.flags.ack()) os << ", ack " << l.ack;
  os << ", win " << l.window;
  if (l.flags.urg()) os << ", urg " << l.urgent;
  if (!options_area.empty()) {
    os << ", options [";
    print_tcp_options(os, options_area);
    os << ']';
  }
  if (payload_len) os << ", length " << *payload_len;
  return out << os.str();
}

}  // namespace

std::ostream& operator<<(std::ostream& out, TcpFlags f) {
  // tcpdump's tcp_flag_values[], in its order.
  struct Letter {
    std::uint16_t bit;
    char c;
  };
  static constexpr std::array<Letter, 9> kLetters{{{TcpFlags::kFin, 'F'},
                                                   {TcpFlags::kSyn, 'S'},
                                                   {TcpFlags::kRst, 'R'},
                                                   {TcpFlags::kPsh, 'P'},
                                                   {TcpFlags::kAck, '.'},
                                                   {TcpFlags::kUrg, 'U'},
                                                   {TcpFlags::kEce, 'E'},
                                                   {TcpFlags::kCwr, 'W'},
                                                   {TcpFlags::kNs, 'e'}}};
  std::string s = "[";
  for (const Letter& l : kLetters) {
    if (f.has(l.bit)) s += l.c;
  }
  s += s.size() == 1 ? "none]" : "]";
  return out << s;
}

std::uint16_t tcp_sum(Bytes segment, const IpPair& ips) {
  return transport_sum(segment, ips, IpProtocol::tcp);
}

WireResult<TcpRepr> TcpRepr::parse(TcpPacket p, const IpPair& ips, ChecksumMode mode) {
  // The pseudo-header's TCP length is 16 bits: a longer "segment" did not come
  // out of one IPv4 datagram.
  if (p.bytes().size() > kMaxSegmentLen) return Unexpected{WireError::bad_length};
  // Port 0 is reserved (IANA): no connection can have it at either end.
  if (p.src_port() == 0 || p.dst_port() == 0) return Unexpected{WireError::bad_field};
  // RFC 9293 3.1: "A TCP implementation MUST ... check the checksum in
  // incoming segments (MUST-3)."
  if (mode.verify_rx && tcp_sum(p.bytes(), ips) != 0xffff) return Unexpected{WireError::bad_checksum};
  auto options = TcpOptions::parse(p.options());
  if (!options) return Unexpected{options.error()};
  return TcpRepr{.src_port = p.src_port(),
                 .dst_port = p.dst_port(),
                 .seq = p.seq_number(),
                 .ack = p.ack_number(),
                 .flags = p.flags(),
                 .window = p.window(),
                 .urgent = p.urgent_pointer(),
                 .options = std::move(*options)};
}

void TcpRepr::emit(TcpPacketMut out, const IpPair& ips, Bytes payload, ChecksumMode mode) const {
  WIRESTACK_ASSERT((out.bytes().size() == header_len() + payload.size()) &&
                   "TcpRepr::emit: out.bytes().size() == header_len() + payload.size()");
  emit_header(out);
  const MutBytes dst = out.payload();
  if (payload.data() != dst.data()) std::ranges::copy(payload, dst.begin());
  // RFC 9293 3.1: the checksum covers pseudo-header, header and data.
  if (mode.fill_tx) out.set_checksum(static_cast<std::uint16_t>(~tcp_sum(out.bytes(), ips)));
}

void TcpRepr::emit_summed(TcpPacketMut out, const IpPair& ips, std::uint16_t payload_sum) const {
  emit_header(out);
  const std::size_t hl = header_len();
  const std::uint32_t initial = pseudo_header_sum(ips, IpProtocol::tcp, out.bytes().size()) + payload_sum;
  out.set_checksum(static_cast<std::uint16_t>(~checksum::sum(Bytes(out.bytes()).first(hl), initial)));
}

void TcpRepr::emit_header(TcpPacketMut out) const {
  const std::size_t hl = header_len();
  WIRESTACK_ASSERT((hl <= kTcpMaxHeaderLen) && "TcpRepr::emit: options.emitted_len() <= 40");
  WIRESTACK_ASSERT((out.bytes().size() >= hl) && "TcpRepr::emit: room for the header");
  WIRESTACK_ASSERT((out.bytes().size() <= kMaxSegmentLen) && "TcpRepr::emit: segment <= 65535 bytes");
  out.set_src_port(src_port);
  out.set_dst_port(dst_port);
  out.set_seq_number(seq);
  out.set_ack_number(ack);
  out.set_data_offset(static_cast<std::uint8_t>(hl / 4));
  out.set_flags(flags);
  out.set_window(window);
  out.set_checksum(0);
  out.set_urgent_pointer(urgent);
  options.emit(out.options());
}

std::ostream& operator<<(std::ostream& os, const TcpRepr& r) {
  const Line line{r.src_port, r.dst_port, r.seq, r.ack, r.flags, r.window, r.urgent};
  // The options as emit() would lay them out (at most 4+12+4+4+36+40 bytes).
  std::array<std::byte, 128> scratch{};
  const std::size_t len = r.options.emitted_len();
  WIRESTACK_ASSERT((len <= scratch.size()) && "TcpRepr: options fit the print buffer");
  r.options.emit(std::span(scratch).first(len));
  return print_line(os, line, std::span(scratch).first(len), std::nullopt);
}

namespace detail {
std::ostream& print_tcp(std::ostream& os, TcpPacket p) {
  const Line line{p.src_port(), p.dst_port(),     p.seq_number(),    p.ack_number(),
                  p.flags(),    p.window(),       p.urgent_pointer()};
  return print_line(os, line, p.options(), p.payload().size());
}
}  // namespace detail

}  // namespace wirestack
