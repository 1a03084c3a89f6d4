// iface/interface_mld.cpp — MLDv2 on hosts (RFC 3810, wire/mld.hpp): the
// groups a NIC listens to beyond all-nodes are its addresses' solicited-node
// groups (RFC 4861 7.2.1, RFC 4862 5.4.2: joined before DAD), and a switch
// that snoops MLD (RFC 4541) forwards their multicast only to ports that
// reported them. With config().ipv6.mld (and autoconfiguration on), as
// Linux does:
//  * a group joined or left is a State Change Report (CHANGE_TO_EXCLUDE /
//    CHANGE_TO_INCLUDE records) at once, sent once more after a random delay
//    of up to the Unsolicited Report Interval (1 s; Robustness Variable 2,
//    RFC 3810 9.1, 9.11), from :: while the NIC has no link-local address;
//  * when the link-local address passes DAD, every group is reported again
//    from it (Linux: a report from :: may be ignored by a querier);
//  * a Query (hop limit 1, from a link-local source, RFC 3810 5.1.14) is
//    answered with a Current State Report (MODE_IS_EXCLUDE) of every group
//    (General Query) or of the one asked about, after a random delay of up
//    to its Maximum Response Delay. Others are counted in icmpv6 mld_invalid.
// All-nodes (ff02::1) is never reported (RFC 3810 6).
#include <algorithm>

#include "iface/interface.hpp"
#include "wire/mld.hpp"

namespace wirestack::iface {

namespace {

using namespace std::chrono_literals;

constexpr Duration kUnsolicitedReportInterval = 1s;  // RFC 3810 9.11

}  // namespace

std::vector<Ipv6Address> Interface::mld_groups(NicId nic) const {
  const Nic& n = nic_ref(nic);
  std::vector<Ipv6Address> out;
  for (const auto* list : {&n.tentative6, &n.addresses6}) {
    for (const Ipv6Prefix& p : *list) {
      const Ipv6Address g = p.address().solicited_node();
      if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
    }
  }
  return out;
}

void Interface::send_mld_report(NicId nic, const std::vector<MldRecord>& records) {
  Nic& n = nic_ref(nic);
  if (records.empty() || !n.up) return;
  // RFC 3810 5.2.13: from the link-local address, or :: before it is valid.
  const Ipv6Address src = usable6(n, n.ll) ? n.ll : Ipv6Address::unspecified();
  const ByteVec packet = mldv2_report_packet(src, records, config_.checksum);
  send_frame(nic, ipv6_multicast_mac(kMldv2Routers), EtherType::ipv6, packet);
  ++counters_.ipv6.tx;
  ++counters_.icmpv6.tx;
  ++counters_.icmpv6.tx_by_type[kMldv2ReportType];
  ++counters_.icmpv6.mld_reports_tx;
}

void Interface::mld_sync(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (!config_.ipv6.mld || !autoconf() || !n.up) return;
  const std::vector<Ipv6Address> now_groups = mld_groups(nic);
  std::vector<MldRecord> changes;
  for (const Ipv6Address& g : now_groups) {
    if (std::find(n.mld_reported.begin(), n.mld_reported.end(), g) == n.mld_reported.end()) {
      changes.push_back(MldRecord{.type = MldRecordType::change_to_exclude, .group = g});
    }
  }
  for (const Ipv6Address& g : n.mld_reported) {
    if (std::find(now_groups.begin(), now_groups.end(), g) == now_groups.end()) {
      changes.push_back(MldRecord{.type = MldRecordType::change_to_include, .group = g});
    }
  }
  if (changes.empty()) return;
  n.mld_reported = now_groups;
  send_mld_report(nic, changes);
  // The retransmission carries this change and any earlier one still due
  // (RFC 3810 6.1: merged), the latest record for each group.
  for (const MldRecord& r : changes) {
    std::erase_if(n.mld_resend, [&](const MldRecord& old) { return old.group == r.group; });
    n.mld_resend.push_back(r);
  }
  n.mld_resend_at = now + random_delay(kUnsolicitedReportInterval);
}

void Interface::mld_report_all(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (!config_.ipv6.mld || !autoconf() || !n.up) return;
  n.mld_reported = mld_groups(nic);
  n.mld_resend.clear();
  for (const Ipv6Address& g : n.mld_reported) {
    n.mld_resend.push_back(MldRecord{.type = MldRecordType::change_to_exclude, .group = g});
  }
  send_mld_report(nic, n.mld_resend);
  n.mld_resend_at = now + random_delay(kUnsolicitedReportInterval);
}

void Interface::receive_mld_query(NicId nic, const Ipv6Repr& ip, const Icmpv6Other& m, Instant now) {
  Nic& n = nic_ref(nic);
  if (!config_.ipv6.mld || !autoconf()) return;
  auto q = parse_mld_query(m);
  // RFC 3810 5.1.14: only from a link-local source; hop limit 1 (5).
  if (!q || ip.hop_limit != 1 || !ip.src.is_link_local()) {
    ++counters_.icmpv6.mld_invalid;
    return;
  }
  ++counters_.icmpv6.mld_queries_rx;
  if (!q->group.is_unspecified() &&
      std::find(n.mld_reported.begin(), n.mld_reported.end(), q->group) == n.mld_reported.end()) {
    return;  // about a group we do not listen to
  }
  // RFC 3810 6.2: one answer pending; a General Query widens a pending
  // group-specific one, and the earlier deadline stands.
  const Instant at = now + random_delay(q->max_response);
  const bool general = q->group.is_unspecified() || (n.mld_answer_at && n.mld_answer_group.is_unspecified());
  if (!n.mld_answer_at || at < *n.mld_answer_at) n.mld_answer_at = at;
  n.mld_answer_group = general ? Ipv6Address::unspecified() : q->group;
}

void Interface::poll_mld(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (n.mld_resend_at && *n.mld_resend_at <= now) {
    n.mld_resend_at.reset();
    send_mld_report(nic, n.mld_resend);
    n.mld_resend.clear();
  }
  if (n.mld_answer_at && *n.mld_answer_at <= now) {
    n.mld_answer_at.reset();
    std::vector<MldRecord> state;
    for (const Ipv6Address& g : n.mld_reported) {
      if (n.mld_answer_group.is_unspecified() || g == n.mld_answer_group) {
        state.push_back(MldRecord{.type = MldRecordType::mode_is_exclude, .group = g});
      }
    }
    send_mld_report(nic, state);
  }
}

}  // namespace wirestack::iface
