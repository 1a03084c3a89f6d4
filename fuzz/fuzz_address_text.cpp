// Textual addresses: whatever parses prints back to text that parses to the
// same address (and IPv4 and MAC text is canonical already).
#include <string_view>

#include "fuzz_check.hpp"
#include "wire/ip_address.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/ipv6_address.hpp"
#include "wire/mac_address.hpp"

using namespace wirestack;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = Ipv4Address::parse(text)) {
    FUZZ_CHECK(a->to_string() == text);
  }
  if (auto p = Ipv4Prefix::parse(text)) {
    FUZZ_CHECK(p->to_string() == text);
    FUZZ_CHECK(p->contains(p->address()) && p->contains(p->network()) && p->contains(p->broadcast()));
  }
  if (auto m = MacAddress::parse(text)) {
    auto again = MacAddress::parse(m->to_string());
    FUZZ_CHECK(again && *again == *m);
  }
  if (auto v6 = Ipv6Address::parse(text)) {
    const std::string canonical = v6->to_string();
    auto again = Ipv6Address::parse(canonical);
    FUZZ_CHECK(again && *again == *v6 && again->to_string() == canonical);
  }
  // Either family: the family follows the text, and the text comes back.
  if (auto ip = IpAddress::parse(text)) {
    auto again = IpAddress::parse(ip->to_string());
    FUZZ_CHECK(again && *again == *ip);
    FUZZ_CHECK(ip->is_v4() == Ipv4Address::parse(text).has_value());
  }
  if (auto e = IpEndpoint::parse(text)) {
    auto again = IpEndpoint::parse(e->to_string());
    FUZZ_CHECK(again && *again == *e);
  }
  return 0;
}
