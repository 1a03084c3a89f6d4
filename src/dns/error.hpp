// dns/error.hpp — what can be wrong with a DNS message from the wire.
//
// As wire/error.hpp for the lower layers: malformed input is a value,
// counted and dropped (or answered with FORMERR), never an exception.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

#include "base/result.hpp"

namespace wirestack::dns {

enum class DnsError : std::uint8_t {
  truncated,       // the message ends inside a header, name or record
  bad_label,       // a label of the reserved types 01/10, or longer than 63
  bad_pointer,     // a compression pointer that does not point strictly backwards
  name_too_long,   // more than 255 bytes once decompressed
  bad_rdata,       // rdata whose length does not fit its type (A of 5 bytes, ...)
  trailing_bytes,  // bytes after the last record the counts announce
};

constexpr std::string_view to_string(DnsError e) {
  switch (e) {
    case DnsError::truncated: return "message truncated";
    case DnsError::bad_label: return "bad label";
    case DnsError::bad_pointer: return "compression pointer not pointing backwards";
    case DnsError::name_too_long: return "name longer than 255 bytes";
    case DnsError::bad_rdata: return "rdata does not fit its type";
    case DnsError::trailing_bytes: return "bytes after the last record";
  }
  return "unknown error";
}

inline std::ostream& operator<<(std::ostream& os, DnsError e) { return os << to_string(e); }

template <class T>
using DnsResult = Result<T, DnsError>;

}  // namespace wirestack::dns
