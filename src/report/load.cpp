// report/load.cpp — the run's outcome, the SYN flood over time and the
// servers' load over time: what the servers' samples (recorder.hpp) and the
// clients' results (ReportOptions::outcome) show.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "base/percentiles.hpp"
#include "report/svg.hpp"

namespace wirestack::report::detail {
namespace {

double secs(Instant t) { return to_seconds(t.time_since_epoch()); }

// A server's name with its SYN cookie setting, as the flood's legends say it.
std::string server_label(const ServerSeries& s) {
  return s.host + (s.syn_cookies ? " (SYN cookies on)" : " (SYN cookies off)");
}

// The server whose address a client group asked, if it was sampled.
const ServerSeries* server_of(const Recorder& rec, const IpEndpoint& e) {
  const std::string addr = e.addr.to_string();
  for (const auto& s : rec.servers()) {
    if (std::find(s.addresses.begin(), s.addresses.end(), addr) != s.addresses.end()) return &s;
  }
  return nullptr;
}

// A server's SYN queue overflowed: it dropped SYNs or answered with cookies.
bool flooded(const ServerSeries& s) {
  return !s.samples.empty() && (s.samples.back().syn_queue_drops > 0 || s.samples.back().cookies_sent > 0);
}

// Per second, over windows of `window` samples: how fast a counter grew.
template <class Get>
std::vector<std::pair<double, double>> per_second(const std::vector<ServerSample>& v, Get get, std::size_t window = 10) {
  std::vector<std::pair<double, double>> pts;
  for (std::size_t i = 1; i < v.size(); ++i) {
    const std::size_t j = i > window ? i - window : 0;
    const double dt = to_seconds(v[i].at - v[j].at);
    if (dt > 0) pts.push_back({secs(v[i].at), static_cast<double>(get(v[i]) - get(v[j])) / dt});
  }
  return pts;
}

template <class Get>
std::vector<std::pair<double, double>> level(const std::vector<ServerSample>& v, Get get) {
  std::vector<std::pair<double, double>> pts;
  pts.reserve(v.size());
  for (const auto& s : v) pts.push_back({secs(s.at), static_cast<double>(get(s))});
  return pts;
}

std::string palette(std::size_t i) { return "s" + std::to_string(i % 8); }

struct Totals {
  std::size_t clients = 0, answered = 0;
  std::vector<Duration> latencies;
};
Totals totals(const std::vector<const ClientGroup*>& groups) {
  Totals t;
  for (const auto* g : groups) {
    t.clients += g->requests.size();
    for (const auto& r : g->requests) {
      if (r.latency) t.latencies.push_back(*r.latency);
    }
  }
  t.answered = t.latencies.size();
  return t;
}

std::string ms_of(Duration d) { return fixed(to_seconds(d) * 1e3, 1) + " ms"; }

// One row of the clients' table: who, how many answered, percentiles.
void client_row(std::string& out, const std::string& who, const std::string& from, const std::string& server,
                const Totals& t, std::optional<bool> passed, bool total) {
  out += std::string("<tr") + (total ? " class=\"total\"" : "") + "><td>" + esc(who) + "</td><td>" + esc(from) +
         "</td><td>" + esc(server) + "</td><td class=\"num\">" + thousands(t.clients) + "</td><td class=\"num\">" +
         thousands(t.answered) + "</td><td class=\"num rate\">" +
         (t.clients ? percent(static_cast<double>(t.answered) / static_cast<double>(t.clients)) : "-") + "</td>";
  if (t.latencies.empty()) {
    out += "<td class=\"num\">-</td><td class=\"num\">-</td><td class=\"num\">-</td><td class=\"num\">-</td>";
  } else {
    const Percentiles p = percentiles(t.latencies);
    for (Duration d : {p.p50, p.p90, p.p99, p.max}) out += "<td class=\"num\">" + ms_of(d) + "</td>";
  }
  out += "<td>" + std::string(!passed ? "" : *passed ? "yes" : "<strong class=\"bad\">no</strong>") + "</td></tr>\n";
}

// The clients' groups by the server they asked, in the order first met.
std::vector<std::pair<IpEndpoint, std::vector<const ClientGroup*>>> by_server(const std::vector<ClientGroup>& groups) {
  std::vector<std::pair<IpEndpoint, std::vector<const ClientGroup*>>> out;
  for (const auto& g : groups) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == g.server; });
    if (it == out.end()) {
      out.push_back({g.server, {}});
      it = out.end() - 1;
    }
    it->second.push_back(&g);
  }
  return out;
}

std::string server_name(const Recorder& rec, const IpEndpoint& e) {
  const ServerSeries* s = server_of(rec, e);
  return s ? s->host + " " + endpoint(e) : endpoint(e);
}

// The SYN flood's servers side by side: what each did with the SYNs, and
// how their legitimate clients fared.
void flood_table(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  out += "<table class=\"flood\"><caption>SYN flood: the servers side by side</caption>\n<tr><th>server</th>"
         "<th>SYN cookies</th><th>SYNs received</th><th>SYN queue (peak / bound)</th><th>SYNs dropped, queue "
         "full</th><th>cookies sent</th><th>cookies validated</th><th>legitimate clients answered</th></tr>\n";
  for (const auto& s : rec.servers()) {
    if (!flooded(s)) continue;
    const ServerSample& last = s.samples.back();
    std::uint32_t peak = 0;
    for (const auto& x : s.samples) peak = std::max(peak, x.syn_queue);
    std::string clients = "-";
    if (opt.outcome) {
      std::vector<const ClientGroup*> mine;
      for (const auto& g : opt.outcome->clients) {
        if (server_of(rec, g.server) == &s) mine.push_back(&g);
      }
      if (!mine.empty()) {
        const Totals t = totals(mine);
        clients = thousands(t.answered) + " of " + thousands(t.clients) + " (" +
                  percent(static_cast<double>(t.answered) / static_cast<double>(std::max<std::size_t>(t.clients, 1))) +
                  ")";
      }
    }
    // A listener's SYN queue holds min(backlog, syn_backlog) (summed
    // backlogs when a host has several listeners: an upper bound).
    const std::uint32_t bound = std::min(s.backlog, s.syn_backlog);
    out += "<tr data-server=\"" + esc(s.host) + "\"><td>" + esc(s.host) + "</td><td>" +
           (s.syn_cookies ? "on" : "off") + "</td><td class=\"num\">" + thousands(last.listen_syns) +
           "</td><td class=\"num\">" + thousands(peak) + " / " + thousands(bound) + "</td><td class=\"num\">" +
           thousands(last.syn_queue_drops) + "</td><td class=\"num\">" + thousands(last.cookies_sent) +
           "</td><td class=\"num\">" + thousands(last.cookies_validated) + "</td><td class=\"num rate\">" +
           esc(clients) + "</td></tr>\n";
  }
  out += "</table>\n";
}

// Clients answered so far, by the time their answer arrived.
std::vector<std::pair<double, double>> answered_over_time(const std::vector<const ClientGroup*>& groups, double x0,
                                                          double x1) {
  std::vector<double> done;
  for (const auto* g : groups) {
    for (const auto& r : g->requests) {
      if (r.latency) done.push_back(secs(r.start + *r.latency));
    }
  }
  std::sort(done.begin(), done.end());
  std::vector<std::pair<double, double>> pts{{x0, 0}};
  double n = 0;
  for (double t : done) {
    pts.push_back({t, n});  // a step, not a slope
    pts.push_back({t, ++n});
  }
  pts.push_back({std::max(x1, pts.back().first), n});
  return pts;
}

// The time span in which the servers or the clients did anything, padded;
// the whole run if nothing moved.
std::pair<double, double> active_span(const Recorder& rec, const ReportOptions& opt) {
  double lo = 1e300, hi = -1e300;
  for (const auto& s : rec.servers()) {
    for (std::size_t i = 1; i < s.samples.size(); ++i) {
      const auto &p = s.samples[i - 1], &q = s.samples[i];
      if (q.established || q.accept_queue || q.syn_queue || q.listen_syns != p.listen_syns) {
        lo = std::min(lo, secs(p.at));
        hi = std::max(hi, secs(q.at));
      }
    }
  }
  if (opt.outcome) {
    for (const auto& g : opt.outcome->clients) {
      for (const auto& r : g.requests) {
        lo = std::min(lo, secs(r.start));
        hi = std::max(hi, secs(r.start + r.latency.value_or(Duration::zero())));
      }
    }
  }
  const double end = secs(rec.ended_at());
  if (!(lo <= hi)) return {0, end};
  const double pad = std::max((hi - lo) * 0.05, 0.01);
  return {std::max(0.0, lo - pad), std::min(end, hi + pad)};
}

// Keeps the points inside [x0, x1] (a chart draws its whole range).
std::vector<std::pair<double, double>> clip(std::vector<std::pair<double, double>> pts, double x0, double x1) {
  std::erase_if(pts, [&](const auto& p) { return p.first < x0 || p.first > x1; });
  return pts;
}

}  // namespace

bool has_flood(const Recorder& rec) {
  return std::any_of(rec.servers().begin(), rec.servers().end(), flooded);
}

bool has_load(const Recorder& rec, const ReportOptions& opt) {
  for (const auto& s : rec.servers()) {
    for (const auto& x : s.samples) {
      if (x.established >= 2 || x.accept_queue >= 1) return true;
    }
  }
  if (opt.outcome) {
    for (const auto& g : opt.outcome->clients) {
      if (g.requests.size() >= 2) return true;
    }
  }
  return false;
}

void render_outcome(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  out += "<section id=\"outcome\">\n<h2>Outcome</h2>\n";
  if (const auto& storm = rec.storm()) {
    out += "<p class=\"storm\" id=\"storm\"><strong>Broadcast storm at " + fixed(secs(storm->when), 3) + " s:</strong> " +
           esc(storm->explanation) + "</p>\n";
  }
  if (opt.outcome) {
    const auto& apps = opt.outcome->apps;
    std::vector<std::string> failed;
    for (const auto& a : apps) {
      if (!a.passed) failed.push_back(a.label);
    }
    if (failed.empty()) {
      out += "<p class=\"verdict ok\">Every application did what was expected (" + std::to_string(apps.size()) +
             " of " + std::to_string(apps.size()) + ").</p>\n";
    } else {
      std::string names;
      for (const auto& f : failed) names += (names.empty() ? "" : ", ") + f;
      out += "<p class=\"verdict bad\">" + std::to_string(failed.size()) + " of " + std::to_string(apps.size()) +
             " applications did not do what was expected: " + esc(names) + ".</p>\n";
    }
    const auto& groups = opt.outcome->clients;
    if (!groups.empty()) {
      out += "<table class=\"clients\"><caption>Clients: success rate and latency (connect to last byte)</caption>\n"
             "<tr><th>clients</th><th>from</th><th>server</th><th>clients</th><th>answered</th><th>success</th>"
             "<th>p50</th><th>p90</th><th>p99</th><th>max</th><th>as expected</th></tr>\n";
      for (const auto& g : groups) {
        client_row(out, g.label, g.host, server_name(rec, g.server), totals({&g}), g.passed, false);
      }
      // Totals when several hosts' clients asked one server (the spike).
      for (const auto& [server, members] : by_server(groups)) {
        if (members.size() < 2) continue;
        std::set<std::string> hosts;
        for (const auto* g : members) hosts.insert(g->host);
        const Totals t = totals(members);
        client_row(out, "all " + thousands(t.clients) + " clients", std::to_string(hosts.size()) + " hosts",
                   server_name(rec, server), t, std::nullopt, true);
      }
      out += "</table>\n";
    }
    if (!opt.outcome->delay_causes.empty()) {
      out += "<p class=\"causes\" id=\"delay-causes\">" + esc(opt.outcome->delay_causes) + ".</p>\n";
    }
    if (has_flood(rec)) flood_table(rec, opt, out);
    out += "<details class=\"apps\"><summary>Every application's summary</summary>\n<table class=\"apps\">"
           "<tr><th>application</th><th>summary</th><th>as expected</th></tr>\n";
    for (const auto& a : apps) {
      out += "<tr><td>" + esc(a.label) + "</td><td><pre>" + esc(a.text) + "</pre></td><td>" +
             (a.passed ? "yes" : "<strong class=\"bad\">no</strong>") + "</td></tr>\n";
    }
    out += "</table>\n</details>\n";
  } else {
    if (has_flood(rec)) flood_table(rec, opt, out);
    out += "<p class=\"note\">The applications' results were not given to the report.</p>\n";
  }
  out += "</section>\n";
}

void render_flood(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  if (!has_flood(rec)) return;
  out += "<section id=\"syn-flood\">\n<h2>SYN queue overflow (SYN flood) over time</h2>\n";
  out += "<p>Sampled every " + duration(rec.config().sample_interval) +
         " of virtual time on each server. A SYN waits in its listener's SYN queue for the handshake's last ACK; "
         "spoofed SYNs never get one, so the queue fills. Then a server with SYN cookies off drops every new SYN, "
         "the legitimate clients' too; one with cookies on answers each with a cookie (a SYN-ACK whose sequence "
         "number encodes the connection), keeps nothing, and builds the connection when a valid cookie comes back "
         "in the client's ACK. Rates are averaged over " +
         duration(rec.config().sample_interval * 10) + ".</p>\n";
  const auto span = active_span(rec, opt);
  const double x0 = span.first, x1 = span.second;
  std::vector<Series> syns, depth, overflow, validated, answered;
  for (std::size_t i = 0; i < rec.servers().size(); ++i) {
    const ServerSeries& s = rec.servers()[i];
    if (!flooded(s)) continue;
    const std::string cls = palette(i);
    const std::string label = server_label(s);
    auto in_span = [&](std::vector<std::pair<double, double>> pts) { return clip(std::move(pts), x0, x1); };
    syns.push_back({cls, label, in_span(per_second(s.samples, [](const ServerSample& x) { return x.listen_syns; }))});
    depth.push_back({cls, label, in_span(level(s.samples, [](const ServerSample& x) { return x.syn_queue; }))});
    if (s.syn_cookies) {
      overflow.push_back({cls, s.host + ": cookies sent",
                          in_span(per_second(s.samples, [](const ServerSample& x) { return x.cookies_sent; }))});
    } else {
      overflow.push_back({cls + " dash", s.host + ": SYNs dropped",
                          in_span(per_second(s.samples, [](const ServerSample& x) { return x.syn_queue_drops; }))});
    }
    validated.push_back({cls, label, in_span(level(s.samples, [](const ServerSample& x) { return x.cookies_validated; }))});
    if (opt.outcome) {
      std::vector<const ClientGroup*> mine;
      for (const auto& g : opt.outcome->clients) {
        if (server_of(rec, g.server) == &s) mine.push_back(&g);
      }
      if (!mine.empty()) answered.push_back({cls, label, answered_over_time(mine, x0, x1)});
    }
  }
  out += "<div class=\"grid\">\n";
  chart(out, "SYNs reaching the listener", "per s", x0, x1, syns);
  chart(out, "SYN-queue depth", "connections", x0, x1, depth);
  chart(out, "SYN queue full: dropped or cookie", "per s", x0, x1, overflow);
  chart(out, "cookies validated", "so far", x0, x1, validated);
  if (!answered.empty()) chart(out, "legitimate clients answered", "so far", x0, x1, answered);
  out += "</div>\n</section>\n";
}

void render_load(const Recorder& rec, const ReportOptions& opt, std::string& out) {
  if (!has_load(rec, opt)) return;
  const auto span = active_span(rec, opt);
  const double x0 = span.first, x1 = span.second;
  out += "<section id=\"load\">\n<h2>Connections, queues and latency over time</h2>\n";
  out += "<p>Each server's connections in ESTABLISHED and its listeners' accept queue (handshakes done, waiting "
         "for the application's accept()), sampled every " +
         duration(rec.config().sample_interval) +
         " of virtual time; the clients' response latency (connect to last byte) by the time each client started, "
         "as percentiles of the clients that started in each slice. From " + fixed(x0, 3) + " s to " + fixed(x1, 3) +
         " s, where something happened.</p>\n";
  std::vector<Series> est, acc;
  Series everywhere{"all", "all hosts: ESTABLISHED", {}};
  for (const auto& t : rec.traffic()) everywhere.pts.push_back({secs(t.at), static_cast<double>(t.established)});
  est.push_back({everywhere.cls, everywhere.label, clip(std::move(everywhere.pts), x0, x1)});
  for (std::size_t i = 0; i < rec.servers().size(); ++i) {
    const ServerSeries& s = rec.servers()[i];
    const std::string cls = palette(i);
    est.push_back({cls, s.host + ": ESTABLISHED",
                   clip(level(s.samples, [](const ServerSample& x) { return x.established; }), x0, x1)});
    est.push_back({cls + " dash", s.host + ": open, SYN-RECEIVED to LAST-ACK",
                   clip(level(s.samples, [](const ServerSample& x) { return x.open; }), x0, x1)});
    acc.push_back({cls, s.host, clip(level(s.samples, [](const ServerSample& x) { return x.accept_queue; }), x0, x1)});
  }
  out += "<div class=\"grid\">\n";
  chart(out, "established connections", "at once", x0, x1, est);
  if (!acc.empty()) chart(out, "accept-queue depth", "connections", x0, x1, acc);
  if (opt.outcome) {
    for (const auto& [server, members] : by_server(opt.outcome->clients)) {
      // Slices of the clients' start times, about fifty across the span.
      double lo = 1e300, hi = -1e300;
      for (const auto* g : members) {
        for (const auto& r : g->requests) {
          lo = std::min(lo, secs(r.start));
          hi = std::max(hi, secs(r.start));
        }
      }
      if (!(lo <= hi)) continue;
      const double width = std::max((hi - lo) / 50, 1e-4);
      std::map<long, std::vector<Duration>> slices;
      std::size_t unanswered = 0;
      for (const auto* g : members) {
        for (const auto& r : g->requests) {
          if (!r.latency) {
            ++unanswered;
            continue;
          }
          slices[std::lround(std::floor((secs(r.start) - lo) / width))].push_back(*r.latency);
        }
      }
      Series p50{"p50", "p50", {}}, p90{"p90", "p90", {}}, pmax{"pmax", "max", {}};
      for (auto& [k, v] : slices) {
        const double t = lo + (static_cast<double>(k) + 0.5) * width;
        const Percentiles p = percentiles(std::move(v));
        p50.pts.push_back({t, to_seconds(p.p50) * 1e3});
        p90.pts.push_back({t, to_seconds(p.p90) * 1e3});
        pmax.pts.push_back({t, to_seconds(p.max) * 1e3});
      }
      if (!slices.empty()) {
        const ServerSeries* srv = server_of(rec, server);
        chart(out, "response latency, " + (srv ? srv->host : endpoint(server)), "ms, by start", x0, x1, {p50, p90, pmax});
      }
      if (unanswered > 0) {
        out += "<p class=\"note\">" + thousands(unanswered) + " clients of " + esc(server_name(rec, server)) +
               " were not answered (not charted).</p>\n";
      }
    }
  }
  out += "</div>\n</section>\n";
}

}  // namespace wirestack::report::detail
