// report/svg.hpp — pieces of the report page shared by its sections
// (internal to report/): escaping, number formatting, the section renderers.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

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

// The sections, appended to `out`.
void render_topology(const Recorder& rec, std::string& out);
void render_ladder(const Recorder& rec, const ReportOptions& opt, std::string& out);
void render_charts(const Recorder& rec, const ReportOptions& opt, std::string& out);

}  // namespace wirestack::report::detail
