// dns/authority.hpp — the authoritative server's answer, sans-IO: query
// bytes in, response bytes out (or nothing: drop).
//
// What it does (RFC 1034 4.3.2's algorithm, without delegations or
// wildcards):
//  * not a query (QR set), or fewer than 12 bytes: dropped, counted;
//  * a message that does not parse: FORMERR, header only (RFC 1035 4.1.1);
//    an opcode other than QUERY: NOTIMP; not exactly one question: FORMERR;
//    a class other than IN (or ANY), or AXFR/IXFR: REFUSED / NOTIMP;
//  * a name outside every apex: REFUSED, AA clear (we are not a resolver);
//  * otherwise AA set and the RRset asked for, following CNAMEs inside the
//    zone (at most 8; RFC 1034 3.6.2); a name that exists without the type
//    is NODATA (NOERROR, no answers), one that does not is NXDOMAIN; both
//    with the apex's SOA in the authority section, its TTL the SOA minimum
//    (RFC 2308 3); QTYPE ANY returns every record of the name;
//  * EDNS0 (RFC 6891): an OPT in the query is answered with ours
//    (payload size kEdnsSize); the UDP limit is the requester's size, at
//    least 512 and at most ours; without OPT it is 512 bytes. An answer
//    that does not fit is cut and has TC set, so the client asks again
//    over TCP, where the limit is 65535. An EDNS version other than 0 is
//    answered BADVERS.
//
//   dns::AnswerStats stats;
//   if (auto reply = dns::answer(zone, datagram, dns::Transport::udp, stats)) send(*reply);
//
//   dns::TcpFramer framer;                   // RFC 1035 4.2.2: 2-byte length
//   framer.push(bytes_read);
//   while (auto m = framer.next()) send(dns::frame_tcp(dns::answer(zone, *m, dns::Transport::tcp, stats)));
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "dns/zone.hpp"

namespace wirestack::dns {

enum class Transport : std::uint8_t { udp, tcp };
inline constexpr std::uint16_t kEdnsSize = 1232;  // the DNS flag day 2020 value

struct AnswerStats {
  std::uint64_t queries = 0;    // messages offered
  std::uint64_t answered = 0;   // NOERROR with answers
  std::uint64_t nodata = 0;
  std::uint64_t nxdomain = 0;
  std::uint64_t refused = 0;
  std::uint64_t formerr = 0;    // malformed queries answered with FORMERR
  std::uint64_t notimp = 0;
  std::uint64_t badvers = 0;    // EDNS versions other than 0 (RFC 6891 6.1.3)
  std::uint64_t dropped = 0;    // not answerable at all (short, or a response)
  std::uint64_t truncated = 0;  // answered with TC
};

std::optional<ByteVec> answer(const Zone& zone, Bytes query, Transport transport, AnswerStats& stats);

// DNS over TCP (RFC 1035 4.2.2, RFC 7766 8): each message behind its length.
ByteVec frame_tcp(Bytes message);

// Splits a TCP byte stream into messages. A length of zero is a protocol
// error (bad()), after which the connection should be closed.
class TcpFramer {
 public:
  void push(Bytes data) { buf_.insert(buf_.end(), data.begin(), data.end()); }
  std::optional<ByteVec> next();
  bool bad() const { return bad_; }
  std::size_t buffered() const { return buf_.size(); }

 private:
  ByteVec buf_;
  bool bad_ = false;
};

}  // namespace wirestack::dns
