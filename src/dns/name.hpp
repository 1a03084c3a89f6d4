// dns/name.hpp — domain names (RFC 1035 3.1, 4.1.4): text form, wire form,
// compression on parse and emit.
//
// A `Name` holds the uncompressed wire form (length-prefixed labels ending
// with the root's zero byte), at most 255 bytes, labels of 1..63 bytes.
// Comparisons ignore ASCII case (RFC 4343). The text form escapes '.', '\\'
// and bytes outside printable ASCII as \DDD (RFC 1035 5.1).
//
// Parsing from a message (`read_name`) follows compression pointers with
// three guards that make every input terminate: a pointer must point
// strictly before the lowest offset read so far (so jumps only go back and
// cannot cycle), a name may not exceed 255 bytes, and labels of the
// reserved types 01 and 10 are refused.
//
//   auto n = dns::Name::parse("www.campus.");      // Result: the reason if not
//   dns::NameCompressor z;                         // emit with compression
//   z.write(out, *n);                              // appends to a ByteVec
//   std::size_t at = 12;
//   auto back = dns::read_name(message, at);       // at moves past the name
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "dns/error.hpp"

namespace wirestack::dns {

inline constexpr std::size_t kMaxNameLen = 255;   // RFC 1035 2.3.4, wire form
inline constexpr std::size_t kMaxLabelLen = 63;

class Name {
 public:
  // The root, ".".
  Name() : wire_(1, '\0') {}

  // Text: "www.campus", "www.campus." or "." (both absolute here: relative
  // names are the zone loader's business). Escapes \. \\ \DDD.
  static Result<Name, std::string> parse(std::string_view text);
  // Uncompressed wire form, already validated (used by read_name).
  static Name from_wire_unchecked(std::string wire) { return Name(std::move(wire)); }

  // "www.campus." ("." for the root).
  std::string to_string() const;
  const std::string& wire() const { return wire_; }
  std::size_t wire_len() const { return wire_.size(); }
  bool is_root() const { return wire_.size() == 1; }
  std::size_t label_count() const;
  // The labels, first (leftmost) first.
  std::vector<std::string_view> labels() const;
  // This name without its first label (the root stays the root).
  Name parent() const;
  // `label` + "." + this; an error when the result is too long.
  Result<Name, std::string> prepend(std::string_view label) const;
  // This name followed by `suffix` (this one read as relative).
  Result<Name, std::string> concat(const Name& suffix) const;
  // Whether this name is `zone` or below it (case-insensitive).
  bool is_subdomain_of(const Name& zone) const;
  // Lowercased copy (the canonical key of the zone's maps).
  Name lowercase() const;

  friend bool operator==(const Name& a, const Name& b);
  // Orders lowercased wire forms: a total order consistent with ==.
  friend bool operator<(const Name& a, const Name& b);

 private:
  explicit Name(std::string wire) : wire_(std::move(wire)) {}
  std::string wire_;
};

inline std::ostream& operator<<(std::ostream& os, const Name& n) { return os << n.to_string(); }

// Reads a possibly compressed name at `at` in `message`; on success `at` is
// just past the name as it sits at that place (past the first pointer, if any).
DnsResult<Name> read_name(Bytes message, std::size_t& at);

// Writes names into a message being built, pointing at earlier copies of
// their suffixes (RFC 1035 4.1.4). Only offsets below 0x4000 can be pointed at.
class NameCompressor {
 public:
  // Appends `name` to `out` (`out` is the whole message so far).
  void write(ByteVec& out, const Name& name);
  // Appends without compressing (and without offering it as a target):
  // names inside the rdata of types other than RFC 1035's own.
  static void write_uncompressed(ByteVec& out, const Name& name);
  // Forget targets at or after `size` (the message was cut back to `size`).
  void truncate(std::size_t size);

 private:
  std::map<std::string, std::uint16_t> offsets_;  // lowercased wire suffix -> offset
};

}  // namespace wirestack::dns
