// report/recorder.hpp — what a simulated run leaves behind for its report:
// the topology, every TCP segment on every link, each TCP connection's
// congestion window, RTT and progress over time, and every node's counters.
//
// The World has one tracer, and `wirestack run` uses it for its narrative, so
// the Recorder does not install itself: the caller forwards frames to it.
//
//   sim::World w(seed);
//   report::Recorder rec(w);                  // after the World, so it dies first
//   w.set_tracer([&](const sim::WorldLink& l, int side, Instant t, Bytes f) {
//     narrate(l, side, t, f);
//     rec.on_frame(l, side, t, f);
//   });                                       // or: w.set_tracer(rec.tracer())
//   build(w);
//   w.run_until(at(10s));
//   rec.stop();                               // final sample, counters, topology
//   report::write_html(rec, "out/report.html", {.title = "campus", .seed = seed});
//
// The servers (hosts with a listening socket, the first max_servers) are
// sampled too: SYN and accept queue depths, connections established now, and
// the SYN, cookie and drop counters, each O(1) per sample (gauges the socket
// table keeps), so a server with a million connections costs what one with
// ten does. Nothing here runs when no Recorder exists.
//
// Sampling runs on the World's EventQueue every sample_interval of virtual
// time, so it is as deterministic as the run. It stops by itself when it is
// the only event left (run_until_idle() still ends), and at stop().
//
// Arrival times and losses are what the link will do with a frame, worked out
// at the tap (which sees a frame when it is handed to the link): the arrival
// replays the link's transmitter (queueing, serialization, propagation; not
// jitter), the loss is read from the link's counters after its draw. A frame
// later eaten by bit errors or a link going down is not marked lost.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "sim/link.hpp"
#include "sim/world.hpp"
#include "tcp/connection.hpp"
#include "tcp/state.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::report {

struct RecorderConfig {
  Duration sample_interval = std::chrono::milliseconds{10};
  // TCP segments kept for the ladder diagrams (about 80 bytes each); later
  // ones are counted in dropped_frames(), not kept.
  std::size_t max_frames = 200'000;
  // Connections sampled: the first ones seen (a 10,000-client run would
  // otherwise keep 10,000 series).
  std::size_t max_connections = 64;
  // Servers sampled (hosts with a listening socket): the first ones found.
  std::size_t max_servers = 8;
};

enum class NodeKind : std::uint8_t { host, router, switch_ };
std::string_view to_string(NodeKind k);

struct NodeInfo {
  std::string name;
  NodeKind kind = NodeKind::host;
  std::vector<std::string> addresses;  // "10.0.1.10/24", one per address of every NIC
};

struct LinkInfo {
  sim::NodeLinkEnd a, b;
  sim::LinkDirection a_to_b, b_to_a;
  std::array<sim::LinkCounters, 2> counters;  // from side 0, from side 1
  const sim::NodeLinkEnd& end(int side) const { return side == 0 ? a : b; }
  const sim::LinkDirection& config(int from_side) const { return from_side == 0 ? a_to_b : b_to_a; }
};

// Frames handed to each link, by protocol (all frames, not only the kept ones).
enum class Proto : std::uint8_t { arp, icmp, udp, tcp, other };
inline constexpr std::size_t kProtoCount = 5;

// One TCP segment as it was handed to one link. A segment crossing a router
// is seen once per hop; (src, dst, ip_ident) names the datagram on every hop.
struct TcpFrame {
  Instant at{};       // handed to the link
  Instant arrival{};  // its last bit reaches the other end (estimated, see above)
  std::uint32_t link = 0;  // index in World::links()
  std::uint8_t from_side = 0;
  bool lost = false;  // the link's loss draw dropped it (every copy)
  std::uint16_t ip_ident = 0;
  IpEndpoint src, dst;
  std::uint32_t seq = 0, ack = 0;
  std::uint16_t flags = 0;  // TcpFlags bits
  std::uint16_t window = 0;  // as on the wire
  std::uint32_t payload_len = 0;
  std::uint16_t mss = 0;  // the MSS option, 0 if none
};

// One sample of one connection, taken on one host.
struct ConnSample {
  Instant at{};
  std::uint32_t cwnd = 0, ssthresh = 0;
  std::optional<Duration> srtt;
  Duration rto{};
  std::uint64_t acked = 0;  // bytes acknowledged since the first sample (SYN included)
  std::uint32_t retransmits = 0;
  tcp::State state = tcp::State::closed;
};

// A connection as one host sees it.
struct ConnKey {
  std::string host;
  IpEndpoint local, remote;
  friend bool operator<(const ConnKey& x, const ConnKey& y) {
    return std::tie(x.host, x.local, x.remote) < std::tie(y.host, y.local, y.remote);
  }
};

// One sample of a server (a host with a listening socket): its listeners'
// queues and connections now, and its TCP counters so far (rates are the
// differences between samples).
struct ServerSample {
  Instant at{};
  std::uint32_t syn_queue = 0, accept_queue = 0;  // summed over its listeners
  std::uint32_t established = 0;                  // connections in ESTABLISHED now
  std::uint32_t open = 0;  // in any state from SYN-RECEIVED to LAST-ACK (not TIME-WAIT)
  std::uint64_t listen_syns = 0;                  // SYNs that reached a listener
  std::uint64_t syn_queue_drops = 0, accept_queue_drops = 0;
  std::uint64_t cookies_sent = 0, cookies_validated = 0;
  std::uint64_t passive_opens = 0;
};
struct ServerSeries {
  std::string host;
  std::vector<std::string> addresses;  // without the prefix length
  bool syn_cookies = true;
  std::uint32_t syn_backlog = 0;  // the SYN queue bound per listener
  std::uint32_t backlog = 0;      // accept queues' bounds, summed, at the last sample
  std::vector<ServerSample> samples;
};
// The whole network at one sample: frames handed to links so far, and TCP
// connections in ESTABLISHED on every host (clients waiting for an answer).
struct TrafficSample {
  Instant at{};
  std::uint64_t frames = 0;
  std::uint64_t established = 0;
};

struct Counter {
  std::string layer, name;
  std::uint64_t value = 0;
};
struct NodeCounters {
  std::string node;
  NodeKind kind = NodeKind::host;
  std::vector<Counter> counters;  // nonzero ones, in the stack's order
};

class Recorder {
 public:
  // Borrows `world`, which must outlive the Recorder. Schedules the first sample.
  explicit Recorder(sim::World& world, RecorderConfig config = {});
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Give it every frame the World's tracer sees.
  void on_frame(const sim::WorldLink& link, int from_side, Instant at, Bytes frame);
  // A tracer that only records (when nothing else wants the World's tracer).
  sim::World::Tracer tracer() {
    return [this](const sim::WorldLink& l, int side, Instant t, Bytes f) { on_frame(l, side, t, f); };
  }
  // Ends the recording: a last sample, the losses still undecided, the
  // topology and the final counters. Idempotent.
  void stop();
  bool stopped() const { return stopped_; }

  const RecorderConfig& config() const { return config_; }
  // Valid after stop().
  const std::vector<NodeInfo>& nodes() const { return nodes_; }
  const std::vector<LinkInfo>& links() const { return links_; }
  const std::vector<NodeCounters>& counters() const { return counters_; }
  Instant ended_at() const { return ended_at_; }
  // As recorded.
  const std::vector<TcpFrame>& frames() const { return frames_; }
  std::uint64_t dropped_frames() const { return dropped_frames_; }
  // Frames per link index, per sending side, per Proto.
  const std::vector<std::array<std::array<std::uint64_t, kProtoCount>, 2>>& link_frames() const { return per_link_; }
  const std::map<ConnKey, std::vector<ConnSample>>& samples() const { return series_; }
  const std::vector<ServerSeries>& servers() const { return servers_; }
  const std::vector<TrafficSample>& traffic() const { return traffic_; }
  // The broadcast storm the World's detector reported, if any (after stop()).
  const std::optional<sim::StormReport>& storm() const { return storm_; }

 private:
  // The link's transmitter as the Recorder replays it, and the frame whose
  // loss draw is not known yet (it happens after the tap).
  struct Replay {
    Instant tx_free_at{};
    std::uint64_t lost_before = 0, dup_before = 0;
    std::optional<std::size_t> pending;  // index in frames_
  };
  // A tracked connection: where its series is, and its snd_una progress.
  using Tuple = std::pair<IpEndpoint, IpEndpoint>;  // local, remote
  struct Tracked {
    std::vector<ConnSample>* series = nullptr;  // in series_ (map nodes do not move)
    std::uint32_t last_una = 0;
    std::uint64_t acked = 0;
  };
  std::uint32_t link_index(const sim::WorldLink& link);
  void settle(const sim::Link& link, int side, Replay& r);
  void sample();
  void sample_servers(Instant now);
  void schedule();

  sim::World& world_;
  RecorderConfig config_;
  bool stopped_ = false;
  sim::EventId next_{};
  Instant ended_at_{};
  std::vector<NodeInfo> nodes_;
  std::vector<LinkInfo> links_;
  std::vector<NodeCounters> counters_;
  std::vector<TcpFrame> frames_;
  std::uint64_t dropped_frames_ = 0;
  std::vector<std::array<std::array<std::uint64_t, kProtoCount>, 2>> per_link_;
  std::vector<std::array<Replay, 2>> replay_;
  std::map<ConnKey, std::vector<ConnSample>> series_;
  std::map<std::pair<std::size_t, Tuple>, Tracked> tracked_;  // by (host index, 4-tuple)
  // Per host index: tracked connections that were still moving at the last
  // sample (not TIME-WAIT or CLOSED). Once no connection can be admitted, a
  // host with none is not walked again: walking 10,000 connections every
  // 10 ms would cost a large run a third of its time.
  std::vector<std::size_t> moving_;
  // Sampled servers, with their host indexes; hosts up to `scanned_` were
  // looked at for a listener (a host is looked at until it has one or the
  // list is full: O(1) per host and sample, as the walk above).
  std::vector<ServerSeries> servers_;
  std::vector<std::size_t> server_hosts_;
  std::vector<bool> is_server_;
  std::uint64_t frames_seen_ = 0;
  std::vector<TrafficSample> traffic_;
  std::optional<sim::StormReport> storm_;
};

}  // namespace wirestack::report
