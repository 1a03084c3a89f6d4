// dns/message.hpp — DNS messages (RFC 1035 4): the 12-byte header as a
// zero-copy view, and the whole message as a Repr with parse and emit.
//
//   0        2        4         6         8         10        12
//   |  id    | flags  | qdcount | ancount | nscount | arcount | questions, answers, authority, additional
//   flags: QR(1) OPCODE(4) AA TC RD RA Z AD CD RCODE(4)   (RFC 1035 4.1.1, RFC 4035 3.2)
//
// Records of type A, AAAA, CNAME, PTR, NS, SOA and TXT are decoded; every
// other type (OPT included) keeps its rdata as opaque bytes. Names are read
// with read_name()'s loop protection; counts are checked against the bytes
// actually present before anything is stored, so a header announcing 65535
// records allocates nothing.
//
// Emit compresses owner names and the names inside RFC 1035's own rdata
// (CNAME, NS, PTR, SOA; RFC 3597 4 forbids it for other types). Given a
// size limit it drops the records that do not fit, whole, and sets TC
// (RFC 2181 9) unless only additional records were dropped.
//
//   auto h = dns::HeaderView::checked(bytes);          // zero-copy, 12 bytes
//   auto m = dns::Message::parse(bytes);              // DnsResult<Message>
//   if (!m) return drop(m.error());
//   ByteVec out = reply.emit(512);                     // TC set if cut
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "dns/error.hpp"
#include "dns/name.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::dns {

namespace field {
inline constexpr Field kId{0, 2};
inline constexpr Field kFlags{2, 4};
inline constexpr Field kQdCount{4, 6};
inline constexpr Field kAnCount{6, 8};
inline constexpr Field kNsCount{8, 10};
inline constexpr Field kArCount{10, 12};
}  // namespace field
inline constexpr std::size_t kHeaderLen = field::kArCount.end;
inline constexpr std::size_t kUdpLimit = 512;  // RFC 1035 4.2.1, without EDNS0
inline constexpr std::uint16_t kPort = 53;

// Open enums: unknown values are held as they are.
enum class Type : std::uint16_t {
  a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, txt = 16, aaaa = 28, opt = 41,
  ixfr = 251, axfr = 252, any = 255,
};
enum class Opcode : std::uint8_t { query = 0, iquery = 1, status = 2, notify = 4, update = 5 };
enum class Rcode : std::uint8_t { noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5 };
inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kClassAny = 255;

// "A", "AAAA", ..., "TYPE99" for others (RFC 3597 5).
std::string to_string(Type t);
// The mnemonic or TYPEnn; nullopt when not a type name.
std::optional<Type> type_from_string(std::string_view s);
std::string_view to_string(Rcode r);

template <class Byte>
class BasicHeader {
 public:
  explicit constexpr BasicHeader(std::span<Byte> buf) : buf_(buf) {}
  static DnsResult<BasicHeader> checked(std::span<Byte> buf) {
    if (buf.size() < kHeaderLen) return Unexpected{DnsError::truncated};
    return BasicHeader(buf);
  }

  std::uint16_t id() const { return load_be16(buf_, field::kId.begin); }
  std::uint16_t flags() const { return load_be16(buf_, field::kFlags.begin); }
  bool qr() const { return (flags() & 0x8000) != 0; }
  Opcode opcode() const { return static_cast<Opcode>(flags() >> 11 & 0xf); }
  bool aa() const { return (flags() & 0x0400) != 0; }
  bool tc() const { return (flags() & 0x0200) != 0; }
  bool rd() const { return (flags() & 0x0100) != 0; }
  bool ra() const { return (flags() & 0x0080) != 0; }
  bool ad() const { return (flags() & 0x0020) != 0; }
  bool cd() const { return (flags() & 0x0010) != 0; }
  Rcode rcode() const { return static_cast<Rcode>(flags() & 0xf); }
  std::uint16_t qdcount() const { return load_be16(buf_, field::kQdCount.begin); }
  std::uint16_t ancount() const { return load_be16(buf_, field::kAnCount.begin); }
  std::uint16_t nscount() const { return load_be16(buf_, field::kNsCount.begin); }
  std::uint16_t arcount() const { return load_be16(buf_, field::kArCount.begin); }
  std::span<Byte> bytes() const { return buf_; }

  void set_id(std::uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(buf_, field::kId.begin, v); }
  void set_flags(std::uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(buf_, field::kFlags.begin, v); }
  void set_tc(bool on) requires(!std::is_const_v<Byte>) {
    set_flags(static_cast<std::uint16_t>(on ? flags() | 0x0200 : flags() & ~0x0200));
  }
  void set_counts(std::uint16_t qd, std::uint16_t an, std::uint16_t ns, std::uint16_t ar)
    requires(!std::is_const_v<Byte>)
  {
    store_be16(buf_, field::kQdCount.begin, qd);
    store_be16(buf_, field::kAnCount.begin, an);
    store_be16(buf_, field::kNsCount.begin, ns);
    store_be16(buf_, field::kArCount.begin, ar);
  }

 private:
  std::span<Byte> buf_;
};
using HeaderView = BasicHeader<const std::byte>;
using HeaderViewMut = BasicHeader<std::byte>;

// The header's meaning (counts come from the sections).
struct Header {
  std::uint16_t id = 0;
  bool qr = false;
  Opcode opcode = Opcode::query;
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool ad = false;
  bool cd = false;
  Rcode rcode = Rcode::noerror;

  static Header from(HeaderView v);
  std::uint16_t flags() const;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Question {
  Name name;
  Type type = Type::a;
  std::uint16_t klass = kClassIn;
  friend bool operator==(const Question&, const Question&) = default;
};

// Rdata of A and AAAA (the record's type says which family).
struct AddressData {
  IpAddress addr;
  friend bool operator==(const AddressData&, const AddressData&) = default;
};
// Rdata of CNAME, NS and PTR: one name.
struct NameData {
  Name name;
  friend bool operator==(const NameData&, const NameData&) = default;
};
struct SoaData {
  Name mname;  // the primary server
  Name rname;  // the mailbox of the person responsible, first '.' is '@'
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;  // the TTL of negative answers (RFC 2308 4)
  friend bool operator==(const SoaData&, const SoaData&) = default;
};
// One or more character-strings of up to 255 bytes each.
struct TxtData {
  std::vector<std::string> strings;
  friend bool operator==(const TxtData&, const TxtData&) = default;
};
// Every other type, as it came.
struct OpaqueData {
  ByteVec bytes;
  friend bool operator==(const OpaqueData&, const OpaqueData&) = default;
};
using Rdata = std::variant<AddressData, NameData, SoaData, TxtData, OpaqueData>;

struct Record {
  Name name;
  Type type = Type::a;
  std::uint16_t klass = kClassIn;  // OPT: the requester's UDP payload size
  std::uint32_t ttl = 0;           // OPT: extended rcode, version, flags
  Rdata data;

  // dig's line: "www.campus. 300 IN A 10.0.0.1".
  std::string to_string() const;
  friend bool operator==(const Record&, const Record&) = default;
};
std::ostream& operator<<(std::ostream& os, const Record& r);
// The rdata in master-file text ("10.0.0.1", "\"hello\"", "ns. host. 1 2 3 4 5").
std::string rdata_to_string(const Record& r);

struct Message {
  Header header;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authority;
  std::vector<Record> additional;

  static DnsResult<Message> parse(Bytes bytes);
  // The whole message, compressed. When longer than `max_size`, records
  // that do not fit are left out, whole, and TC is set unless all of them
  // were additional ones (RFC 2181 9). `max_size` is at least 12 + questions.
  ByteVec emit(std::size_t max_size = 65535) const;
  // The OPT record's advertised UDP payload size (RFC 6891 6.2.3), if any.
  std::optional<std::uint16_t> edns_udp_size() const;

  friend bool operator==(const Message&, const Message&) = default;
};

// One line for a narrative: "query 0x1a2b A www.campus." or
// "answer 0x1a2b NOERROR aa A www.campus. [CNAME web.campus., A 10.0.0.80]"
// (at most three records, then "+N more"); nullopt when the bytes are not
// a DNS message.
std::optional<std::string> summary(Bytes message);

}  // namespace wirestack::dns
