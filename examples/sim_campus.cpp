// examples/sim_campus.cpp — a routed network in a few lines, pinged across.
// Shown in the README; built and run by ctest.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "app/ping.hpp"
#include "sim/world.hpp"

using namespace wirestack;
using namespace std::chrono_literals;

int main() {
  auto ok = [](auto&& result) {  // every builder call says what was wrong, if anything
    if (!result) {
      std::cerr << result.error() << "\n";
      std::exit(1);
    }
  };
  sim::World w(42);                                   // the seed: same seed, same bytes
  auto& sw1 = w.add_switch("sw1", 4);
  auto& sw2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  auto& r = w.add_router("r");
  ok(w.connect(a, sw1, 0, "10.0.1.10/24"));           // a card, a cable, an address
  ok(w.connect(r, sw1, 1, "10.0.1.1/24"));
  ok(w.connect(r, sw2, 1, "10.0.2.1/24", sim::LinkDirection{.bits_per_second = 10'000'000, .delay = 2ms, .loss = 0.01}));
  ok(w.connect(b, sw2, 0, "10.0.2.20/24"));
  ok(w.set_gateway(a, "10.0.1.1"));
  ok(w.set_gateway(b, "10.0.2.1"));
  app::Ping ping(a, *Ipv4Address::parse("10.0.2.20"), {.count = 3});   // app/ping.hpp: the same ping as `wirestack ping`
  w.run_until(at(5s));
  std::cout << ping.result() << "\n";                 // 3 packets transmitted, 3 received, ...
  w.print_counters(std::cout);                        // every node, every layer
  return ping.result().received > 0 ? 0 : 1;
}
