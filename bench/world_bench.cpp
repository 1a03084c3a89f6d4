// bench/world_bench.cpp — the simulator as a whole: a routed network under
// load, reporting events per wall second and simulated seconds per wall
// second (how much faster than real time the simulation runs).
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <vector>

#include "app/ping.hpp"
#include "app/udp_apps.hpp"
#include "sim/world.hpp"

namespace {

using namespace wirestack;
using namespace std::chrono_literals;

// `pairs` client/server pairs on two LANs joined by a router; each client
// sends a 512-byte UDP datagram every millisecond for one simulated second,
// and the server echoes it.
void BM_RoutedUdpEcho(benchmark::State& state) {
  const auto pairs = static_cast<int>(state.range(0));
  std::uint64_t events = 0;
  double simulated = 0;
  for (auto _ : state) {
    sim::World w(1);
    auto& sw1 = w.add_switch("sw1", static_cast<std::size_t>(pairs) + 1);
    auto& sw2 = w.add_switch("sw2", static_cast<std::size_t>(pairs) + 1);
    auto& r = w.add_router("r");
    (void)w.connect(r, sw1, 0, "10.1.0.1/16").has_value();
    (void)w.connect(r, sw2, 0, "10.2.0.1/16").has_value();
    std::vector<std::unique_ptr<app::UdpEchoServer>> servers;
    std::vector<std::unique_ptr<app::UdpClient>> clients;
    for (int i = 0; i < pairs; ++i) {
      auto& c = w.add_host("c" + std::to_string(i));
      auto& s = w.add_host("s" + std::to_string(i));
      const auto p = static_cast<sim::PortId>(i + 1);
      (void)w.connect(c, sw1, p, "10.1.1." + std::to_string(i + 1) + "/16").has_value();
      (void)w.connect(s, sw2, p, "10.2.1." + std::to_string(i + 1) + "/16").has_value();
      (void)w.set_gateway(c, "10.1.0.1").has_value();
      (void)w.set_gateway(s, "10.2.0.1").has_value();
      servers.push_back(std::make_unique<app::UdpEchoServer>(s, 9000));
      clients.push_back(std::make_unique<app::UdpClient>(
          c, IpEndpoint{Ipv4Address(10, 2, 1, static_cast<std::uint8_t>(i + 1)), 9000},
          app::UdpClient::Config{.count = 1000, .interval = 1ms, .payload = std::string(512, 'x')}));
    }
    const auto run = w.run_until(at(1100ms));
    events += run.events;
    simulated += 1.1;
    benchmark::DoNotOptimize(clients.front()->received().size());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["sim_s/s"] = benchmark::Counter(simulated, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RoutedUdpEcho)->Arg(1)->Arg(10)->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
