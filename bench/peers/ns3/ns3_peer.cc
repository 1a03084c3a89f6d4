// bench/peers/ns3/ns3_peer.cc — ns-3 3.37 (Debian's libns3-dev) running the
// topologies of bench/peers/ns3/topologies.py, as the measured peer of
// `wirestack run` (bench/peers/ns3_compare.sh runs both and prints ratios).
//
//   wirestack_peer_ns3 --topology=p2p  --rate=1Gbps   --delay=1ms --queue=4194304 --time=10
//   wirestack_peer_ns3 --topology=p2p  --rate=100Mbps --delay=1ms --loss=0.01     --time=10
//   wirestack_peer_ns3 --topology=star --flows=100 --rate=1Gbps --accessRate=10Gbps --time=10
//   wirestack_peer_ns3 ... --cc=linuxreno   (TcpLinuxReno instead of TcpCubic, to compare)
//
// p2p: two nodes on one point-to-point link (rate, one-way delay, drop-tail
// queue of `queue` bytes at each device, random loss of `loss` of the packets
// received in each direction: RateErrorModel, ERROR_UNIT_PACKET). One
// BulkSendApplication (unlimited) from node 0 to a PacketSink on node 1.
//
// star: `flows` senders, each on its own link (accessRate, accessDelay) into
// one router, which reaches the receiver over the bottleneck (rate, delay);
// every device's queue is a drop-tail queue of `queue` bytes. Sender i runs
// one bulk flow to the one PacketSink on the receiver. Global routing.
//
// TCP, as Linux-like as ns-3 allows: CUBIC (HyStart on), SACK, timestamps,
// window scaling, PRR recovery, MSS 1448 (1500-byte IP packets with the
// timestamp option), initial window 10, delayed ACK every second segment,
// minimum RTO 200 ms as Linux, `buffer` bytes of send and receive buffer
// (ns-3 has no autotuning: the buffer is fixed).
// The traffic-control layer's default queue disc (FqCoDel, which
// Ipv4AddressHelper::Assign installs) is removed, so each device has one
// drop-tail queue of `queue` bytes, as each direction of a wirestack link has.
//
// Goodput: application bytes read by the PacketSink (its Rx trace, per
// sender address) from the senders' start (t = start) to t = time, times 8,
// divided by (time - start). Output: one line per flow, then a JSON line
// (the last) with per-flow bytes and goodput, their sum, Jain's fairness
// index, the events run (Simulator::GetEventCount) and the wall-clock
// seconds of Simulator::Run alone.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

using namespace ns3;

namespace {

struct Options {
  std::string topology = "p2p";
  std::string rate = "1Gbps";
  std::string delay = "1ms";
  std::string access_rate = "10Gbps";
  std::string access_delay = "1ms";
  uint32_t queue = 4 * 1024 * 1024;  // bytes per device
  double loss = 0;                   // per packet, each direction
  uint32_t flows = 1;                // star only
  uint32_t buffer = 4 * 1024 * 1024; // TCP send and receive buffer
  uint32_t mss = 1448;
  double start = 0;                  // senders start, seconds
  double time = 10;                  // simulated seconds
  uint32_t seed = 1;
  uint32_t run = 1;
  std::string cc = "cubic";          // or "linuxreno": TcpLinuxReno, for comparison
};

// Bytes read by the sink, per sender address.
std::map<Ipv4Address, uint64_t> g_rx;

void on_sink_rx(Ptr<const Packet> p, const Address& from) {
  g_rx[InetSocketAddress::ConvertFrom(from).GetIpv4()] += p->GetSize();
}

void configure_tcp(const Options& o) {
  Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                     TypeIdValue(o.cc == "cubic" ? TcpCubic::GetTypeId() : TcpLinuxReno::GetTypeId()));
  Config::SetDefault("ns3::TcpL4Protocol::RecoveryType", TypeIdValue(TcpPrrRecovery::GetTypeId()));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(o.buffer));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(o.buffer));
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(o.mss));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
  Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
  Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(40)));
  Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
  Config::SetDefault("ns3::TcpCubic::HyStart", BooleanValue(true));
}

PointToPointHelper link_helper(const std::string& rate, const std::string& delay, uint32_t queue) {
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue(rate));
  p2p.SetDeviceAttribute("Mtu", UintegerValue(1500));
  p2p.SetChannelAttribute("Delay", StringValue(delay));
  p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", QueueSizeValue(QueueSize(QueueSizeUnit::BYTES, queue)));
  return p2p;
}

// Addresses `devs` from `network`/24 and takes the default queue disc away.
void address(NetDeviceContainer& devs, const std::string& network) {
  Ipv4AddressHelper ip;
  ip.SetBase(network.c_str(), "255.255.255.0");
  ip.Assign(devs);
  TrafficControlHelper tc;
  tc.Uninstall(devs);
}

void add_loss(NetDeviceContainer& devs, double loss) {
  if (loss <= 0) return;
  for (uint32_t i = 0; i < devs.GetN(); ++i) {
    Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
    em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
    em->SetAttribute("ErrorRate", DoubleValue(loss));
    devs.Get(i)->SetAttribute("ReceiveErrorModel", PointerValue(em));
  }
}

void add_flow(Ptr<Node> sender, Ipv4Address to, uint16_t port, const Options& o) {
  BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(to, port));
  bulk.SetAttribute("MaxBytes", UintegerValue(0));
  bulk.SetAttribute("SendSize", UintegerValue(o.mss));
  ApplicationContainer a = bulk.Install(sender);
  a.Start(Seconds(o.start));
}

void add_sink(Ptr<Node> receiver, uint16_t port) {
  PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer a = sink.Install(receiver);
  a.Start(Seconds(0));
  a.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&on_sink_rx));
}

// Builds the network; returns the senders' addresses in flow order.
std::vector<Ipv4Address> build(const Options& o) {
  const uint16_t port = 5001;
  std::vector<Ipv4Address> senders;
  InternetStackHelper stack;
  if (o.topology == "p2p") {
    NodeContainer nodes;
    nodes.Create(2);
    stack.Install(nodes);
    PointToPointHelper p2p = link_helper(o.rate, o.delay, o.queue);
    NetDeviceContainer devs = p2p.Install(nodes);
    add_loss(devs, o.loss);
    address(devs, "10.0.0.0");
    Ipv4Address a = nodes.Get(0)->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal();
    Ipv4Address b = nodes.Get(1)->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal();
    add_sink(nodes.Get(1), port);
    add_flow(nodes.Get(0), b, port, o);
    senders.push_back(a);
  } else {
    NodeContainer hosts, router, receiver;
    hosts.Create(o.flows);
    router.Create(1);
    receiver.Create(1);
    stack.Install(hosts);
    stack.Install(router);
    stack.Install(receiver);
    PointToPointHelper bottleneck = link_helper(o.rate, o.delay, o.queue);
    NetDeviceContainer bdevs = bottleneck.Install(router.Get(0), receiver.Get(0));
    add_loss(bdevs, o.loss);
    address(bdevs, "10.2.0.0");
    Ipv4Address to = receiver.Get(0)->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal();
    PointToPointHelper access = link_helper(o.access_rate, o.access_delay, o.queue);
    for (uint32_t i = 0; i < o.flows; ++i) {
      NetDeviceContainer devs = access.Install(hosts.Get(i), router.Get(0));
      // Sender i on 10.(100 + i / 250).(i % 250).0/24, as topologies.py writes it.
      address(devs, "10." + std::to_string(100 + i / 250) + "." + std::to_string(i % 250) + ".0");
      senders.push_back(hosts.Get(i)->GetObject<Ipv4>()->GetAddress(1, 0).GetLocal());
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    add_sink(receiver.Get(0), port);
    for (uint32_t i = 0; i < o.flows; ++i) add_flow(hosts.Get(i), to, port, o);
  }
  return senders;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CommandLine cmd(__FILE__);
  cmd.AddValue("topology", "p2p or star", o.topology);
  cmd.AddValue("rate", "p2p: the link's rate; star: the bottleneck's", o.rate);
  cmd.AddValue("delay", "p2p: the link's one-way delay; star: the bottleneck's", o.delay);
  cmd.AddValue("accessRate", "star: each sender's link rate", o.access_rate);
  cmd.AddValue("accessDelay", "star: each sender's link one-way delay", o.access_delay);
  cmd.AddValue("queue", "drop-tail queue per device, bytes", o.queue);
  cmd.AddValue("loss", "probability a packet is lost, each direction (p2p link, star bottleneck)", o.loss);
  cmd.AddValue("flows", "star: senders, one bulk flow each", o.flows);
  cmd.AddValue("buffer", "TCP send and receive buffer, bytes", o.buffer);
  cmd.AddValue("mss", "TCP segment payload, bytes", o.mss);
  cmd.AddValue("start", "senders start, simulated seconds", o.start);
  cmd.AddValue("time", "simulated seconds", o.time);
  cmd.AddValue("cc", "congestion control: cubic or linuxreno", o.cc);
  cmd.AddValue("seed", "RngSeedManager seed", o.seed);
  cmd.AddValue("run", "RngSeedManager run number", o.run);
  cmd.Parse(argc, argv);
  const bool good_topology = o.topology == "p2p" || o.topology == "star";
  const bool good_cc = o.cc == "cubic" || o.cc == "linuxreno";
  if (!good_topology || !good_cc || o.flows == 0 || o.flows > 10000 || o.time <= o.start || o.loss < 0 ||
      o.loss >= 1) {
    std::fprintf(stderr,
                 "wirestack_peer_ns3: bad options (topology p2p|star, cc cubic|linuxreno, 1 <= flows <= 10000, "
                 "time > start, 0 <= loss < 1)\n");
    return 2;
  }
  if (o.topology == "p2p") o.flows = 1;
  RngSeedManager::SetSeed(o.seed);
  RngSeedManager::SetRun(o.run);
  configure_tcp(o);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Ipv4Address> senders = build(o);
  const auto t1 = std::chrono::steady_clock::now();
  Simulator::Stop(Seconds(o.time));
  Simulator::Run();
  const auto t2 = std::chrono::steady_clock::now();
  const uint64_t events = Simulator::GetEventCount();

  const double interval = o.time - o.start;
  double sum = 0, sum_sq = 0;
  uint64_t total = 0;
  std::string bytes_json, mbps_json;
  for (size_t i = 0; i < senders.size(); ++i) {
    const uint64_t b = g_rx[senders[i]];
    const double mbps = static_cast<double>(b) * 8 / interval / 1e6;
    total += b;
    sum += mbps;
    sum_sq += mbps * mbps;
    std::ostringstream from;
    from << senders[i];
    std::printf("flow %zu from %s: %llu bytes, %.3f Mbit/s\n", i, from.str().c_str(),
                static_cast<unsigned long long>(b), mbps);
    bytes_json += (i ? "," : "") + std::to_string(b);
    char m[32];
    std::snprintf(m, sizeof m, "%s%.3f", i ? "," : "", mbps);
    mbps_json += m;
  }
  const double jain = sum_sq > 0 ? sum * sum / (static_cast<double>(senders.size()) * sum_sq) : 0;
  const double setup_s = std::chrono::duration<double>(t1 - t0).count();
  const double run_s = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "{\"stack\":\"ns3\",\"version\":\"3.37\",\"topology\":\"%s\",\"flows\":%zu,\"sim_seconds\":%.6f,"
      "\"start_s\":%.6f,\"total_bytes\":%llu,\"goodput_mbps\":%.3f,\"jain\":%.4f,\"events\":%llu,"
      "\"setup_wall_s\":%.3f,\"run_wall_s\":%.3f,\"flow_bytes\":[%s],\"flow_mbps\":[%s]}\n",
      o.topology.c_str(), senders.size(), o.time, o.start, static_cast<unsigned long long>(total),
      sum, jain, static_cast<unsigned long long>(events), setup_s, run_s, bytes_json.c_str(), mbps_json.c_str());
  Simulator::Destroy();
  return 0;
}
