#include "dns/message.hpp"

#include <array>
#include <cstdio>
#include <sstream>

#include "wire/ipv4_address.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack::dns {
namespace {

constexpr std::array<std::pair<Type, std::string_view>, 12> kTypeNames{{
    {Type::a, "A"}, {Type::ns, "NS"}, {Type::cname, "CNAME"}, {Type::soa, "SOA"}, {Type::ptr, "PTR"},
    {Type::mx, "MX"}, {Type::txt, "TXT"}, {Type::aaaa, "AAAA"}, {Type::opt, "OPT"}, {Type::ixfr, "IXFR"},
    {Type::axfr, "AXFR"}, {Type::any, "ANY"},
}};

// A cursor over the message being parsed.
struct Reader {
  Bytes msg;
  std::size_t at;

  bool has(std::size_t n) const { return at <= msg.size() && msg.size() - at >= n; }
  DnsResult<std::uint16_t> u16() {
    if (!has(2)) return Unexpected{DnsError::truncated};
    const auto v = load_be16(msg, at);
    at += 2;
    return v;
  }
  DnsResult<std::uint32_t> u32() {
    if (!has(4)) return Unexpected{DnsError::truncated};
    const auto v = load_be32(msg, at);
    at += 4;
    return v;
  }
  DnsResult<Name> name() { return read_name(msg, at); }
};

DnsResult<Question> read_question(Reader& r) {
  auto name = r.name();
  if (!name) return Unexpected{name.error()};
  auto type = r.u16();
  if (!type) return Unexpected{type.error()};
  auto klass = r.u16();
  if (!klass) return Unexpected{klass.error()};
  return Question{.name = std::move(*name), .type = static_cast<Type>(*type), .klass = *klass};
}

// RFC 1035 3.3: rdata of the decoded types; `end` is where the rdata ends.
DnsResult<Rdata> read_rdata(Reader& r, Type type, std::size_t end) {
  const std::size_t len = end - r.at;
  switch (type) {
    case Type::a:
      if (len != 4) return Unexpected{DnsError::bad_rdata};
      r.at = end;
      return Rdata{AddressData{IpAddress(Ipv4Address::from_bytes(r.msg.subspan(end - 4, 4)))}};
    case Type::aaaa:
      if (len != 16) return Unexpected{DnsError::bad_rdata};
      r.at = end;
      return Rdata{AddressData{IpAddress(Ipv6Address::from_bytes(r.msg.subspan(end - 16, 16)))}};
    case Type::cname:
    case Type::ns:
    case Type::ptr: {
      auto n = r.name();
      if (!n) return Unexpected{n.error()};
      if (r.at != end) return Unexpected{DnsError::bad_rdata};
      return Rdata{NameData{std::move(*n)}};
    }
    case Type::soa: {
      SoaData soa;
      auto m = r.name();
      if (!m) return Unexpected{m.error()};
      if (r.at > end) return Unexpected{DnsError::bad_rdata};
      auto rn = r.name();
      if (!rn) return Unexpected{rn.error()};
      if (r.at + 20 != end) return Unexpected{DnsError::bad_rdata};
      soa.mname = std::move(*m);
      soa.rname = std::move(*rn);
      soa.serial = load_be32(r.msg, r.at);
      soa.refresh = load_be32(r.msg, r.at + 4);
      soa.retry = load_be32(r.msg, r.at + 8);
      soa.expire = load_be32(r.msg, r.at + 12);
      soa.minimum = load_be32(r.msg, r.at + 16);
      r.at = end;
      return Rdata{std::move(soa)};
    }
    case Type::txt: {
      if (len == 0) return Unexpected{DnsError::bad_rdata};  // at least one string
      TxtData txt;
      while (r.at < end) {
        const std::size_t n = load_u8(r.msg, r.at);
        if (r.at + 1 + n > end) return Unexpected{DnsError::bad_rdata};
        txt.strings.emplace_back(reinterpret_cast<const char*>(r.msg.data() + r.at + 1), n);
        r.at += 1 + n;
      }
      return Rdata{std::move(txt)};
    }
    default: {
      OpaqueData o{ByteVec(r.msg.begin() + static_cast<std::ptrdiff_t>(r.at),
                           r.msg.begin() + static_cast<std::ptrdiff_t>(end))};
      r.at = end;
      return Rdata{std::move(o)};
    }
  }
}

DnsResult<Record> read_record(Reader& r) {
  auto name = r.name();
  if (!name) return Unexpected{name.error()};
  if (!r.has(10)) return Unexpected{DnsError::truncated};
  Record rec;
  rec.name = std::move(*name);
  rec.type = static_cast<Type>(load_be16(r.msg, r.at));
  rec.klass = load_be16(r.msg, r.at + 2);
  rec.ttl = load_be32(r.msg, r.at + 4);
  const std::size_t rdlen = load_be16(r.msg, r.at + 8);
  r.at += 10;
  if (!r.has(rdlen)) return Unexpected{DnsError::truncated};
  auto data = read_rdata(r, rec.type, r.at + rdlen);
  if (!data) return Unexpected{data.error()};
  rec.data = std::move(*data);
  return rec;
}

void put16(ByteVec& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v & 0xff));
}
void put32(ByteVec& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xffff));
}

void write_rdata(ByteVec& out, NameCompressor& z, const Record& rec) {
  // RFC 3597 4: only RFC 1035's own types may compress names in rdata.
  std::visit(
      [&](const auto& d) {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, AddressData>) {
          std::array<std::byte, 16> b{};
          const std::size_t n = d.addr.write_wire(b);
          out.insert(out.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
        } else if constexpr (std::is_same_v<D, NameData>) {
          z.write(out, d.name);
        } else if constexpr (std::is_same_v<D, SoaData>) {
          z.write(out, d.mname);
          z.write(out, d.rname);
          for (auto v : {d.serial, d.refresh, d.retry, d.expire, d.minimum}) put32(out, v);
        } else if constexpr (std::is_same_v<D, TxtData>) {
          for (const auto& s : d.strings) {
            const std::size_t n = std::min<std::size_t>(s.size(), 255);
            out.push_back(static_cast<std::byte>(n));
            for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::byte>(s[i]));
          }
        } else {
          out.insert(out.end(), d.bytes.begin(), d.bytes.end());
        }
      },
      rec.data);
}

void write_record(ByteVec& out, NameCompressor& z, const Record& rec) {
  z.write(out, rec.name);
  put16(out, static_cast<std::uint16_t>(rec.type));
  put16(out, rec.klass);
  put32(out, rec.ttl);
  const std::size_t len_at = out.size();
  put16(out, 0);
  write_rdata(out, z, rec);
  const std::size_t len = out.size() - len_at - 2;
  store_be16(out, len_at, static_cast<std::uint16_t>(len));
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + u / 100));
      out.push_back(static_cast<char>('0' + u / 10 % 10));
      out.push_back(static_cast<char>('0' + u % 10));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string to_string(Type t) {
  for (const auto& [type, name] : kTypeNames) {
    if (type == t) return std::string(name);
  }
  return "TYPE" + std::to_string(static_cast<unsigned>(t));
}

std::optional<Type> type_from_string(std::string_view s) {
  std::string up(s);
  for (auto& c : up) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  for (const auto& [type, name] : kTypeNames) {
    if (name == up) return type;
  }
  if (up.size() > 4 && up.size() <= 9 && up.starts_with("TYPE")) {
    unsigned v = 0;
    for (char c : up.substr(4)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v <= 0xffff) return static_cast<Type>(v);
  }
  return std::nullopt;
}

std::string_view to_string(Rcode r) {
  switch (r) {
    case Rcode::noerror: return "NOERROR";
    case Rcode::formerr: return "FORMERR";
    case Rcode::servfail: return "SERVFAIL";
    case Rcode::nxdomain: return "NXDOMAIN";
    case Rcode::notimp: return "NOTIMP";
    case Rcode::refused: return "REFUSED";
    default: return "RCODE?";
  }
}

Header Header::from(HeaderView v) {
  return Header{.id = v.id(), .qr = v.qr(), .opcode = v.opcode(), .aa = v.aa(), .tc = v.tc(), .rd = v.rd(),
                .ra = v.ra(), .ad = v.ad(), .cd = v.cd(), .rcode = v.rcode()};
}

std::uint16_t Header::flags() const {
  unsigned f = (static_cast<unsigned>(opcode) & 0xf) << 11 | (static_cast<unsigned>(rcode) & 0xf);
  if (qr) f |= 0x8000;
  if (aa) f |= 0x0400;
  if (tc) f |= 0x0200;
  if (rd) f |= 0x0100;
  if (ra) f |= 0x0080;
  if (ad) f |= 0x0020;
  if (cd) f |= 0x0010;
  return static_cast<std::uint16_t>(f);
}

DnsResult<Message> Message::parse(Bytes bytes) {
  auto h = HeaderView::checked(bytes);
  if (!h) return Unexpected{h.error()};
  Message m;
  m.header = Header::from(*h);
  Reader r{bytes, kHeaderLen};
  // A question takes at least 5 bytes and a record 11: counts beyond what
  // the bytes could hold are refused before anything is stored.
  const std::size_t left = bytes.size() - kHeaderLen;
  const std::size_t rr = std::size_t{h->ancount()} + h->nscount() + h->arcount();
  if (std::size_t{h->qdcount()} * 5 + rr * 11 > left) return Unexpected{DnsError::truncated};
  for (unsigned i = 0; i < h->qdcount(); ++i) {
    auto q = read_question(r);
    if (!q) return Unexpected{q.error()};
    m.questions.push_back(std::move(*q));
  }
  const std::array<std::pair<std::vector<Record>*, unsigned>, 3> sections{
      {{&m.answers, h->ancount()}, {&m.authority, h->nscount()}, {&m.additional, h->arcount()}}};
  for (const auto& [section, count] : sections) {
    for (unsigned i = 0; i < count; ++i) {
      auto rec = read_record(r);
      if (!rec) return Unexpected{rec.error()};
      section->push_back(std::move(*rec));
    }
  }
  if (r.at != bytes.size()) return Unexpected{DnsError::trailing_bytes};
  return m;
}

ByteVec Message::emit(std::size_t max_size) const {
  ByteVec out(kHeaderLen);
  NameCompressor z;
  for (const auto& q : questions) {
    z.write(out, q.name);
    put16(out, static_cast<std::uint16_t>(q.type));
    put16(out, q.klass);
  }
  std::array<std::uint16_t, 3> counts{};
  const std::array<const std::vector<Record>*, 3> sections{&answers, &authority, &additional};
  bool tc = header.tc;
  bool full = false;
  for (std::size_t s = 0; s < sections.size() && !full; ++s) {
    for (const auto& rec : *sections[s]) {
      const std::size_t before = out.size();
      write_record(out, z, rec);
      if (out.size() > max_size) {
        out.resize(before);
        z.truncate(before);
        if (s < 2) tc = true;  // RFC 2181 9: not for additional data alone
        full = true;
        break;
      }
      ++counts[s];
    }
  }
  Header h = header;
  h.tc = tc;
  HeaderViewMut v(std::span<std::byte>(out).first(kHeaderLen));
  v.set_id(h.id);
  v.set_flags(h.flags());
  v.set_counts(static_cast<std::uint16_t>(questions.size()), counts[0], counts[1], counts[2]);
  return out;
}

std::optional<std::uint16_t> Message::edns_udp_size() const {
  for (const auto& r : additional) {
    if (r.type == Type::opt) return r.klass;
  }
  return std::nullopt;
}

std::string rdata_to_string(const Record& r) {
  return std::visit(
      [&](const auto& d) -> std::string {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, AddressData>) {
          return d.addr.to_string();
        } else if constexpr (std::is_same_v<D, NameData>) {
          return d.name.to_string();
        } else if constexpr (std::is_same_v<D, SoaData>) {
          std::ostringstream os;
          os << d.mname << ' ' << d.rname << ' ' << d.serial << ' ' << d.refresh << ' ' << d.retry << ' ' << d.expire
             << ' ' << d.minimum;
          return os.str();
        } else if constexpr (std::is_same_v<D, TxtData>) {
          std::string out;
          for (const auto& s : d.strings) out += (out.empty() ? "" : " ") + quote(s);
          return out;
        } else {
          return "\\# " + std::to_string(d.bytes.size()) + (d.bytes.empty() ? "" : " " + to_hex(d.bytes, ""));
        }
      },
      r.data);
}

std::string Record::to_string() const {
  std::ostringstream os;
  os << name << ' ' << ttl << ' ' << (klass == kClassIn ? std::string("IN") : "CLASS" + std::to_string(klass)) << ' '
     << dns::to_string(type) << ' ' << rdata_to_string(*this);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Record& r) { return os << r.to_string(); }

std::optional<std::string> summary(Bytes message) {
  auto m = Message::parse(message);
  if (!m) return std::nullopt;
  std::ostringstream os;
  char id[8];
  std::snprintf(id, sizeof id, "0x%04x", m->header.id);
  os << (m->header.qr ? "answer " : "query ") << id;
  if (m->header.qr) {
    os << ' ' << to_string(m->header.rcode);
    if (m->header.aa) os << " aa";
    if (m->header.tc) os << " tc";
  }
  if (m->questions.size() == 1) {
    os << ' ' << to_string(m->questions[0].type) << ' ' << m->questions[0].name;
  }
  if (m->header.qr) {
    std::size_t shown = 0;
    for (const auto& r : m->answers) {
      if (shown == 3) {
        os << ", +" << m->answers.size() - shown << " more";
        break;
      }
      os << (shown == 0 ? " [" : ", ") << to_string(r.type) << ' ' << rdata_to_string(r);
      ++shown;
    }
    if (shown > 0) os << ']';
  }
  return os.str();
}

}  // namespace wirestack::dns
