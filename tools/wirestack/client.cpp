// `wirestack get URL` and `wirestack call HOST PORT METHOD [PARAMS]`: one
// request over our stack on a TAP device, the answer on standard output.
//
// Both are thin adapters over the applications every world shares
// (app::HttpGet, app::RpcCall): this file only parses the command line,
// starts the stack and prints the outcome.
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/http_client.hpp"
#include "app/rpc_client.hpp"
#include "checks.hpp"
#include "client.hpp"
#include "http/client.hpp"
#include "msg/jsonrpc.hpp"

namespace wirestack::cli {

namespace {

// Runs `make(host, on_done)`'s exchange on a fresh stack until it is done
// (or ^C); `report(app)` prints the outcome and gives the exit status.
template <class App, class Make, class Report>
int exchange(const char* cmd, const StackOptions& stack_opt, IpFamily family, Make make, Report report) {
  auto stack = make_tap_stack(stack_opt, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack " << cmd << ": " << stack.error() << "\n";
    return stack.error().status;
  }
  if (family == IpFamily::v6) {
    if (auto r = await_ipv6_addresses(*stack, cmd); !r) {
      std::cerr << "wirestack " << cmd << ": " << r.error() << "\n";
      return r.error().status;
    }
  }
  loop::TapHost& host = *stack->host;
  std::unique_ptr<App> app = make(host, [&host] {
    host.kick();  // our FIN (or RST) leaves before the process ends
    host.stop();
  });
  auto why = host.run();
  if (why) release_dhcp(*stack);
  if (stack->pcap) stack->pcap->flush();
  if (!why) {
    std::cerr << "wirestack " << cmd << ": " << why.error() << "\n";
    return 1;
  }
  if (*why == loop::StopReason::signal) {
    std::cerr << "wirestack " << cmd << ": interrupted\n";
    return 130;
  }
  return report(*app);
}

Duration seconds(double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); }

std::string failure(std::optional<tcp::Errc> e, double timeout_s) {
  if (e == tcp::Errc::timed_out) return "timed out after " + std::to_string(timeout_s) + " s";
  return std::string(tcp::to_string(*e));
}

}  // namespace

CLI::App* add_get_command(CLI::App& app, GetOptions& opt) {
  auto* cmd = app.add_subcommand("get", "HTTP GET over the stack on a TAP device: the body to standard output");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("url", opt.url, "http://ADDRESS[:PORT]/PATH; IPv6 in brackets, a link-local one with its zone: http://[fe80::1%25tap0]:8080/")->required();
  cmd->add_option("--timeout", opt.timeout, "seconds to wait for the whole answer")->check(checks::seconds(1e9));
  return cmd;
}

int run_get(const GetOptions& opt) {
  auto url = http::parse_url(opt.url);
  if (!url) {
    std::cerr << "wirestack get: " << opt.url << ": " << url.error().reason << "\n";
    return 2;
  }
  if (!url->host_is_ip) {
    std::cerr << "wirestack get: " << url->host << ": an IP address is needed (no DNS in this stack yet)\n";
    return 2;
  }
  // RFC 6874's zone ("http://[fe80::1%25tap0]/") is the device, as for ping.
  auto addr = parse_destination(url->zone.empty() ? url->host : url->host + "%" + url->zone, opt.stack.dev);
  if (!addr) {
    std::cerr << "wirestack get: " << addr.error() << "\n";
    return 2;
  }
  const IpEndpoint server{*addr, url->port};
  return exchange<app::HttpGet>(
      "get", opt.stack, addr->family(),
      [&](loop::TapHost& host, std::function<void()> on_done) {
        return std::make_unique<app::HttpGet>(
            host, server, app::HttpGetConfig{.url = *url, .timeout = seconds(opt.timeout), .on_done = on_done});
      },
      [&](const app::HttpGet& get) {
        if (get.error()) {
          std::cerr << "wirestack get: " << server << ": " << failure(get.error(), opt.timeout) << "\n";
          return 1;
        }
        if (!get.response()) {
          std::cerr << "wirestack get: " << server << ": " << get.bad_response() << "\n";
          return 1;
        }
        std::cout << get.response()->body << std::flush;
        if (get.response()->status >= 400) {
          std::cerr << "wirestack get: " << get.response()->status << " " << get.response()->reason << "\n";
          return 1;
        }
        return 0;
      });
}

CLI::App* add_call_command(CLI::App& app, CallOptions& opt) {
  auto* cmd = app.add_subcommand(
      "call", "one JSON-RPC request (docs/PROTOCOL.md) over the stack on a TAP device; prints the response");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("host", opt.host, "server address")->required();
  cmd->add_option("port", opt.port, "server port")->required()->check(CLI::Range(1, 65535));
  cmd->add_option("method", opt.method, "method name, e.g. time or echo")->required();
  cmd->add_option("params", opt.params, "params as JSON, e.g. '{\"format\":\"iso8601\"}'");
  cmd->add_option("--timeout", opt.timeout, "seconds to wait for the response")->check(checks::seconds(1e9));
  return cmd;
}

int run_call(const CallOptions& opt) {
  auto addr = parse_destination(opt.host, opt.stack.dev);
  if (!addr) {
    std::cerr << "wirestack call: " << addr.error() << "\n";
    return 2;
  }
  msg::Params params;
  if (opt.params) {
    auto j = nlohmann::json::parse(*opt.params, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !(j.is_object() || j.is_array())) {
      std::cerr << "wirestack call: params: expected a JSON object or array, got: " << *opt.params << "\n";
      return 2;
    }
    params = std::move(j);
  }
  const IpEndpoint server{*addr, static_cast<std::uint16_t>(opt.port)};
  return exchange<app::RpcCall>(
      "call", opt.stack, addr->family(),
      [&](loop::TapHost& host, std::function<void()> on_done) {
        return std::make_unique<app::RpcCall>(
            host, server,
            app::RpcCallConfig{
                .method = opt.method, .params = params, .timeout = seconds(opt.timeout), .on_done = on_done});
      },
      [&](const app::RpcCall& call) {
        if (call.error()) {
          std::cerr << "wirestack call: " << server << ": " << failure(call.error(), opt.timeout) << "\n";
          return 1;
        }
        if (call.frame()) std::cout << *call.frame() << "\n";
        if (!call.answer()) {
          std::cerr << "wirestack call: " << server << ": " << call.bad_response() << "\n";
          return 1;
        }
        if (!call.answer()->ok()) {
          std::cerr << "wirestack call: error " << call.answer()->error->code << ": " << call.answer()->error->message
                    << "\n";
          return 1;
        }
        return 0;
      });
}

}  // namespace wirestack::cli
