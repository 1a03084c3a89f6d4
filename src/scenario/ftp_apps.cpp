#include "scenario/ftp_apps.hpp"

#include <sstream>

#include "app/ftp_client.hpp"
#include "app/ftp_server.hpp"
#include "app/tcp_apps.hpp"
#include "scenario/network_app.hpp"

namespace wirestack::scenario {

namespace {

struct FtpServerSettings {
  std::uint16_t port = ftp::kPort;
  std::vector<std::pair<std::string, std::string>> files;
  std::optional<std::pair<std::string, std::string>> user;
};

std::optional<std::pair<std::string, std::string>> user_of(const AppFields& f) {
  if (!f.has("user")) return std::nullopt;
  const std::string u = f.str("user");
  const auto colon = u.find(':');
  if (colon == std::string::npos || colon == 0) f.fail("user", "'" + u + "': expected USER:PASSWORD");
  return std::pair{u.substr(0, colon), u.substr(colon + 1)};
}

class FtpServerApp final : public NetworkApp {
 public:
  using NetworkApp::NetworkApp;
  bool restarts_with_host() const override { return true; }
  void start() override {
    const auto& s = spec_.settings_as<FtpServerSettings>();
    app_.reset();  // a restart: the old life first lets go of its port (and its uploads: a disk in memory)
    files_ = std::make_unique<ftp::MemoryStore>();
    for (const auto& [path, content] : s.files) files_->put(path, content, host_.wall_clock());
    app::FtpServerConfig config;
    if (s.user) config.session.users.push_back(*s.user);
    app_ = std::make_unique<app::FtpServer>(host_, s.port, *files_, config);
  }
  std::string text() const override {
    const auto& s = spec_.settings_as<FtpServerSettings>();
    std::ostringstream os;
    os << "FTP server " << spec_.host << ":" << s.port << " (" << s.files.size() << " files): ";
    if (!app_->listening()) return os.str() + "cannot listen: " + app_->listening().error().message + "\n";
    const app::FtpServerStats st = app_->stats();
    os << st.accepted << " control connections, " << st.data_connections << " data connections, "
       << st.sessions.commands << " commands (" << st.sessions.errors << " answered 4xx/5xx), "
       << st.sessions.files_sent << " files sent, " << st.sessions.files_received << " received, "
       << st.sessions.listings << " listings\n";
    return os.str();
  }
  bool succeeded() const override { return app_->listening().has_value(); }

 private:
  std::unique_ptr<ftp::MemoryStore> files_;
  std::unique_ptr<app::FtpServer> app_;
};

struct FtpClientSettings {
  std::string to;
  std::uint16_t port = ftp::kPort;
  ftp::ClientJob job;
  std::string url;
};

// A put's file: pseudo-random bytes, the same for a seed.
std::string upload_bytes(std::uint64_t n) {
  std::string out(n, '\0');
  app::TcpStream(0xf7f).next(as_writable_bytes(std::span(out.data(), out.size())));
  return out;
}

class FtpClientApp final : public NetworkApp {
 public:
  using NetworkApp::NetworkApp;
  void start() override {
    const auto& s = spec_.settings_as<FtpClientSettings>();
    resolve_then(s.to, [this, &s](IpAddress addr) {
      server_ = IpEndpoint{addr, s.port};
      client_ = std::make_unique<app::FtpClient>(host_, server_, s.job);
    });
  }
  std::string text() const override {
    const auto& s = spec_.settings_as<FtpClientSettings>();
    std::ostringstream os;
    os << "FTP " << op_name(s.job.op) << " " << s.url << " from " << spec_.host << ": ";
    if (!client_) return os.str() + resolve_error().value_or("not started") + "\n";
    if (!client_->done()) return os.str() + "unfinished\n";
    const ftp::ClientResult& r = client_->result();
    if (!r.ok) return os.str() + r.error + "\n";
    if (s.job.op == ftp::ClientJob::Op::put) {
      os << r.sent << " bytes sent";
    } else {
      os << r.data.size() << " bytes received";
      if (s.job.op != ftp::ClientJob::Op::get) os << " (" << std::count(r.data.begin(), r.data.end(), '\n') << " entries)";
    }
    if (client_->elapsed()) os << " in " << ms(*client_->elapsed());
    os << "\n";
    if (client_->control_local()) {
      os << "  control connection " << *client_->control_local() << " > " << server_
         << ": commands and replies, open for the whole session\n";
    }
    if (const auto& d = client_->data_connection()) {
      if (s.job.active) {
        os << "  data connection " << d->second << " > " << d->first << ": active mode, the server connected to the port"
           << " the client named in EPRT\n";
      } else {
        os << "  data connection " << d->first << " > " << d->second << ": passive mode, to the port the server named"
           << " in its 229 reply\n";
      }
      os << "  (FTP needs two connections: the commands keep their own, and each file or listing gets a fresh one"
            " whose close marks the end of the data)\n";
    }
    return os.str();
  }
  bool succeeded() const override { return client_ && client_->done() && client_->result().ok; }

 private:
  static const char* op_name(ftp::ClientJob::Op op) {
    switch (op) {
      case ftp::ClientJob::Op::get: return "get";
      case ftp::ClientJob::Op::put: return "put";
      case ftp::ClientJob::Op::list: return "list";
      case ftp::ClientJob::Op::nlst: return "nlst";
    }
    return "?";
  }
  IpEndpoint server_;
  std::unique_ptr<app::FtpClient> client_;
};

}  // namespace

std::any parse_ftp_server(const AppFields& f) {
  FtpServerSettings s;
  if (f.has("port")) s.port = static_cast<std::uint16_t>(f.integer("port", 1, 65535));
  if (f.has("files")) s.files = f.path_table("files");
  s.user = user_of(f);
  return s;
}

std::any parse_ftp_client(const AppFields& f) {
  FtpClientSettings s;
  s.url = f.str("url");
  if (!s.url.starts_with("ftp://")) f.fail("url", "'" + s.url + "': expected ftp://HOST[:PORT]/PATH");
  std::string rest = s.url.substr(6);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  s.job.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (const auto colon = authority.rfind(':'); colon != std::string::npos && authority.find(']') == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      f.fail("url", "'" + s.url + "': the port must be 1..65535");
    }
    s.port = static_cast<std::uint16_t>(std::stoi(port));
  }
  if (authority.starts_with("[") && authority.ends_with("]")) authority = authority.substr(1, authority.size() - 2);
  s.to = f.host_or_name("url", authority);
  const std::string op = f.has("op") ? f.str("op") : (s.job.path.ends_with("/") ? "list" : "get");
  if (op == "get") {
    s.job.op = ftp::ClientJob::Op::get;
  } else if (op == "put") {
    s.job.op = ftp::ClientJob::Op::put;
    const auto bytes = f.has("bytes") ? f.integer("bytes", 0, std::int64_t{1} << 30) : 100'000;
    s.job.upload = upload_bytes(static_cast<std::uint64_t>(bytes));
  } else if (op == "list") {
    s.job.op = ftp::ClientJob::Op::list;
  } else {
    f.fail("op", "'" + op + "': expected get, put or list");
  }
  if (f.has("bytes") && op != "put") f.fail("bytes", "only a put sends bytes");
  if (f.has("mode")) {
    const std::string mode = f.str("mode");
    if (mode != "passive" && mode != "active") f.fail("mode", "'" + mode + "': expected passive or active");
    s.job.active = mode == "active";
  }
  if (auto u = user_of(f)) std::tie(s.job.user, s.job.password) = *u;
  return s;
}

std::vector<ListenPort> ftp_server_ports(const std::any& settings) {
  return {ListenPort{true, std::any_cast<const FtpServerSettings&>(settings).port}};
}

std::unique_ptr<NetworkApp> make_ftp_server(Network& net, const AppSpec& spec, sim::Host& host) {
  return std::make_unique<FtpServerApp>(net, spec, host);
}

std::unique_ptr<NetworkApp> make_ftp_client(Network& net, const AppSpec& spec, sim::Host& host) {
  return std::make_unique<FtpClientApp>(net, spec, host);
}

}  // namespace wirestack::scenario
