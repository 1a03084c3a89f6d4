// ip/dad.hpp — Duplicate Address Detection (RFC 4862 5.4) for the tentative
// addresses of one interface, with RFC 7527's nonce to recognise our own
// solicitations looped back. A sans-IO state machine: it sends nothing and
// reads no clock or random source; the random delay before the first
// solicitation and the nonce are drawn by the caller and passed in.
//
// One run, for a tentative address A (RFC 4862 5.4.2):
//   start(A, delay, nonce, now)  the caller joins all-nodes (ff02::1) and
//                                A's solicited-node group now (5.4.2: "MUST
//                                join ... before sending the Neighbor
//                                Solicitation");
//   at now + delay               poll() returns a DadSolicit: send an NS with
//                                target A, source :: (unspecified), destination
//                                A.solicited_node() (MAC ipv6_multicast_mac()),
//                                hop limit 255, no Source Link-Layer Address
//                                option (RFC 4861 7.2.2 forbids it from ::),
//                                and a Nonce option with `nonce`;
//   then every RetransTimer      until DupAddrDetectTransmits have gone;
//   RetransTimer after the last  poll() lists A in `unique`: DAD succeeded,
//                                assign the address (5.4.5 no duplicate).
// With DupAddrDetectTransmits = 0 DAD is off and A is unique at the first
// poll() at or after now + delay.
//
// While A is tentative (5.4.3, 5.4.4):
//   on_solicit()  an NS whose target is A: from a unicast source it is
//                 someone's address resolution, ignored ("the solicitation
//                 should be silently ignored"); from :: it is another node's
//                 DAD, so A is a duplicate, unless its Nonce is ours (our own
//                 NS looped back, RFC 7527 4.1: ignored and counted);
//   on_advert()   an NA whose target is A: a duplicate.
// A duplicate ends the run (nothing more is sent for A). The caller must not
// use A (5.4.5), leaves the solicited-node group, and for a stable address
// asks ip/slaac.hpp's Slaac::on_dad_failed() for the next one (RFC 7217 6).
// Other NS/NA (targets not tentative here) come back as `not_tentative`, to
// be processed normally; the node never answers an NS for a tentative
// address (5.4.3 "MUST NOT respond").
//
// Deterministic: runs are kept in address order, and poll() lists them so.
//
//   ip::Dad dad;
//   dad.start(addr, delay, nonce, now);                 // join groups first
//   auto p = dad.poll(now);                             // at dad.poll_at()
//   for (auto& s : p.solicits) send_dad_ns(s.target, s.nonce);
//   for (auto& a : p.unique) assign(a), slaac.on_dad_succeeded(a);
//   if (dad.on_solicit(ip.src, ns.target, opts.nonce) == DadVerdict::duplicate) ...
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack::ip {

// RFC 7527 4.1 / RFC 3971 5.3.2: the Nonce option's smallest payload, 6 bytes.
using DadNonce = std::array<std::byte, 6>;

// RFC 4861 10: MAX_RTR_SOLICITATION_DELAY, the bound of the random delay
// before the first DAD NS when an interface starts (RFC 4862 5.4.2).
inline constexpr Duration kMaxRtrSolicitationDelay = std::chrono::seconds{1};

struct DadConfig {
  std::uint32_t dup_addr_detect_transmits = 1;                // RFC 4862 5.1 default; 0 disables DAD
  Duration retrans_timer = std::chrono::seconds{1};           // RFC 4861 10 RETRANS_TIMER
  std::size_t max_runs = 32;                                  // concurrent tentative addresses
};

struct DadSolicit {
  Ipv6Address target;
  DadNonce nonce{};
  friend bool operator==(const DadSolicit&, const DadSolicit&) = default;
};

struct [[nodiscard]] DadPollResult {
  std::vector<DadSolicit> solicits;  // NS to send now, address order
  std::vector<Ipv6Address> unique;   // DAD succeeded: assign these
};

enum class DadVerdict : std::uint8_t {
  not_tentative,        // the target is not under DAD here: process normally
  duplicate,            // 5.4.3 / 5.4.4: the address is in use elsewhere; the run ended
  address_resolution,   // NS from a unicast source for a tentative target: ignored (5.4.3)
  looped_back,          // NS carrying our own nonce: ignored (RFC 7527)
};
std::ostream& operator<<(std::ostream& os, DadVerdict v);

struct DadCounters {
  std::uint64_t solicits_sent = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t duplicates = 0;   // from NS or NA
  std::uint64_t looped_back = 0;
  std::uint64_t ignored = 0;      // address_resolution
  friend bool operator==(const DadCounters&, const DadCounters&) = default;
};

class Dad {
 public:
  explicit Dad(DadConfig config = {});

  const DadConfig& config() const { return config_; }
  const DadCounters& counters() const { return counters_; }

  // Starts DAD for `addr` (unicast): the first NS after `delay` (the
  // caller's draw in [0, MAX_RTR_SOLICITATION_DELAY] for the first address
  // of an interface, in [0, IDGEN_DELAY] for an RFC 7217 retry, 0 otherwise).
  // False if `addr` is already under DAD or max_runs are running.
  bool start(const Ipv6Address& addr, Duration delay, const DadNonce& nonce, Instant now);
  // Stops DAD for `addr` (address removed, interface down). False if none.
  bool cancel(const Ipv6Address& addr);
  bool tentative(const Ipv6Address& addr) const { return runs_.contains(addr); }
  std::size_t size() const { return runs_.size(); }

  DadPollResult poll(Instant now);
  std::optional<Instant> poll_at() const;

  // A valid NS (wire check_nd passed) from `src` for `target`, with its
  // Nonce option if any.
  DadVerdict on_solicit(const Ipv6Address& src, const Ipv6Address& target, std::optional<Bytes> nonce);
  // A valid NA for `target`.
  DadVerdict on_advert(const Ipv6Address& target);

 private:
  struct Run {
    DadNonce nonce{};
    Instant next_at{};          // next NS, or success once all are sent
    std::uint32_t sent = 0;
  };

  DadConfig config_;
  std::map<Ipv6Address, Run> runs_;
  DadCounters counters_;
};

}  // namespace wirestack::ip
