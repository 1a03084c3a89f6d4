// An echo server and a client in a simulated network: the README's example.
#include <iostream>
#include "app/stream_server.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"
using namespace wirestack;

struct Echo final : app::Session {  // bytes in, the same bytes out
  void on_data(Bytes in, app::SessionIo& io) override { io.write(in); }
};

int main() {
  sim::World world(/*seed=*/42);
  sim::Host& server = world.add_host("server");
  sim::Host& client = world.add_host("client");
  if (!world.connect(server, "10.0.0.1/24", client, "10.0.0.2/24", {.loss = 0.05})) return 1;  // a bad cable
  app::StreamServer echo(server, 7000, [] { return std::make_unique<Echo>(); });
  app::TcpRequestClient hello(client, {*Ipv4Address::parse("10.0.0.1"), 7000}, {.request = "hello, world"});
  world.run_until(at(std::chrono::seconds{10}));
  std::cout << "echoed: " << hello.response() << " in " << to_seconds(*hello.latency()) << " s\n";
  return hello.response() == "hello, world" ? 0 : 1;
}
