// dhcp/message.hpp — DHCP messages (RFC 2131 2 and 3, RFC 2132 options).
//
// A DHCP message is a BOOTP message (RFC 951): a fixed 236-byte header
// (op, hardware type and length, hops, transaction id, seconds, flags, the
// four addresses ciaddr/yiaddr/siaddr/giaddr, the client's hardware address,
// sname and file), then the magic cookie 99.130.83.99, then options as
// code, length, value, ended by option 255 (RFC 2132 2). Pad (0) and End
// (255) are one byte; every other option has a length byte.
//
// Parsing is strict where a wrong byte would be read as something else and
// lenient where RFC 2131 asks for it:
//  * only Ethernet (htype 1, hlen 6) is accepted; op must be 1 or 2;
//  * an option whose length runs past the end of the message, a fixed-size
//    option of the wrong length (a lease time of 3 bytes, a mask of 5), an
//    address list whose length is not a multiple of 4, options without End,
//    and a message without option 53 (plain BOOTP) are refused, each with an
//    error that names the option;
//  * options we do not know are skipped; a repeated option keeps its last value;
//  * option 52 (overload, RFC 2132 9.3) makes the options go on in `file`
//    and/or `sname` (each read once: an option 52 there is not followed, so
//    no loop); they may end with End or with the field; otherwise sname and
//    file are not read, and emit() never overloads.
//
// emit() writes a message of at least 300 bytes (the BOOTP minimum that
// RFC 1542 2.1 asks relays and old servers to accept).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::dhcp {

constexpr std::uint16_t kServerPort = 67;
constexpr std::uint16_t kClientPort = 68;
constexpr std::size_t kFixedHeader = 236;   // op .. file
constexpr std::size_t kMinMessage = 240;    // + magic cookie
constexpr std::size_t kBootpMinimum = 300;  // what emit() pads to
constexpr std::uint32_t kMagicCookie = 0x63825363;

enum class MessageType : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};
std::string_view to_string(MessageType t);  // "DISCOVER", ...
inline std::ostream& operator<<(std::ostream& os, MessageType t) { return os << to_string(t); }

// RFC 2132 option codes we read and write.
namespace opt {
constexpr std::uint8_t pad = 0;
constexpr std::uint8_t subnet_mask = 1;
constexpr std::uint8_t router = 3;
constexpr std::uint8_t dns_servers = 6;
constexpr std::uint8_t requested_ip = 50;
constexpr std::uint8_t lease_time = 51;
constexpr std::uint8_t overload = 52;
constexpr std::uint8_t message_type = 53;
constexpr std::uint8_t server_id = 54;
constexpr std::uint8_t parameter_request = 55;
constexpr std::uint8_t message = 56;
constexpr std::uint8_t renewal_t1 = 58;
constexpr std::uint8_t rebinding_t2 = 59;
constexpr std::uint8_t end = 255;
}  // namespace opt
std::string_view option_name(std::uint8_t code);  // "lease time", or "" for unknown ones

enum class DhcpErrc : std::uint8_t {
  truncated,          // shorter than the 236-byte header and the cookie
  bad_op,             // op neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY)
  bad_hardware,       // not Ethernet: htype != 1 or hlen != 6
  bad_cookie,         // the four bytes after the header are not 99.130.83.99
  option_overrun,     // an option's length byte (or the length byte itself) runs past the end
  bad_option_length,  // a known option of the wrong size
  bad_overload,       // option 52 is not 1..3 (its value in `length`)
  no_end,             // the options stop without End (255)
  no_message_type,    // no option 53: BOOTP, not DHCP
  bad_message_type,   // option 53 outside 1..8
};

struct DhcpError {
  DhcpErrc code;
  std::uint8_t option = 0;  // the option concerned, for the option errors
  std::size_t length = 0;   // its length, for bad_option_length
  friend bool operator==(const DhcpError&, const DhcpError&) = default;
};
// "option 51 (lease time) has length 3, expected 4", "no magic cookie (RFC 2131 3)", ...
std::string to_string(const DhcpError& e);
inline std::ostream& operator<<(std::ostream& os, const DhcpError& e) { return os << to_string(e); }

template <class T>
using DhcpResult = Result<T, DhcpError>;

constexpr std::uint8_t kBootRequest = 1;
constexpr std::uint8_t kBootReply = 2;

struct Message {
  std::uint8_t op = kBootRequest;
  std::uint8_t hops = 0;
  std::uint32_t xid = 0;
  std::uint16_t secs = 0;
  bool broadcast = false;  // the flags field's B bit: "answer me by broadcast"
  Ipv4Address ciaddr;      // the client's address, when it has one (BOUND, RENEWING, REBINDING)
  Ipv4Address yiaddr;      // "your" address: the one offered or acknowledged
  Ipv4Address siaddr;
  Ipv4Address giaddr;      // the relay agent's address
  MacAddress chaddr;

  MessageType type = MessageType::discover;
  std::optional<Ipv4Address> requested_ip;
  std::optional<Ipv4Address> server_id;
  std::optional<Ipv4Address> subnet_mask;
  std::vector<Ipv4Address> routers;
  std::vector<Ipv4Address> dns_servers;
  std::optional<std::uint32_t> lease_seconds;
  std::optional<std::uint32_t> t1_seconds;
  std::optional<std::uint32_t> t2_seconds;
  std::vector<std::uint8_t> parameter_request;
  std::string text;  // option 56: why a NAK or DECLINE was sent

  static DhcpResult<Message> parse(Bytes datagram);
  // At most 63 addresses per list and 255 bytes of text or parameters are
  // written (one option each); longer ones are cut.
  ByteVec emit() const;
  // "DISCOVER xid 0x3903f326 from 52:54:00:12:34:56", "OFFER 10.0.1.100 lease 3600s", ...
  std::string summary() const;

  friend bool operator==(const Message&, const Message&) = default;
};

// Seconds as a lease field; durations beyond 2^32-2 s are "infinite" (0xffffffff).
std::uint32_t to_lease_seconds(Duration d);
constexpr std::uint32_t kInfiniteLease = 0xffffffff;

}  // namespace wirestack::dhcp
