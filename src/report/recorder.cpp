// report/recorder.cpp — see recorder.hpp.
#include "report/recorder.hpp"

#include <algorithm>

#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/tcp_options.hpp"

namespace wirestack::report {

std::string_view to_string(NodeKind k) {
  switch (k) {
    case NodeKind::host: return "host";
    case NodeKind::router: return "router";
    case NodeKind::switch_: return "switch";
  }
  return "?";
}

Recorder::Recorder(sim::World& world, RecorderConfig config) : world_(world), config_(config) {
  WIRESTACK_ASSERT(config_.sample_interval > Duration::zero());
  schedule();
}

Recorder::~Recorder() {
  // Only cancel: the World may be half torn down by now, so take no samples.
  world_.queue().cancel(next_);
}

void Recorder::schedule() {
  next_ = world_.queue().schedule_in(config_.sample_interval, [this] {
    next_ = {};
    sample();
    // The queue freed our slot before running us: nothing pending means the
    // run is over, and a sampler that kept ticking would keep it alive forever.
    if (!world_.queue().idle()) schedule();
  });
}

std::uint32_t Recorder::link_index(const sim::WorldLink& link) {
  // Links are added as the topology is built, and say where (WorldLink::index).
  const std::uint32_t i = link.index;
  WIRESTACK_ASSERT(i < world_.links().size());
  if (per_link_.size() <= i) {
    per_link_.resize(i + 1, {});
    replay_.resize(i + 1);
  }
  return i;
}

// Decides the loss of the previous frame from `side`: its draw has happened
// since its tap (the tap runs before the draw, see sim/link.cpp).
void Recorder::settle(const sim::Link& link, int side, Replay& r) {
  const auto& c = link.counters(side);
  if (r.pending) {
    const std::uint64_t copies = 1 + (c.duplicated - r.dup_before);
    frames_[*r.pending].lost = c.dropped_loss - r.lost_before >= copies;
    r.pending.reset();
  }
  r.lost_before = c.dropped_loss;
  r.dup_before = c.duplicated;
}

void Recorder::on_frame(const sim::WorldLink& link, int from_side, Instant at, Bytes frame) {
  if (stopped_) return;
  const std::uint32_t li = link_index(link);
  const auto side = static_cast<std::size_t>(from_side);
  Replay& r = replay_[li][side];
  settle(*link.link, from_side, r);

  // The transmitter as sim::Link runs it: a frame starts when the previous
  // one and its inter-frame gap are done; its last bit lands `delay` later.
  const sim::LinkDirection& cfg = link.link->config(from_side);
  const std::size_t on_wire =
      sim::kEthernetPreambleLen + std::max(frame.size(), sim::kEthernetMinPaddedLen) + sim::kEthernetFcsBytes;
  const Instant start = std::max(at, r.tx_free_at);
  r.tx_free_at = start + sim::Link::bit_time(on_wire + sim::kEthernetInterFrameGap, cfg.bits_per_second);
  const Instant arrival = start + sim::Link::bit_time(on_wire, cfg.bits_per_second) + cfg.delay;

  ++frames_seen_;
  auto& counts = per_link_[li][side];
  auto count = [&](Proto p) { ++counts[static_cast<std::size_t>(p)]; };
  auto eth = EthernetFrame::checked(frame);
  if (!eth) return count(Proto::other);
  if (eth->ethertype() == EtherType::arp) return count(Proto::arp);
  if (eth->ethertype() != EtherType::ipv4) return count(Proto::other);
  auto ip = Ipv4Packet::checked(eth->payload());
  if (!ip) return count(Proto::other);
  switch (ip->protocol()) {
    case IpProtocol::icmp: return count(Proto::icmp);
    case IpProtocol::udp: return count(Proto::udp);
    case IpProtocol::tcp: break;
    default: return count(Proto::other);
  }
  count(Proto::tcp);
  if (ip->more_fragments() || ip->frag_offset() != 0) return;  // the segment is whole only reassembled
  auto seg = TcpPacket::checked(ip->payload());
  if (!seg) return;
  if (frames_.size() >= config_.max_frames) {
    ++dropped_frames_;
    return;
  }
  TcpFrame f;
  f.at = at;
  f.arrival = arrival;
  f.link = li;
  f.from_side = static_cast<std::uint8_t>(from_side);
  f.ip_ident = ip->ident();
  f.src = {ip->src(), seg->src_port()};
  f.dst = {ip->dst(), seg->dst_port()};
  f.seq = seg->seq_number();
  f.ack = seg->ack_number();
  f.flags = seg->flags().bits();
  f.window = seg->window();
  f.payload_len = static_cast<std::uint32_t>(seg->payload().size());
  if (seg->syn()) {
    if (auto opts = TcpOptions::parse(seg->options()); opts && opts->mss) f.mss = *opts->mss;
  }
  r.pending = frames_.size();
  frames_.push_back(f);
}

void Recorder::sample_servers(Instant now) {
  const auto& hosts = world_.hosts();
  is_server_.resize(hosts.size(), false);
  // New servers: hosts that have started listening, in creation order.
  if (servers_.size() < config_.max_servers) {
    for (std::size_t i = 0; i < hosts.size() && servers_.size() < config_.max_servers; ++i) {
      if (is_server_[i]) continue;
      const auto& tcp = hosts[i]->stack().tcp();
      if (tcp.listen_queues().listeners == 0) continue;
      is_server_[i] = true;
      server_hosts_.push_back(i);
      ServerSeries s{hosts[i]->name(), {}, tcp.config().syn_cookies, tcp.config().syn_backlog, 0, {}};
      for (iface::NicId nic = 0; nic < hosts[i]->stack().nic_count(); ++nic) {
        for (const auto& a : hosts[i]->stack().addresses(nic)) {
          const std::string text = a.to_string();
          s.addresses.push_back(text.substr(0, text.find('/')));
        }
      }
      servers_.push_back(std::move(s));
    }
  }
  for (std::size_t k = 0; k < servers_.size(); ++k) {
    const auto& tcp = hosts[server_hosts_[k]]->stack().tcp();
    const auto q = tcp.listen_queues();
    const auto& c = tcp.counters();
    ServerSeries& s = servers_[k];
    if (q.listeners > 0) s.backlog = static_cast<std::uint32_t>(q.backlog);
    std::size_t open = 0;
    for (auto st = static_cast<std::size_t>(tcp::State::syn_received); st < static_cast<std::size_t>(tcp::State::time_wait);
         ++st) {
      open += tcp.connections_in(static_cast<tcp::State>(st));
    }
    const ServerSample x{now,
                         static_cast<std::uint32_t>(q.syn_queue),
                         static_cast<std::uint32_t>(q.accept_queue),
                         static_cast<std::uint32_t>(tcp.connections_in(tcp::State::established)),
                         static_cast<std::uint32_t>(open),
                         c.listen_syns,
                         c.syn_queue_drops,
                         c.accept_queue_drops,
                         c.cookies.sent,
                         c.cookies.validated,
                         c.passive_opens};
    if (!s.samples.empty() && s.samples.back().at == now) {
      s.samples.back() = x;
    } else {
      s.samples.push_back(x);
    }
  }
  std::uint64_t established = 0;
  for (const auto& h : hosts) established += h->stack().tcp().connections_in(tcp::State::established);
  if (!traffic_.empty() && traffic_.back().at == now) {
    traffic_.back() = {now, frames_seen_, established};
  } else {
    traffic_.push_back({now, frames_seen_, established});
  }
}

void Recorder::sample() {
  const Instant now = world_.now();
  sample_servers(now);
  std::size_t hi = 0;
  std::vector<std::pair<Tuple, const tcp::Connection*>> conns;
  moving_.resize(world_.hosts().size(), 0);
  for (const auto& h : world_.hosts()) {
    const std::size_t host = hi++;
    if (tracked_.size() >= config_.max_connections && moving_[host] == 0) continue;
    moving_[host] = 0;
    conns.clear();
    h->stack().tcp().for_each_connection([&](const IpEndpoint& local, const IpEndpoint& remote,
                                             const tcp::Connection& c) { conns.push_back({Tuple{local, remote}, &c}); });
    // Admission must not depend on the walk's order: while there is room for new
    // connections, admit them in 4-tuple order, so that which ones get
    // tracked does not depend on it. Once full (10,000 clients), only look up.
    const bool admitting = tracked_.size() < config_.max_connections;
    if (admitting) {
      std::sort(conns.begin(), conns.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    }
    for (const auto& [tuple, c] : conns) {
      auto t = tracked_.find({host, tuple});
      if (t == tracked_.end()) {
        if (tracked_.size() >= config_.max_connections) continue;
        auto& series = series_[ConnKey{h->name(), tuple.first, tuple.second}];
        t = tracked_.emplace(std::pair{host, tuple}, Tracked{&series, c->snd_una().value(), 0}).first;
      }
      Tracked& tr = t->second;
      if (c->state() != tcp::State::time_wait && c->state() != tcp::State::closed) ++moving_[host];
      // Modulo 2^32 deltas add up past 4 GiB.
      tr.acked += c->snd_una().value() - tr.last_una;
      tr.last_una = c->snd_una().value();
      const ConnSample cs{now, c->cwnd(), c->ssthresh(), c->srtt(), c->rto(), tr.acked, c->retransmits(), c->state()};
      if (!tr.series->empty() && tr.series->back().at == now) {
        tr.series->back() = cs;  // stop() right after a periodic sample
      } else {
        tr.series->push_back(cs);
      }
    }
  }
}

void Recorder::stop() {
  if (stopped_) return;
  stopped_ = true;
  world_.queue().cancel(next_);
  next_ = {};
  ended_at_ = world_.now();
  sample();
  storm_ = world_.storms().report();
  for (std::size_t li = 0; li < replay_.size(); ++li) {
    for (int side = 0; side < 2; ++side) {
      settle(*world_.links()[li].link, side, replay_[li][static_cast<std::size_t>(side)]);
    }
  }

  for (const auto& h : world_.hosts()) {
    NodeInfo n{h->name(), h->stack().forwarding() ? NodeKind::router : NodeKind::host, {}};
    for (iface::NicId nic = 0; nic < h->stack().nic_count(); ++nic) {
      for (const auto& a : h->stack().addresses(nic)) n.addresses.push_back(a.to_string());
    }
    NodeCounters nc{n.name, n.kind, {}};
    h->for_each_counter([&](std::string_view layer, std::string_view name, std::uint64_t v) {
      if (v != 0) nc.counters.push_back({std::string(layer), std::string(name), v});
    });
    nodes_.push_back(std::move(n));
    counters_.push_back(std::move(nc));
  }
  for (const auto& s : world_.switches()) {
    nodes_.push_back({s->name(), NodeKind::switch_, {}});
    NodeCounters nc{s->name(), NodeKind::switch_, {}};
    auto add = [&](const std::string& layer, const sim::SwitchPortCounters& c) {
      const std::pair<const char*, std::uint64_t> all[] = {
          {"rx_frames", c.rx_frames}, {"rx_bytes", c.rx_bytes},   {"forwarded", c.forwarded},
          {"flooded", c.flooded},     {"filtered", c.filtered},   {"dropped_malformed", c.dropped_malformed},
          {"dropped_storm", c.dropped_storm}, {"tx_frames", c.tx_frames}, {"tx_bytes", c.tx_bytes},
          {"tx_dropped", c.tx_dropped}};
      for (const auto& [name, v] : all) {
        if (v != 0) nc.counters.push_back({layer, name, v});
      }
    };
    add("switch", s->totals());
    for (sim::PortId p = 0; p < s->port_count(); ++p) add("port " + std::to_string(p), s->counters(p));
    counters_.push_back(std::move(nc));
  }
  for (const auto& l : world_.links()) {
    links_.push_back({l.a, l.b, l.link->config(0), l.link->config(1), {l.link->counters(0), l.link->counters(1)}});
  }
  per_link_.resize(links_.size(), {});
}

}  // namespace wirestack::report
