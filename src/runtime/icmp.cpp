#include "runtime/icmp.hpp"

#include <string>

namespace wirestack::runtime {

std::optional<transport::IcmpReason> icmpv4_reason(Icmpv4Type type, std::uint8_t code) {
  using R = transport::IcmpReason;
  using C = Icmpv4UnreachableCode;
  if (type == Icmpv4Type::time_exceeded) return R::time_exceeded;
  if (type == Icmpv4Type::param_problem) return R::parameter_problem;
  if (type != Icmpv4Type::dst_unreachable) return std::nullopt;
  switch (C{code}) {
    case C::net:
    case C::net_unknown:
    case C::net_tos: return R::net_unreachable;
    case C::protocol: return R::protocol_unreachable;
    case C::port: return R::port_unreachable;
    case C::frag_needed: return R::packet_too_big;
    case C::net_prohibited:
    case C::host_prohibited:
    case C::admin_prohibited: return R::admin_prohibited;
    default: return R::host_unreachable;
  }
}

bool about_echo(const IcmpReport& e, const IpAddress& dst, std::uint16_t ident) {
  const IpProtocol echo = dst.is_v4() ? IpProtocol::icmp : IpProtocol::icmpv6;
  return e.orig_protocol == echo && e.orig_dst == dst && e.src_port == ident;
}

namespace {

// iputils' ping -6 (print_icmp6 in ping6_common.c).
const char* describe6(const IcmpReport& e) {
  switch (e.type) {
    case 1:
      switch (e.code) {
        case 0: return "Destination unreachable: No route";
        case 1: return "Destination unreachable: Administratively prohibited";
        case 2: return "Destination unreachable: Beyond scope of source address";
        case 3: return "Destination unreachable: Address unreachable";
        case 4: return "Destination unreachable: Port unreachable";
        default: return "Destination unreachable: Unknown code";
      }
    case 2: return "Packet too big";
    case 3: return e.code == 0 ? "Time exceeded: Hop limit" : "Time exceeded: Defragmentation failure";
    case 4: return "Parameter problem";
    default: return "ICMPv6 error";
  }
}

}  // namespace

const char* describe(const IcmpReport& e) {
  using R = transport::IcmpReason;
  if (!e.orig_dst.is_v4()) return describe6(e);
  if (!e.reason) return "ICMP error";
  switch (*e.reason) {
    case R::time_exceeded: return e.code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
    case R::net_unreachable: return "Destination Net Unreachable";
    case R::host_unreachable: return "Destination Host Unreachable";
    case R::protocol_unreachable: return "Destination Protocol Unreachable";
    case R::port_unreachable: return "Destination Port Unreachable";
    case R::packet_too_big: return "Frag needed and DF set";
    case R::admin_prohibited: return "Communication administratively prohibited";
    case R::parameter_problem: return "Parameter problem";
  }
  return "ICMP error";
}

std::string traceroute_mark(const IcmpReport& e) {
  using R = transport::IcmpReason;
  if (!e.reason || *e.reason == R::time_exceeded) return {};
  switch (*e.reason) {
    case R::net_unreachable: return "!N";
    case R::host_unreachable: return "!H";
    case R::protocol_unreachable: return "!P";
    case R::packet_too_big: return "!F";
    case R::admin_prohibited: return "!X";
    default: return "!" + std::to_string(e.code);
  }
}

}  // namespace wirestack::runtime
