// `wirestack ftp --dev IFNAME --ip ADDR/PREFIX URL`: our FTP client
// (app::FtpClient) from the stack on a TAP device: get a file (to standard
// output or -o FILE), put one (-T FILE), or list a directory (a URL ending
// in "/"); and the `--ftp PORT[:DIR]` option of `wirestack tap` (app::FtpServer
// over app::DirectoryStore).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "app/ftp_server.hpp"
#include "tap.hpp"

namespace wirestack::cli {

struct FtpOptions {
  StackOptions stack;
  std::string url;
  std::optional<std::string> upload;  // -T FILE
  std::optional<std::string> output;  // -o FILE
  std::optional<std::string> user;    // USER:PASSWORD (default anonymous)
  bool active = false;
  bool ascii = false;
  bool names = false;                 // NLST instead of LIST
  std::uint64_t rest = 0;
  double timeout = 120;
};
CLI::App* add_ftp_command(CLI::App& app, FtpOptions& opt);
int run_ftp(const FtpOptions& opt);

// "PORT[:DIR]" (DIR defaults to the current directory) and the users of
// `--ftp-user USER:PASSWORD`.
struct FtpServe {
  std::uint16_t port = 21;
  std::string dir = ".";
  app::FtpServerConfig config;
};
Result<FtpServe, std::string> parse_ftp_option(const std::string& spec, const std::vector<std::string>& users,
                                               bool no_anonymous, bool read_only);

}  // namespace wirestack::cli
