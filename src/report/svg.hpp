// report/svg.hpp — pieces of the report page shared by its sections
// (internal to report/): escaping, number formatting, the section renderers.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/html.hpp"
#include "report/recorder.hpp"

namespace wirestack::report::detail {

// Text into HTML or SVG, as element content or a quoted attribute value.
inline std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// printf-style number formatting: the "C" locale's digits whatever the
// process's locale, hence the same bytes on every machine.
inline std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "1.234 ms" of virtual time since the start of the run.
inline std::string ms(Instant t) { return fixed(to_seconds(t.time_since_epoch()) * 1e3, 3) + " ms"; }

inline std::string endpoint(const IpEndpoint& e) { return e.addr.to_string() + ":" + std::to_string(e.port); }

// "12,345"
std::string thousands(std::uint64_t v);
// Shortest readable form: 2 decimals at most, trailing zeros dropped.
std::string trim(double v);
// "1.5 ms", "2 s"
std::string duration(Duration d);
// "2 %" of a fraction
std::string percent(double p);

// A line chart over virtual time: each series is a CSS class (its colour),
// a label (legend and hover) and (seconds, value) points.
struct Series {
  std::string cls, label;
  std::vector<std::pair<double, double>> pts;
};
void chart(std::string& out, const std::string& title, const std::string& unit, double x0, double x1,
           const std::vector<Series>& series);

// The sections, appended to `out`.
void render_outcome(const Recorder& rec, const ReportOptions& opt, std::string& out);
void render_flood(const Recorder& rec, const ReportOptions& opt, std::string& out);
void render_load(const Recorder& rec, const ReportOptions& opt, std::string& out);
void render_topology(const Recorder& rec, std::string& out);
void render_ladder(const Recorder& rec, const ReportOptions& opt, std::string& out);
void render_charts(const Recorder& rec, const ReportOptions& opt, std::string& out);
// Whether the sections above have anything to show (for the table of contents).
bool has_flood(const Recorder& rec);
bool has_load(const Recorder& rec, const ReportOptions& opt);

}  // namespace wirestack::report::detail
