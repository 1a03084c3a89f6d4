// sim/world.hpp — a whole simulated network in one process: the event queue,
// the seed, and the hosts, routers, switches and links, built in a few lines.
//
// A run is a pure function of the topology and the seed: every random choice
// (link loss and jitter, bit errors, IPv4 idents, ephemeral ports) draws from
// a stream derived from the world's seed and the component's creation index,
// nothing reads the wall clock, and nothing iterates a hash container into a
// result. Two runs with the same seed write byte-identical captures.
//
//   sim::World w(42);
//   auto& lan = w.add_switch("sw1", 4);
//   auto& a = w.add_host("a");
//   auto& b = w.add_host("b");
//   w.connect(a, lan, 0, "10.0.0.1/24");
//   w.connect(b, lan, 1, "10.0.0.2/24");
//   app::Ping ping(a, *Ipv4Address::parse("10.0.0.2"), {.count = 3});
//   w.run_until(at(std::chrono::seconds{5}));
//   ping.result().received == 3
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/rng.hpp"
#include "dev/pcap_file.hpp"
#include "dev/pcapng_file.hpp"
#include "iface/interface.hpp"
#include "sim/event_queue.hpp"
#include "sim/host.hpp"
#include "sim/link.hpp"
#include "sim/storm_detector.hpp"
#include "sim/switch.hpp"

namespace wirestack::sim {

// Locally administered, unicast vendor prefix for the MACs the simulator
// hands out: 02:57:53 ("WS"), then a 24-bit serial.
inline constexpr std::uint32_t kSimOui = 0x025753;
// Bridges (switches) take theirs from 02:57:42 ("WB"): switch i (from 0) is
// 02:57:42:ii:i0:00 (serial (i + 1) << 12) and its port p sends BPDUs from
// that address + 1 + p. Hosts' addresses do not move when switches are added.
inline constexpr std::uint32_t kSimBridgeOui = 0x025742;

struct NodeLinkEnd {
  std::string node;
  std::string port;  // "eth0", "port3"
};

// What capture_to() writes: which links, how much of each frame, how much in all.
struct CaptureOptions {
  std::vector<std::string> links;  // by WorldLink::name(); empty: every link
  std::uint32_t snaplen = dev::kPcapWriterSnaplen;  // bytes kept of each frame
  // The files together stay within this many bytes (0: no limit): the first
  // frame that would pass it stops every capture, and on_limit is called
  // once with the limit.
  std::uint64_t limit_bytes = 0;
  std::function<void(std::uint64_t limit)> on_limit;
};

struct WorldLink {
  std::unique_ptr<Link> link;
  NodeLinkEnd a;
  NodeLinkEnd b;
  dev::PcapngWriter* writer = nullptr;  // when capturing
  std::uint32_t index = 0;               // its place in World::links(), in creation order
  std::string name() const { return a.node + "-" + a.port + "--" + b.node + "-" + b.port; }
  const NodeLinkEnd& end(int side) const { return side == 0 ? a : b; }
};

struct NicOptions {
  std::optional<MacAddress> mac;  // default: World::next_mac()
  std::uint16_t mtu = 1500;
};

// A capture's comment on a frame of that fate ("" when it arrived).
std::string capture_comment(FrameFate fate);

struct RunSummary {
  Instant reached{};
  std::uint64_t events = 0;
  bool storm = false;  // stopped because a broadcast storm was detected
};

class World {
 public:
  explicit World(std::uint64_t seed, StormConfig storms = {});
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  std::uint64_t seed() const { return seed_; }
  EventQueue& queue() { return queue_; }
  Instant now() const { return queue_.now(); }

  // ---- Building ----
  Host& add_host(std::string name, iface::InterfaceConfig config = {});
  // A host whose stack forwards between its networks (ip_forward = 1).
  Host& add_router(std::string name, iface::InterfaceConfig config = {});
  Switch& add_switch(std::string name, std::size_t ports, SwitchConfig config = {});

  // The next MAC from kSimOui: unique in this world.
  MacAddress next_mac() { return MacAddress::from_parts(kSimOui, ++mac_serial_); }

  // A host's new card, cabled to a switch port, with an address (and its
  // connected route; "": no IPv4 address, for a card with IPv6 only).
  // Refuses a bad address text or a used switch port.
  Result<iface::NicId, std::string> connect(Host& host, Switch& sw, PortId port, std::string_view address,
                                            LinkDirection cable = {}, NicOptions nic = {});
  // Two hosts (or routers) cabled back to back, each with an address.
  Result<std::pair<iface::NicId, iface::NicId>, std::string> connect(Host& a, std::string_view a_address, Host& b,
                                                                      std::string_view b_address,
                                                                      LinkDirection cable = {}, NicOptions a_nic = {},
                                                                      NicOptions b_nic = {});
  // Two switches cabled together (loops are allowed: that is the storm demo).
  Result<Link*, std::string> connect(Switch& a, PortId a_port, Switch& b, PortId b_port, LinkDirection cable = {});
  // Default route of `host` through `gateway` (on one of its networks).
  Result<void, std::string> set_gateway(Host& host, std::string_view gateway);
  // A static route "10.0.2.0/24" via `gateway`.
  Result<void, std::string> add_route(Host& host, std::string_view destination, std::string_view gateway);

  // Writes one pcapng per link (or per link named in `options`) into `dir`
  // (created if missing), from now on: every frame each side hands to the
  // link, on the interface of the side that sent it (named as the counters
  // name the card or port), stamped with virtual time on the calendar
  // (kCalendarOriginSeconds). A frame the link lost, corrupted or
  // duplicated, or its queue dropped, carries a packet comment saying so
  // (capture_comment); a frame lost because the link went down while it
  // travelled is recorded without one (the loss is decided after it was
  // written: the narrative tells it).
  Result<void, std::string> capture_to(const std::string& dir, CaptureOptions options = {});
  // The capture files' bytes so far, and whether the limit stopped them.
  std::uint64_t capture_bytes() const { return capture_bytes_; }
  bool capture_limited() const { return capture_limited_; }
  std::size_t capture_files() const { return writers_.size(); }
  // The first capture file that could not be created for a link added after
  // capture_to(), if any.
  const std::optional<std::string>& capture_error() const { return capture_error_; }

  // Sees every frame any side hands to any link (the narrative of
  // `wirestack run` and tests' traces): link, sending side, virtual time, bytes.
  using Tracer = std::function<void(const WorldLink& link, int from_side, Instant at, Bytes frame)>;
  void set_tracer(Tracer t) { tracer_ = std::move(t); }
  // Sees every frame a link did not deliver, where it was lost: right after
  // the tracer saw the frame (fate.drop loss, fcs, down, or a duplicate's
  // twin_drop), when it is dropped by the transmit queue or CoDel (queue,
  // codel: the tracer never sees these), or when it would have arrived on a
  // link that went down while it travelled (down; now() > sent).
  using DropTracer = std::function<void(const WorldLink& link, int from_side, Instant sent, Bytes frame, FrameFate fate)>;
  void set_drop_tracer(DropTracer t);

  // ---- Running ----
  // Runs every event up to `limit` (inclusive); stops early on a storm.
  RunSummary run_until(Instant limit);
  RunSummary run_for(Duration d) { return run_until(now() + d); }
  // Runs until no event is left (every timer expired, every frame arrived),
  // or until `guard` (a network with a periodic application never idles).
  RunSummary run_until_idle(Instant guard = Instant::max());

  // ---- Reading ----
  Host* host(std::string_view name);
  Switch* find_switch(std::string_view name);
  const std::deque<std::unique_ptr<Host>>& hosts() const { return hosts_; }
  const std::deque<std::unique_ptr<Switch>>& switches() const { return switches_; }
  const std::deque<WorldLink>& links() const { return links_; }
  const StormDetector& storms() const { return storms_; }
  // Every node's counters, per layer, in creation order.
  void print_counters(std::ostream& os) const;

 private:
  Rng rng_for(std::uint64_t kind, std::uint64_t index) const { return root_.derive(kind << 32 | index); }
  Link& new_link(LinkDirection cable, NodeLinkEnd a, NodeLinkEnd b);
  Result<void, std::string> open_capture(WorldLink& l);
  void write_capture(WorldLink& l, int side, Instant t, Bytes frame, FrameFate fate);
  void stop_captures();
  void update_fate_tap(WorldLink& l);
  Result<Ipv4Address, std::string> gateway_address(std::string_view text) const;

  // Union-find over switches (by index in switches_): a cable between two
  // switches already joined closes a loop and arms the storm detector.
  std::size_t switch_root(std::size_t i);

  std::uint64_t seed_;
  Rng root_;
  std::uint32_t mac_serial_ = 0;
  // Declaration order is destruction order in reverse: the queue outlives
  // everything that schedules on it; links go before the nodes they point to.
  EventQueue queue_;
  StormDetector storms_;
  std::deque<std::unique_ptr<Switch>> switches_;
  std::vector<std::size_t> switch_parent_;
  std::deque<std::unique_ptr<Host>> hosts_;
  std::deque<WorldLink> links_;
  std::optional<std::string> capture_dir_;
  std::optional<std::string> capture_error_;
  CaptureOptions capture_;
  std::uint64_t capture_bytes_ = 0;
  bool capture_limited_ = false;
  Tracer tracer_;
  DropTracer drop_tracer_;
  std::deque<dev::PcapngWriter> writers_;
};

}  // namespace wirestack::sim
