// report/ladder.cpp — the sequence chart of one TCP connection.
//
// A segment crossing a router is seen on every hop; (direction, IP ident,
// seq, ack, flags, length) names it on all of them. It left when its sender
// handed it to the first link, and arrived when the last hop (the one into
// the receiving host) delivered it; never reaching that hop means the
// network lost it (a link's loss draw, or a full queue on the way).
#include <algorithm>
#include <map>
#include <tuple>
#include <variant>

#include "report/svg.hpp"
#include "wire/tcp.hpp"

namespace wirestack::report::detail {
namespace {

struct Seg {
  bool from_client = true;
  Instant depart{};
  std::optional<Instant> arrive;
  const TcpFrame* frame = nullptr;  // the first observation
  int hops = 0;
  bool rtx = false;
};

// "SYN, ACK": the flags in the order people say them.
std::string flag_names(std::uint16_t bits, std::string_view sep) {
  static constexpr std::pair<std::uint16_t, std::string_view> kNames[] = {
      {TcpFlags::kSyn, "SYN"}, {TcpFlags::kFin, "FIN"}, {TcpFlags::kRst, "RST"}, {TcpFlags::kPsh, "PSH"},
      {TcpFlags::kAck, "ACK"}, {TcpFlags::kUrg, "URG"}, {TcpFlags::kEce, "ECE"}, {TcpFlags::kCwr, "CWR"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += sep;
    out += name;
  }
  return out.empty() ? "none" : out;
}

auto tuple_of(const IpEndpoint& a, const IpEndpoint& b) {
  return std::tuple(a.addr, a.port, b.addr, b.port);
}

// The first connection whose three-way handshake was seen whole.
std::optional<FlowKey> first_handshake(const std::vector<TcpFrame>& frames) {
  std::map<std::tuple<IpAddress, std::uint16_t, IpAddress, std::uint16_t>, int> stage;  // by (client, server)
  for (const auto& f : frames) {
    const TcpFlags fl{f.flags};
    if (fl.syn() && !fl.ack()) {
      stage.try_emplace(tuple_of(f.src, f.dst), 1);
    } else if (fl.syn() && fl.ack()) {
      if (auto it = stage.find(tuple_of(f.dst, f.src)); it != stage.end()) it->second = std::max(it->second, 2);
    } else if (fl.ack() && !fl.rst()) {
      if (auto it = stage.find(tuple_of(f.src, f.dst)); it != stage.end() && it->second == 2) {
        return FlowKey{f.src, f.dst};
      }
    }
  }
  return std::nullopt;
}

std::string host_of(const Recorder& rec, const IpAddress& a) {
  for (const auto& n : rec.nodes()) {
    for (const auto& text : n.addresses) {
      if (text.substr(0, text.find('/')) == a.to_string()) return n.name;
    }
  }
  return {};
}

}  // namespace

void render_ladder(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  out += "<section id=\"ladder\">\n";
  const std::optional<FlowKey> key = opt.connection ? opt.connection : first_handshake(rec.frames());
  if (!key) {
    out += "<h2>TCP ladder</h2>\n<p class=\"note\">No TCP connection completed a handshake in this run.</p>\n</section>\n";
    return;
  }
  const std::string client_host = host_of(rec, key->client.addr);
  const std::string server_host = host_of(rec, key->server.addr);

  // Gather the segments, one per datagram whatever the number of hops.
  std::vector<Seg> segs;
  std::map<std::tuple<bool, std::uint16_t, std::uint32_t, std::uint32_t, std::uint16_t, std::uint32_t>, std::size_t> by_id;
  for (const auto& f : rec.frames()) {
    const bool c2s = f.src == key->client && f.dst == key->server;
    if (!c2s && !(f.src == key->server && f.dst == key->client)) continue;
    auto [it, fresh] = by_id.try_emplace(std::tuple(c2s, f.ip_ident, f.seq, f.ack, f.flags, f.payload_len), segs.size());
    if (fresh) segs.push_back(Seg{c2s, f.at, std::nullopt, &f, 0, false});
    Seg& s = segs[it->second];
    ++s.hops;
    const auto& l = rec.links()[f.link];
    const std::string& to_node = l.end(1 - f.from_side).node;
    const std::string& dst_host = c2s ? server_host : client_host;
    if (!f.lost && (dst_host.empty() || to_node == dst_host)) s.arrive = f.arrival;
    else if (f.lost) s.arrive.reset();
  }
  if (segs.empty()) {
    out += "<h2>TCP ladder</h2>\n<p class=\"note\">No segment of " + esc(endpoint(key->client)) + " &#8594; " +
           esc(endpoint(key->server)) + " was recorded.</p>\n</section>\n";
    return;
  }

  // Relative sequence numbers, as Wireshark shows them: from each side's ISN.
  std::optional<std::uint32_t> isn[2];  // [0] client, [1] server
  for (const auto& s : segs) {
    auto& i = isn[s.from_client ? 0 : 1];
    if (!i && TcpFlags{s.frame->flags}.syn()) i = s.frame->seq;
  }
  for (const auto& s : segs) {
    auto& i = isn[s.from_client ? 0 : 1];
    if (!i) i = s.frame->seq;
  }
  // A segment that occupies sequence space below what its side already sent
  // is a retransmission (Wireshark's rule, without its finer cases).
  std::optional<std::uint32_t> sent_end[2];
  std::size_t rtx_total = 0, lost_total = 0;
  for (auto& s : segs) {
    const std::size_t d = s.from_client ? 0 : 1;
    const TcpFlags fl{s.frame->flags};
    const std::uint32_t rel = s.frame->seq - *isn[d];
    const std::uint32_t len = s.frame->payload_len + (fl.syn() ? 1u : 0u) + (fl.fin() ? 1u : 0u);
    if (len == 0) continue;
    if (sent_end[d] && static_cast<std::int32_t>(rel - *sent_end[d]) < 0) s.rtx = true;
    if (!sent_end[d] || static_cast<std::int32_t>(rel + len - *sent_end[d]) > 0) sent_end[d] = rel + len;
  }
  for (const auto& s : segs) {
    rtx_total += s.rtx ? 1 : 0;
    lost_total += s.arrive ? 0 : 1;
  }

  out += "<h2>TCP ladder: " + esc(endpoint(key->client)) + " &#8594; " + esc(endpoint(key->server)) + "</h2>\n";
  out += "<p>Each arrow is one TCP segment, drawn from the moment its sender handed it to the wire to the moment "
         "it reached the other host (times at each end, in virtual milliseconds). seq and ack count from each "
         "side's initial sequence number (ISN), as Wireshark shows them: the SYN takes seq 0, the first data "
         "byte is 1. <span class=\"c2s\">Client to server</span>, <span class=\"s2c\">server to client</span>, "
         "<span class=\"rtx\">retransmissions</span>; an arrow ending in &#10005; was lost on the way. Hover "
         "an arrow for details.</p>\n";
  out += "<p class=\"note\">" + std::to_string(segs.size()) + " segments, " + std::to_string(rtx_total) +
         " retransmitted, " + std::to_string(lost_total) + " lost.</p>\n";

  // Which rows to draw: all, or the first and last `edge` and, because a
  // loss is what a student comes to see, `around` segments on each side of
  // every segment the network lost and every retransmission (the first
  // ladder_losses of them); a marker for each gap says how many it hides.
  const std::size_t edge = std::max<std::size_t>(opt.ladder_edge, 1);
  const bool collapse = segs.size() > 2 * edge;
  std::vector<bool> show(segs.size(), !collapse);
  std::vector<std::size_t> events;  // lost or retransmitted segments, in order
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (!segs[i].arrive || segs[i].rtx) events.push_back(i);
  }
  const std::size_t indexed = std::min(events.size(), opt.ladder_losses);
  if (collapse) {
    for (std::size_t i = 0; i < edge; ++i) show[i] = show[segs.size() - 1 - i] = true;
    for (std::size_t e = 0; e < indexed; ++e) {
      const std::size_t i = events[e];
      const std::size_t from = i > opt.ladder_around ? i - opt.ladder_around : 0;
      for (std::size_t k = from; k < std::min(segs.size(), i + opt.ladder_around + 1); ++k) show[k] = true;
    }
  }
  struct Gap {
    std::size_t count = 0, rtx = 0, lost = 0;
  };
  std::vector<std::variant<std::size_t, Gap>> rows;  // a segment, or an elision marker
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (show[i]) {
      rows.emplace_back(i);
      continue;
    }
    if (rows.empty() || !std::holds_alternative<Gap>(rows.back())) rows.emplace_back(Gap{});
    auto& gap = std::get<Gap>(rows.back());
    ++gap.count;
    gap.rtx += segs[i].rtx ? 1 : 0;
    gap.lost += segs[i].arrive ? 0 : 1;
  }
  std::size_t hidden = 0;
  for (const auto& row : rows) {
    if (const Gap* g = std::get_if<Gap>(&row)) hidden += g->count;
  }
  if (hidden > 0) {
    out += "<p class=\"note\">A long ladder: shown are the first and last " + std::to_string(edge) +
           " segments and " + std::to_string(opt.ladder_around) + " on each side of " +
           (indexed < events.size() ? "the first " + std::to_string(indexed) + " losses and retransmissions"
                                    : std::string("every loss and retransmission")) +
           "; " + std::to_string(hidden) + " segments are hidden, each gap marked with how many.</p>\n";
  }
  // The index: a link to each loss and retransmission drawn.
  if (!events.empty()) {
    out += "<details open class=\"loss-index\"><summary>Losses and retransmissions (" +
           std::to_string(events.size()) + (indexed < events.size() ? ", the first " + std::to_string(indexed) + " linked" : "") +
           ")</summary>\n<ol class=\"losses\">";
    for (std::size_t e = 0; e < indexed; ++e) {
      const Seg& s = segs[events[e]];
      const std::size_t d = s.from_client ? 0 : 1;
      out += "<li><a href=\"#seg-" + std::to_string(events[e]) + "\">" + ms(s.depart) + " " +
             (s.from_client ? "c&#8594;s" : "s&#8594;c") + " seq=" + std::to_string(s.frame->seq - *isn[d]) + " " +
             (s.arrive ? "retransmitted" : "lost") + (s.rtx && !s.arrive ? " (a retransmission)" : "") + "</a></li>";
    }
    out += "</ol>\n</details>\n";
  }

  constexpr int kW = 1000, kXc = 260, kXs = 740, kTop = 64, kRow = 30, kSlant = 16;
  const int height = kTop + static_cast<int>(rows.size()) * kRow + 30;
  out += "<svg class=\"ladder\" width=\"" + std::to_string(kW) + "\" height=\"" + std::to_string(height) +
         "\" viewBox=\"0 0 " + std::to_string(kW) + " " + std::to_string(height) + "\" role=\"img\">\n";
  out += "<defs>";
  for (const char* c : {"c2s", "s2c", "rtx"}) {
    out += std::string("<marker id=\"head-") + c +
           "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
           "orient=\"auto-start-reverse\"><path class=\"" + c + "\" d=\"M0,0 L10,5 L0,10 z\"/></marker>";
  }
  out += "</defs>\n";
  auto end_box = [&](int x, const std::string& role, const std::string& host, const IpEndpoint& e) {
    out += "<rect class=\"end\" x=\"" + std::to_string(x - 110) + "\" y=\"6\" width=\"220\" height=\"40\" rx=\"6\"/>";
    out += "<text class=\"endname\" x=\"" + std::to_string(x) + "\" y=\"22\">" + esc(role) +
           (host.empty() ? "" : " (" + esc(host) + ")") + "</text>";
    out += "<text class=\"endaddr\" x=\"" + std::to_string(x) + "\" y=\"38\">" + esc(endpoint(e)) + "</text>\n";
  };
  end_box(kXc, "client", client_host, key->client);
  end_box(kXs, "server", server_host, key->server);
  for (int x : {kXc, kXs}) {
    out += "<line class=\"timeline\" x1=\"" + std::to_string(x) + "\" y1=\"46\" x2=\"" + std::to_string(x) +
           "\" y2=\"" + std::to_string(height - 8) + "\"/>\n";
  }

  int y = kTop;
  for (const auto& row : rows) {
    if (const Gap* gap = std::get_if<Gap>(&row)) {
      out += "<text class=\"elision\" x=\"" + std::to_string(kW / 2) + "\" y=\"" + std::to_string(y + 12) +
             "\">&#8942; " + std::to_string(gap->count) + " segments hidden" +
             (gap->rtx + gap->lost > 0 ? " (" + std::to_string(gap->lost) + " lost, " + std::to_string(gap->rtx) +
                                             " retransmitted among them)"
                                       : std::string()) +
             " &#8942;</text>\n";
      y += kRow;
      continue;
    }
    const Seg& s = segs[std::get<std::size_t>(row)];
    const TcpFrame& f = *s.frame;
    const TcpFlags fl{f.flags};
    const std::size_t d = s.from_client ? 0 : 1;
    const std::uint32_t rel_seq = f.seq - *isn[d];
    const std::string cls = s.rtx ? "rtx" : (s.from_client ? "c2s" : "s2c");
    const int x1 = s.from_client ? kXc : kXs;
    const int x2 = s.from_client ? kXs : kXc;

    std::string label = flag_names(f.flags, ", ") + "  seq=" + std::to_string(rel_seq);
    if (f.payload_len > 0) label += ":" + std::to_string(rel_seq + f.payload_len);
    if (fl.ack() && isn[1 - d]) label += " ack=" + std::to_string(f.ack - *isn[1 - d]);
    if (f.payload_len > 0) label += " len=" + std::to_string(f.payload_len);
    if (fl.syn()) label += " win=" + std::to_string(f.window) + (f.mss ? " mss=" + std::to_string(f.mss) : "");
    if (s.rtx) label = "retransmission: " + label;
    if (!s.arrive) label += " (lost)";

    std::string tip = std::string(s.from_client ? "client → server" : "server → client") + ", " +
                      flag_names(f.flags, ", ") + ", seq " + std::to_string(f.seq) + " (relative " +
                      std::to_string(rel_seq) + ")";
    if (fl.ack()) tip += ", ack " + std::to_string(f.ack);
    tip += ", " + std::to_string(f.payload_len) + " data bytes, window " + std::to_string(f.window) +
           " (unscaled), IP ident " + std::to_string(f.ip_ident) + "; left " + ms(s.depart);
    tip += s.arrive ? ", arrived " + ms(*s.arrive) + " (" + std::to_string(s.hops) + " hop" +
                          (s.hops == 1 ? "" : "s") + ")"
                    : ", lost after " + std::to_string(s.hops) + " hop" + (s.hops == 1 ? "" : "s");

    const std::size_t index = std::get<std::size_t>(row);
    out += "<g class=\"seg " + cls + (s.arrive ? "" : " lost") + "\"" +
           (!s.arrive || s.rtx ? " id=\"seg-" + std::to_string(index) + "\"" : std::string()) + " data-flags=\"" +
           flag_names(f.flags, "-") + "\"><title>" + esc(tip) + "</title>";
    if (s.arrive) {
      out += "<line x1=\"" + std::to_string(x1) + "\" y1=\"" + std::to_string(y) + "\" x2=\"" + std::to_string(x2) +
             "\" y2=\"" + std::to_string(y + kSlant) + "\" marker-end=\"url(#head-" + cls + ")\"/>";
    } else {  // stops two thirds of the way, with a cross
      const int xe = x1 + (x2 - x1) * 2 / 3, ye = y + kSlant * 2 / 3;
      out += "<line class=\"dashed\" x1=\"" + std::to_string(x1) + "\" y1=\"" + std::to_string(y) + "\" x2=\"" +
             std::to_string(xe) + "\" y2=\"" + std::to_string(ye) + "\"/>";
      out += "<path class=\"cross\" d=\"M" + std::to_string(xe - 5) + "," + std::to_string(ye - 5) + " l10,10 m0,-10 l-10,10\"/>";
    }
    out += "<text class=\"label\" x=\"" + std::to_string((kXc + kXs) / 2) + "\" y=\"" + std::to_string(y + 3) + "\">" +
           esc(label) + "</text>";
    // Times at each end: when it left its sender, when it reached the peer.
    const std::optional<Instant> at_client = s.from_client ? std::optional<Instant>(s.depart) : s.arrive;
    const std::optional<Instant> at_server = s.from_client ? s.arrive : std::optional<Instant>(s.depart);
    const int yc = s.from_client ? y : y + kSlant, ys = s.from_client ? y + kSlant : y;
    if (at_client) {
      out += "<text class=\"time left\" x=\"" + std::to_string(kXc - 8) + "\" y=\"" + std::to_string(yc + 4) + "\">" +
             ms(*at_client) + "</text>";
    }
    if (at_server) {
      out += "<text class=\"time right\" x=\"" + std::to_string(kXs + 8) + "\" y=\"" + std::to_string(ys + 4) + "\">" +
             ms(*at_server) + "</text>";
    }
    out += "</g>\n";
    y += kRow;
  }
  out += "</svg>\n</section>\n";
}

}  // namespace wirestack::report::detail
