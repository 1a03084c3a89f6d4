// app/ftp_server.hpp — an FTP server on any runtime::Host: the control
// connections on one port, each run by ftp::ServerSession (sans-IO), and the
// data connections it asks for: a passive listener on a fresh port of the
// control connection's address, or an active connection back to the client.
// `wirestack tap --ftp`, the simulator's `ftp_server` application and the
// tests use it; the files come from an ftp::FileStore (a MemoryStore in the
// simulator, app::DirectoryStore on a real machine).
//
// Bounds: at most max_connections control connections (one more is told
// "421 Too many connections" and closed), the session's idle timeout, a
// data connection that must come within data_timeout, uploads of at most
// max_upload_bytes, and a passive port only the control connection's peer
// may connect to (another address is reset).
//
//   ftp::MemoryStore files;
//   files.put("/readme.txt", "hello\n");
//   app::FtpServer server(host, 21, files);
//   if (!server.listening()) fail(server.listening().error().message);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ftp/server.hpp"
#include "ftp/store.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct FtpServerConfig {
  ftp::ServerConfig session{};
  std::size_t max_connections = 64;
  std::uint32_t backlog = 64;
  Duration data_timeout = std::chrono::seconds{30};
  std::size_t max_upload_bytes = 256 * 1024 * 1024;
};

struct FtpServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;         // over max_connections: 421 and closed
  std::uint64_t idle_timeouts = 0;
  std::uint64_t data_connections = 0;
  std::uint64_t data_failures = 0;   // refused, reset, never came, too big
  std::uint64_t strangers = 0;       // a passive port connected from another address
  std::size_t active = 0;
  std::size_t peak_active = 0;
  ftp::SessionStats sessions;        // summed over every session, ended or not
};

class FtpServer {
 public:
  FtpServer(runtime::Host& host, std::uint16_t port, ftp::FileStore& store, FtpServerConfig config = {});
  ~FtpServer();
  FtpServer(const FtpServer&) = delete;
  FtpServer& operator=(const FtpServer&) = delete;

  // The IPv4 listener (the server also listens on IPv6 where it can).
  const Result<IpEndpoint, tcp::SocketError>& listening() const { return bound_; }
  FtpServerStats stats() const;

 private:
  class Conn;
  void on_activity();
  void accept_all();
  void accept_from(tcp::SocketHandle listener);

  runtime::Host& host_;
  ftp::FileStore& store_;
  FtpServerConfig config_;
  tcp::SocketHandle listener_;
  Result<IpEndpoint, tcp::SocketError> bound_;
  std::optional<tcp::SocketHandle> listener6_;  // [::]:port, where the host has IPv6
  std::vector<std::unique_ptr<Conn>> conns_;
  FtpServerStats stats_;  // sessions: of the ended ones only
  std::size_t hook_ = 0;
};

}  // namespace wirestack::app
