// ftp/client.hpp — an FTP client for one job (get a file, put a file, list
// a directory), as a sans-IO state machine: reply bytes in, command bytes
// out, and requests for the data connection to whoever runs it
// (app::FtpClient on any runtime::Host; the tests, against ServerSession).
//
// The conversation (RFC 959 5.4, RFC 2428):
//   220 <- greeting; USER/PASS -> 230; TYPE I (or A) -> 200;
//   passive (default): EPSV -> 229 (|||port|), or PASV -> 227 when EPSV is
//     refused; the runner connects to the server's address at that port;
//   active: the runner listens; EPRT (or PORT) -> 200; the server connects;
//   REST n -> 350 (a resumed get); RETR / STOR / LIST / NLST -> 150;
//   the data flows, its connection closes, 226; QUIT -> 221.
// The address of a 227 reply is ignored: the data connection goes to the
// control connection's peer (as curl does), never to a third host.
//
//   ftp::ClientSession c({.op = Op::get, .path = "/pub/a.txt"}, {.local = l, .server = s});
//   c.on_control(bytes);  out(c.take_output());
//   if (auto step = c.take_data_step()) ...   // connect or listen
//   c.on_data_done(received);                 // the data connection ended
//   c.done() && c.result().ok
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "ftp/command.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::ftp {

struct ClientJob {
  enum class Op : std::uint8_t { get, put, list, nlst };
  Op op = Op::get;
  std::string path;       // on the server; list: a directory ("" = the current one)
  std::string upload;     // put: the file's bytes
  std::string user = "anonymous";
  std::string password = "wirestack@";
  bool active = false;    // PORT/EPRT: the server connects to us
  bool ascii = false;     // TYPE A for get/put (listings are always A)
  std::uint64_t rest = 0;  // get: start at this byte (REST)
};

struct ClientResult {
  bool ok = false;
  std::string data;   // get, list, nlst: what arrived
  std::string error;  // why not ok: a reply ("550 /x: no such file") or the connection's trouble
  std::uint64_t sent = 0;  // put: bytes sent
};

class ClientSession {
 public:
  struct Endpoints {
    IpEndpoint local;   // the control connection's, our side
    IpEndpoint server;
  };
  // What the runner does about the data connection.
  struct DataStep {
    enum class Kind : std::uint8_t { connect, listen };
    Kind kind = Kind::connect;
    IpEndpoint to;  // connect: the server's passive endpoint
  };

  ClientSession(ClientJob job, Endpoints ends);

  void on_control(std::string_view bytes);
  // The control connection ended (closed or reset) before done().
  void on_control_closed(const std::string& why);
  // Active mode: the listener the runner opened for a DataStep::listen.
  void on_listening(const IpEndpoint& local);
  // The data connection ended: what it brought (get, list), or its trouble.
  // For a put: everything was sent and our side closed.
  void on_data_done(Result<std::string, std::string> outcome);

  std::string take_output() { return std::exchange(out_, {}); }
  std::optional<DataStep> take_data_step() { return std::exchange(data_step_, std::nullopt); }
  // Put: the bytes to send on the data connection (the netascii form in TYPE A),
  // from the moment the server said 150 (may_send()).
  const std::string& upload() const { return upload_; }
  bool may_send() const { return step_ == Step::transfer && got_mark_; }
  // The data connection is no longer wanted (the transfer failed or ended).
  bool data_wanted() const { return step_ == Step::setup || step_ == Step::rest || step_ == Step::transfer; }
  bool done() const { return step_ == Step::done; }
  const ClientResult& result() const { return result_; }
  // Every command sent and every reply's first line, in order ("> USER x", "< 331 ...").
  const std::vector<std::string>& transcript() const { return transcript_; }
  // The data connection's endpoint on the server's side, when known (passive).
  const std::optional<IpEndpoint>& passive_endpoint() const { return passive_; }

 private:
  enum class Step : std::uint8_t { greeting, user, pass, type, setup, rest, transfer, quit, done };
  void send(std::string_view verb, std::string_view arg = {});
  void on_reply(const Reply& r);
  void start_setup();
  void start_transfer();
  void finish_if_complete();
  void fail(const std::string& why);

  ClientJob job_;
  Endpoints ends_;
  ReplyParser in_;
  std::string out_;
  std::string upload_;
  Step step_ = Step::greeting;
  bool tried_fallback_ = false;   // PASV after EPSV, PORT after EPRT
  bool got_mark_ = false;         // 150/125
  bool got_complete_ = false;     // 226/250
  bool data_ended_ = false;
  std::optional<DataStep> data_step_;
  std::optional<IpEndpoint> passive_;
  std::optional<IpEndpoint> listening_;
  std::vector<std::string> transcript_;
  ClientResult result_;
};

}  // namespace wirestack::ftp
