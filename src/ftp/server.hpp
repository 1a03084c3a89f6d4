// ftp/server.hpp — one FTP control connection on the server's side, as a
// sans-IO state machine (RFC 959, RFC 2428 EPRT/EPSV, RFC 3659 SIZE/MDTM/
// MLSD/REST): command bytes in, reply bytes out, and requests for data
// connections to whoever runs it (app::FtpServer, on any runtime::Host; the
// tests, with a fake).
//
// Why two connections: FTP keeps commands and replies on the control
// connection (port 21) and moves every file and listing on a data connection
// of its own, opened per transfer. In passive mode (PASV/EPSV, the default
// of every modern client) the server listens on a fresh port and says which
// in its reply; in active mode (PORT/EPRT) the client listens and the server
// connects to it. The end of a file is the end of its data connection.
//
// Every command gets an answer: a bad or unknown one 500/501/502, one out of
// order 503 (PASS without USER) or 530 (anything but USER, PASS, QUIT, FEAT,
// SYST, NOOP before login), a transfer without PASV/PORT first 425, a path
// that does not exist 550. Paths are virtual (ftp/store.hpp): ".." stops at
// the root. PORT/EPRT to another address than the client's, or to a port
// below 1024, is refused (the "FTP bounce" of RFC 2577).
//
//   ftp::ServerSession s(store, ports, config, {.local = l, .peer = p}, now);
//   out(s.take_output());                 // "220 ..."
//   s.on_control(bytes, now);             // "USER ..." -> "331 ..."
//   ports.start(...) was called for RETR; when its connection ended:
//   s.transfer_done(outcome, now, wall);  // "226 ..."
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "ftp/command.hpp"
#include "ftp/store.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::ftp {

inline constexpr std::uint16_t kPort = 21;

struct ServerConfig {
  // USER anonymous (or ftp) with any password (RFC 1635).
  bool anonymous = true;
  // Named users and their passwords.
  std::vector<std::pair<std::string, std::string>> users;
  // STOR allowed (to every logged-in user).
  bool uploads = true;
  // No command for this long: 421 and the connection closes (not while a
  // transfer runs).
  Duration idle_timeout = std::chrono::seconds{300};
  std::string banner = "wirestack FTP server ready";
};

// One transfer on a data connection, as the session asks for it.
struct DataTransfer {
  enum class Kind : std::uint8_t { send, receive };
  Kind kind = Kind::send;
  std::string bytes;                    // to send (RETR, LIST, NLST, MLSD)
  std::optional<IpEndpoint> connect_to;  // active mode: connect there; else accept on the passive port
};

// What the session asks of the program that owns the sockets.
class DataPorts {
 public:
  virtual ~DataPorts() = default;
  // PASV/EPSV: listen on a fresh port of the control connection's local
  // address (replacing an earlier listener); the port, or why not.
  virtual Result<std::uint16_t, std::string> listen() = 0;
  // Starts a transfer; its end comes back as ServerSession::transfer_done.
  virtual void start(DataTransfer transfer) = 0;
  // Drops the data connection and the passive listener (ABOR, QUIT, a new PORT).
  virtual void abort() = 0;
};

struct SessionStats {
  std::uint64_t commands = 0;
  std::uint64_t errors = 0;  // replies 4xx and 5xx
  std::uint64_t files_sent = 0;
  std::uint64_t files_received = 0;
  std::uint64_t listings = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
};

class ServerSession {
 public:
  struct Endpoints {
    IpEndpoint local;  // the control connection's, our side
    IpEndpoint peer;
  };
  ServerSession(FileStore& store, DataPorts& ports, const ServerConfig& config, Endpoints ends, Instant now);

  void on_control(std::string_view bytes, Instant now);
  // The transfer started last ended: what arrived (STOR; empty for a send),
  // or why it failed.
  void transfer_done(Result<std::string, std::string> outcome, Instant now, WallTime wall);
  // The idle timeout struck (the runner checks deadline()).
  void on_timeout();

  std::string take_output() { return std::exchange(out_, {}); }
  // QUIT answered or the session gave up: close once the output is sent.
  bool closing() const { return closing_; }
  bool transferring() const { return transferring_; }
  // When the idle timeout strikes; none while a transfer runs.
  std::optional<Instant> deadline() const;
  const SessionStats& stats() const { return stats_; }
  const std::string& cwd() const { return cwd_; }
  bool logged_in() const { return logged_in_; }

 private:
  enum class DataMode : std::uint8_t { none, passive, active };
  void reply(int code, std::string text);
  void execute(const Command& c);
  bool needs_login(const std::string& verb) const;
  void login(const Command& c);
  void passive(bool extended);
  void active(const Command& c, bool extended);
  void transfer_send(const std::string& what, std::string bytes);
  void retrieve(const std::string& path);
  void list(const Command& c, bool names_only, bool facts);
  void store(const std::string& path);
  void abort();
  std::string path_of(const std::string& arg) const { return resolve_path(cwd_, arg); }

  FileStore& store_;
  DataPorts& ports_;
  const ServerConfig& config_;
  Endpoints ends_;
  LineReader in_;
  std::string out_;
  std::string user_;
  bool user_given_ = false;
  bool logged_in_ = false;
  std::string cwd_ = "/";
  bool ascii_ = true;  // RFC 959 5.1: TYPE A is the default
  DataMode mode_ = DataMode::none;
  bool epsv_all_ = false;
  std::optional<IpEndpoint> active_to_;
  std::uint64_t rest_ = 0;
  bool transferring_ = false;
  DataTransfer::Kind transfer_kind_ = DataTransfer::Kind::send;
  std::string upload_path_;
  bool closing_ = false;
  Instant last_{};
  SessionStats stats_;
};

// TYPE A on the wire (RFC 959 3.1.1.1): every line ends in CRLF. A bare LF
// becomes CRLF; the other way, CRLF becomes LF.
std::string to_netascii(std::string_view text);
std::string from_netascii(std::string_view text);

}  // namespace wirestack::ftp
