// dns/resolver.hpp — a stub resolver's lookup as a sans-IO state machine
// (RFC 1035 7, RFC 1123 6.1.3.3, RFC 5452 for the answer checks).
//
// One Lookup asks one server for one name and type. It never touches a
// socket or a clock: the owner passes the time in, sends what
// poll_transmit() returns (a datagram, or a TCP connection's bytes to the
// same server), feeds back what arrives, and wakes it at poll_at().
//
//  * the query id comes from the Rng passed in (RFC 5452 9.2);
//  * each try waits `timeout`, doubled after every try; `attempts` tries;
//  * an answer is taken only from the server asked (address and port),
//    with our id, QR set and our question (name, type, class); anything
//    else is ignored and counted (a spoofing attempt, or a late duplicate);
//  * TC set: the same question again over TCP (RFC 7766 5), framed with
//    the 2-byte length; a TCP failure ends the lookup;
//  * CNAMEs are followed inside the answer; a chain that ends without the
//    type asked for is asked again for its last target (at most 8 names);
//  * NXDOMAIN and NODATA are results (the name, the rcode); SERVFAIL,
//    REFUSED, NOTIMP and FORMERR end the lookup with a server error.
//
//   dns::Lookup look(name, dns::Type::a, {server, 53}, {}, rng, now);
//   while (auto out = look.poll_transmit(now)) send(*out);
//   ... look.on_udp(from, datagram, now);  if (look.done()) use(look.result());
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "base/time.hpp"
#include "dns/authority.hpp"
#include "dns/message.hpp"

namespace wirestack::dns {

struct LookupConfig {
  Duration timeout = std::chrono::seconds{1};  // the first try's; doubled after each
  int attempts = 3;                            // UDP tries before giving up
  bool recursion_desired = true;               // RD: a recursive server resolves for us
  std::uint16_t edns_size = kEdnsSize;         // 0: no OPT record (answers up to 512 bytes)
};

enum class LookupErrc : std::uint8_t {
  timeout,       // no answer after every try
  server_error,  // SERVFAIL, REFUSED, NOTIMP, FORMERR (rcode() says which)
  bad_response,  // a response from the server that does not make sense
  tcp_failed,    // the TCP connection for a truncated answer failed or closed early
  too_many_cnames,
};
std::string_view to_string(LookupErrc e);

struct LookupResult {
  Rcode rcode = Rcode::noerror;  // NOERROR (answers or NODATA) or NXDOMAIN
  Name canonical;                // the name at the end of the CNAME chain
  std::vector<Record> chain;     // the CNAMEs followed, in order
  std::vector<Record> answers;   // the records of the type asked for, at `canonical`
  int queries = 0;               // messages sent, UDP and TCP
  bool used_tcp = false;
  // A and AAAA answers as addresses.
  std::vector<IpAddress> addresses() const;
};

struct LookupError {
  LookupErrc code;
  Rcode rcode = Rcode::noerror;  // for server_error
  std::string message;
};

class Lookup {
 public:
  struct Transmit {
    Transport transport;
    IpEndpoint to;
    ByteVec bytes;  // a datagram, or for TCP the framed query: connect to `to` and write it
  };

  Lookup(Name name, Type type, IpEndpoint server, LookupConfig config, Rng& rng, Instant now);

  // What to send now, if anything.
  std::optional<Transmit> poll_transmit(Instant now);
  // When the lookup next needs poll_transmit() (a timeout); nullopt when done
  // or waiting only for input.
  std::optional<Instant> poll_at() const;

  void on_udp(const IpEndpoint& from, Bytes datagram, Instant now);
  // Bytes from the TCP connection opened for the last Transmit over TCP.
  void on_tcp_data(Bytes data, Instant now);
  // That connection failed or closed before a whole answer arrived.
  void on_tcp_closed(Instant now);

  bool done() const { return result_.has_value(); }
  // Precondition: done().
  const Result<LookupResult, LookupError>& result() const { return *result_; }
  std::uint64_t ignored() const { return ignored_; }  // responses that failed the checks
  const Question& question() const { return question_; }

 private:
  enum class Phase : std::uint8_t { send_udp, wait_udp, send_tcp, wait_tcp, finished };
  ByteVec query_bytes() const;
  void take(Bytes response, Instant now);
  void restart(Name target);
  void fail(LookupErrc code, std::string message, Rcode rcode = Rcode::noerror);

  Question question_;
  Question original_;
  IpEndpoint server_;
  LookupConfig config_;
  Rng& rng_;
  std::uint16_t id_ = 0;
  Phase phase_ = Phase::send_udp;
  int tries_ = 0;
  Instant deadline_{};
  TcpFramer framer_;
  LookupResult partial_;
  std::optional<Result<LookupResult, LookupError>> result_;
  std::uint64_t ignored_ = 0;
};

}  // namespace wirestack::dns
