#include "dns/zone.hpp"

#include <algorithm>
#include <sstream>

#include "wire/ipv6_address.hpp"

namespace wirestack::dns {

void Zone::add_apex(const Name& apex, const SoaData& soa, std::uint32_t ttl) {
  if (std::ranges::find(apexes_, apex) == apexes_.end()) apexes_.push_back(apex);
  auto& rrs = nodes_[apex.lowercase()];
  std::erase_if(rrs, [](const Record& r) { return r.type == Type::soa; });
  rrs.insert(rrs.begin(), Record{.name = apex, .type = Type::soa, .klass = kClassIn, .ttl = ttl, .data = soa});
}

Result<void, std::string> Zone::add(Record r) {
  const Name* apex = apex_for(r.name);
  if (apex == nullptr) return Unexpected{r.name.to_string() + " is outside the zone"};
  const Name key = r.name.lowercase();
  auto& rrs = nodes_[key];
  const bool has_cname = std::ranges::any_of(rrs, [](const Record& x) { return x.type == Type::cname; });
  if (r.type == Type::cname ? !rrs.empty() : has_cname) {
    return Unexpected{r.name.to_string() + " has a CNAME and other data (RFC 1034 3.6.2)"};
  }
  if (std::ranges::find(rrs, r) != rrs.end()) return {};  // duplicate: one copy
  rrs.push_back(std::move(r));
  const Name apex_key = apex->lowercase();
  for (Name n = key.parent(); !(n == apex_key) && !n.is_root() && n.is_subdomain_of(apex_key); n = n.parent()) {
    nonterminals_.insert(n);
  }
  return {};
}

const std::vector<Record>* Zone::find(const Name& name) const {
  auto it = nodes_.find(name.lowercase());
  return it == nodes_.end() || it->second.empty() ? nullptr : &it->second;
}

bool Zone::exists(const Name& name) const { return find(name) != nullptr || nonterminals_.contains(name.lowercase()); }

const Name* Zone::apex_for(const Name& name) const {
  const Name* best = nullptr;
  for (const auto& a : apexes_) {
    if (name.is_subdomain_of(a) && (best == nullptr || a.wire_len() > best->wire_len())) best = &a;
  }
  return best;
}

const Record& Zone::soa(const Name& apex) const {
  return nodes_.at(apex.lowercase()).front();  // add_apex puts it first
}

std::size_t Zone::record_count() const {
  std::size_t n = 0;
  for (const auto& [_, rrs] : nodes_) n += rrs.size();
  return n;
}

Name reverse_name(const IpAddress& addr) {
  std::string text;
  if (addr.is_v4()) {
    const auto& b = addr.bytes();
    for (int i = 15; i >= 12; --i) text += std::to_string(std::to_integer<unsigned>(b[static_cast<std::size_t>(i)])) + ".";
    text += "in-addr.arpa.";
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto& b = addr.bytes();
    for (int i = 15; i >= 0; --i) {
      const auto v = std::to_integer<unsigned>(b[static_cast<std::size_t>(i)]);
      text += kHex[v & 0xf];
      text += '.';
      text += kHex[v >> 4];
      text += '.';
    }
    text += "ip6.arpa.";
  }
  return *Name::parse(text);
}

namespace {

SoaData synthetic_soa(const Name& apex) {
  // A hosts file has no SOA: one that names the apex itself, with a short
  // negative TTL (RFC 2308 5) so a new entry is seen soon.
  Name admin = apex.prepend("hostmaster").value_or(apex);
  return SoaData{.mname = apex, .rname = admin, .serial = 1, .refresh = 3600, .retry = 600, .expire = 86400,
                 .minimum = 60};
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// The longest common suffix of two names, label-wise.
Name common_suffix(const Name& a, const Name& b) {
  const auto la = a.labels();
  const auto lb = b.labels();
  std::size_t n = 0;
  while (n < la.size() && n < lb.size()) {
    const auto x = la[la.size() - 1 - n];
    const auto y = lb[lb.size() - 1 - n];
    const auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (x.size() != y.size() || !std::equal(x.begin(), x.end(), y.begin(), [&](char p, char q) { return low(p) == low(q); })) {
      break;
    }
    ++n;
  }
  Name out;
  for (std::size_t i = 0; i < n; ++i) out = out.prepend(la[la.size() - n + i]).value_or(out);
  return out;
}

}  // namespace

Result<Zone, std::string> load_hosts(std::string_view text, std::string_view source, std::uint32_t ttl) {
  struct Entry {
    IpAddress addr;
    std::vector<Name> names;
  };
  std::vector<Entry> entries;
  std::size_t line_no = 0;
  std::istringstream in{std::string(text)};
  std::string raw;
  const auto where = [&] { return std::string(source) + ":" + std::to_string(line_no) + ": "; };
  while (std::getline(in, raw)) {
    ++line_no;
    std::string_view line(raw);
    line = line.substr(0, line.find('#'));
    const auto tokens = split_ws(line);
    if (tokens.empty()) continue;
    auto addr = IpAddress::parse(tokens[0]);
    if (!addr) return Unexpected{where() + "bad address '" + std::string(tokens[0]) + "'"};
    if (tokens.size() < 2) return Unexpected{where() + "an address without a name"};
    Entry e{*addr, {}};
    for (std::size_t i = 1; i < tokens.size(); ++i) {
      auto n = Name::parse(tokens[i]);
      if (!n) return Unexpected{where() + n.error()};
      e.names.push_back(*n);
    }
    entries.push_back(std::move(e));
  }
  if (entries.empty()) return Unexpected{std::string(source) + ": no entries"};
  std::optional<Name> forward;
  bool v4 = false;
  bool v6 = false;
  for (const auto& e : entries) {
    for (const auto& n : e.names) forward = forward ? common_suffix(*forward, n.parent()) : n.parent();
    (e.addr.is_v4() ? v4 : v6) = true;
  }
  Zone zone;
  zone.add_apex(*forward, synthetic_soa(*forward), ttl);
  if (v4) zone.add_apex(*Name::parse("in-addr.arpa"), synthetic_soa(*Name::parse("in-addr.arpa")), ttl);
  if (v6) zone.add_apex(*Name::parse("ip6.arpa"), synthetic_soa(*Name::parse("ip6.arpa")), ttl);
  for (const auto& e : entries) {
    const Type t = e.addr.is_v4() ? Type::a : Type::aaaa;
    for (const auto& n : e.names) {
      if (auto r = zone.add({.name = n, .type = t, .klass = kClassIn, .ttl = ttl, .data = AddressData{e.addr}}); !r) {
        return Unexpected{std::string(source) + ": " + r.error()};
      }
    }
    const Name rev = reverse_name(e.addr);
    const auto* have = zone.find(rev);
    if (have == nullptr) {  // the first line naming an address wins, as getnameinfo's lookup does
      if (auto r = zone.add({.name = rev, .type = Type::ptr, .klass = kClassIn, .ttl = ttl,
                             .data = NameData{e.names.front()}});
          !r) {
        return Unexpected{std::string(source) + ": " + r.error()};
      }
    }
  }
  return zone;
}

Result<Zone, std::string> load_zone(std::string_view text, std::string_view source, const Name& origin) {
  std::istringstream in{std::string(text)};
  std::string raw;
  while (std::getline(in, raw)) {
    std::string_view line(raw);
    line = line.substr(0, std::min(line.find('#'), line.find(';')));
    const auto tokens = split_ws(line);
    if (tokens.empty()) continue;
    if (IpAddress::parse(tokens[0])) return load_hosts(text, source);
    break;
  }
  return load_master(text, source, origin);
}

}  // namespace wirestack::dns
