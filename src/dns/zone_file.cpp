// The RFC 1035 5.1 master-file subset of dns/zone.hpp.
#include <cctype>
#include <charconv>

#include "dns/zone.hpp"

namespace wirestack::dns {
namespace {

struct Token {
  std::string text;
  bool quoted = false;
};

struct Entry {
  std::size_t line = 0;
  bool blank_owner = false;  // the line began with white space: the previous owner
  std::vector<Token> tokens;
};

// RFC 1035 5.1: entries end at the end of a line unless parentheses are
// open; ';' starts a comment; "..." is one token with \X and \DDD escapes.
Result<std::vector<Entry>, std::string> tokenize(std::string_view text, std::string_view source) {
  std::vector<Entry> out;
  Entry cur;
  std::size_t line = 1;
  std::size_t depth = 0;
  std::size_t paren_line = 0;
  bool at_line_start = true;
  std::string word;
  bool in_word = false;
  const auto where = [&](std::size_t l) { return std::string(source) + ":" + std::to_string(l) + ": "; };
  const auto end_word = [&] {
    if (in_word) cur.tokens.push_back({word, false});
    word.clear();
    in_word = false;
  };
  const auto end_entry = [&] {
    end_word();
    if (!cur.tokens.empty()) out.push_back(std::move(cur));
    cur = Entry{};
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (at_line_start && depth == 0) {
      cur.line = line;
      cur.blank_owner = (c == ' ' || c == '\t');
    }
    at_line_start = false;
    if (c == '\n') {
      if (depth == 0) {
        end_entry();
      } else {
        end_word();
      }
      ++line;
      at_line_start = true;
    } else if (c == ';') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      end_word();
    } else if (c == '(') {
      end_word();
      if (depth++ == 0) paren_line = line;
    } else if (c == ')') {
      end_word();
      if (depth == 0) return Unexpected{where(line) + "')' without '('"};
      --depth;
    } else if (c == '"' && !in_word) {
      std::string s;
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\n') return Unexpected{where(line) + "unterminated quoted string"};
        if (text[j] == '\\' && j + 1 < text.size()) {
          if (j + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[j + 1])) &&
              std::isdigit(static_cast<unsigned char>(text[j + 2])) &&
              std::isdigit(static_cast<unsigned char>(text[j + 3]))) {
            const int v = (text[j + 1] - '0') * 100 + (text[j + 2] - '0') * 10 + (text[j + 3] - '0');
            if (v > 255) return Unexpected{where(line) + "\\DDD escape above 255"};
            s.push_back(static_cast<char>(v));
            j += 3;
          } else {
            s.push_back(text[++j]);
          }
        } else {
          s.push_back(text[j]);
        }
      }
      if (j >= text.size()) return Unexpected{where(line) + "unterminated quoted string"};
      cur.tokens.push_back({std::move(s), true});
      i = j;
    } else {
      if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {  // keep escapes for Name::parse
        word.push_back(c);
        word.push_back(text[++i]);
      } else {
        word.push_back(c);
      }
      in_word = true;
    }
  }
  if (depth != 0) return Unexpected{where(paren_line) + "'(' never closed"};
  end_entry();
  return out;
}

// A TTL: seconds, or with units as BIND writes them (1h30m, 2d, 1w).
std::optional<std::uint32_t> parse_ttl(std::string_view s) {
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return std::nullopt;
  std::uint64_t total = 0;
  std::uint64_t num = 0;
  bool have_num = false;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      num = num * 10 + static_cast<unsigned>(c - '0');
      if (num > 0xffffffffu) return std::nullopt;
      have_num = true;
      continue;
    }
    if (!have_num) return std::nullopt;
    std::uint64_t unit = 0;
    switch (c | 0x20) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 604800; break;
      default: return std::nullopt;
    }
    total += num * unit;
    num = 0;
    have_num = false;
  }
  total += num;
  if (total > 0x7fffffffu) return std::nullopt;  // RFC 2181 8
  return static_cast<std::uint32_t>(total);
}

bool is_class(std::string_view s) { return s == "IN" || s == "in" || s == "In" || s == "iN"; }

}  // namespace

Result<Zone, std::string> load_master(std::string_view text, std::string_view source, const Name& initial_origin) {
  auto entries = tokenize(text, source);
  if (!entries) return Unexpected{entries.error()};
  Name origin = initial_origin;
  std::optional<std::uint32_t> default_ttl;
  std::optional<Name> last_owner;
  struct Pending {
    std::size_t line;
    Record rec;
  };
  std::vector<Pending> records;
  for (const auto& e : *entries) {
    const auto where = std::string(source) + ":" + std::to_string(e.line) + ": ";
    const auto& t = e.tokens;
    const auto name_at = [&](std::string_view s) -> Result<Name, std::string> {
      if (s == "@") return origin;
      auto n = Name::parse(s);
      if (!n) return Unexpected{where + n.error()};
      if (s.ends_with('.') && !s.ends_with("\\.")) return *n;
      auto full = n->concat(origin);
      if (!full) return Unexpected{where + full.error()};
      return *full;
    };
    if (!e.blank_owner && t[0].text.starts_with('$')) {
      if (t[0].text == "$ORIGIN") {
        if (t.size() != 2) return Unexpected{where + "$ORIGIN takes one name"};
        auto n = name_at(t[1].text);
        if (!n) return Unexpected{n.error()};
        origin = *n;
      } else if (t[0].text == "$TTL") {
        if (t.size() != 2 || !parse_ttl(t[1].text)) return Unexpected{where + "$TTL takes one TTL"};
        default_ttl = parse_ttl(t[1].text);
      } else {
        return Unexpected{where + "unsupported directive " + t[0].text + " (only $ORIGIN and $TTL)"};
      }
      continue;
    }
    std::size_t i = 0;
    Name owner;
    if (e.blank_owner) {
      if (!last_owner) return Unexpected{where + "no previous owner name to repeat"};
      owner = *last_owner;
    } else {
      auto n = name_at(t[0].text);
      if (!n) return Unexpected{n.error()};
      owner = *n;
      i = 1;
    }
    last_owner = owner;
    std::optional<std::uint32_t> ttl;
    for (int k = 0; k < 2 && i < t.size(); ++k) {  // [TTL] [CLASS] in either order
      if (!ttl && parse_ttl(t[i].text)) {
        ttl = parse_ttl(t[i].text);
        ++i;
      } else if (is_class(t[i].text)) {
        ++i;
      }
    }
    if (i >= t.size()) return Unexpected{where + "no record type"};
    if (t[i].text == "CH" || t[i].text == "HS" || t[i].text == "CS") {
      return Unexpected{where + "only class IN is served"};
    }
    const auto type = type_from_string(t[i].text);
    if (!type) return Unexpected{where + "unknown record type '" + t[i].text + "'"};
    ++i;
    const std::vector<Token> rd(t.begin() + static_cast<std::ptrdiff_t>(i), t.end());
    const auto want = [&](std::size_t n) -> Result<void, std::string> {
      if (rd.size() != n) {
        return Unexpected{where + to_string(*type) + " takes " + std::to_string(n) + " field" + (n == 1 ? "" : "s") +
                          ", not " + std::to_string(rd.size())};
      }
      return {};
    };
    Record rec{.name = owner, .type = *type, .klass = kClassIn, .ttl = 0, .data = OpaqueData{}};
    if (ttl) {
      rec.ttl = *ttl;
      if (!default_ttl) default_ttl = ttl;  // RFC 1035 5.1: the last stated TTL
    } else {
      rec.ttl = default_ttl.value_or(3600);
    }
    if (!rd.empty() && rd[0].text == "\\#" && !rd[0].quoted) {
      // RFC 3597 5: \# LENGTH HEX...
      if (rd.size() < 2) return Unexpected{where + "\\# needs a length"};
      std::size_t len = 0;
      auto [p, ec] = std::from_chars(rd[1].text.data(), rd[1].text.data() + rd[1].text.size(), len);
      if (ec != std::errc{} || p != rd[1].text.data() + rd[1].text.size()) {
        return Unexpected{where + "bad \\# length '" + rd[1].text + "'"};
      }
      std::string hex;
      for (std::size_t k = 2; k < rd.size(); ++k) hex += rd[k].text;
      ByteVec bytes = from_hex(hex);
      if (bytes.size() != len || (hex.empty() != (len == 0))) {
        return Unexpected{where + "\\# data is not " + std::to_string(len) + " bytes of hex"};
      }
      if (*type == Type::a || *type == Type::aaaa || *type == Type::cname || *type == Type::ns ||
          *type == Type::ptr || *type == Type::soa || *type == Type::txt || *type == Type::opt) {
        return Unexpected{where + "write " + to_string(*type) + " in its own syntax, not \\#"};
      }
      rec.data = OpaqueData{std::move(bytes)};
      records.push_back({e.line, std::move(rec)});
      continue;
    }
    switch (*type) {
      case Type::a:
      case Type::aaaa: {
        if (auto r = want(1); !r) return Unexpected{r.error()};
        auto addr = IpAddress::parse(rd[0].text);
        if (!addr || addr->is_v4() != (*type == Type::a)) {
          return Unexpected{where + "bad " + std::string(*type == Type::a ? "IPv4" : "IPv6") + " address '" +
                            rd[0].text + "'"};
        }
        rec.data = AddressData{*addr};
        break;
      }
      case Type::cname:
      case Type::ns:
      case Type::ptr: {
        if (auto r = want(1); !r) return Unexpected{r.error()};
        auto n = name_at(rd[0].text);
        if (!n) return Unexpected{n.error()};
        rec.data = NameData{*n};
        break;
      }
      case Type::soa: {
        if (auto r = want(7); !r) return Unexpected{r.error()};
        auto m = name_at(rd[0].text);
        if (!m) return Unexpected{m.error()};
        auto rn = name_at(rd[1].text);
        if (!rn) return Unexpected{rn.error()};
        SoaData soa{.mname = *m, .rname = *rn};
        std::uint32_t* fields[] = {&soa.serial, &soa.refresh, &soa.retry, &soa.expire, &soa.minimum};
        for (std::size_t k = 0; k < 5; ++k) {
          std::optional<std::uint32_t> v;
          if (k == 0) {  // the serial is a plain number, up to 2^32-1
            std::uint32_t s = 0;
            auto [p, ec] = std::from_chars(rd[2].text.data(), rd[2].text.data() + rd[2].text.size(), s);
            if (ec == std::errc{} && p == rd[2].text.data() + rd[2].text.size()) v = s;
          } else {
            v = parse_ttl(rd[2 + k].text);
          }
          if (!v) return Unexpected{where + "bad SOA number '" + rd[2 + k].text + "'"};
          *fields[k] = *v;
        }
        rec.data = soa;
        break;
      }
      case Type::txt: {
        if (rd.empty()) return Unexpected{where + "TXT needs at least one string"};
        TxtData txt;
        for (const auto& tok : rd) {
          if (tok.text.size() > 255) return Unexpected{where + "TXT string longer than 255 bytes"};
          txt.strings.push_back(tok.text);
        }
        rec.data = std::move(txt);
        break;
      }
      default:
        return Unexpected{where + "type " + to_string(*type) +
                          " is not supported here (A, AAAA, CNAME, PTR, NS, SOA, TXT, or TYPEnn \\# LEN HEX)"};
    }
    records.push_back({e.line, std::move(rec)});
  }
  Zone zone;
  for (const auto& p : records) {
    if (p.rec.type == Type::soa) zone.add_apex(p.rec.name, std::get<SoaData>(p.rec.data), p.rec.ttl);
  }
  if (zone.apexes().empty()) {
    return Unexpected{std::string(source) + ": no SOA record (a master file needs one at its apex)"};
  }
  for (auto& p : records) {
    if (p.rec.type == Type::soa) continue;
    if (auto r = zone.add(std::move(p.rec)); !r) {
      return Unexpected{std::string(source) + ":" + std::to_string(p.line) + ": " + r.error()};
    }
  }
  return zone;
}

}  // namespace wirestack::dns
