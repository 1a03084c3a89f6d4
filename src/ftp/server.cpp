#include "ftp/server.hpp"

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "ftp/address.hpp"

namespace wirestack::ftp {

namespace {

bool one_of(const std::string& verb, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), verb) != set.end();
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// RFC 959 appendix II: a quote inside a quoted path is doubled.
std::string quoted(const std::string& path) {
  std::string out = "\"";
  for (char c : path) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool is_anonymous(const std::string& user) { return upper(user) == "ANONYMOUS" || upper(user) == "FTP"; }

}  // namespace

std::string to_netascii(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

std::string from_netascii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

ServerSession::ServerSession(FileStore& store, DataPorts& ports, const ServerConfig& config, Endpoints ends,
                             Instant now)
    : store_(store), ports_(ports), config_(config), ends_(ends), last_(now) {
  reply(220, config_.banner);
}

void ServerSession::reply(int code, std::string text) {
  if (code >= 400) ++stats_.errors;
  out_ += format_reply(Reply{.code = code, .lines = {std::move(text)}});
}

std::optional<Instant> ServerSession::deadline() const {
  if (closing_ || transferring_) return std::nullopt;
  return last_ + config_.idle_timeout;
}

void ServerSession::on_timeout() {
  if (closing_) return;
  reply(421, "Timeout: no command for " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count()) +
                   " s, closing");
  abort();
  closing_ = true;
}

void ServerSession::on_control(std::string_view bytes, Instant now) {
  in_.push(bytes);
  while (auto line = in_.next()) {
    if (closing_) return;  // after QUIT nothing more is read
    last_ = now;
    if (!*line) {
      reply(500, "Syntax error: " + line->error());
      continue;
    }
    auto cmd = parse_command(**line);
    if (!cmd) {
      reply(500, "Syntax error: " + cmd.error());
      continue;
    }
    ++stats_.commands;
    execute(*cmd);
  }
}

bool ServerSession::needs_login(const std::string& verb) const {
  return !logged_in_ && !one_of(verb, {"USER", "PASS", "QUIT", "NOOP", "FEAT", "SYST", "HELP", "OPTS"});
}

void ServerSession::execute(const Command& c) {
  const std::string& v = c.verb;
  if (transferring_ && !one_of(v, {"ABOR", "QUIT", "NOOP", "STAT"})) {
    reply(503, "A transfer is in progress: wait for its end or send ABOR");
    return;
  }
  if (needs_login(v)) {
    reply(530, "Please login with USER and PASS");
    return;
  }
  if (v == "USER" || v == "PASS") {
    login(c);
  } else if (v == "QUIT") {
    abort();
    reply(221, "Goodbye");
    closing_ = true;
  } else if (v == "NOOP") {
    reply(200, "NOOP ok");
  } else if (v == "SYST") {
    reply(215, "UNIX Type: L8");
  } else if (v == "FEAT") {
    out_ += format_reply(Reply{.code = 211,
                               .lines = {"Features:", " EPRT", " EPSV", " MDTM", " MLST type*;size*;modify*;", " PASV",
                                         " REST STREAM", " SIZE", " TVFS", " UTF8", "End"}});
  } else if (v == "HELP") {
    out_ += format_reply(Reply{.code = 214,
                               .lines = {"Commands:", " USER PASS QUIT NOOP SYST FEAT HELP OPTS PWD CWD CDUP TYPE MODE",
                                         " STRU PASV EPSV PORT EPRT LIST NLST MLSD MLST RETR STOR REST SIZE MDTM",
                                         " ABOR STAT ALLO", "Help ok"}});
  } else if (v == "OPTS") {
    if (upper(c.arg) == "UTF8 ON") {
      reply(200, "Always in UTF8 mode");
    } else {
      reply(501, "Option not understood");
    }
  } else if (v == "PWD" || v == "XPWD") {
    reply(257, quoted(cwd_) + " is the current directory");
  } else if (v == "CWD" || v == "XCWD" || v == "CDUP" || v == "XCUP") {
    const bool up = v == "CDUP" || v == "XCUP";
    if (!up && c.arg.empty()) {
      reply(501, "CWD needs a directory");
      return;
    }
    const std::string target = path_of(up ? ".." : c.arg);
    const auto info = store_.stat(target);
    if (!info || !info->is_dir) {
      reply(550, target + ": no such directory");
      return;
    }
    cwd_ = target;
    reply(250, "Directory changed to " + cwd_);
  } else if (v == "TYPE") {
    const std::string t = upper(c.arg);
    if (t == "A" || t == "A N") {
      ascii_ = true;
      reply(200, "Type set to A");
    } else if (t == "I" || t == "L 8") {
      ascii_ = false;
      reply(200, "Type set to I");
    } else if (t.empty()) {
      reply(501, "TYPE needs an argument: A or I");
    } else {
      reply(504, "Type " + c.arg + " not supported: A or I");
    }
  } else if (v == "MODE" || v == "STRU") {
    const std::string ok = v == "MODE" ? "S" : "F";
    if (upper(c.arg) == ok) {
      reply(200, v + " set to " + ok);
    } else {
      reply(c.arg.empty() ? 501 : 504, v + " " + ok + " only");
    }
  } else if (v == "PASV") {
    if (epsv_all_) return reply(503, "EPSV ALL in effect: use EPSV");
    passive(false);
  } else if (v == "EPSV") {
    const std::string a = upper(c.arg);
    if (a == "ALL") {  // RFC 2428 4: the other data commands are refused from now on
      epsv_all_ = true;
      return reply(200, "EPSV ALL ok: PORT, EPRT and PASV are refused from now on");
    }
    if (!a.empty() && a != (ends_.local.addr.is_v4() ? "1" : "2")) {
      return reply(522, std::string("Network protocol not supported, use (") + (ends_.local.addr.is_v4() ? "1" : "2") + ")");
    }
    passive(true);
  } else if (v == "PORT" || v == "EPRT") {
    active(c, v == "EPRT");
  } else if (v == "REST") {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(c.arg.data(), c.arg.data() + c.arg.size(), n);
    if (c.arg.empty() || ec != std::errc{} || end != c.arg.data() + c.arg.size()) {
      reply(501, "REST needs a byte offset");
      return;
    }
    rest_ = n;
    reply(350, "Restarting at " + c.arg + ": send RETR");
  } else if (v == "RETR") {
    if (c.arg.empty()) return reply(501, "RETR needs a file name");
    retrieve(path_of(c.arg));
  } else if (v == "STOR") {
    if (c.arg.empty()) return reply(501, "STOR needs a file name");
    store(path_of(c.arg));
  } else if (v == "LIST" || v == "NLST" || v == "MLSD") {
    list(c, v == "NLST", v == "MLSD");
  } else if (v == "MLST") {
    const std::string p = path_of(c.arg);
    const auto info = store_.stat(p);
    if (!info) return reply(550, p + ": no such file or directory");
    FileInfo named = *info;
    named.name = p;
    out_ += format_reply(Reply{.code = 250, .lines = {"Listing " + p, " " + mlsd_line(named), "End"}});
  } else if (v == "SIZE" || v == "MDTM") {
    if (c.arg.empty()) return reply(501, v + " needs a file name");
    const std::string p = path_of(c.arg);
    const auto info = store_.stat(p);
    if (!info || info->is_dir) return reply(550, p + ": not a plain file");
    if (v == "MDTM") return reply(213, time_val(info->modified));
    std::uint64_t size = info->size;
    if (ascii_) {  // RFC 3659 4: the size as it would be transferred
      if (auto content = store_.read(p)) size = to_netascii(*content).size();
    }
    reply(213, std::to_string(size));
  } else if (v == "ABOR") {
    if (!transferring_) return reply(225, "No transfer to abort");
    abort();
    reply(426, "Connection closed; transfer aborted");
    reply(226, "ABOR successful");
  } else if (v == "STAT") {
    reply(211, std::string("wirestack FTP: ") + (logged_in_ ? "logged in as " + user_ : "not logged in") + ", TYPE " +
                   (ascii_ ? "A" : "I") + (transferring_ ? ", a transfer in progress" : ", no transfer"));
  } else if (v == "ALLO") {
    reply(202, "ALLO not needed");
  } else if (one_of(v, {"ACCT", "SMNT", "REIN", "STOU", "APPE", "RNFR", "RNTO", "DELE", "RMD", "XRMD", "MKD", "XMKD",
                        "SITE", "AUTH", "PBSZ", "PROT", "CCC", "LANG"})) {
    reply(502, v + " not implemented");
  } else {
    reply(500, "Unknown command " + v);
  }
}

void ServerSession::login(const Command& c) {
  if (c.verb == "USER") {
    if (c.arg.empty()) return reply(501, "USER needs a name");
    logged_in_ = false;
    user_given_ = true;
    user_ = c.arg;
    if (is_anonymous(user_)) {
      if (!config_.anonymous) {
        user_given_ = false;
        return reply(530, "Anonymous login is not allowed here");
      }
      return reply(331, "Anonymous login ok: send your e-mail address as the password");
    }
    return reply(331, "Password required for " + user_);
  }
  if (logged_in_) return reply(230, "Already logged in");
  if (!user_given_) return reply(503, "Login with USER first");
  bool ok = is_anonymous(user_) && config_.anonymous;
  for (const auto& [name, password] : config_.users) ok = ok || (name == user_ && password == c.arg);
  if (!ok) {
    user_given_ = false;
    return reply(530, "Login incorrect");
  }
  logged_in_ = true;
  reply(230, "Login successful" + std::string(is_anonymous(user_) ? " (anonymous)" : ""));
}

void ServerSession::passive(bool extended) {
  if (!extended && !ends_.local.addr.is_v4()) return reply(425, "PASV is IPv4 only: use EPSV");
  auto port = ports_.listen();
  if (!port) return reply(425, "Cannot open a passive port: " + port.error());
  mode_ = DataMode::passive;
  active_to_.reset();
  if (extended) return reply(229, format_epsv_reply(*port));
  reply(227, format_pasv_reply(IpEndpoint{ends_.local.addr, *port}));
}

void ServerSession::active(const Command& c, bool extended) {
  if (epsv_all_) return reply(503, "EPSV ALL in effect: use EPSV");
  auto to = extended ? parse_eprt_arg(c.arg) : parse_port_arg(c.arg);
  if (!to) return reply(501, to.error());
  if (to->addr.family() != ends_.peer.addr.family()) {
    return reply(522, std::string("Network protocol not supported, use (") + (ends_.peer.addr.is_v4() ? "1" : "2") + ")");
  }
  // RFC 2577 3: data connections go to the client itself, never to a
  // third host or a privileged port ("FTP bounce").
  if (to->addr != ends_.peer.addr || to->port < 1024) {
    return reply(500, "Illegal " + c.verb + ": the data connection must go to your own address, port 1024 or above");
  }
  ports_.abort();  // an earlier PASV's listener
  mode_ = DataMode::active;
  active_to_ = *to;
  reply(200, c.verb + " command successful");
}

void ServerSession::transfer_send(const std::string& what, std::string bytes) {
  transferring_ = true;
  transfer_kind_ = DataTransfer::Kind::send;
  reply(150, "Opening " + std::string(ascii_ ? "ASCII" : "BINARY") + " mode data connection for " + what + " (" +
                 std::to_string(bytes.size()) + " bytes)");
  stats_.bytes_sent += bytes.size();
  ports_.start(DataTransfer{.kind = DataTransfer::Kind::send, .bytes = std::move(bytes), .connect_to = active_to_});
  mode_ = DataMode::none;  // every transfer asks for its own data connection
  active_to_.reset();
}

void ServerSession::retrieve(const std::string& path) {
  const std::uint64_t rest = std::exchange(rest_, 0);
  if (mode_ == DataMode::none) return reply(425, "Use PASV, EPSV, PORT or EPRT first");
  auto content = store_.read(path);
  if (!content) return reply(550, content.error());
  std::string bytes = ascii_ ? to_netascii(*content) : std::move(*content);
  if (rest > bytes.size()) return reply(554, "REST " + std::to_string(rest) + " is past the end of " + path);
  bytes.erase(0, rest);
  ++stats_.files_sent;
  transfer_send(path, std::move(bytes));
}

void ServerSession::list(const Command& c, bool names_only, bool facts) {
  // Options such as "-la" (ls's, which many clients send) are skipped.
  std::string_view arg = c.arg;
  while (arg.starts_with("-")) {
    const auto sp = arg.find(' ');
    arg = sp == std::string_view::npos ? std::string_view{} : arg.substr(sp + 1);
  }
  const std::string p = path_of(std::string(arg));
  const auto info = store_.stat(p);
  if (!info) return reply(550, p + ": no such file or directory");
  if (facts && !info->is_dir) return reply(501, p + ": not a directory");
  if (mode_ == DataMode::none) return reply(425, "Use PASV, EPSV, PORT or EPRT first");
  std::vector<FileInfo> entries;
  if (info->is_dir) {
    auto l = store_.list(p);
    if (!l) return reply(550, l.error());
    entries = std::move(*l);
  } else {
    entries.push_back(*info);
  }
  std::string text;
  for (const auto& e : entries) {
    text += names_only ? e.name : facts ? mlsd_line(e) : list_line(e);
    text += "\r\n";  // listings are ASCII lines whatever the TYPE
  }
  ++stats_.listings;
  transfer_send(p, std::move(text));
}

void ServerSession::store(const std::string& path) {
  rest_ = 0;
  if (!config_.uploads) return reply(550, "Uploads are not allowed here");
  const auto dir = store_.stat(parent_of(path));
  if (!dir || !dir->is_dir) return reply(553, parent_of(path) + ": no such directory");
  if (const auto existing = store_.stat(path); existing && existing->is_dir) return reply(553, path + ": is a directory");
  if (mode_ == DataMode::none) return reply(425, "Use PASV, EPSV, PORT or EPRT first");
  transferring_ = true;
  transfer_kind_ = DataTransfer::Kind::receive;
  upload_path_ = path;
  reply(150, "Ok to send data for " + path);
  ports_.start(DataTransfer{.kind = DataTransfer::Kind::receive, .connect_to = active_to_});
  mode_ = DataMode::none;
  active_to_.reset();
}

void ServerSession::abort() {
  ports_.abort();
  transferring_ = false;
  mode_ = DataMode::none;
  active_to_.reset();
}

void ServerSession::transfer_done(Result<std::string, std::string> outcome, Instant now, WallTime wall) {
  if (!transferring_) return;  // aborted already
  transferring_ = false;
  last_ = now;
  if (!outcome) return reply(426, "Connection closed; transfer aborted: " + outcome.error());
  if (transfer_kind_ == DataTransfer::Kind::send) return reply(226, "Transfer complete");
  const std::string content = ascii_ ? from_netascii(*outcome) : std::move(*outcome);
  if (auto w = store_.write(upload_path_, content, wall); !w) return reply(451, "Cannot store: " + w.error());
  ++stats_.files_received;
  stats_.bytes_received += content.size();
  reply(226, "Transfer complete: " + std::to_string(content.size()) + " bytes stored in " + upload_path_);
}

}  // namespace wirestack::ftp
