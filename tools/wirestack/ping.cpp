// `wirestack ping --dev IFNAME --ip ADDR/PREFIX [-c COUNT] DEST`: echo
// requests from our stack, lines and summary as ping(8) prints them. The
// first request waits in the ARP queue until the peer's MAC is known.
#include "ping.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>

#include "app/ping.hpp"
#include "app/udp_apps.hpp"

namespace wirestack::cli {

CLI::App* add_ping_command(CLI::App& app, PingOptions& opt) {
  auto* cmd = app.add_subcommand("ping", "like ping(8), from the stack on a TAP device; exit 0 when replies came");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("dest", opt.dest, "address to ping")->required();
  cmd->add_option("-c,--count", opt.count, "stop after this many requests (default: until ^C)")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("-i,--interval", opt.interval, "seconds between requests")->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("-W,--timeout", opt.linger, "seconds to wait for the last reply")->check(CLI::Range(0.01, 3600.0));
  cmd->add_option("-s,--size", opt.size, "data bytes per request")->check(CLI::Range(0, 65507));
  return cmd;
}

int run_ping(const PingOptions& opt) {
  auto dst = parse_destination(opt.dest, opt.stack.dev);
  if (!dst) {
    std::cerr << "wirestack ping: " << dst.error() << "\n";
    return 2;
  }
  auto stack = make_tap_stack(opt.stack, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack ping: " << stack.error() << "\n";
    return 2;
  }
  if (dst->is_v6()) {
    if (auto r = await_ipv6_addresses(*stack, "ping"); !r) {
      std::cerr << "wirestack ping: " << r.error() << "\n";
      return r.error().status;
    }
  }
  loop::TapHost& host = *stack->host;
  const auto secs = [](double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); };
  app::PingConfig config{.count = opt.count,
                         .interval = secs(opt.interval),
                         .payload_len = static_cast<std::size_t>(opt.size),
                         .ident = static_cast<std::uint16_t>(::getpid()),
                         .linger = secs(opt.linger),
                         .lines = &std::cout,
                         .on_done = [&host] { host.stop(); }};
  std::cout << "PING " << *dst << " (" << *dst << ") " << opt.size << "(" << opt.size + 8 + ip_header_len(dst->family()) << ") bytes of data."
            << std::endl;
  app::Ping ping(host, *dst, std::move(config));
  auto why = host.run();
  if (!why) {
    std::cerr << "wirestack ping: " << why.error() << "\n";
    return 2;
  }
  release_dhcp(*stack);
  std::cout << "\n";
  ping.print_summary(std::cout);
  if (host.counters().tx_errors > 0) {
    std::cerr << "wirestack ping: " << host.counters().tx_errors << " frames not sent: " << host.counters().first_tx_error
              << "\n";
  }
  if (stack->pcap) stack->pcap->flush();
  return ping.result().received > 0 ? 0 : 1;
}

}  // namespace wirestack::cli
