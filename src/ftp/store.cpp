#include "ftp/store.hpp"

#include <array>
#include <cstdio>

namespace wirestack::ftp {

std::string resolve_path(std::string_view cwd, std::string_view arg) {
  std::vector<std::string_view> parts;
  const auto walk = [&parts](std::string_view p) {
    while (!p.empty()) {
      const auto slash = p.find('/');
      const std::string_view c = p.substr(0, slash);
      if (c == "..") {
        if (!parts.empty()) parts.pop_back();  // above the root: stays at the root
      } else if (!c.empty() && c != ".") {
        parts.push_back(c);
      }
      if (slash == std::string_view::npos) break;
      p.remove_prefix(slash + 1);
    }
  };
  if (arg.empty() || arg.front() != '/') walk(cwd);
  walk(arg);
  std::string out;
  for (auto c : parts) {
    out += '/';
    out += c;
  }
  return out.empty() ? "/" : out;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void MemoryStore::put(const std::string& path, std::string content, WallTime when) {
  const std::string p = resolve_path("/", path);
  for (std::string d = parent_of(p);; d = parent_of(d)) {
    dirs_.insert(d);
    if (d == "/") break;
  }
  files_[p] = File{std::move(content), when};
}

std::optional<FileInfo> MemoryStore::stat(const std::string& path) const {
  if (dirs_.contains(path)) return FileInfo{.name = base_name(path), .is_dir = true};
  const auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return FileInfo{.name = base_name(path), .size = it->second.content.size(), .modified = it->second.modified};
}

Result<std::vector<FileInfo>, std::string> MemoryStore::list(const std::string& dir) const {
  if (!dirs_.contains(dir)) return Unexpected{dir + ": no such directory"};
  std::map<std::string, FileInfo> entries;  // sorted by name
  for (const auto& d : dirs_) {
    if (d != "/" && parent_of(d) == dir) entries[base_name(d)] = FileInfo{.name = base_name(d), .is_dir = true};
  }
  for (const auto& [p, f] : files_) {
    if (parent_of(p) == dir) {
      entries[base_name(p)] = FileInfo{.name = base_name(p), .size = f.content.size(), .modified = f.modified};
    }
  }
  std::vector<FileInfo> out;
  for (auto& [name, info] : entries) out.push_back(std::move(info));
  return out;
}

Result<std::string, std::string> MemoryStore::read(const std::string& path) const {
  const auto it = files_.find(path);
  if (it == files_.end()) return Unexpected{path + (dirs_.contains(path) ? ": is a directory" : ": no such file")};
  return it->second.content;
}

Result<void, std::string> MemoryStore::write(const std::string& path, const std::string& content, WallTime when) {
  if (dirs_.contains(path)) return Unexpected{path + ": is a directory"};
  if (!dirs_.contains(parent_of(path))) return Unexpected{parent_of(path) + ": no such directory"};
  files_[path] = File{content, when};
  return {};
}

namespace {

struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};

Civil civil(WallTime t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto days = floor<std::chrono::days>(secs);
  const year_month_day ymd{sys_days{days}};
  const hh_mm_ss<seconds> hms{secs - days};
  return Civil{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
               static_cast<unsigned>(hms.hours().count()), static_cast<unsigned>(hms.minutes().count()),
               static_cast<unsigned>(hms.seconds().count())};
}

}  // namespace

std::string time_val(WallTime t) {
  const Civil c = civil(t);
  std::array<char, 32> b{};
  std::snprintf(b.data(), b.size(), "%04d%02u%02u%02u%02u%02u", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return b.data();
}

std::string list_line(const FileInfo& f) {
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = civil(f.modified);
  std::array<char, 96> b{};
  std::snprintf(b.data(), b.size(), "%s 1 ftp ftp %12llu %s %02u %02u:%02u ", f.is_dir ? "drwxr-xr-x" : "-rw-r--r--",
                static_cast<unsigned long long>(f.size), kMonths[(c.month + 11) % 12], c.day, c.hour, c.minute);
  return b.data() + f.name;
}

std::string mlsd_line(const FileInfo& f) {
  std::string out = f.is_dir ? "type=dir;" : "type=file;size=" + std::to_string(f.size) + ";";
  return out + "modify=" + time_val(f.modified) + "; " + f.name;
}

}  // namespace wirestack::ftp
