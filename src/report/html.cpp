// report/html.cpp — the page, the topology, the charts and the counters
// (the ladder is in ladder.cpp).
#include "report/html.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "report/svg.hpp"

namespace wirestack::report {
namespace detail {
namespace {

// Hand-written, not a framework: the page must render with no network.
constexpr std::string_view kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 2em 3em; color: #1f2937; background: #fff; }
h1 { margin: 0.6em 0 0.2em; font-size: 1.6em; }
h2 { margin-top: 1.6em; border-bottom: 2px solid #e5e7eb; padding-bottom: 0.2em; }
h3 { margin: 1em 0 0.3em; font-size: 1em; }
nav a { margin-right: 1.2em; color: #1d4ed8; }
p { max-width: 60em; line-height: 1.45; }
.note { color: #6b7280; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #e5e7eb; padding: 2px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f4f6; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.grid { display: flex; flex-wrap: wrap; gap: 1.2em; align-items: flex-start; }
svg text { font-size: 12px; fill: #1f2937; }
.topo .host { fill: #dbeafe; stroke: #1d4ed8; stroke-width: 1.5; }
.topo .router { fill: #ffedd5; stroke: #c2410c; stroke-width: 1.5; }
.topo .switch { fill: #dcfce7; stroke: #15803d; stroke-width: 1.5; }
.topo .wire { stroke: #6b7280; stroke-width: 2; }
.topo .name { font-weight: 600; text-anchor: middle; }
.topo .addr { font-size: 11px; text-anchor: middle; fill: #4b5563; }
.topo .linklabel { font-size: 11px; text-anchor: middle; fill: #374151; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.topo .lossy { fill: #b91c1c; }
.ladder .timeline { stroke: #9ca3af; stroke-width: 2; }
.ladder .end { fill: #f3f4f6; stroke: #9ca3af; }
.ladder .endname { font-weight: 600; text-anchor: middle; }
.ladder .endaddr { text-anchor: middle; font-family: ui-monospace, monospace; }
.ladder .label { text-anchor: middle; font-family: ui-monospace, monospace; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.ladder .time { font-family: ui-monospace, monospace; font-size: 11px; fill: #4b5563; }
.ladder .time.left { text-anchor: end; }
.ladder .elision { text-anchor: middle; fill: #6b7280; font-style: italic; }
.ladder line { stroke-width: 1.5; }
.ladder .seg.c2s line, path.c2s { stroke: #1d4ed8; fill: #1d4ed8; }
.ladder .seg.s2c line, path.s2c { stroke: #047857; fill: #047857; }
.ladder .seg.rtx line, path.rtx { stroke: #dc2626; fill: #dc2626; }
.ladder .seg.rtx .label { fill: #dc2626; }
.ladder .seg.lost .dashed { stroke-dasharray: 5 4; }
.ladder .cross { stroke: #dc2626; stroke-width: 2.5; fill: none; }
span.c2s { color: #1d4ed8; font-weight: 600; } span.s2c { color: #047857; font-weight: 600; } span.rtx { color: #dc2626; font-weight: 600; }
.chart .axis { stroke: #6b7280; stroke-width: 1; }
.chart .gridline { stroke: #e5e7eb; stroke-width: 1; }
.chart .tick { font-size: 10px; fill: #4b5563; }
.chart .tick.y { text-anchor: end; }
.chart .tick.x { text-anchor: middle; }
.chart .title { font-weight: 600; }
.chart polyline { fill: none; stroke-width: 1.8; }
.chart .cwnd { stroke: #1d4ed8; } .chart .ssthresh { stroke: #c2410c; stroke-dasharray: 5 3; }
.chart .srtt { stroke: #7c3aed; } .chart .throughput { stroke: #047857; }
.chart .legend { font-size: 10px; }
.chart .s0 { stroke: #dc2626; } .chart .s1 { stroke: #047857; } .chart .s2 { stroke: #1d4ed8; } .chart .s3 { stroke: #c2410c; }
.chart .s4 { stroke: #7c3aed; } .chart .s5 { stroke: #0e7490; } .chart .s6 { stroke: #a16207; } .chart .s7 { stroke: #be185d; }
.chart .dash { stroke-dasharray: 5 3; } .chart .all { stroke: #6b7280; }
.chart .p50 { stroke: #1d4ed8; } .chart .p90 { stroke: #c2410c; } .chart .pmax { stroke: #9ca3af; stroke-dasharray: 3 3; }
nav.toc { background: #f9fafb; border: 1px solid #e5e7eb; padding: 0.4em 0.8em; display: inline-block; }
nav.toc ol { margin: 0.2em 0; padding-left: 1.4em; }
.verdict { font-size: 1.1em; font-weight: 600; padding: 0.4em 0.8em; border-radius: 4px; display: inline-block; }
.verdict.ok { background: #dcfce7; color: #14532d; } .verdict.bad { background: #fee2e2; color: #7f1d1d; }
.storm { background: #fef3c7; border-left: 6px solid #d97706; padding: 0.5em 0.8em; font-size: 1.05em; }
.bad { color: #b91c1c; }
td.rate { font-weight: 600; }
tr.total td { font-weight: 600; background: #f9fafb; }
details.apps pre { margin: 0; font-size: 0.95em; white-space: pre-wrap; }
.losses { columns: 3; font-size: 0.85em; font-family: ui-monospace, monospace; }
)";

}  // namespace

// "12,345". Built forwards: g++ 12 misreads string::insert here (-Wrestrict).
std::string thousands(std::uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

// Shortest readable form: 2 decimals at most, trailing zeros dropped.
std::string trim(double v) {
  std::string s = fixed(v, 2);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

std::string rate(std::uint64_t bps) {
  if (bps == 0) return "unlimited";
  if (bps >= 1'000'000'000) return trim(static_cast<double>(bps) / 1e9) + " Gbit/s";
  if (bps >= 1'000'000) return trim(static_cast<double>(bps) / 1e6) + " Mbit/s";
  if (bps >= 1'000) return trim(static_cast<double>(bps) / 1e3) + " kbit/s";
  return std::to_string(bps) + " bit/s";
}

std::string duration(Duration d) {
  const auto ns = d.count();
  if (ns >= 1'000'000'000) return trim(static_cast<double>(ns) / 1e9) + " s";
  if (ns >= 1'000'000) return trim(static_cast<double>(ns) / 1e6) + " ms";
  if (ns >= 1'000) return trim(static_cast<double>(ns) / 1e3) + " µs";
  return std::to_string(ns) + " ns";
}

std::string percent(double p) { return trim(p * 100) + " %"; }

namespace {

// "100 Mbit/s, 1 ms" and the impairments a direction has.
std::string describe(const sim::LinkDirection& d) {
  std::string s = rate(d.bits_per_second) + ", " + duration(d.delay);
  if (d.loss > 0) s += ", " + percent(d.loss) + " loss";
  if (d.bit_error_rate > 0) s += ", BER " + fixed(d.bit_error_rate, 9);
  if (d.duplicate > 0) s += ", " + percent(d.duplicate) + " dup";
  if (d.jitter > Duration::zero()) s += ", jitter " + duration(d.jitter);
  return s;
}

bool same(const sim::LinkDirection& x, const sim::LinkDirection& y) {
  return x.bits_per_second == y.bits_per_second && x.delay == y.delay && x.queue_limit_bytes == y.queue_limit_bytes &&
         x.loss == y.loss && x.bit_error_rate == y.bit_error_rate && x.duplicate == y.duplicate && x.jitter == y.jitter;
}

std::string num(int v) { return std::to_string(v); }
std::string num(double v) { return fixed(v, 1); }

// ---- Charts ---------------------------------------------------------------

// A round tick step for about four intervals over `range`: 1, 2 or 5 times
// a power of ten, so that tick labels read 0, 0.5, 1, 1.5 and not 0.125.
double nice_step(double range) {
  if (!(range > 0)) return 1;
  const double raw = range / 4;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * p >= raw * 0.9999) return m * p;
  }
  return 10 * p;
}

// Enough decimals to tell ticks `step` apart.
std::string tick(double v, double step) {
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
  return fixed(v, decimals);
}

}  // namespace

void chart(std::string& out, const std::string& title, const std::string& unit, double x0, double x1,
           const std::vector<Series>& series) {
  // Several series: their legends in rows under the title, as many as they take.
  std::vector<std::pair<int, int>> legend_at;  // per series: x, row
  int rows = 0;
  if (series.size() > 1) {
    int x = 8;
    rows = 1;
    for (const auto& s : series) {
      const int w = 24 + static_cast<int>(s.label.size()) * 6;
      if (x + w > 372 && x > 8) {
        x = 8;
        ++rows;
      }
      legend_at.push_back({x, rows - 1});
      x += w;
    }
  }
  constexpr int kW = 380, kL = 58, kR = 12, kB = 36, kPh = 148;
  const int top = 26 + 13 * rows, height = top + kPh + kB;
  constexpr int kPw = kW - kL - kR;
  double ymax = 0;
  for (const auto& s : series) {
    for (const auto& p : s.pts) ymax = std::max(ymax, p.second);
  }
  const double ys = nice_step(ymax);  // y tick step
  ymax = std::max(1.0, std::ceil(ymax / ys - 1e-9)) * ys;
  if (x1 <= x0) x1 = x0 + 1e-3;
  const double xs = nice_step(x1 - x0);  // x tick step, seconds
  auto px = [&](double x) { return kL + (x - x0) / (x1 - x0) * kPw; };
  auto py = [&](double y) { return top + kPh - y / ymax * kPh; };

  out += "<svg class=\"chart\" width=\"" + num(kW) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(kW) + " " +
         num(height) + "\" role=\"img\">";
  out += "<text class=\"title\" x=\"" + num(kL) + "\" y=\"16\">" + esc(title) + " (" + esc(unit) + ")</text>";
  // Ticks counted in steps, not summed: no drift, the same text everywhere.
  for (int i = 0; i * ys <= ymax * 1.0001; ++i) {
    const double v = i * ys;
    const std::string y = num(py(v));
    out += "<line class=\"gridline\" x1=\"" + num(kL) + "\" y1=\"" + y + "\" x2=\"" + num(kL + kPw) + "\" y2=\"" + y + "\"/>";
    out += "<text class=\"tick y\" x=\"" + num(kL - 4) + "\" y=\"" + num(py(v) + 3) + "\">" + tick(v, ys) + "</text>";
  }
  for (auto i = static_cast<long>(std::ceil(x0 / xs - 1e-9)); static_cast<double>(i) * xs <= x1 * 1.0001; ++i) {
    const double x = static_cast<double>(i) * xs;
    const std::string X = num(px(x));
    out += "<line class=\"axis\" x1=\"" + X + "\" y1=\"" + num(top + kPh) + "\" x2=\"" + X + "\" y2=\"" + num(top + kPh + 4) + "\"/>";
    out += "<text class=\"tick x\" x=\"" + X + "\" y=\"" + num(top + kPh + 15) + "\">" + tick(x, xs) + "</text>";
  }
  out += "<line class=\"axis\" x1=\"" + num(kL) + "\" y1=\"" + num(top) + "\" x2=\"" + num(kL) + "\" y2=\"" + num(top + kPh) + "\"/>";
  out += "<line class=\"axis\" x1=\"" + num(kL) + "\" y1=\"" + num(top + kPh) + "\" x2=\"" + num(kL + kPw) + "\" y2=\"" +
         num(top + kPh) + "\"/>";
  out += "<text class=\"tick x\" x=\"" + num(kL + kPw / 2) + "\" y=\"" + num(height - 4) + "\">virtual time (s)</text>";
  for (std::size_t si = series.size(); si-- > 0;) {
    const auto& s = series[si];
    if (!s.pts.empty()) {
      // A minute of 10 ms samples is 6,000 points for 300 pixels: per pixel
      // column keep the first, lowest, highest and last point, which draws
      // the same line (spikes included) from a few hundred.
      std::vector<std::size_t> keep;
      for (std::size_t i = 0; i < s.pts.size();) {
        const auto column = std::floor(px(s.pts[i].first));
        std::size_t lo = i, hi = i, j = i;
        for (; j < s.pts.size() && std::floor(px(s.pts[j].first)) == column; ++j) {
          if (s.pts[j].second < s.pts[lo].second) lo = j;
          if (s.pts[j].second > s.pts[hi].second) hi = j;
        }
        for (std::size_t k : {i, std::min(lo, hi), std::max(lo, hi), j - 1}) {
          if (keep.empty() || keep.back() < k) keep.push_back(k);
        }
        i = j;
      }
      out += "<polyline class=\"" + s.cls + "\" points=\"";
      for (std::size_t k = 0; k < keep.size(); ++k) {
        if (k) out += ' ';
        out += num(px(s.pts[keep[k]].first)) + "," + num(py(s.pts[keep[k]].second));
      }
      out += "\"><title>" + esc(s.label) + "</title></polyline>";
    }
    if (!legend_at.empty()) {  // a legend under the title
      const auto [lx, row] = legend_at[si];
      const int ly = 26 + 13 * row;
      out += "<line class=\"" + s.cls + "\" x1=\"" + num(lx) + "\" y1=\"" + num(ly - 3) + "\" x2=\"" + num(lx + 12) +
             "\" y2=\"" + num(ly - 3) + "\" style=\"stroke-width:2\"/>";
      out += "<text class=\"legend\" x=\"" + num(lx + 15) + "\" y=\"" + num(ly) + "\">" + esc(s.label) + "</text>";
    }
  }
  out += "</svg>\n";
}

// ---- Topology -------------------------------------------------------------

// Columns by breadth-first distance from the first host, so that a path
// reads left to right (client, switch, router, switch, server); nodes of one
// column in the order the search met them. Deterministic: it follows the
// creation order of nodes and links.
void render_topology(const Recorder& rec, std::string& out) {
  const auto& nodes = rec.nodes();
  const auto& links = rec.links();
  out += "<section id=\"topology\">\n<h2>Topology</h2>\n";
  if (nodes.empty()) {
    out += "<p class=\"note\">No nodes.</p>\n</section>\n";
    return;
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) index.emplace(nodes[i].name, i);
  std::vector<std::vector<std::size_t>> adj(nodes.size());
  for (const auto& l : links) {
    const auto a = index.find(l.a.node), b = index.find(l.b.node);
    if (a == index.end() || b == index.end()) continue;
    adj[a->second].push_back(b->second);
    adj[b->second].push_back(a->second);
  }
  std::vector<int> col(nodes.size(), -1);
  std::vector<std::vector<std::size_t>> columns;
  for (std::size_t start = 0; start < nodes.size(); ++start) {
    if (col[start] >= 0) continue;
    const int base = static_cast<int>(columns.size());
    std::vector<std::size_t> todo{start};
    col[start] = base;
    for (std::size_t k = 0; k < todo.size(); ++k) {
      const std::size_t n = todo[k];
      const auto c = static_cast<std::size_t>(col[n]);
      if (columns.size() <= c) columns.resize(c + 1);
      columns[c].push_back(n);
      for (std::size_t m : adj[n]) {
        if (col[m] < 0) {
          col[m] = col[n] + 1;
          todo.push_back(m);
        }
      }
    }
  }
  // A column of hundreds of hosts would be taller than any screen.
  constexpr std::size_t kMaxPerColumn = 16;
  constexpr int kColW = 240, kRowH = 110, kMargin = 130;
  std::size_t tallest = 0;
  for (const auto& c : columns) tallest = std::max(tallest, std::min(c.size(), kMaxPerColumn + 1));
  const int width = 2 * kMargin + static_cast<int>(columns.size() - 1) * kColW;
  const int height = 40 + static_cast<int>(tallest) * kRowH;
  std::vector<std::pair<int, int>> pos(nodes.size(), {-1, -1});
  std::vector<std::pair<std::pair<int, int>, std::size_t>> more;  // "+N more" markers
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const std::size_t shown = std::min(columns[c].size(), kMaxPerColumn);
    const std::size_t rows = shown + (columns[c].size() > shown ? 1 : 0);
    const int top = 20 + static_cast<int>(tallest - rows) * kRowH / 2 + kRowH / 2 - 10;
    for (std::size_t r = 0; r < shown; ++r) {
      pos[columns[c][r]] = {kMargin + static_cast<int>(c) * kColW, top + static_cast<int>(r) * kRowH};
    }
    if (columns[c].size() > shown) {
      more.push_back({{kMargin + static_cast<int>(c) * kColW, top + static_cast<int>(shown) * kRowH},
                      columns[c].size() - shown});
    }
  }

  out += "<svg class=\"topo\" width=\"" + num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) +
         " " + num(height) + "\" role=\"img\" aria-label=\"network topology\">\n";
  // Wires first, so that the nodes are drawn over their ends.
  std::string labels;
  for (const auto& l : links) {
    const auto a = index.find(l.a.node), b = index.find(l.b.node);
    if (a == index.end() || b == index.end()) continue;
    const auto [x1, y1] = pos[a->second];
    const auto [x2, y2] = pos[b->second];
    if (x1 < 0 || x2 < 0) continue;
    out += "<line class=\"wire\" x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\"><title>" + esc(l.a.node + " " + l.a.port + " - " + l.b.node + " " + l.b.port) + "</title></line>\n";
    std::vector<std::pair<std::string, bool>> lines;  // text, lossy
    if (same(l.a_to_b, l.b_to_a)) {
      lines.push_back({describe(l.a_to_b), l.a_to_b.loss > 0 || l.a_to_b.bit_error_rate > 0});
    } else {
      lines.push_back({"→ " + describe(l.a_to_b), l.a_to_b.loss > 0 || l.a_to_b.bit_error_rate > 0});
      lines.push_back({"← " + describe(l.b_to_a), l.b_to_a.loss > 0 || l.b_to_a.bit_error_rate > 0});
    }
    const int mx = (x1 + x2) / 2, my = (y1 + y2) / 2 - 4 - 7 * static_cast<int>(lines.size() - 1);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      labels += "<text class=\"linklabel" + std::string(lines[i].second ? " lossy" : "") + "\" x=\"" + num(mx) +
                "\" y=\"" + num(my + 14 * static_cast<int>(i)) + "\">" + esc(lines[i].first) + "</text>\n";
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto [x, y] = pos[i];
    if (x < 0) continue;
    const auto& n = nodes[i];
    out += "<g class=\"node\" data-kind=\"" + std::string(to_string(n.kind)) + "\"><title>" + esc(n.name) + " (" +
           std::string(to_string(n.kind)) + ")</title>";
    switch (n.kind) {
      case NodeKind::host:
        out += "<rect class=\"host\" x=\"" + num(x - 50) + "\" y=\"" + num(y - 20) + "\" width=\"100\" height=\"40\" rx=\"8\"/>";
        break;
      case NodeKind::router:
        out += "<circle class=\"router\" cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"30\"/>";
        break;
      case NodeKind::switch_:
        out += "<rect class=\"switch\" x=\"" + num(x - 60) + "\" y=\"" + num(y - 16) + "\" width=\"120\" height=\"32\" rx=\"3\"/>";
        break;
    }
    out += "<text class=\"name\" x=\"" + num(x) + "\" y=\"" + num(y + 4) + "\">" + esc(n.name) + "</text>";
    int ay = y + (n.kind == NodeKind::router ? 44 : 34);
    for (const auto& a : n.addresses) {
      out += "<text class=\"addr\" x=\"" + num(x) + "\" y=\"" + num(ay) + "\">" + esc(a) + "</text>";
      ay += 13;
    }
    out += "</g>\n";
  }
  for (const auto& [xy, count] : more) {
    out += "<text class=\"addr\" x=\"" + num(xy.first) + "\" y=\"" + num(xy.second) + "\">+" + std::to_string(count) +
           " more</text>\n";
  }
  out += labels;
  out += "</svg>\n";
  out += "<p class=\"note\">Hosts are blue boxes, routers orange circles, switches green bars. Each wire is labelled "
         "with its rate and propagation delay (one way), and its impairments in red.</p>\n";

  // What crossed each link.
  static constexpr const char* kProtoNames[kProtoCount] = {"ARP", "ICMP", "UDP", "TCP", "other"};
  out += "<table class=\"links\"><caption>Links</caption><tr><th>from</th><th>to</th><th>properties</th>"
         "<th>frames sent</th><th>delivered</th><th>lost</th><th>queue drops</th><th>by protocol</th></tr>\n";
  for (std::size_t li = 0; li < links.size(); ++li) {
    const auto& l = links[li];
    for (int side = 0; side < 2; ++side) {
      const auto& c = l.counters[static_cast<std::size_t>(side)];
      const auto& from = l.end(side);
      const auto& to = l.end(1 - side);
      std::string by;
      const auto& counts = rec.link_frames()[li][static_cast<std::size_t>(side)];
      for (std::size_t p = 0; p < kProtoCount; ++p) {
        if (counts[p] == 0) continue;
        if (!by.empty()) by += ", ";
        by += std::string(kProtoNames[p]) + " " + thousands(counts[p]);
      }
      out += "<tr><td>" + esc(from.node + " " + from.port) + "</td><td>" + esc(to.node + " " + to.port) + "</td><td>" +
             esc(describe(l.config(side))) + "</td><td class=\"num\">" + thousands(c.frames_sent) +
             "</td><td class=\"num\">" + thousands(c.frames_delivered) + "</td><td class=\"num\">" +
             thousands(c.dropped_loss + c.dropped_fcs + c.dropped_down) + "</td><td class=\"num\">" +
             thousands(c.dropped_queue) + "</td><td>" + esc(by) + "</td></tr>\n";
    }
  }
  out += "</table>\n</section>\n";
}

// ---- Charts per connection ----------------------------------------------------

void render_charts(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  out += "<section id=\"charts\">\n<h2>Congestion window, RTT and throughput</h2>\n";
  out += "<p>Sampled every " + duration(rec.config().sample_interval) +
         " of virtual time on each host, for each of its connections. The congestion window (cwnd) is how many "
         "bytes the sender may have in flight; after a loss it is cut, and ssthresh remembers where. Throughput "
         "is the bytes newly acknowledged, averaged over ten samples.</p>\n";
  struct Item {
    const ConnKey* key;
    const std::vector<ConnSample>* s;
  };
  std::vector<Item> items;
  for (const auto& [k, s] : rec.samples()) items.push_back({&k, &s});
  // Those that moved the most bytes first; the map's order breaks ties.
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& x, const Item& y) { return x.s->back().acked > y.s->back().acked; });
  if (items.empty()) out += "<p class=\"note\">No TCP connection was alive at a sample.</p>\n";
  std::size_t shown = 0;
  for (const auto& it : items) {
    if (shown == opt.max_charts) break;
    ++shown;
    const auto& all = *it.s;
    const ConnSample& last = all.back();
    // A closed connection lingers in TIME-WAIT for a minute with nothing
    // changing: chart up to its last change (and one sample more).
    std::size_t end = all.size();
    auto moved = [&](std::size_t i) {
      const ConnSample &p = all[i - 1], &q = all[i];
      return p.acked != q.acked || p.cwnd != q.cwnd || p.ssthresh != q.ssthresh || p.srtt != q.srtt ||
             p.state != q.state || p.retransmits != q.retransmits;
    };
    while (end > 2 && !moved(end - 2)) --end;
    const std::vector<ConnSample> s(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(end));
    out += "<h3>" + esc(it.key->host) + ": " + esc(endpoint(it.key->local)) + " &#8594; " +
           esc(endpoint(it.key->remote)) + "</h3>\n<p class=\"note\">" + thousands(last.acked) +
           " bytes acknowledged, " + std::to_string(last.retransmits) + " retransmissions, last state " +
           std::string(tcp::to_string(last.state)) + ", RTO " + duration(last.rto) + ", " +
           std::to_string(all.size()) + " samples from " + ms(all.front().at) + " to " + ms(last.at) + ".</p>\n";
    constexpr std::size_t kSmooth = 10;
    Series cwnd{"cwnd", "cwnd", {}}, ssth{"ssthresh", "ssthresh", {}}, rtt{"srtt", "smoothed RTT", {}},
        tput{"throughput", "throughput", {}};
    for (std::size_t i = 0; i < s.size(); ++i) {
      const double t = to_seconds(s[i].at.time_since_epoch());
      cwnd.pts.push_back({t, s[i].cwnd / 1024.0});
      // ssthresh starts "infinite" (no loss yet): drawn from its first cut.
      if (s[i].ssthresh < (1u << 30)) ssth.pts.push_back({t, s[i].ssthresh / 1024.0});
      if (s[i].srtt) rtt.pts.push_back({t, to_seconds(*s[i].srtt) * 1e3});
      // Over a window of kSmooth intervals: one cumulative ACK that fills a
      // hole acknowledges many segments at once, and per interval that
      // would read as more than the link's rate.
      if (i > 0) {
        const std::size_t j = i > kSmooth ? i - kSmooth : 0;
        const double dt = to_seconds(s[i].at - s[j].at);
        if (dt > 0) tput.pts.push_back({t, static_cast<double>(s[i].acked - s[j].acked) * 8 / dt / 1e6});
      }
    }
    const double x0 = to_seconds(s.front().at.time_since_epoch()), x1 = to_seconds(s.back().at.time_since_epoch());
    out += "<div class=\"grid\">\n";
    chart(out, "cwnd", "KiB", x0, x1, {cwnd, ssth});
    chart(out, "smoothed RTT", "ms", x0, x1, {rtt});
    chart(out, "throughput", "Mbit/s, over " + duration(rec.config().sample_interval * kSmooth), x0, x1, {tput});
    out += "</div>\n";
  }
  if (items.size() > shown) {
    out += "<p class=\"note\">" + std::to_string(items.size() - shown) + " more connections not charted.</p>\n";
  }
  if (rec.samples().size() >= rec.config().max_connections) {
    out += "<p class=\"note\">Only the first " + std::to_string(rec.config().max_connections) +
           " connections were sampled.</p>\n";
  }
  out += "</section>\n";
}

}  // namespace detail

std::string render_html(const Recorder& rec, const ReportOptions& opt) {
  using namespace detail;
  WIRESTACK_ASSERT(rec.stopped());
  std::uint64_t frames = 0;
  for (const auto& l : rec.link_frames()) {
    for (const auto& side : l) {
      for (auto n : side) frames += n;
    }
  }
  std::string out;
  out.reserve(1 << 16);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(opt.title) +
         "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>" + esc(opt.title) + "</h1>\n<p class=\"note\">seed " + std::to_string(opt.seed) + " &#183; " +
         fixed(to_seconds(rec.ended_at().time_since_epoch()), 3) + " s of virtual time &#183; " + thousands(frames) +
         " frames handed to links &#183; " + thousands(rec.frames().size()) + " TCP segments recorded";
  if (rec.dropped_frames() > 0) out += " (" + thousands(rec.dropped_frames()) + " more not kept)";
  out += "</p>\n";
  // The table of contents: every section this page has, in page order.
  std::vector<std::pair<std::string, std::string>> toc{{"outcome", "Outcome"}};
  if (rec.storm()) toc.push_back({"storm", "Broadcast storm"});
  if (has_flood(rec)) toc.push_back({"syn-flood", "SYN queue overflow (SYN flood)"});
  if (has_load(rec, opt)) toc.push_back({"load", "Connections, queues and latency"});
  toc.insert(toc.end(), {{"topology", "Topology"}, {"charts", "cwnd, RTT, throughput"}, {"ladder", "TCP ladder"},
                         {"counters", "Counters"}});
  out += "<nav class=\"toc\"><strong>Contents</strong><ol>";
  for (const auto& [id, name] : toc) out += "<li><a href=\"#" + id + "\">" + esc(name) + "</a></li>";
  out += "</ol></nav>\n";
  render_outcome(rec, opt, out);
  render_flood(rec, opt, out);
  render_load(rec, opt, out);
  render_topology(rec, out);
  render_charts(rec, opt, out);
  render_ladder(rec, opt, out);

  out += "<section id=\"counters\">\n<h2>Counters</h2>\n<p class=\"note\">Each node's counters at the end of the run, "
         "per layer, zeros left out.</p>\n<div class=\"grid\">\n";
  for (const auto& nc : rec.counters()) {
    out += "<table class=\"counters\" data-node=\"" + esc(nc.node) + "\"><caption>" + esc(nc.node) + " (" +
           std::string(to_string(nc.kind)) + ")</caption>\n<tr><th>layer</th><th>counter</th><th>value</th></tr>\n";
    for (const auto& c : nc.counters) {
      out += "<tr><td>" + esc(c.layer) + "</td><td>" + esc(c.name) + "</td><td class=\"num\">" + thousands(c.value) +
             "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</div>\n</section>\n</body>\n</html>\n";
  return out;
}

Result<void, std::string> write_html(const Recorder& rec, const std::string& path, const ReportOptions& opt) {
  if (!rec.stopped()) return Unexpected{std::string("report: the recorder is still running; call stop() first")};
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return Unexpected{"report: cannot create " + path};
  const std::string page = render_html(rec, opt);
  f.write(page.data(), static_cast<std::streamsize>(page.size()));
  f.close();
  if (!f) return Unexpected{"report: cannot write " + path};
  return {};
}

}  // namespace wirestack::report
