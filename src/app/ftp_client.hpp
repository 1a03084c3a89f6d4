// app/ftp_client.hpp — one FTP job (get, put, list) on any runtime::Host:
// the control connection, and the data connection ftp::ClientSession asks
// for (a connection to the server's passive port, or in active mode a
// listener the server connects to). `wirestack ftp`, the simulator's
// `ftp_client` application and the tests use it.
//
//   app::FtpClient get(host, {server, 21}, {.op = ftp::ClientJob::Op::get, .path = "/readme.txt"});
//   ... run the host ...
//   get.done() && get.result().ok   // get.result().data holds the file
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "ftp/client.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct FtpClientConfig {
  Duration start = Duration::zero();                  // after construction
  Duration timeout = std::chrono::seconds{120};       // the whole job
};

// The handshake is over (the connection may be closing already): what a
// data connection waits for before it moves bytes.
bool connected(runtime::TcpSockets& tcp, tcp::SocketHandle h);

class FtpClient {
 public:
  FtpClient(runtime::Host& host, IpEndpoint server, ftp::ClientJob job, FtpClientConfig config = {},
            std::function<void(const FtpClient&)> on_done = {});
  ~FtpClient();
  FtpClient(const FtpClient&) = delete;
  FtpClient& operator=(const FtpClient&) = delete;

  bool done() const { return done_; }
  const ftp::ClientResult& result() const { return result_; }
  const ftp::ClientJob& job() const { return job_; }
  // The two connections, as this host saw them (for summaries and narratives).
  const std::optional<IpEndpoint>& control_local() const { return control_local_; }
  const std::optional<std::pair<IpEndpoint, IpEndpoint>>& data_connection() const { return data_ends_; }
  std::optional<Duration> elapsed() const { return elapsed_; }
  const std::vector<std::string>& transcript() const;

 private:
  void start();
  void on_activity();
  void step_data();
  void finish(const std::optional<std::string>& why);
  void drop_data();

  runtime::Host& host_;
  IpEndpoint server_;
  ftp::ClientJob job_;
  FtpClientConfig config_;
  std::function<void(const FtpClient&)> on_done_;
  std::optional<tcp::SocketHandle> control_;
  std::optional<ftp::ClientSession> session_;
  std::optional<tcp::SocketHandle> listener_;
  std::optional<tcp::SocketHandle> data_;
  std::string out_;
  std::string received_;
  std::size_t sent_ = 0;
  bool shut_ = false;
  bool data_reported_ = false;
  std::optional<IpEndpoint> control_local_;
  std::optional<std::pair<IpEndpoint, IpEndpoint>> data_ends_;
  ftp::ClientResult result_;
  Instant started_at_{};
  std::optional<Duration> elapsed_;
  runtime::TimerId start_timer_{};
  runtime::TimerId timeout_{};
  std::size_t hook_ = 0;
  bool hooked_ = false;
  bool done_ = false;
};

}  // namespace wirestack::app
