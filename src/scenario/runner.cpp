// scenario/runner.cpp — one run of a topology.
#include "scenario/runner.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "scenario/tcp_tally.hpp"

namespace wirestack::scenario {

const std::vector<std::string>& narrative_protocols() {
  static const std::vector<std::string> names = {"arp", "stp",  "ndp", "ip",   "ipv4", "ipv6", "icmp",
                                                 "udp", "tcp",  "dns", "dhcp", "http", "json", "ftp"};
  return names;
}

namespace {

// The narrative's filter, resolved against the built network.
class Filter {
 public:
  // Made before the network is built (its first frames are narrated while
  // it is): links are matched as they appear, addresses once they are set.
  Filter(const NarrativeFilter& f, const Topology& topo, const sim::World& w) : f_(f), topo_(topo), w_(w) {}
  // The hosts' addresses, once the network is built.
  void learn_addresses(sim::World& w) {
    for (const auto& name : f_.hosts) {
      sim::Host* h = w.host(name);
      if (h == nullptr) continue;
      for (std::size_t nic = 0; nic < h->stack().nic_count(); ++nic) {
        for (const auto& p : h->stack().addresses(static_cast<iface::NicId>(nic))) addresses_.insert(IpAddress(p.address()));
      }
    }
  }
  // Names the filter asks for that the network does not have ("" if none).
  static std::string unknown(const NarrativeFilter& f, const Topology& topo, const sim::World& w) {
    for (const auto& h : f.hosts) {
      const bool found = std::any_of(w.hosts().begin(), w.hosts().end(), [&](const auto& x) { return x->name() == h; }) ||
                         std::any_of(w.switches().begin(), w.switches().end(), [&](const auto& x) { return x->name() == h; });
      if (!found) return "--host: no host, router or switch named '" + h + "'";
    }
    for (const auto& name : f.links) {
      bool found = std::any_of(topo.links.begin(), topo.links.end(), [&](const auto& l) { return l.name == name; });
      found = found || std::any_of(w.links().begin(), w.links().end(), [&](const auto& l) { return l.name() == name; });
      if (!found) return "--link: no link named '" + name + "' (names as the counters print them, or the file's)";
    }
    for (const auto& p : f.protos) {
      const auto& known = narrative_protocols();
      if (std::find(known.begin(), known.end(), p) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        return "--proto: no protocol named '" + p + "'; the names are: " + list;
      }
    }
    return {};
  }
  bool frame(const FrameEvent& ev) const {
    if (!f_.links.empty() && !link(ev.world_link)) return false;
    if (!f_.hosts.empty() && !wanted(f_.hosts, ev.from) && !wanted(f_.hosts, ev.to)) {
      const Dissection* d = ev.dissection;
      const bool by_address = d != nullptr && d->ipv4 &&
                              (addresses_.contains(IpAddress(d->ipv4->src)) || addresses_.contains(IpAddress(d->ipv4->dst)));
      if (!by_address) return false;
    }
    if (!f_.protos.empty()) {
      return std::any_of(f_.protos.begin(), f_.protos.end(), [&](const std::string& p) { return proto(ev, p); });
    }
    return true;
  }
  // A drop line: by link and host names, and a protocol named in its text.
  bool drop(const sim::WorldLink& l, const std::string& from, const std::string& to, const std::string& text) const {
    if (!f_.links.empty() && !link(&l)) return false;
    if (!f_.hosts.empty() && !wanted(f_.hosts, from) && !wanted(f_.hosts, to)) return false;
    if (f_.protos.empty()) return true;
    return std::any_of(f_.protos.begin(), f_.protos.end(), [&](const std::string& p) { return text.find(upper(p)) != std::string::npos; });
  }
  // A note: shown unless hosts or links are asked for and it names none of them.
  bool note(const std::string& text) const {
    if (f_.hosts.empty() && f_.links.empty()) return true;
    const auto named = [&](const std::vector<std::string>& names) {
      return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return text.find(n) != std::string::npos; });
    };
    return named(f_.hosts) || named(f_.links);
  }

 private:
  bool link(const sim::WorldLink* l) const {
    auto [it, fresh] = links_.try_emplace(l, false);
    if (fresh) {
      // Its index in the World is its index in the file: links are made in the file's order.
      std::size_t i = 0;
      while (i < w_.links().size() && &w_.links()[i] != l) ++i;
      it->second = wanted(f_.links, l->name()) || (i < topo_.links.size() && wanted(f_.links, topo_.links[i].name));
    }
    return it->second;
  }
  static bool wanted(const std::vector<std::string>& names, const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  }
  static std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  static bool proto(const FrameEvent& ev, const std::string& p) {
    const Dissection* d = ev.dissection;
    if (d == nullptr) return false;
    if (p == "arp") return d->arp.has_value();
    if (p == "stp") return d->bpdu.has_value();
    if (p == "ndp") return ev.text.starts_with("NDP");
    if (p == "ip" || p == "ipv4") return d->ipv4.has_value();
    if (p == "ipv6") return d->ipv6.has_value();
    if (p == "icmp") return d->icmpv4.has_value() || d->icmpv6.has_value();
    if (p == "udp") return d->udp.has_value();
    if (p == "tcp") return d->tcp.has_value();
    return ev.text.find("| " + upper(p)) != std::string::npos;  // dns, dhcp, http, json, ftp
  }

  const NarrativeFilter& f_;
  const Topology& topo_;
  const sim::World& w_;
  mutable std::map<const sim::WorldLink*, bool> links_;
  std::set<IpAddress> addresses_;
};

// Every link the capture names must exist; the error lists the real ones.
Result<void, std::string> check_capture_links(const sim::World& w, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const bool found = std::any_of(w.links().begin(), w.links().end(), [&](const auto& l) { return l.name() == name; });
    if (found) continue;
    constexpr std::size_t kListed = 20;
    std::string known;
    std::size_t n = 0;
    for (const auto& l : w.links()) {
      if (n == kListed) {
        known += ", ... (" + std::to_string(w.links().size() - kListed) + " more)";
        break;
      }
      known += (n++ == 0 ? "" : ", ") + l.name();
    }
    return Unexpected{"no link named '" + name + "' to capture; the links are: " + known};
  }
  return {};
}

// The TCP connections' end states, from their state changes: each one when
// there are few, else how many ended in each state.
void print_connections(std::ostream& out, const RunResult& r) {
  if (r.connection_count == 0) return;
  out << "TCP connections (" << r.connection_count << "), the state each ended in:";
  if (r.connection_count <= RunResult::kConnectionsListed) {
    out << "\n";
    for (const auto& c : r.connections) {
      char when[32];
      std::snprintf(when, sizeof when, "%.6f", to_seconds(c.at.time_since_epoch()));
      out << "  " << c.host << " " << c.local << " <-> " << c.remote << ": " << tcp::to_string(c.state) << " (from "
          << tcp::to_string(c.before) << " at " << when << ")";
      if (c.state == tcp::State::time_wait) out << ": it closed first, and waits out 2 MSL";
      if (c.state == tcp::State::closed && (c.before == tcp::State::last_ack || c.before == tcp::State::time_wait)) {
        out << ": closed cleanly";
      }
      out << "\n";
    }
    return;
  }
  const char* sep = " ";
  for (const auto& [state, n] : r.end_states) {
    out << sep << tcp::to_string(state) << " " << n;
    sep = ", ";
  }
  out << "\n";
}

}  // namespace

Result<RunResult, RunError> run(const Topology& topo, const RunConfig& config, std::ostream& out) {
  Narrator narrator;
  TcpTally tally;  // the summary's TCP figures, narrated or not
  RunResult result;
  const auto stamp = [](Instant t) {
    char head[32];
    std::snprintf(head, sizeof head, "%12.6f  ", to_seconds(t.time_since_epoch()));
    return std::string(head);
  };
  // Held back until the network is built: a file that does not build
  // prints its one error line and nothing else.
  std::ostringstream early;
  std::ostream* sink = &early;
  early << "scenario " << (topo.name.empty() ? topo.file : topo.name) << " (seed " << config.seed << ")"
        << (topo.summary.empty() ? "" : ": " + topo.summary) << "\n\n";
  const auto output_error = [](std::string e) { return Unexpected{RunError{RunError::Kind::output, std::move(e)}}; };
  // Captures and the narrative start before the first node exists: its
  // gratuitous ARP is the first frame. The observer dies before the network.
  std::unique_ptr<Network> owner = Network::create(topo, config.seed);
  Network& net = *owner;
  std::unique_ptr<RunObserver> observer;
  struct Release {
    std::unique_ptr<RunObserver>& o;
    ~Release() { o.reset(); }
  } release{observer};
  sim::World& w = net.world();
  if (config.observer) observer = config.observer(w);
  if (!config.capture_dir.empty()) {
    if (auto r = w.capture_to(config.capture_dir, config.capture); !r) return output_error(r.error());
  }
  std::optional<Filter> filter;
  // The tracers point at this function's locals: none may outlive them
  // (tearing the network down closes connections and sends frames).
  struct Untrace {
    Network& net;
    ~Untrace() {
      for (const auto& host : net.world().hosts()) host->stack().tcp().set_tracer(nullptr);
      net.world().set_tracer(nullptr);
      net.world().set_drop_tracer(nullptr);
      net.set_note_sink([](Instant, const std::string&) {});
    }
  } untrace{net};
  if (!config.filter.empty()) filter.emplace(config.filter, topo, w);
  w.set_tracer([&](const sim::WorldLink& l, int side, Instant t, Bytes frame) {
    ++result.frames;
    if (observer) observer->on_frame(l, side, t, frame);
    tally.on_frame(reinterpret_cast<std::uintptr_t>(&l), frame);
    // Described only for someone who reads it: a quiet run of a million
    // clients pays a hash lookup per frame (the tally), not a sentence.
    if (!config.narrate && config.listeners.empty()) return;
    const auto& from = l.end(side);
    const auto& to = l.end(1 - side);
    FrameEvent ev = narrator.on_frame(l.name(), from.node, to.node, t, frame);
    ev.world_link = &l;
    ev.from_side = side;
    if (config.narrate && (!filter || filter->frame(ev))) {
      *sink << stamp(t) << from.node << " -> " << to.node << "  " << ev.text << "\n";
    }
    for (const auto& listener : config.listeners) listener(ev);
  });
  if (config.narrate) {
    // Where frames were lost, as the simulator decided it (only when told:
    // the fates cost a copy of each frame).
    w.set_drop_tracer([&](const sim::WorldLink& l, int side, Instant sent, Bytes frame, sim::FrameFate fate) {
      const auto& from = l.end(side).node;
      const auto& to = l.end(1 - side).node;
      const std::string text = narrator.on_drop(l.name(), to, sent, w.now(), frame, fate);
      if (!filter || filter->drop(l, from, to, text)) *sink << stamp(w.now()) << from << " -> " << to << "  " << text << "\n";
    });
  }
  net.set_note_sink([&](Instant t, const std::string& text) {
    if (config.narrate && (!filter || filter->note(text))) *sink << stamp(t) << "---- " << text << " ----\n";
  });
  if (auto r = net.wire_up(); !r) return Unexpected{RunError{RunError::Kind::topology, r.error()}};
  if (auto r = check_capture_links(w, config.capture.links); !r) return Unexpected{RunError{RunError::Kind::topology, r.error()}};
  if (!config.filter.empty()) {
    if (auto e = Filter::unknown(config.filter, topo, w); !e.empty()) return Unexpected{RunError{RunError::Kind::topology, e}};
    filter->learn_addresses(w);
  }
  // Every connection's state changes: its end state exactly, and TIME-WAIT
  // told as it begins and ends.
  for (const auto& host : w.hosts()) {
    const std::string name = host->name();
    host->stack().tcp().set_tracer([&, name](const IpEndpoint& local, const IpEndpoint& remote, tcp::State from, tcp::State to) {
      // A connection's first change leaves CLOSED (an active open) or
      // LISTEN (a listener's child); no later one leaves CLOSED.
      const bool fresh = from == tcp::State::closed || from == tcp::State::listen;
      if (fresh) {
        ++result.connection_count;
      } else if (auto it = result.end_states.find(from); it != result.end_states.end() && --it->second == 0) {
        result.end_states.erase(it);
      }
      ++result.end_states[to];
      auto c = std::find_if(result.connections.begin(), result.connections.end(), [&](const ConnectionEnd& e) {
        return e.local == local && e.remote == remote && e.host == name;
      });
      if (fresh && c == result.connections.end() && result.connections.size() < RunResult::kConnectionsListed) {
        c = result.connections.insert(c, ConnectionEnd{name, local, remote});
      }
      if (c != result.connections.end()) {
        c->before = from;
        c->state = to;
        c->at = w.now();
      }
      if (!config.narrate || (filter && !filter->note(name))) return;
      std::ostringstream os;
      if (to == tcp::State::time_wait) {
        os << name << ": " << local << " <-> " << remote << " enters TIME-WAIT (" << tcp::to_string(from)
           << " -> TIME-WAIT): it closed first, so it keeps the connection for 2 MSL, ready to ACK the peer's FIN "
              "again should the last ACK be lost, and so that no old segment of it lands in a new connection";
      } else if (from == tcp::State::time_wait) {
        os << name << ": " << local << " <-> " << remote << " leaves TIME-WAIT (" << tcp::to_string(to)
           << "): the connection is forgotten";
      } else {
        return;
      }
      *sink << stamp(w.now()) << "---- " << os.str() << " ----\n";
    });
  }
  out << early.str();
  sink = &out;
  const Instant limit = at(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(config.until)));
  // In steps when someone watches (at most about a thousand, so that a long
  // idle run does not loop on empty steps). The run is the same either way:
  // a step ends at a time, not at an event, and a storm (which stops the
  // switches forwarding) does not end the run before the limit.
  const Duration whole = limit.time_since_epoch();
  const Duration step = config.progress ? std::max({config.progress_step, whole / 1000, Duration{1}}) : whole;
  result.summary.reached = w.now();
  while (w.now() < limit) {
    const auto part = w.run_until(std::min(limit, w.now() + step));
    result.summary.events += part.events;
    result.summary.reached = part.reached;
    result.summary.storm = result.summary.storm || part.storm;
    if (config.progress) config.progress(RunProgress{part.reached, result.summary.events, result.frames});
  }
  const DelayCauses causes = net.delay_causes(tally.retransmissions());
  if (observer) observer->on_end(net, causes);
  out << "\n== results after " << to_seconds(result.summary.reached.time_since_epoch()) << " simulated seconds, "
      << result.summary.events << " events, " << result.frames << " frames";
  out << ", " << tally.handshakes() << " TCP handshakes, " << tally.closes() << " FINs, " << tally.retransmissions()
      << " retransmitted segments seen on links";
  out << " ==\n";
  result.passed = net.report(out, causes);
  result.outcomes = net.outcomes();
  print_connections(out, result);
  result.retransmissions = tally.retransmissions();
  out << "\n== counters ==\n";
  w.print_counters(out);
  if (!config.capture_dir.empty()) {
    out << "\ncaptures (" << w.capture_files() << " of " << w.links().size()
        << " links, open with Wireshark or `wirestack decode`): " << config.capture_dir << "/\n";
    if (w.capture_limited()) {
      out << "captures stopped at " << w.capture_bytes() << " bytes: the next frame would have passed the limit of "
          << config.capture.limit_bytes << " bytes\n";
    }
    if (w.capture_error()) return output_error(*w.capture_error());
  }
  return result;
}

}  // namespace wirestack::scenario
