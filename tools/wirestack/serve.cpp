// `wirestack serve [--http PORT[:DIR]] [--json PORT] [--tcp-echo PORT] [--congestion NAME] [--seconds N]
// [--request-timeout S ... (server_limits.hpp)]`:
// the same servers as `wirestack tap`, on the Linux kernel's own sockets
// (loop::KernelHost): the application code is unchanged, only the host
// differs. For comparing our stack with the kernel's under the same server,
// and for deploying what was tested in the simulator.
#include "serve.hpp"
#include "checks.hpp"

#include <filesystem>
#include <iostream>

#include "app/http_server.hpp"
#include "app/rpc_server.hpp"
#include "app/stream_server.hpp"
#include "loop/kernel_host.hpp"

namespace wirestack::cli {

namespace {
struct Echo final : app::Session {
  void on_data(Bytes in, app::SessionIo& io) override { io.write(in); }
};
}  // namespace

CLI::App* add_serve_command(CLI::App& app, ServeOptions& opt) {
  auto* cmd = app.add_subcommand("serve", "the tap command's servers on the kernel's own sockets (same code)");
  cmd->add_option("--http", opt.http, "HTTP/1.1 server on PORT, serving DIR (default: the counters page)");
  cmd->add_option("--json,--rpc", opt.json, "JSON-RPC service on PORT")->check(CLI::Range(1, 65535));
  cmd->add_option("--tcp-echo", opt.tcp_echo, "TCP echo on PORT")->check(CLI::Range(1, 65535));
  cmd->add_option("--congestion", opt.congestion,
                  "the kernel's TCP congestion control on our sockets (TCP_CONGESTION): newreno (the kernel's reno), "
                  "cubic, or any name the kernel offers");
  cmd->add_option("--seconds", opt.seconds, "stop after this many seconds")->check(checks::seconds(1e9));
  add_limit_options(cmd, opt.limits);
  return cmd;
}

int run_serve(const ServeOptions& opt) {
  if (!opt.http && !opt.json && !opt.tcp_echo) {
    std::cerr << "wirestack serve: nothing to serve: give --http, --json or --tcp-echo\n";
    return 2;
  }
  loop::KernelHost host;
  if (opt.congestion) {
    // Our names where they differ from Linux's: NewReno is the kernel's "reno".
    const std::string name = *opt.congestion == "newreno" ? "reno" : *opt.congestion;
    if (auto r = host.set_tcp_congestion(name); !r) {
      std::cerr << "wirestack serve: --congestion " << *opt.congestion << ": " << r.error() << "\n";
      return 2;
    }
  }
  std::optional<app::HttpServer> web;
  if (opt.http) {
    const auto colon = opt.http->find(':');
    int port = 0;
    try {
      port = std::stoi(opt.http->substr(0, colon));
    } catch (...) {
    }
    if (port < 1 || port > 65535) {
      std::cerr << "wirestack serve: --http " << *opt.http << ": expected PORT or PORT:DIR\n";
      return 2;
    }
    std::optional<std::string> root;
    if (colon != std::string::npos) {
      root = opt.http->substr(colon + 1);
      std::error_code ec;
      if (!std::filesystem::is_directory(*root, ec)) {
        std::cerr << "wirestack serve: --http: " << *root << " is not a directory\n";
        return 2;
      }
    }
    web.emplace(host, static_cast<std::uint16_t>(port),
                app::HttpServerConfig{.root = root, .stream = {.limits = opt.limits.limits()}});
    if (!web->listening()) {
      std::cerr << "wirestack serve: --http: " << web->listening().error() << "\n";
      return 1;
    }
  }
  std::optional<app::RpcServer> rpc;
  if (opt.json) {
    rpc.emplace(host, static_cast<std::uint16_t>(*opt.json), app::RpcServerConfig{.stream = {.limits = opt.limits.limits()}});
    if (!rpc->listening()) {
      std::cerr << "wirestack serve: --json: " << rpc->listening().error() << "\n";
      return 1;
    }
  }
  std::optional<app::StreamServer> echo;
  if (opt.tcp_echo) {
    echo.emplace(host, static_cast<std::uint16_t>(*opt.tcp_echo), [] { return std::make_unique<Echo>(); },
                 app::StreamServerConfig{.limits = opt.limits.limits()});
    if (!echo->listening()) {
      std::cerr << "wirestack serve: --tcp-echo: " << echo->listening().error() << "\n";
      return 1;
    }
  }
  std::cout << "wirestack serve: on the kernel's sockets";
  if (opt.http) std::cout << ", http on " << *opt.http;
  if (opt.json) std::cout << ", json-rpc on " << *opt.json;
  if (opt.tcp_echo) std::cout << ", tcp echo on " << *opt.tcp_echo;
  if (opt.congestion) std::cout << ", tcp congestion control " << *host.tcp_congestion();
  std::cout << "; ^C to stop" << std::endl;
  std::optional<Duration> limit;
  if (opt.seconds) limit = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*opt.seconds));
  auto why = host.run(limit);
  if (!why) {
    std::cerr << "wirestack serve: " << why.error() << "\n";
    return 1;
  }
  std::cout << "wirestack serve: stopped\n";
  if (web) {
    std::cout << "http requests " << web->stats().requests << " connections " << web->connections().accepted << "\n";
    print_server_summary(std::cout, "http", web->connections());
  }
  if (rpc) {
    std::cout << "json connections " << rpc->connections().accepted << "\n";
    print_server_summary(std::cout, "json", rpc->connections());
  }
  if (echo) {
    std::cout << "tcp_echo connections " << echo->stats().accepted << " bytes " << echo->stats().bytes_in << "\n";
    print_server_summary(std::cout, "tcp_echo", echo->stats());
  }
  return 0;
}

}  // namespace wirestack::cli
