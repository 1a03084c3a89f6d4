// scenario/narrator.cpp — the per-frame narrative of `wirestack run`.
#include "scenario/narrator.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <sstream>

#include "dhcp/message.hpp"
#include "dns/message.hpp"
#include "ftp/address.hpp"
#include "ftp/command.hpp"
#include "ftp/server.hpp"

namespace wirestack::scenario {

namespace {

bool before(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c >= 32 && c < 127) ? c : '.';
  if (s.size() > max) out += "...";
  return out;
}

// A lost copy in a few words, for a retransmission's line.
const char* drop_word(sim::Drop d) {
  switch (d) {
    case sim::Drop::queue: return "dropped by the full transmit queue";
    case sim::Drop::codel: return "dropped by CoDel";
    case sim::Drop::down: return "lost with the link down";
    case sim::Drop::loss: return "lost";
    case sim::Drop::fcs: return "corrupted";
    case sim::Drop::none: break;
  }
  return "delivered";
}

}  // namespace

Bytes app_payload(const Dissection& d, Bytes frame) {
  if (!d.ethernet) return {};
  std::size_t off = d.ethernet->header_len();
  if (d.ipv4 && !d.ipv4->is_fragment()) {
    off += d.ipv4->header_len();
  } else if (d.ipv6 && d.ipv6_extensions.empty()) {
    off += kIpv6HeaderLen;
  } else {
    return {};
  }
  if (d.tcp) {
    off += d.tcp->header_len();
  } else if (d.udp) {
    off += UdpRepr::header_len();
  } else {
    return {};
  }
  if (off > frame.size()) return {};
  return frame.subspan(off, std::min(d.payload_len, frame.size() - off));
}

std::string describe_app(Bytes payload) {
  const std::string_view s(reinterpret_cast<const char*>(payload.data()), payload.size());
  static constexpr std::string_view methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS "};
  for (auto m : methods) {
    if (s.substr(0, m.size()) == m) return "HTTP request: " + printable(s.substr(0, s.find("\r\n")), 80);
  }
  if (s.substr(0, 5) == "HTTP/") return "HTTP response: " + printable(s.substr(0, s.find("\r\n")), 80);
  // A JSON-RPC frame: 4-byte big-endian length, then JSON.
  if (s.size() >= 5 && s[4] == '{') {
    const std::uint32_t len = load_be32(payload, 0);
    if (len + 4 >= s.size() || len + 4 == s.size()) return "JSON: " + printable(s.substr(4, len), 100);
  }
  return {};
}

std::string Narrator::describe_tcp(const std::string& link, const Dissection& d, Bytes frame, FrameEvent& ev) {
  const auto& t = *d.tcp;
  const IpAddress src = d.ipv4 ? IpAddress(d.ipv4->src) : IpAddress(d.ipv6->src);
  const IpAddress dst = d.ipv4 ? IpAddress(d.ipv4->dst) : IpAddress(d.ipv6->dst);
  const auto dir = std::tuple{src, t.src_port, dst, t.dst_port};
  const auto rev = std::tuple{dst, t.dst_port, src, t.src_port};
  FlowState& me = flows_[FlowKey{link, src, t.src_port, dst, t.dst_port}];
  FlowState& peer = flows_[FlowKey{link, dst, t.dst_port, src, t.src_port}];
  if (t.flags.syn()) {
    isn_.try_emplace(dir, t.seq);
    if (t.options.window_scale) wscale_[dir] = std::min<std::uint8_t>(*t.options.window_scale, 14);
  }
  const auto rel = [&](const auto& key, std::uint32_t v) -> std::uint32_t {
    const auto it = isn_.find(key);
    return it == isn_.end() ? v : v - it->second;
  };
  const std::size_t len = d.payload_len;
  const std::uint32_t seg_len = static_cast<std::uint32_t>(len) + (t.flags.syn() ? 1u : 0u) + (t.flags.fin() ? 1u : 0u);
  const std::uint32_t end = t.seq + seg_len;

  if (seg_len > 0 && me.high && before(t.seq, *me.high)) ev.retransmission = true;
  if (seg_len > 0 && (!me.high || before(*me.high, end))) me.high = end;

  std::ostringstream os;
  os << "TCP      " << IpEndpoint{src, t.src_port} << " > " << IpEndpoint{dst, t.dst_port} << "  ";
  if (ev.retransmission) {
    os << "RETRANSMISSION of ";
    retransmitted_.insert({dir, t.seq});
  }
  if (t.flags.rst()) {
    ev.role = TcpRole::rst;
    os << "RST (reset: the connection is refused or aborted)";
  } else if (t.flags.syn() && !t.flags.ack()) {
    ev.role = TcpRole::syn;
    os << "SYN (handshake 1/3: open, my first sequence number)";
  } else if (t.flags.syn()) {
    ev.role = TcpRole::syn_ack;
    os << "SYN-ACK (handshake 2/3: accepted, and my first sequence number)";
  } else if (t.flags.fin()) {
    ev.role = TcpRole::fin;
    fins_.insert(dir);
    me.fin_end = end;
    // The four-way close: FIN, its ACK, the other FIN, its ACK.
    os << (peer.fin_sent ? "FIN (close 3/4: I have nothing more to send either)" : "FIN (close 1/4: I have nothing more to send)");
    me.fin_sent = true;
    if (len > 0) os << " with data " << len << " bytes";
  } else if (len > 0) {
    ev.role = TcpRole::data;
    me.handshake_done = true;
    os << "data " << len << " bytes";
  } else if (peer.fin_end && t.ack == *peer.fin_end && !ev.retransmission) {
    ev.role = TcpRole::fin_ack;
    peer.fin_end.reset();
    os << (me.fin_sent ? "ACK of FIN (close 4/4: I got your FIN; the connection is closed both ways)"
                       : "ACK of FIN (close 2/4: I got your FIN)");
  } else if (!me.handshake_done && peer.high && isn_.count(rev) != 0 && t.ack == isn_.at(rev) + 1) {
    ev.role = TcpRole::handshake_ack;
    me.handshake_done = true;
    handshakes_.insert(dir);
    os << "ACK (handshake 3/3: connected)";
  } else if (t.flags.ack() && me.last_ack == t.ack && me.last_win == t.window && peer.high &&
             before(t.ack, *peer.high)) {
    // The same ACK again, with data outstanding beyond it: a segment after a
    // hole arrived (RFC 5681's duplicate ACK; three start a fast retransmit).
    ev.role = TcpRole::ack;
    ++me.dups;
    os << "duplicate ACK #" << me.dups << " (I still miss seq " << rel(rev, t.ack) << "; a later segment arrived"
       << (t.options.sack_count > 0 ? ": SACK says which)" : ")");
  } else {
    ev.role = TcpRole::ack;
    os << "ACK";
  }
  if (t.flags.ack() && len == 0 && !t.flags.syn() && !t.flags.fin() && !t.flags.rst()) {
    if (me.last_ack != t.ack || me.last_win != t.window) me.dups = 0;
    me.last_ack = t.ack;
    me.last_win = t.window;
  }
  os << "  seq " << rel(dir, t.seq);
  if (seg_len > 1 || (seg_len == 1 && len == 1)) os << ":" << rel(dir, end);
  if (t.flags.ack()) os << "  ack " << rel(rev, t.ack);
  os << "  win " << t.window;
  // RFC 7323: windows are scaled once both SYNs offered the option, never in a SYN.
  const auto mine = wscale_.find(dir);
  if (!t.flags.syn() && mine != wscale_.end() && mine->second > 0 && wscale_.contains(rev)) {
    os << " (x" << (1u << mine->second) << " = " << (std::uint64_t{t.window} << mine->second) << ")";
  }
  if (t.options.mss) os << "  mss " << *t.options.mss;
  if (t.flags.syn() && t.options.window_scale) {
    os << "  wscale " << unsigned{*t.options.window_scale} << " (my later windows count in units of "
       << (1u << std::min<unsigned>(*t.options.window_scale, 14)) << " bytes, if you scale too)";
  }
  if (t.flags.syn() && t.options.sack_permitted) os << "  sackOK";
  // RFC 3168: ECN's flags, and a CE mark in the IP header.
  if (t.flags.syn() && t.flags.ece()) {
    os << (t.flags.cwr() ? "  ECE+CWR (ECN-setup: I can take congestion marks instead of losses)"
                         : "  ECE (ECN-setup: agreed, mark rather than drop)");
  } else if (!t.flags.syn()) {
    if (t.flags.ece()) os << "  ECE (echo: a router marked a segment of yours CE, congestion)";
    if (t.flags.cwr()) os << "  CWR (I halved my window for that mark)";
  }
  const std::uint8_t ip_ecn = d.ipv4 ? d.ipv4->ecn : d.ipv6 ? static_cast<std::uint8_t>(d.ipv6->traffic_class & 3) : 0;
  if (ip_ecn == 3) os << "  [IP: CE, congestion experienced]";
  if (!t.options.sacks().empty()) {
    os << "  SACK";
    for (const auto& b : t.options.sacks()) os << " " << rel(rev, b.left) << ":" << rel(rev, b.right);
  }
  const bool ftp_control = t.src_port == ftp::kPort || t.dst_port == ftp::kPort;
  if (len > 0 && ftp_control) {
    os << "  | " << describe_ftp(src, t.src_port == ftp::kPort, app_payload(d, frame));
  } else if (len > 0) {
    if (auto app = describe_app(app_payload(d, frame)); !app.empty()) os << "  | " << app;
  }
  if (ev.role == TcpRole::syn && ftp_data_.contains(IpEndpoint{dst, t.dst_port})) {
    os << "  | FTP data connection: to the port named on the control connection (" << ftp::kPort
       << "); the file or listing travels on it, and its close ends the file";
  }
  if (ev.retransmission) {
    // Where a copy of this range was lost, if one was: the simulator knows.
    const std::uint32_t resent_end = t.seq + std::max<std::uint32_t>(seg_len, 1);
    const auto it = lost_.lower_bound({dir, t.seq});
    const auto prev = it == lost_.begin() ? lost_.end() : std::prev(it);
    const auto covers = [&](auto i) {  // the ranges overlap
      return i != lost_.end() && i->first.first == dir && before(i->first.second, resent_end) &&
             before(t.seq, i->second.end);
    };
    const auto found = covers(it) ? it : covers(prev) ? prev : lost_.end();
    if (found != lost_.end()) {
      char when[32];
      std::snprintf(when, sizeof when, "%.6f", to_seconds(found->second.at.time_since_epoch()));
      os << "  (resent: the copy sent at " << when << " was " << drop_word(found->second.why) << " on link "
         << found->second.link << ")";
    } else {
      os << "  (sent before, and no copy of it was lost: a spurious retransmission; its ACK was late or lost)";
    }
  }
  return os.str();
}

std::string Narrator::on_drop(const std::string& link, const std::string& to, Instant sent, Instant now, Bytes frame,
                              sim::FrameFate fate) {
  const Dissection d = dissect(frame);
  std::ostringstream what;
  const std::optional<IpAddress> src = d.ipv4 ? std::optional<IpAddress>(d.ipv4->src)
                                       : d.ipv6 ? std::optional<IpAddress>(d.ipv6->src)
                                                : std::nullopt;
  const std::optional<IpAddress> dst = d.ipv4 ? std::optional<IpAddress>(d.ipv4->dst)
                                       : d.ipv6 ? std::optional<IpAddress>(d.ipv6->dst)
                                                : std::nullopt;
  if (d.tcp && src) {
    const auto& t = *d.tcp;
    const Dir dir{*src, t.src_port, *dst, t.dst_port};
    const auto isn = isn_.find(dir);
    const std::uint32_t base = isn == isn_.end() ? 0 : isn->second;
    const auto len = static_cast<std::uint32_t>(d.payload_len);
    const std::uint32_t seg_len = len + (t.flags.syn() ? 1u : 0u) + (t.flags.fin() ? 1u : 0u);
    what << "TCP " << IpEndpoint{*src, t.src_port} << " > " << IpEndpoint{*dst, t.dst_port} << " "
         << (t.flags.syn() ? (t.flags.ack() ? "SYN-ACK" : "SYN") : t.flags.fin() ? "FIN" : t.flags.rst() ? "RST" : len > 0 ? "data" : "ACK")
         << " seq " << t.seq - base;
    if (seg_len > 0) what << ":" << t.seq + seg_len - base;
    if (fate.lost() && seg_len > 0) lost_.insert_or_assign({dir, t.seq}, Loss{t.seq + seg_len, sent, link, fate.drop});
  } else if (d.udp && src) {
    what << "UDP " << IpEndpoint{*src, d.udp->src_port} << " > " << IpEndpoint{*dst, d.udp->dst_port};
  } else if (src) {
    what << (d.ipv4 ? "IPv4 " : "IPv6 ") << *src << " > " << *dst << (d.icmpv4 || d.icmpv6 ? " (ICMP)" : "");
  } else if (d.arp) {
    what << "ARP " << (d.arp->operation == ArpOperation::request ? "who-has " : "reply from ") << (d.arp->operation == ArpOperation::request ? d.arp->target_protocol : d.arp->source_protocol);
  } else {
    what << "a frame of " << frame.size() << " bytes";
  }
  std::ostringstream os;
  if (!fate.sent()) {  // never narrated: it did not leave the queue
    os << "DROPPED  " << what.str() << ": " << sim::to_string(fate.drop);
  } else if (now != sent) {
    char when[32];
    std::snprintf(when, sizeof when, "%.6f", to_seconds(sent.time_since_epoch()));
    os << "LOST     " << what.str() << ", sent at " << when << ": the link went down while it travelled; " << to
       << " never gets it";
  } else if (fate.drop == sim::Drop::down && !fate.duplicated) {  // not narrated either
    os << "LOST     " << what.str() << ": the link is down; " << to << " never gets it";
  } else if (fate.duplicated) {
    const bool both = fate.lost();
    os << "LOST     " << (both ? "both copies" : "one of the two copies") << " the link made of the frame above ("
       << what.str() << "): " << sim::to_string(fate.drop != sim::Drop::none ? fate.drop : fate.twin_drop)
       << (both ? "; " + to + " never gets it" : "");
  } else {
    os << "LOST     the frame above (" << what.str() << "): " << sim::to_string(fate.drop) << "; " << to
       << " never gets it";
  }
  return os.str();
}

std::string Narrator::describe_ftp(const IpAddress& src, bool from_server, Bytes payload) {
  const std::string_view s(reinterpret_cast<const char*>(payload.data()), payload.size());
  const std::string line(s.substr(0, s.find("\r\n")));
  if (from_server) {
    // A passive reply names the server's data port; the client connects there.
    if (line.starts_with("229 ")) {
      if (auto port = ftp::parse_epsv_reply(line)) ftp_data_.insert(IpEndpoint{src, *port});
    } else if (line.starts_with("227 ")) {
      if (auto at = ftp::parse_pasv_reply(line)) ftp_data_.insert(IpEndpoint{src, at->port});
    }
    return "FTP reply: " + printable(line, 80);
  }
  auto cmd = ftp::parse_command(line);
  if (!cmd) return "FTP command: " + printable(line, 60);
  // Active mode: the client names its own port; the server connects there.
  if (cmd->verb == "EPRT") {
    if (auto at = ftp::parse_eprt_arg(cmd->arg)) ftp_data_.insert(*at);
  } else if (cmd->verb == "PORT") {
    if (auto at = ftp::parse_port_arg(cmd->arg)) ftp_data_.insert(*at);
  }
  return "FTP command: " + (cmd->verb == "PASS" ? std::string("PASS ****") : printable(line, 80));
}

FrameEvent Narrator::on_frame(const std::string& link, const std::string& from, const std::string& to, Instant at,
                              Bytes frame) {
  current_ = dissect(frame);
  const Dissection& d = current_;
  FrameEvent ev{at, link, nullptr, 0, from, to, frame, &d, TcpRole::none, false, {}};
  std::ostringstream os;
  if (d.arp) {
    if (d.arp->is_gratuitous()) {
      os << "ARP      gratuitous: " << d.arp->source_protocol << " is-at " << d.arp->source_hardware;
    } else if (d.arp->operation == ArpOperation::request) {
      os << "ARP      who-has " << d.arp->target_protocol << " tell " << d.arp->source_protocol;
    } else {
      os << "ARP      " << d.arp->source_protocol << " is-at " << d.arp->source_hardware;
    }
    ev.text = os.str();
    return ev;
  }
  if (d.bpdu) {
    const BpduRepr& b = *d.bpdu;
    if (b.type == BpduType::tcn) {
      os << "STP      topology change notification (to the root: a port started or stopped forwarding)";
    } else {
      os << "STP      root " << b.root << " cost " << b.root_path_cost << ", from bridge " << b.bridge << " port id 0x"
         << std::hex << b.port_id << std::dec << (b.topology_change ? ", topology change" : "")
         << (b.topology_change_ack ? ", ack of the topology change" : "");
    }
    ev.text = os.str();
    return ev;
  }
  if (d.ipv6) {
    ev.text = describe_ipv6(link, d, frame, ev);
    return ev;
  }
  if (!d.ipv4) {
    ev.text = d.layers.empty() ? "?" : d.layers.front().text;
    return ev;
  }
  const auto& ipr = *d.ipv4;
  const auto last = [&](std::string_view proto) -> std::string {
    for (const auto& l : d.layers) {
      if (l.protocol == proto) return l.text.substr(0, l.text.find(", checksum"));
    }
    return {};
  };
  if (d.icmpv4) {
    os << "ICMP     " << ipr.src << " > " << ipr.dst << ": " << last("ICMP").substr(5);
  } else if (d.udp) {
    os << "UDP      " << ipr.src << ":" << d.udp->src_port << " > " << ipr.dst << ":" << d.udp->dst_port << ", "
       << d.payload_len << " bytes";
    const auto dns_text = d.udp->src_port == dns::kPort || d.udp->dst_port == dns::kPort
                              ? dns::summary(app_payload(d, frame))
                              : std::nullopt;
    const bool dhcp = (d.udp->src_port == dhcp::kClientPort && d.udp->dst_port == dhcp::kServerPort) ||
                      (d.udp->src_port == dhcp::kServerPort && d.udp->dst_port == dhcp::kClientPort);
    if (dns_text) {
      os << "  | DNS " << *dns_text;
    } else if (dhcp) {
      auto m = dhcp::Message::parse(app_payload(d, frame));
      os << "  | DHCP " << (m ? m->summary() : "malformed: " + dhcp::to_string(m.error()));
    } else if (auto app = describe_app(app_payload(d, frame)); !app.empty()) {
      os << "  | " << app;
    }
  } else if (d.tcp && ipr.is_fragment()) {
    // The first fragment of a segment IP had to cut: its header, not its length.
    os << "TCP      " << ipr.src << ":" << d.tcp->src_port << " > " << ipr.dst << ":" << d.tcp->dst_port
       << "  segment too big for the link, cut by IP";
  } else if (d.tcp) {
    os << describe_tcp(link, d, frame, ev);
  } else {
    os << "IPv4     " << ipr.src << " > " << ipr.dst << ": proto " << ipr.protocol;
  }
  if (ipr.is_fragment()) {
    os << " [fragment id " << ipr.ident << " offset " << ipr.frag_offset << (ipr.more_fragments ? " MF]" : "]");
  }
  if (!d.tcp || ipr.is_fragment()) os << " ttl " << static_cast<unsigned>(ipr.ttl);
  if (!d.ok()) os << "  MALFORMED: " << d.problems.front().protocol << " " << to_string(d.problems.front().error);
  ev.text = os.str();
  return ev;
}

std::string Narrator::describe_ipv6(const std::string& link, const Dissection& d, Bytes frame, FrameEvent& ev) {
  const Ipv6Repr& ip = *d.ipv6;
  std::ostringstream os;
  const auto lla = [&](bool target) -> std::string {
    if (!d.nd_options) return "?";
    const auto& m = target ? d.nd_options->target_ll : d.nd_options->source_ll;
    return m ? m->to_string() : "?";
  };
  if (d.icmpv6) {
    const Icmpv6Message& m = d.icmpv6->message;
    if (const auto* ns = std::get_if<NdNeighborSolicit>(&m)) {
      if (ip.src.is_unspecified()) {
        os << "NDP      DAD: is anyone using " << ns->target << "? (neighbor solicitation from ::, to the group "
           << ip.dst << "; an answer means the address is taken)";
      } else {
        os << "NDP      who-has " << ns->target << " tell " << ip.src << " (neighbor solicitation: IPv6's ARP request, "
           << (ip.dst.is_multicast() ? "to the target's solicited-node group)" : "checking a known neighbour)");
      }
    } else if (const auto* na = std::get_if<NdNeighborAdvert>(&m)) {
      os << "NDP      " << na->target << " is-at " << lla(true) << " (neighbor advertisement"
         << (na->solicited ? ": IPv6's ARP reply" : ip.dst.is_multicast() ? " to all nodes: this address is taken" : "")
         << (na->router ? "; I am a router" : "") << ")";
    } else if (std::holds_alternative<NdRouterSolicit>(m)) {
      os << "NDP      router solicitation from " << ip.src << ": is there a router on this link? (to all routers, ff02::2)";
    } else if (const auto* ra = std::get_if<NdRouterAdvert>(&m)) {
      os << "NDP      router advertisement from " << ip.src << ": I am a router";
      if (ra->router_lifetime != 0) os << " (a default route for " << ra->router_lifetime << " s)";
      if (d.nd_options) {
        for (std::size_t i = 0; i < d.nd_options->prefix_count; ++i) {
          const NdPrefixInfo& p = d.nd_options->prefixes[i];
          os << "; prefix " << p.prefix << "/" << unsigned{p.prefix_len}
             << (p.autonomous ? ": make your address from it (SLAAC)" : " on-link");
        }
      }
    } else if (const auto* rd = std::get_if<NdRedirect>(&m)) {
      os << "NDP      redirect from " << ip.src << ": for " << rd->destination << " send to " << rd->target
         << (rd->target == rd->destination ? " itself, it is on your link" : ", a better first hop on your link")
         << " (is-at " << lla(true) << ")";
    } else {
      std::string text;
      for (const auto& l : d.layers) {
        if (l.protocol == "ICMPv6") text = l.text.substr(0, l.text.find(", checksum"));
      }
      os << "ICMPv6   " << ip.src << " > " << ip.dst << ": " << (text.size() > 7 ? text.substr(7) : text);
    }
    os << " hop limit " << unsigned{ip.hop_limit};
  } else if (d.udp) {
    os << "UDP      " << IpEndpoint{ip.src, d.udp->src_port} << " > " << IpEndpoint{ip.dst, d.udp->dst_port} << ", "
       << d.payload_len << " bytes";
    const auto dns_text = d.udp->src_port == dns::kPort || d.udp->dst_port == dns::kPort
                              ? dns::summary(app_payload(d, frame))
                              : std::nullopt;
    if (dns_text) {
      os << "  | DNS " << *dns_text;
    } else if (auto app = describe_app(app_payload(d, frame)); !app.empty()) {
      os << "  | " << app;
    }
    os << " hop limit " << unsigned{ip.hop_limit};
  } else if (d.tcp && !d.ipv6_fragment) {
    os << describe_tcp(link, d, frame, ev);
  } else {
    os << "IPv6     " << ip.src << " > " << ip.dst << ": next header " << ip.next_header << " hop limit "
       << unsigned{ip.hop_limit};
  }
  if (d.ipv6_fragment) os << " [fragment]";
  if (!d.ok()) os << "  MALFORMED: " << d.problems.front().protocol << " " << to_string(d.problems.front().error);
  return os.str();
}

}  // namespace wirestack::scenario
