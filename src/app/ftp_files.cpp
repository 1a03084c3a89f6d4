#include "app/ftp_files.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace wirestack::app {

namespace fs = std::filesystem;

DirectoryStore::DirectoryStore(const fs::path& root) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec) root_ = fs::absolute(root);
}

std::optional<fs::path> DirectoryStore::inside(const std::string& path) const {
  const std::string rel = ftp::resolve_path("/", path).substr(1);  // no "..", no leading slash
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(root_ / rel, ec);  // every link resolved
  if (ec) return std::nullopt;
  // Inside when the root is a prefix of it, component by component.
  auto r = root_.begin();
  auto p = real.begin();
  for (; r != root_.end(); ++r, ++p) {
    if (p == real.end() || *p != *r) return std::nullopt;
  }
  return real;
}

std::optional<ftp::FileInfo> DirectoryStore::info(const fs::path& real, std::string name) const {
  std::error_code ec;
  const auto st = fs::status(real, ec);
  if (ec || (!fs::is_regular_file(st) && !fs::is_directory(st))) return std::nullopt;
  ftp::FileInfo f{.name = std::move(name), .is_dir = fs::is_directory(st)};
  if (!f.is_dir) f.size = fs::file_size(real, ec);
  const auto t = fs::last_write_time(real, ec);
  if (!ec) f.modified = std::chrono::time_point_cast<ftp::WallTime::duration>(std::chrono::file_clock::to_sys(t));
  return f;
}

std::optional<ftp::FileInfo> DirectoryStore::stat(const std::string& path) const {
  const auto real = inside(path);
  if (!real) return std::nullopt;
  return info(*real, ftp::base_name(ftp::resolve_path("/", path)));
}

Result<std::vector<ftp::FileInfo>, std::string> DirectoryStore::list(const std::string& dir) const {
  const auto real = inside(dir);
  if (!real || !fs::is_directory(*real)) return Unexpected{dir + ": no such directory"};
  std::vector<ftp::FileInfo> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(*real, ec)) {
    const std::string name = e.path().filename().string();
    const std::string virt = ftp::resolve_path(dir, name);
    if (!inside(virt)) continue;  // a link out of the root: not there
    if (auto f = stat(virt)) out.push_back(std::move(*f));
  }
  if (ec) return Unexpected{dir + ": " + ec.message()};
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

Result<std::string, std::string> DirectoryStore::read(const std::string& path) const {
  const auto real = inside(path);
  if (!real || !fs::is_regular_file(*real)) return Unexpected{path + ": no such file"};
  std::ifstream in(*real, std::ios::binary);
  if (!in) return Unexpected{path + ": cannot be read"};
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

Result<void, std::string> DirectoryStore::write(const std::string& path, const std::string& content, ftp::WallTime) {
  const auto real = inside(path);
  if (!real) return Unexpected{path + ": outside the served directory"};
  if (fs::is_directory(*real)) return Unexpected{path + ": is a directory"};
  const fs::path tmp = real->string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Unexpected{path + ": cannot be written"};
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) return Unexpected{path + ": writing failed"};
  }
  std::error_code ec;
  fs::rename(tmp, *real, ec);  // whole or not at all
  if (ec) return Unexpected{path + ": " + ec.message()};
  return {};
}

}  // namespace wirestack::app
