#include "dhcp/message.hpp"

#include <algorithm>
#include <sstream>

namespace wirestack::dhcp {

std::string_view to_string(MessageType t) {
  switch (t) {
    case MessageType::discover: return "DISCOVER";
    case MessageType::offer: return "OFFER";
    case MessageType::request: return "REQUEST";
    case MessageType::decline: return "DECLINE";
    case MessageType::ack: return "ACK";
    case MessageType::nak: return "NAK";
    case MessageType::release: return "RELEASE";
    case MessageType::inform: return "INFORM";
  }
  return "?";
}

std::string_view option_name(std::uint8_t code) {
  switch (code) {
    case opt::pad: return "pad";
    case opt::subnet_mask: return "subnet mask";
    case opt::router: return "router";
    case opt::dns_servers: return "DNS servers";
    case opt::requested_ip: return "requested IP address";
    case opt::lease_time: return "lease time";
    case opt::message_type: return "message type";
    case opt::server_id: return "server identifier";
    case opt::parameter_request: return "parameter request list";
    case opt::message: return "message";
    case opt::overload: return "option overload";
    case opt::renewal_t1: return "renewal time T1";
    case opt::rebinding_t2: return "rebinding time T2";
    case opt::end: return "end";
    default: return "";
  }
}

std::string to_string(const DhcpError& e) {
  std::ostringstream os;
  auto named = [&] {
    os << "option " << int{e.option};
    if (auto n = option_name(e.option); !n.empty()) os << " (" << n << ')';
  };
  switch (e.code) {
    case DhcpErrc::truncated: return "message shorter than the 236-byte BOOTP header and the magic cookie";
    case DhcpErrc::bad_op: return "op is neither 1 (request) nor 2 (reply)";
    case DhcpErrc::bad_hardware: return "hardware type is not Ethernet (htype 1, hlen 6)";
    case DhcpErrc::bad_cookie: return "no magic cookie 99.130.83.99 after the header (RFC 2131 3)";
    case DhcpErrc::option_overrun:
      named();
      os << " runs past the end of the message";
      break;
    case DhcpErrc::bad_option_length:
      named();
      os << " has length " << e.length << ", which does not fit its type";
      break;
    case DhcpErrc::bad_overload:
      os << "option 52 (option overload) is " << e.length << ", not 1 (file), 2 (sname) or 3 (both)";
      break;
    case DhcpErrc::no_end: return "options do not end with option 255 (end)";
    case DhcpErrc::no_message_type: return "no option 53 (message type): a BOOTP message, not DHCP";
    case DhcpErrc::bad_message_type:
      os << "option 53 (message type) is " << e.length << ", not one of 1..8";
      break;
  }
  return os.str();
}

std::uint32_t to_lease_seconds(Duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (s < 0) return 0;
  if (s >= std::int64_t{kInfiniteLease}) return kInfiniteLease;
  return static_cast<std::uint32_t>(s);
}

namespace {

constexpr std::size_t kCookieAt = 236;
constexpr std::size_t kSnameAt = 44;
constexpr std::size_t kSnameSize = 64;
constexpr std::size_t kFileAt = 108;
constexpr std::size_t kFileSize = 128;
constexpr std::uint16_t kBroadcastFlag = 0x8000;

// Reads one option's value into the message; an error names the option.
Result<void, DhcpError> take_option(Message& m, std::optional<std::uint8_t>& type, std::uint8_t code,
                                    Bytes v) {
  const DhcpError wrong{DhcpErrc::bad_option_length, code, v.size()};
  auto address = [&](std::optional<Ipv4Address>& out) -> Result<void, DhcpError> {
    if (v.size() != 4) return Unexpected{wrong};
    out = Ipv4Address::from_bytes(v);
    return {};
  };
  auto seconds = [&](std::optional<std::uint32_t>& out) -> Result<void, DhcpError> {
    if (v.size() != 4) return Unexpected{wrong};
    out = load_be32(v, 0);
    return {};
  };
  auto list = [&](std::vector<Ipv4Address>& out) -> Result<void, DhcpError> {
    if (v.empty() || v.size() % 4 != 0) return Unexpected{wrong};  // RFC 2132 3.5: minimum 4, multiples of 4
    out.clear();
    for (std::size_t i = 0; i < v.size(); i += 4) out.push_back(Ipv4Address::from_bytes(v.subspan(i)));
    return {};
  };
  switch (code) {
    case opt::message_type:
      if (v.size() != 1) return Unexpected{wrong};
      type = std::to_integer<std::uint8_t>(v[0]);
      return {};
    case opt::subnet_mask: return address(m.subnet_mask);
    case opt::requested_ip: return address(m.requested_ip);
    case opt::server_id: return address(m.server_id);
    case opt::router: return list(m.routers);
    case opt::dns_servers: return list(m.dns_servers);
    case opt::lease_time: return seconds(m.lease_seconds);
    case opt::renewal_t1: return seconds(m.t1_seconds);
    case opt::rebinding_t2: return seconds(m.t2_seconds);
    case opt::parameter_request:
      if (v.empty()) return Unexpected{wrong};
      m.parameter_request.clear();
      for (auto b : v) m.parameter_request.push_back(std::to_integer<std::uint8_t>(b));
      return {};
    case opt::message:
      if (v.empty()) return Unexpected{wrong};
      m.text.assign(reinterpret_cast<const char*>(v.data()), v.size());
      return {};
    default: return {};  // unknown options are skipped
  }
}

// Options from `area` into the message, until End or the area's end: true
// if End was there. With `overload`, option 52 is read into it (1 file,
// 2 sname, 3 both); without, it is skipped as an unknown option.
Result<bool, DhcpError> read_options(Message& m, std::optional<std::uint8_t>& type,
                                     std::optional<std::uint8_t>* overload, Bytes area) {
  std::size_t i = 0;
  while (i < area.size()) {
    const auto code = std::to_integer<std::uint8_t>(area[i]);
    if (code == opt::pad) {
      ++i;
      continue;
    }
    if (code == opt::end) return true;  // what follows End is padding
    if (i + 1 >= area.size()) return Unexpected{DhcpError{DhcpErrc::option_overrun, code}};
    const std::size_t len = std::to_integer<std::size_t>(area[i + 1]);
    if (i + 2 + len > area.size()) return Unexpected{DhcpError{DhcpErrc::option_overrun, code, len}};
    const Bytes value = area.subspan(i + 2, len);
    if (code == opt::overload && overload != nullptr) {
      if (len != 1) return Unexpected{DhcpError{DhcpErrc::bad_option_length, code, len}};
      const auto v = std::to_integer<std::uint8_t>(value[0]);
      if (v < 1 || v > 3) return Unexpected{DhcpError{DhcpErrc::bad_overload, code, v}};
      *overload = v;
    } else if (auto r = take_option(m, type, code, value); !r) {
      return Unexpected{r.error()};
    }
    i += 2 + len;
  }
  return false;
}

}  // namespace

DhcpResult<Message> Message::parse(Bytes b) {
  if (b.size() < kMinMessage) return Unexpected{DhcpError{DhcpErrc::truncated}};
  Message m;
  m.op = std::to_integer<std::uint8_t>(b[0]);
  if (m.op != kBootRequest && m.op != kBootReply) return Unexpected{DhcpError{DhcpErrc::bad_op}};
  if (b[1] != std::byte{1} || b[2] != std::byte{6}) return Unexpected{DhcpError{DhcpErrc::bad_hardware}};
  if (load_be32(b, kCookieAt) != kMagicCookie) return Unexpected{DhcpError{DhcpErrc::bad_cookie}};
  m.hops = std::to_integer<std::uint8_t>(b[3]);
  m.xid = load_be32(b, 4);
  m.secs = load_be16(b, 8);
  m.broadcast = (load_be16(b, 10) & kBroadcastFlag) != 0;
  m.ciaddr = Ipv4Address::from_bytes(b.subspan(12));
  m.yiaddr = Ipv4Address::from_bytes(b.subspan(16));
  m.siaddr = Ipv4Address::from_bytes(b.subspan(20));
  m.giaddr = Ipv4Address::from_bytes(b.subspan(24));
  m.chaddr = MacAddress::from_bytes(b.subspan(28));

  std::optional<std::uint8_t> type;
  std::optional<std::uint8_t> overload;
  auto ended = read_options(m, type, &overload, b.subspan(kMinMessage));
  if (!ended) return Unexpected{ended.error()};
  if (!*ended) return Unexpected{DhcpError{DhcpErrc::no_end}};
  // RFC 2132 9.3: options continue in `file`, then in `sname`. Option 52
  // there is not read again (nullptr): two fields, each read once, whatever
  // they say.
  if (overload && (*overload & 1) != 0) {
    if (auto r = read_options(m, type, nullptr, b.subspan(kFileAt, kFileSize)); !r) return Unexpected{r.error()};
  }
  if (overload && (*overload & 2) != 0) {
    if (auto r = read_options(m, type, nullptr, b.subspan(kSnameAt, kSnameSize)); !r) return Unexpected{r.error()};
  }
  if (!type) return Unexpected{DhcpError{DhcpErrc::no_message_type, opt::message_type}};
  if (*type < 1 || *type > 8) return Unexpected{DhcpError{DhcpErrc::bad_message_type, opt::message_type, *type}};
  m.type = static_cast<MessageType>(*type);
  return m;
}

ByteVec Message::emit() const {
  ByteVec out(kMinMessage, std::byte{0});
  out[0] = std::byte{op};
  out[1] = std::byte{1};  // Ethernet
  out[2] = std::byte{6};
  out[3] = std::byte{hops};
  store_be32(out, 4, xid);
  store_be16(out, 8, secs);
  store_be16(out, 10, broadcast ? kBroadcastFlag : 0);
  ciaddr.write(MutBytes(out).subspan(12));
  yiaddr.write(MutBytes(out).subspan(16));
  siaddr.write(MutBytes(out).subspan(20));
  giaddr.write(MutBytes(out).subspan(24));
  chaddr.write(MutBytes(out).subspan(28));
  store_be32(out, kCookieAt, kMagicCookie);

  auto option = [&](std::uint8_t code, Bytes value) {
    out.push_back(std::byte{code});
    out.push_back(static_cast<std::byte>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  };
  auto address = [&](std::uint8_t code, const std::optional<Ipv4Address>& a) {
    if (!a) return;
    std::array<std::byte, 4> v{};
    a->write(v);
    option(code, v);
  };
  auto seconds = [&](std::uint8_t code, const std::optional<std::uint32_t>& s) {
    if (!s) return;
    std::array<std::byte, 4> v{};
    store_be32(v, 0, *s);
    option(code, v);
  };
  auto list = [&](std::uint8_t code, const std::vector<Ipv4Address>& l) {
    if (l.empty()) return;
    ByteVec v(std::min<std::size_t>(l.size(), 63) * 4);
    for (std::size_t k = 0; k < v.size() / 4; ++k) l[k].write(MutBytes(v).subspan(4 * k));
    option(code, v);
  };
  const std::array<std::byte, 1> t{static_cast<std::byte>(type)};
  option(opt::message_type, t);
  address(opt::server_id, server_id);
  address(opt::requested_ip, requested_ip);
  seconds(opt::lease_time, lease_seconds);
  seconds(opt::renewal_t1, t1_seconds);
  seconds(opt::rebinding_t2, t2_seconds);
  address(opt::subnet_mask, subnet_mask);
  list(opt::router, routers);
  list(opt::dns_servers, dns_servers);
  if (!parameter_request.empty()) {
    ByteVec v;
    for (std::size_t k = 0; k < std::min<std::size_t>(parameter_request.size(), 255); ++k) {
      v.push_back(std::byte{parameter_request[k]});
    }
    option(opt::parameter_request, v);
  }
  if (!text.empty()) option(opt::message, as_bytes(std::string_view(text).substr(0, 255)));
  out.push_back(std::byte{opt::end});
  if (out.size() < kBootpMinimum) out.resize(kBootpMinimum, std::byte{0});
  return out;
}

std::string Message::summary() const {
  std::ostringstream os;
  os << to_string(type);
  if (!yiaddr.is_unspecified()) os << ' ' << yiaddr;
  if (requested_ip) os << " for " << *requested_ip;
  if (!ciaddr.is_unspecified()) os << " ciaddr " << ciaddr;
  if (lease_seconds) os << " lease " << *lease_seconds << 's';
  if (server_id) os << " server " << *server_id;
  if (subnet_mask) os << " mask " << *subnet_mask;
  if (!routers.empty()) os << " router " << routers.front();
  if (!dns_servers.empty()) os << " dns " << dns_servers.front();
  os << " xid 0x" << std::hex << xid << std::dec << " chaddr " << chaddr;
  if (!text.empty()) os << " (\"" << text << "\")";
  return os.str();
}

}  // namespace wirestack::dhcp
