// app/ftp_files.hpp — an ftp::FileStore over a directory of the real file
// system (`wirestack tap --ftp PORT:DIR`). The client's virtual "/" is DIR:
// virtual paths cannot hold ".." (ftp::resolve_path removed it), and every
// path is resolved through its symbolic links before use; one that lands
// outside DIR (a link to /etc, to ../..) is "no such file", so a link
// planted in DIR cannot lead a client out of it. Entries that are neither
// files nor directories (devices, sockets) are not shown.
//
//   app::DirectoryStore files("/srv/ftp");
//   app::FtpServer server(host, 21, files);
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ftp/store.hpp"

namespace wirestack::app {

class DirectoryStore final : public ftp::FileStore {
 public:
  explicit DirectoryStore(const std::filesystem::path& root);
  std::optional<ftp::FileInfo> stat(const std::string& path) const override;
  Result<std::vector<ftp::FileInfo>, std::string> list(const std::string& dir) const override;
  Result<std::string, std::string> read(const std::string& path) const override;
  Result<void, std::string> write(const std::string& path, const std::string& content, ftp::WallTime when) override;
  const std::filesystem::path& root() const { return root_; }

 private:
  // The real path of a virtual one, its links resolved, if it lies in root_.
  std::optional<std::filesystem::path> inside(const std::string& path) const;
  std::optional<ftp::FileInfo> info(const std::filesystem::path& real, std::string name) const;

  std::filesystem::path root_;  // canonical
};

}  // namespace wirestack::app
