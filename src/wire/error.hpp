// wire/error.hpp — what can be wrong with bytes from the wire.
//
// Contract for every view and Repr in wire/:
//  * `View::checked(bytes)` validates every length the view's accessors rely
//    on; after it succeeds no accessor reads outside `bytes`. Use it on input.
//  * `View(bytes)` (unchecked) is for emitting into a buffer we sized ourselves.
//  * `Repr::parse(view, ...)` validates meaning (checksums, field ranges) and
//    returns a WireError naming the problem; it never throws and never asserts
//    on input. Malformed input is normal for a network stack: count it, drop it.
//  * `Repr::emit(view, ...)` writes exactly `header_len()` (+ payload) bytes,
//    and parse(emit(x)) == x.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>

#include "base/result.hpp"

namespace wirestack {

enum class WireError : std::uint8_t {
  truncated,          // fewer bytes than the fixed header needs
  bad_version,        // IP version field is not the one expected
  bad_header_len,     // header length field out of range (IHL < 5, TCP offset < 5, ...)
  bad_length,         // a length field points beyond the buffer or below the header
  bad_checksum,       // checksum mismatch
  bad_option_length,  // an option's length byte is < 2 or runs past the options area
  bad_field,          // a field holds a value the protocol forbids (port 0, ARP hlen 7, ...)
  unsupported,        // well-formed, but a variant we do not handle (ARP over token ring, ...)
  bad_text,           // textual address or prefix that does not parse
};

constexpr std::string_view to_string(WireError e) {
  switch (e) {
    case WireError::truncated: return "truncated";
    case WireError::bad_version: return "bad version";
    case WireError::bad_header_len: return "header length out of range";
    case WireError::bad_length: return "length beyond buffer";
    case WireError::bad_checksum: return "checksum mismatch";
    case WireError::bad_option_length: return "bad option length";
    case WireError::bad_field: return "bad field value";
    case WireError::unsupported: return "unsupported";
    case WireError::bad_text: return "malformed text";
  }
  return "unknown error";
}

inline std::ostream& operator<<(std::ostream& os, WireError e) { return os << to_string(e); }

template <class T>
using WireResult = Result<T, WireError>;

// What to do with checksums. Devices that offload checksums (or tests that
// craft frames by hand) turn verification or filling off.
struct ChecksumMode {
  bool verify_rx = true;
  bool fill_tx = true;
};

}  // namespace wirestack
