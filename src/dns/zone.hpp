// dns/zone.hpp — the records a server is authoritative for, and the two
// text formats they are loaded from.
//
// A Zone holds records by owner name and type under one or more apexes,
// each with its SOA (a master file's SOA records; synthesized for a hosts
// file). Names outside every apex are not ours: the server REFUSES them.
//
// Formats (load_zone() tells them apart by the first data line: an
// address first is hosts(5), anything else is a master file):
//  * hosts(5): "ADDR NAME [ALIAS...]" per line, '#' comments. Each name gets
//    an A or AAAA record, and the address a PTR to the first name (in
//    in-addr.arpa / ip6.arpa). The forward apex is the longest suffix the
//    names' parent domains share (the root if they share none).
//  * RFC 1035 5.1 master files, the subset: $ORIGIN, $TTL, '@', names
//    relative to the origin, a blank owner repeating the previous one,
//    optional TTL (with s/m/h/d/w units) and class IN in either order,
//    parentheses across lines, ';' comments, quoted strings; types A, AAAA,
//    CNAME, PTR, NS, SOA, TXT and RFC 3597's generic "TYPEnn \# LEN HEX".
//    No $INCLUDE, no $GENERATE, no wildcards, no delegations.
// Every error names its line: "zone.txt:7: bad IPv4 address '10.0.0'".
//
//   auto zone = dns::load_zone(text, "campus.zone", dns::Name::parse("campus").value());
//   if (!zone) fail(zone.error());
//   const auto* rrs = zone->find(name);    // nullptr: no such node
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "dns/message.hpp"

namespace wirestack::dns {

class Zone {
 public:
  // Makes `apex` authoritative with `soa` (its SOA rdata, TTL `ttl`).
  void add_apex(const Name& apex, const SoaData& soa, std::uint32_t ttl);
  // Adds a record under an existing apex: an error for a name outside
  // every apex, and for CNAME beside other data (RFC 1034 3.6.2).
  Result<void, std::string> add(Record r);

  // The records owned by `name` (any case); nullptr when it owns none.
  const std::vector<Record>* find(const Name& name) const;
  // Whether `name` exists in the tree: it owns records or has descendants
  // that do (an empty non-terminal: NODATA, not NXDOMAIN; RFC 8020).
  bool exists(const Name& name) const;
  // The closest apex containing `name`, or nullptr when it is not ours.
  const Name* apex_for(const Name& name) const;
  // The SOA record at `apex` (one of apexes()).
  const Record& soa(const Name& apex) const;
  const std::vector<Name>& apexes() const { return apexes_; }
  std::size_t record_count() const;

 private:
  std::vector<Name> apexes_;
  std::map<Name, std::vector<Record>> nodes_;  // keys lowercased
  std::set<Name> nonterminals_;                // lowercased ancestors of owners, up to the apex
};

// `source` names the text in errors ("campus.zone"); `origin` is the
// initial $ORIGIN of a master file (the root if none).
Result<Zone, std::string> load_master(std::string_view text, std::string_view source, const Name& origin = Name{});
Result<Zone, std::string> load_hosts(std::string_view text, std::string_view source, std::uint32_t ttl = 300);
// Either, by its first data line.
Result<Zone, std::string> load_zone(std::string_view text, std::string_view source, const Name& origin = Name{});

// The name PTR queries ask about: 80.0.0.10.in-addr.arpa., or the 32
// nibbles of an IPv6 address under ip6.arpa. (RFC 1035 3.5, RFC 3596 2.5)
Name reverse_name(const IpAddress& addr);

}  // namespace wirestack::dns
