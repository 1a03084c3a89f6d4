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

const char* describe(const IcmpReport& e) {
  using R = transport::IcmpReason;
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
