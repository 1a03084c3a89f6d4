// `wirestack run [SCENARIO]`: builds a simulated network, runs it in virtual
// time, narrates every frame on every link layer by layer, and ends with the
// applications' results, every node's counters and one pcap per link.
#include "run.hpp"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "sim/apps.hpp"
#include "sim/world.hpp"
#include "wire/dissect.hpp"

namespace wirestack::cli {

namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// One line per frame: who handed it to which link, and what it is.
std::string describe(const Dissection& d) {
  std::ostringstream os;
  if (d.arp) {
    if (d.arp->is_gratuitous()) {
      os << "ARP      gratuitous: " << d.arp->source_protocol << " is-at " << d.arp->source_hardware;
      return os.str();
    }
    os << "ARP      " << (d.arp->operation == ArpOperation::request ? "who-has " : "")
       << (d.arp->operation == ArpOperation::request ? d.arp->target_protocol.to_string() + " tell " +
                                                           d.arp->source_protocol.to_string()
                                                     : d.arp->source_protocol.to_string() + " is-at " +
                                                           d.arp->source_hardware.to_string());
    return os.str();
  }
  if (!d.ipv4) return d.layers.empty() ? "?" : d.layers.front().text;
  const auto& ipr = *d.ipv4;
  // The layer's line without its checksum note (the narrative is about
  // what happens; `wirestack decode` shows every field).
  const auto last = [&](std::string_view proto) -> std::string {
    for (const auto& l : d.layers) {
      if (l.protocol == proto) return l.text.substr(0, l.text.find(", checksum"));
    }
    return {};
  };
  if (d.icmpv4) {
    os << "ICMP     " << ipr.src << " > " << ipr.dst << ": " << last("ICMP").substr(5);
  } else if (d.udp) {
    os << "UDP      " << ipr.src << ":" << d.udp->src_port << " > " << ipr.dst << ":" << d.udp->dst_port << ", "
       << d.payload_len << " bytes";
  } else if (d.tcp) {
    os << "TCP      " << ipr.src << " > " << ipr.dst << ": " << last("TCP");
  } else {
    os << "IPv4     " << ipr.src << " > " << ipr.dst << ": proto " << ipr.protocol;
  }
  if (ipr.is_fragment()) os << " [fragment id " << ipr.ident << " offset " << ipr.frag_offset << (ipr.more_fragments ? " MF]" : "]");
  os << " ttl " << static_cast<unsigned>(ipr.ttl);
  if (!d.ok()) os << "  MALFORMED: " << d.problems.front().protocol << " " << to_string(d.problems.front().error);
  return os.str();
}

struct Scenario {
  std::string name;
  std::string summary;
  // Builds the network and its applications; returns a function that prints
  // the applications' results after the run and says whether they succeeded.
  std::function<std::function<bool(std::ostream&)>(sim::World&)> build;
};

std::function<bool(std::ostream&)> build_campus(sim::World& w) {
  // LAN 1 (10.0.1.0/24): client a.  LAN 2 (10.0.2.0/24): server b.  Router r joins them.
  auto& sw1 = w.add_switch("sw1", 4);
  auto& sw2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  auto& r = w.add_router("r");
  const sim::LinkDirection lan{.bits_per_second = 100'000'000, .delay = 5us};
  const sim::LinkDirection wan{.bits_per_second = 10'000'000, .delay = 2ms};
  (void)w.connect(a, sw1, 0, "10.0.1.10/24", lan).has_value();
  (void)w.connect(r, sw1, 1, "10.0.1.1/24", lan).has_value();
  (void)w.connect(r, sw2, 1, "10.0.2.1/24", wan, sim::NicOptions{.mtu = 576}).has_value();
  (void)w.connect(b, sw2, 0, "10.0.2.20/24", lan, sim::NicOptions{.mtu = 576}).has_value();
  (void)w.set_gateway(a, "10.0.1.1").has_value();
  (void)w.set_gateway(b, "10.0.2.1").has_value();

  auto ping = std::make_shared<sim::PingApp>(a, ip("10.0.2.20"), sim::PingConfig{.count = 3, .interval = 1s});
  auto big = std::make_shared<sim::PingApp>(
      a, ip("10.0.2.20"), sim::PingConfig{.count = 1, .payload_len = 1200, .ident = 0x6269, .start = 4s});
  auto trace = std::make_shared<sim::TracerouteApp>(a, ip("10.0.2.20"), sim::TracerouteConfig{});
  auto echo = std::make_shared<sim::UdpEchoServer>(b, 9000);
  auto client = std::make_shared<sim::UdpClient>(
      a, udp::Endpoint{ip("10.0.2.20"), 9000}, sim::UdpClient::Config{.count = 2, .interval = 500ms, .payload = "hello, b"});
  auto closed = std::make_shared<sim::UdpClient>(a, udp::Endpoint{ip("10.0.2.20"), 9999},
                                                 sim::UdpClient::Config{.count = 1, .payload = "anyone?"});
  return [=](std::ostream& os) {
    os << "ping 10.0.2.20 from a:  " << ping->result() << "\n";
    os << "ping -s 1200 (fragmented by r for b's 576-byte MTU):  " << big->result() << "\n";
    os << "traceroute 10.0.2.20 from a:\n" << trace->hops();
    os << "UDP echo a -> b:9000: sent " << client->sent() << ", b echoed " << echo->echoed() << ", a got back "
       << client->received().size() << "\n";
    os << "UDP a -> b:9999 (closed): ";
    if (closed->errors().empty()) os << "no error\n";
    for (auto e : closed->errors()) os << e << "\n";
    return ping->result().received == 3 && big->result().received == 1 && trace->done() &&
           client->received().size() == 2 && !closed->errors().empty();
  };
}

std::function<bool(std::ostream&)> build_storm(sim::World& w) {
  auto& s1 = w.add_switch("sw1", 4);
  auto& s2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  (void)w.connect(a, s1, 0, "10.0.0.1/24").has_value();
  (void)w.connect(b, s2, 0, "10.0.0.2/24").has_value();
  (void)w.connect(s1, 1, s2, 1).has_value();
  (void)w.connect(s1, 2, s2, 2).has_value();  // the second cable closes a loop
  auto ping = std::make_shared<sim::PingApp>(a, ip("10.0.0.2"), sim::PingConfig{.count = 1});
  return [&w, ping](std::ostream& os) {
    if (const auto& r = w.storms().report()) {
      os << "at " << to_seconds(r->when.time_since_epoch()) << " s: " << r->explanation << "\n";
      return true;
    }
    os << "no storm detected\n";
    return false;
  };
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"campus", "two LANs joined by a router: ARP, ping, traceroute, fragmentation, UDP echo, port unreachable",
       build_campus},
      {"storm", "two switches cabled twice: one ARP broadcast becomes a storm, detected and stopped", build_storm},
  };
  return all;
}

}  // namespace

void add_run_command(CLI::App& app, RunOptions& opt) {
  auto* cmd = app.add_subcommand("run", "run a simulated network scenario in virtual time");
  cmd->add_option("scenario", opt.scenario, "built-in scenario (see `wirestack scenarios`)")->capture_default_str();
  cmd->add_option("--out", opt.out, "directory for one pcap per link")->capture_default_str();
  cmd->add_option("--seed", opt.seed, "random seed: same seed, same run, byte for byte")->capture_default_str();
  cmd->add_option("--until", opt.until, "simulated seconds to run")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", opt.quiet, "summaries only, no per-frame narrative");
}

void add_scenarios_command(CLI::App& app) { app.add_subcommand("scenarios", "list the built-in scenarios"); }

int run_scenarios() {
  for (const auto& s : scenarios()) std::printf("%-8s %s\n", s.name.c_str(), s.summary.c_str());
  return 0;
}

int run_run(const RunOptions& opt) {
  const Scenario* scenario = nullptr;
  for (const auto& s : scenarios()) {
    if (s.name == opt.scenario) scenario = &s;
  }
  if (scenario == nullptr) {
    std::cerr << "wirestack run: no scenario named '" << opt.scenario << "'; `wirestack scenarios` lists them\n";
    return 2;
  }
  sim::World w(opt.seed);
  const std::string dir = opt.out + "/" + scenario->name;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (auto r = w.capture_to(dir); !r) {
    std::cerr << "wirestack run: " << r.error() << "\n";
    return 1;
  }
  std::uint64_t frames = 0;
  w.set_tracer([&](const sim::WorldLink& l, int side, Instant t, Bytes frame) {
    ++frames;
    if (opt.quiet) return;
    const auto& from = l.end(side);
    const auto& to = l.end(1 - side);
    char head[64];
    std::snprintf(head, sizeof head, "%12.6f  ", to_seconds(t.time_since_epoch()));
    std::cout << head << from.node << " -> " << to.node << "  " << describe(dissect(frame)) << "\n";
  });
  std::cout << "scenario " << scenario->name << " (seed " << opt.seed << "): " << scenario->summary << "\n\n";
  auto report = scenario->build(w);
  const auto run = w.run_until(at(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opt.until))));
  std::cout << "\n== results after " << to_seconds(run.reached.time_since_epoch()) << " simulated seconds, " << run.events
            << " events, " << frames << " frames ==\n";
  const bool ok = report(std::cout);
  std::cout << "\n== counters ==\n";
  w.print_counters(std::cout);
  std::cout << "\ncaptures (one pcap per link, open with Wireshark or `wirestack decode`): " << dir << "/\n";
  if (w.capture_error()) std::cerr << "wirestack run: " << *w.capture_error() << "\n";
  return ok ? 0 : 1;
}

}  // namespace wirestack::cli
