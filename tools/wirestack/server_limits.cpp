// tools/wirestack/server_limits.cpp — see server_limits.hpp.
#include "server_limits.hpp"

#include <chrono>

namespace wirestack::cli {

namespace {
Duration seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}
}  // namespace

app::Limits LimitOptions::limits() const {
  app::Limits l;
  l.request_timeout = seconds(request_timeout);
  l.idle_timeout = seconds(idle_timeout);
  l.send_timeout = seconds(send_timeout);
  l.max_connections = max_connections;
  l.max_per_address = max_per_address;
  l.max_header_bytes = max_header_bytes;
  l.max_body_bytes = max_body_bytes;
  l.max_output_bytes = max_output_bytes;
  return l;
}

void add_limit_options(CLI::App* cmd, LimitOptions& opt) {
  const std::string group = "Server limits (--http and --json)";
  auto secs = CLI::Range(0.0, 86400.0);
  cmd->add_option("--request-timeout", opt.request_timeout,
                  "SECONDS for a request to arrive whole, from the accept (first request) or its first byte; "
                  "HTTP answers 408 (0: none)")
      ->check(secs)->capture_default_str()->group(group);
  cmd->add_option("--idle-timeout", opt.idle_timeout, "SECONDS a connection may sit idle between requests (0: none)")
      ->check(secs)->capture_default_str()->group(group);
  cmd->add_option("--send-timeout", opt.send_timeout,
                  "SECONDS output may wait for a client that does not read before its connection is reset (0: none)")
      ->check(secs)->capture_default_str()->group(group);
  cmd->add_option("--max-connections", opt.max_connections, "connections open at once per server; beyond: reset")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))->capture_default_str()->group(group);
  cmd->add_option("--max-per-address", opt.max_per_address, "connections open at once from one client address; beyond: reset")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24))->capture_default_str()->group(group);
  cmd->add_option("--max-header-bytes", opt.max_header_bytes, "HTTP header fields in bytes; beyond: 431")
      ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30))->capture_default_str()->group(group);
  cmd->add_option("--max-body-bytes", opt.max_body_bytes, "HTTP body or JSON-RPC message in bytes; beyond: 413 / -32000")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 30))->capture_default_str()->group(group);
  cmd->add_option("--max-output-bytes", opt.max_output_bytes,
                  "answers buffered per connection before the server stops reading from it")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))->capture_default_str()->group(group);
}

void print_server_summary(std::ostream& os, std::string_view name, const app::StreamServerStats& s) {
  os << name << "_connections accepted " << s.accepted << " active " << s.active << " peak_active " << s.peak_active
     << " resets " << s.resets << " bytes_in " << s.bytes_in << " bytes_out " << s.bytes_out << "\n";
  os << name << "_shed";
  s.shed.for_each([&os](const char* what, std::uint64_t n) { os << " " << what << " " << n; });
  os << "\n";
}

}  // namespace wirestack::cli
