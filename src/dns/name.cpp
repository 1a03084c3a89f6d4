#include "dns/name.hpp"

#include <algorithm>

namespace wirestack::dns {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower_string(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

}  // namespace

Result<Name, std::string> Name::parse(std::string_view text) {
  if (text.empty()) return Unexpected{std::string("empty name")};
  if (text == ".") return Name{};
  std::string wire;
  std::string label;
  auto end_label = [&]() -> Result<bool, std::string> {
    if (label.empty()) return Unexpected{"empty label in '" + std::string(text) + "'"};
    if (label.size() > kMaxLabelLen) {
      return Unexpected{"label longer than 63 bytes in '" + std::string(text) + "'"};
    }
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return Unexpected{"dangling '\\' in '" + std::string(text) + "'"};
      const char n = text[i + 1];
      if (n >= '0' && n <= '9') {
        int v = 0;
        for (std::size_t k = 1; k <= 3; ++k) {
          if (i + k >= text.size() || text[i + k] < '0' || text[i + k] > '9') {
            return Unexpected{"short \\DDD escape in '" + std::string(text) + "'"};
          }
          v = v * 10 + (text[i + k] - '0');
        }
        if (v > 255) return Unexpected{"\\DDD escape above 255 in '" + std::string(text) + "'"};
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(n);
        i += 1;
      }
    } else if (c == '.') {
      if (auto r = end_label(); !r) return Unexpected{r.error()};
    } else {
      label.push_back(c);
    }
  }
  if (!label.empty()) {
    if (auto r = end_label(); !r) return Unexpected{r.error()};
  }
  wire.push_back('\0');
  if (wire.size() > kMaxNameLen) return Unexpected{"name longer than 255 bytes: '" + std::string(text) + "'"};
  return Name(std::move(wire));
}

std::string Name::to_string() const {
  if (is_root()) return ".";
  std::string out;
  for (auto label : labels()) {
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '.' || c == '\\' || c == '"' || c == ';' || c == '(' || c == ')' || c == '@' || c == '$') {
        out.push_back('\\');
        out.push_back(c);
      } else if (u <= 0x20 || u >= 0x7f) {
        out.push_back('\\');
        out.push_back(static_cast<char>('0' + u / 100));
        out.push_back(static_cast<char>('0' + u / 10 % 10));
        out.push_back(static_cast<char>('0' + u % 10));
      } else {
        out.push_back(c);
      }
    }
    out.push_back('.');
  }
  return out;
}

std::vector<std::string_view> Name::labels() const {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  while (at < wire_.size()) {
    const auto len = static_cast<unsigned char>(wire_[at]);
    if (len == 0) break;
    out.emplace_back(wire_.data() + at + 1, len);
    at += 1 + len;
  }
  return out;
}

std::size_t Name::label_count() const { return labels().size(); }

Name Name::parent() const {
  if (is_root()) return *this;
  const auto len = static_cast<unsigned char>(wire_[0]);
  return Name(wire_.substr(1 + len));
}

Result<Name, std::string> Name::prepend(std::string_view label) const {
  if (label.empty() || label.size() > kMaxLabelLen) return Unexpected{std::string("label must be 1..63 bytes")};
  if (wire_.size() + 1 + label.size() > kMaxNameLen) return Unexpected{std::string("name longer than 255 bytes")};
  std::string w;
  w.push_back(static_cast<char>(label.size()));
  w += label;
  w += wire_;
  return Name(std::move(w));
}

Result<Name, std::string> Name::concat(const Name& suffix) const {
  std::string w = wire_.substr(0, wire_.size() - 1) + suffix.wire_;
  if (w.size() > kMaxNameLen) return Unexpected{"name longer than 255 bytes: " + to_string() + suffix.to_string()};
  return Name(std::move(w));
}

bool Name::is_subdomain_of(const Name& zone) const {
  if (zone.wire_.size() > wire_.size()) return false;
  // Walk label boundaries until the remaining suffix has the zone's length.
  std::size_t at = 0;
  while (wire_.size() - at > zone.wire_.size()) at += 1 + static_cast<unsigned char>(wire_[at]);
  if (wire_.size() - at != zone.wire_.size()) return false;
  return lower_string(std::string_view(wire_).substr(at)) == lower_string(zone.wire_);
}

Name Name::lowercase() const { return Name(lower_string(wire_)); }

bool operator==(const Name& a, const Name& b) {
  return a.wire_.size() == b.wire_.size() &&
         std::equal(a.wire_.begin(), a.wire_.end(), b.wire_.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool operator<(const Name& a, const Name& b) {
  return std::lexicographical_compare(a.wire_.begin(), a.wire_.end(), b.wire_.begin(), b.wire_.end(),
                                      [](char x, char y) {
                                        return static_cast<unsigned char>(lower(x)) < static_cast<unsigned char>(lower(y));
                                      });
}

DnsResult<Name> read_name(Bytes message, std::size_t& at) {
  std::string wire;
  std::size_t pos = at;
  std::size_t lowest = at;  // every pointer must point strictly below this
  bool jumped = false;
  while (true) {
    if (pos >= message.size()) return Unexpected{DnsError::truncated};
    const auto len = load_u8(message, pos);
    const auto kind = len & 0xc0;
    if (kind == 0xc0) {
      // RFC 1035 4.1.4: a pointer to an earlier occurrence of the rest.
      if (pos + 1 >= message.size()) return Unexpected{DnsError::truncated};
      const std::size_t target = (std::size_t{len} & 0x3f) << 8 | load_u8(message, pos + 1);
      if (target >= lowest) return Unexpected{DnsError::bad_pointer};
      if (!jumped) at = pos + 2;
      jumped = true;
      lowest = target;
      pos = target;
      continue;
    }
    if (kind != 0) return Unexpected{DnsError::bad_label};  // 01 and 10: reserved (RFC 6891 retired 01)
    if (len == 0) {
      wire.push_back('\0');
      if (wire.size() > kMaxNameLen) return Unexpected{DnsError::name_too_long};
      if (!jumped) at = pos + 1;
      return Name::from_wire_unchecked(std::move(wire));
    }
    if (pos + 1 + len > message.size()) return Unexpected{DnsError::truncated};
    if (wire.size() + 1 + len + 1 > kMaxNameLen) return Unexpected{DnsError::name_too_long};
    wire.push_back(static_cast<char>(len));
    for (std::size_t i = 0; i < len; ++i) wire.push_back(static_cast<char>(load_u8(message, pos + 1 + i)));
    pos += 1 + len;
  }
}

void NameCompressor::write(ByteVec& out, const Name& name) {
  const std::string key_all = name.lowercase().wire();
  std::size_t at = 0;
  while (true) {
    const std::string_view suffix = std::string_view(key_all).substr(at);
    if (suffix.size() == 1) {  // the root
      out.push_back(std::byte{0});
      return;
    }
    if (auto it = offsets_.find(std::string(suffix)); it != offsets_.end()) {
      out.push_back(static_cast<std::byte>(0xc0 | it->second >> 8));
      out.push_back(static_cast<std::byte>(it->second & 0xff));
      return;
    }
    if (out.size() < 0x4000) offsets_.emplace(std::string(suffix), static_cast<std::uint16_t>(out.size()));
    const auto len = static_cast<unsigned char>(name.wire()[at]);
    for (std::size_t i = 0; i <= len; ++i) out.push_back(static_cast<std::byte>(name.wire()[at + i]));
    at += 1 + len;
  }
}

void NameCompressor::write_uncompressed(ByteVec& out, const Name& name) {
  for (char c : name.wire()) out.push_back(static_cast<std::byte>(c));
}

void NameCompressor::truncate(std::size_t size) {
  std::erase_if(offsets_, [size](const auto& kv) { return kv.second >= size; });
}

}  // namespace wirestack::dns
