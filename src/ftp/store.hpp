// ftp/store.hpp — the files an FTP server serves, behind one interface: an
// in-memory table (MemoryStore, here: the simulator's `ftp_server` and the
// tests) or a directory of the real file system (app::DirectoryStore, with
// the checks that keep a client inside it). And the path rules both share.
//
// Paths given to a store are *virtual*: absolute, normalised by
// resolve_path() ("/", "/pub/notes.txt"), never holding "." or "..". The
// root "/" is the top: a client's ".." there stays there, as in a chroot.
//
//   ftp::MemoryStore files;
//   files.put("/pub/readme.txt", "hello\n", when);
//   ftp::resolve_path("/pub", "../../etc/passwd")   // "/etc/passwd", inside the store
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace wirestack::ftp {

using WallTime = std::chrono::system_clock::time_point;

struct FileInfo {
  std::string name;  // the last component ("" for the root)
  bool is_dir = false;
  std::uint64_t size = 0;
  WallTime modified{};
};

class FileStore {
 public:
  virtual ~FileStore() = default;
  virtual std::optional<FileInfo> stat(const std::string& path) const = 0;
  // The entries of a directory, sorted by name.
  virtual Result<std::vector<FileInfo>, std::string> list(const std::string& dir) const = 0;
  // A whole file (the data connection sends it from memory).
  virtual Result<std::string, std::string> read(const std::string& path) const = 0;
  // Creates or replaces a file; its directory must exist.
  virtual Result<void, std::string> write(const std::string& path, const std::string& content, WallTime when) = 0;
};

// Files in memory; directories exist when a file lies under them (and "/").
class MemoryStore final : public FileStore {
 public:
  // Adds or replaces a file, and its parent directories.
  void put(const std::string& path, std::string content, WallTime when = {});
  std::optional<FileInfo> stat(const std::string& path) const override;
  Result<std::vector<FileInfo>, std::string> list(const std::string& dir) const override;
  Result<std::string, std::string> read(const std::string& path) const override;
  Result<void, std::string> write(const std::string& path, const std::string& content, WallTime when) override;
  std::size_t file_count() const { return files_.size(); }

 private:
  struct File {
    std::string content;
    WallTime modified;
  };
  std::map<std::string, File> files_;
  std::set<std::string> dirs_{"/"};
};

// `arg` (absolute, or relative to `cwd`) as a virtual path: components "."
// dropped, ".." going up but never above "/", repeated slashes merged.
std::string resolve_path(std::string_view cwd, std::string_view arg);
// "/pub/a.txt" -> "/pub"; "/a" -> "/".
std::string parent_of(const std::string& path);
// "/pub/a.txt" -> "a.txt".
std::string base_name(const std::string& path);

// One line of LIST, as ls -l writes it ("-rw-r--r-- 1 ftp ftp 6 Dec 07 13:05 a.txt").
std::string list_line(const FileInfo& f);
// One line of MLSD / MLST facts (RFC 3659 7): "type=file;size=6;modify=20261207130500; a.txt".
std::string mlsd_line(const FileInfo& f);
// RFC 3659 2.3's time-val in UTC: "20261207130500".
std::string time_val(WallTime t);

}  // namespace wirestack::ftp
