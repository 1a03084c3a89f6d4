#include "sim/world.hpp"

#include <algorithm>
#include <filesystem>
#include <iomanip>

namespace wirestack::sim {

namespace {
// Stream kinds for World::rng_for: a component's randomness depends only on
// the seed, its kind and its creation index.
constexpr std::uint64_t kHostStream = 1;
constexpr std::uint64_t kLinkStream = 2;

std::string nic_name(iface::NicId nic) { return "eth" + std::to_string(nic); }
std::string port_name(PortId p) { return "port" + std::to_string(p); }
}  // namespace

World::World(std::uint64_t seed, StormConfig storms) : seed_(seed), root_(seed), storms_(storms) {
  storms_.set_armed(false);  // until the switches form a loop (connect)
}

World::~World() {
  // Hosts detach from their links, links cancel their events, switches
  // cancel their forwards; the queue goes last (it is declared first).
  hosts_.clear();
  links_.clear();
  switches_.clear();
}

Host& World::add_host(std::string name, iface::InterfaceConfig config) {
  const auto index = static_cast<std::uint64_t>(hosts_.size());
  hosts_.push_back(std::make_unique<Host>(queue_, rng_for(kHostStream, index), std::move(name), config, &storms_));
  return *hosts_.back();
}

Host& World::add_router(std::string name, iface::InterfaceConfig config) {
  config.forwarding = true;
  return add_host(std::move(name), config);
}

Switch& World::add_switch(std::string name, std::size_t ports, SwitchConfig config) {
  if (config.bridge_mac.is_zero()) {
    config.bridge_mac = MacAddress::from_parts(kSimBridgeOui, static_cast<std::uint32_t>(switches_.size() + 1) << 12);
  }
  switches_.push_back(std::make_unique<Switch>(queue_, std::move(name), ports, config));
  switches_.back()->set_storm_detector(&storms_);
  switch_parent_.push_back(switch_parent_.size());
  return *switches_.back();
}

std::size_t World::switch_root(std::size_t i) {
  while (switch_parent_[i] != i) i = switch_parent_[i] = switch_parent_[switch_parent_[i]];
  return i;
}

Link& World::new_link(LinkDirection cable, NodeLinkEnd a, NodeLinkEnd b) {
  const auto index = static_cast<std::uint64_t>(links_.size());
  WorldLink& l = links_.emplace_back();
  l.index = static_cast<std::uint32_t>(index);
  l.link = std::make_unique<Link>(queue_, rng_for(kLinkStream, index), cable, cable);
  l.a = std::move(a);
  l.b = std::move(b);
  WorldLink* self = &l;
  l.link->set_tap([this, self](int side, Instant t, Bytes frame) {
    if (tracer_) tracer_(*self, side, t, frame);
  });
  update_fate_tap(l);
  if (capture_dir_) (void)open_capture(l).has_value();  // a failure is kept in capture_error()
  return *l.link;
}

Result<iface::NicId, std::string> World::connect(Host& host, Switch& sw, PortId port, std::string_view address,
                                                 LinkDirection cable, NicOptions nic) {
  auto prefix = address.empty() ? Result<Ipv4Prefix, std::string>(Ipv4Prefix{}) : Ipv4Prefix::parse(address);
  if (!prefix) return Unexpected{host.name() + ": " + prefix.error()};
  if (sw.is_connected(port)) return Unexpected{sw.name() + " " + port_name(port) + " is already cabled"};
  const auto nic_id = static_cast<iface::NicId>(host.stack().nic_count());
  Link& link = new_link(cable, {host.name(), nic_name(nic_id)}, {sw.name(), port_name(port)});
  sw.connect(port, link, 1);
  const iface::NicId id = host.add_nic(nic.mac.value_or(next_mac()), link, 0, nic.mtu);
  if (!address.empty()) {
    auto added = host.stack().add_address(id, *prefix);
    if (!added) return Unexpected{host.name() + ": " + added.error()};
  }
  host.kick();
  return id;
}

Result<std::pair<iface::NicId, iface::NicId>, std::string> World::connect(Host& a, std::string_view a_address,
                                                                           Host& b, std::string_view b_address,
                                                                           LinkDirection cable, NicOptions a_nic,
                                                                           NicOptions b_nic) {
  auto pa = a_address.empty() ? Result<Ipv4Prefix, std::string>(Ipv4Prefix{}) : Ipv4Prefix::parse(a_address);
  if (!pa) return Unexpected{a.name() + ": " + pa.error()};
  auto pb = b_address.empty() ? Result<Ipv4Prefix, std::string>(Ipv4Prefix{}) : Ipv4Prefix::parse(b_address);
  if (!pb) return Unexpected{b.name() + ": " + pb.error()};
  const auto a_id = static_cast<iface::NicId>(a.stack().nic_count());
  const auto b_id = static_cast<iface::NicId>(b.stack().nic_count());
  Link& link = new_link(cable, {a.name(), nic_name(a_id)}, {b.name(), nic_name(b_id)});
  const iface::NicId na = a.add_nic(a_nic.mac.value_or(next_mac()), link, 0, a_nic.mtu);
  const iface::NicId nb = b.add_nic(b_nic.mac.value_or(next_mac()), link, 1, b_nic.mtu);
  if (!a_address.empty()) {
    if (auto r = a.stack().add_address(na, *pa); !r) return Unexpected{a.name() + ": " + r.error()};
  }
  if (!b_address.empty()) {
    if (auto r = b.stack().add_address(nb, *pb); !r) return Unexpected{b.name() + ": " + r.error()};
  }
  a.kick();
  b.kick();
  return std::pair{na, nb};
}

Result<Link*, std::string> World::connect(Switch& a, PortId a_port, Switch& b, PortId b_port, LinkDirection cable) {
  if (a.is_connected(a_port)) return Unexpected{a.name() + " " + port_name(a_port) + " is already cabled"};
  if (b.is_connected(b_port)) return Unexpected{b.name() + " " + port_name(b_port) + " is already cabled"};
  Link& link = new_link(cable, {a.name(), port_name(a_port)}, {b.name(), port_name(b_port)});
  a.connect(a_port, link, 0);
  b.connect(b_port, link, 1);
  const auto index = [this](const Switch& sw) {
    return static_cast<std::size_t>(std::find_if(switches_.begin(), switches_.end(),
                                                 [&](const auto& p) { return p.get() == &sw; }) -
                                    switches_.begin());
  };
  const std::size_t ra = switch_root(index(a));
  const std::size_t rb = switch_root(index(b));
  if (ra == rb) {
    storms_.set_armed(true);  // a loop: frames can come back
  } else {
    switch_parent_[ra] = rb;
  }
  return &link;
}

Result<Ipv4Address, std::string> World::gateway_address(std::string_view text) const {
  auto gw = Ipv4Address::parse(text);
  if (!gw) return Unexpected{"gateway: " + gw.error()};
  return *gw;
}

namespace {
// The NIC whose network holds `gw`.
std::optional<iface::NicId> nic_on_network(const iface::Interface& stack, Ipv4Address gw) {
  for (std::size_t n = 0; n < stack.nic_count(); ++n) {
    for (const auto& p : stack.addresses(static_cast<iface::NicId>(n))) {
      if (p.contains(gw)) return static_cast<iface::NicId>(n);
    }
  }
  return std::nullopt;
}
}  // namespace

Result<void, std::string> World::set_gateway(Host& host, std::string_view gateway) {
  auto gw = gateway_address(gateway);
  if (!gw) return Unexpected{host.name() + ": " + gw.error()};
  auto nic = nic_on_network(host.stack(), *gw);
  if (!nic) return Unexpected{host.name() + ": gateway " + gw->to_string() + " is on none of its networks"};
  auto r = host.stack().routes().set_default(*gw, *nic);
  if (!r) return Unexpected{host.name() + ": " + r.error()};
  return {};
}

Result<void, std::string> World::add_route(Host& host, std::string_view destination, std::string_view gateway) {
  auto dst = Ipv4Prefix::parse(destination);
  if (!dst) return Unexpected{host.name() + ": " + dst.error()};
  auto gw = gateway_address(gateway);
  if (!gw) return Unexpected{host.name() + ": " + gw.error()};
  auto nic = nic_on_network(host.stack(), *gw);
  if (!nic) return Unexpected{host.name() + ": gateway " + gw->to_string() + " is on none of its networks"};
  auto r = host.stack().routes().add(ip::Route{.destination = *dst, .gateway = *gw, .iface = *nic, .metric = 0});
  if (!r) return Unexpected{host.name() + ": " + r.error()};
  return {};
}

Result<void, std::string> World::capture_to(const std::string& dir, CaptureOptions options) {
  if (capture_dir_) return Unexpected{"already capturing to '" + *capture_dir_ + "'"};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Unexpected{"cannot create capture directory '" + dir + "': " + ec.message()};
  capture_dir_ = dir;
  capture_ = std::move(options);
  for (auto& l : links_) {
    if (auto r = open_capture(l); !r) return r;
  }
  return {};
}

Result<void, std::string> World::open_capture(WorldLink& l) {
  if (capture_limited_) return {};
  const std::string name = l.name();
  if (!capture_.links.empty() && std::find(capture_.links.begin(), capture_.links.end(), name) == capture_.links.end()) {
    return {};
  }
  // One interface per side, named as the counters name the cards and ports.
  dev::PcapngWriterOptions options{.interfaces = {l.a.node + "-" + l.a.port, l.b.node + "-" + l.b.port},
                                   .snaplen = capture_.snaplen,
                                   .origin_seconds = kCalendarOriginSeconds};
  if (capture_.limit_bytes != 0 && capture_bytes_ + dev::PcapngWriter::header_bytes(options) > capture_.limit_bytes) {
    stop_captures();  // not even the file's header fits
    return {};
  }
  auto writer = dev::PcapngWriter::create(*capture_dir_ + "/" + name + ".pcapng", std::move(options));
  if (!writer) {
    if (!capture_error_) capture_error_ = writer.error();
    return Unexpected{writer.error()};
  }
  dev::PcapngWriter& w = writers_.emplace_back(std::move(*writer));
  l.writer = &w;
  update_fate_tap(l);
  capture_bytes_ += w.bytes_written();
  return {};
}

std::string capture_comment(FrameFate fate) {
  if (!fate.duplicated) return fate.drop == Drop::none ? std::string() : to_string(fate.drop);
  return std::string("duplicated by the link: copy 1 ") +
         (fate.drop == Drop::none ? "arrives" : to_string(fate.drop)) + "; copy 2 " +
         (fate.twin_drop == Drop::none ? "arrives" : to_string(fate.twin_drop));
}

void World::write_capture(WorldLink& l, int side, Instant t, Bytes frame, FrameFate fate) {
  const std::string comment = capture_comment(fate);
  const std::uint64_t size = l.writer->record_bytes(frame.size(), comment.size());
  if (capture_.limit_bytes != 0 && capture_bytes_ + size > capture_.limit_bytes) {
    stop_captures();
    return;
  }
  l.writer->write(static_cast<std::uint32_t>(side), t, frame, comment);
  capture_bytes_ += size;
}

void World::update_fate_tap(WorldLink& l) {
  // Only a capture or a drop tracer pays for the fates (a copy of each frame).
  if (l.writer == nullptr && !drop_tracer_) {
    l.link->set_fate_tap(nullptr);
    l.link->set_drop_tap(nullptr);
    return;
  }
  WorldLink* self = &l;
  l.link->set_fate_tap([this, self](int side, Instant t, Bytes frame, FrameFate fate) {
    if (self->writer != nullptr) write_capture(*self, side, t, frame, fate);
    if (drop_tracer_ && (fate.drop != Drop::none || fate.twin_drop != Drop::none)) drop_tracer_(*self, side, t, frame, fate);
  });
  l.link->set_drop_tap([this, self](int side, Instant sent, Bytes frame, Drop why) {
    if (drop_tracer_) drop_tracer_(*self, side, sent, frame, FrameFate{.drop = why});
  });
}

void World::set_drop_tracer(DropTracer t) {
  drop_tracer_ = std::move(t);
  for (auto& l : links_) update_fate_tap(l);
}

void World::stop_captures() {
  // Every capture stops here: the files end at the same instant.
  capture_limited_ = true;
  for (auto& link : links_) link.writer = nullptr;
  for (auto& w : writers_) w.flush();
  if (capture_.on_limit) capture_.on_limit(capture_.limit_bytes);
}

RunSummary World::run_until(Instant limit) {
  RunSummary s;
  const std::uint64_t before = queue_.events_run();
  // Switches stop forwarding once a storm is detected, so the queue drains
  // and run_until returns; nothing else needs to poll for it.
  queue_.run_until(limit);
  s.reached = queue_.now();
  s.events = queue_.events_run() - before;
  s.storm = storms_.storm_detected();
  for (auto& w : writers_) w.flush();
  return s;
}

RunSummary World::run_until_idle(Instant guard) {
  RunSummary s;
  const std::uint64_t before = queue_.events_run();
  queue_.run_until_idle(EventQueue::kNoLimit, guard);
  s.reached = queue_.now();
  s.events = queue_.events_run() - before;
  s.storm = storms_.storm_detected();
  for (auto& w : writers_) w.flush();
  return s;
}

Host* World::host(std::string_view name) {
  for (auto& h : hosts_) {
    if (h->name() == name) return h.get();
  }
  return nullptr;
}

Switch* World::find_switch(std::string_view name) {
  for (auto& s : switches_) {
    if (s->name() == name) return s.get();
  }
  return nullptr;
}

void World::print_counters(std::ostream& os) const {
  for (const auto& h : hosts_) {
    os << (h->stack().forwarding() ? "router " : "host ") << h->name() << "\n" << h->stack().counters() << "\n";
  }
  for (const auto& s : switches_) {
    os << "switch " << s->name() << "\n";
    s->print_counters(os);
  }
  for (const auto& l : links_) {
    os << "link " << l.name() << "\n  " << l.a.node << " -> " << l.b.node << ": " << l.link->counters(0) << "\n  "
       << l.b.node << " -> " << l.a.node << ": " << l.link->counters(1) << "\n";
  }
}

}  // namespace wirestack::sim
