#include "app/ftp_server.hpp"

#include <algorithm>
#include <array>

#include "app/ftp_client.hpp"
#include "app/tcp_apps.hpp"

namespace wirestack::app {

namespace {

void add(ftp::SessionStats& to, const ftp::SessionStats& s) {
  to.commands += s.commands;
  to.errors += s.errors;
  to.files_sent += s.files_sent;
  to.files_received += s.files_received;
  to.listings += s.listings;
  to.bytes_sent += s.bytes_sent;
  to.bytes_received += s.bytes_received;
}

std::string seconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

// One control connection, its session, and the data connection it asked for.
class FtpServer::Conn final : public ftp::DataPorts {
 public:
  Conn(FtpServer& server, tcp::SocketHandle control, IpEndpoint local, IpEndpoint peer)
      : server_(server), tcp_(server.host_.tcp()), control_(control), peer_(peer) {
    (void)tcp_.set_nodelay(control_, true);  // 150 and 226 leave as they come (ftp/server.hpp)
    session_.emplace(server.store_, *this, server.config_.session, ftp::ServerSession::Endpoints{local, peer},
                     server.host_.now());
  }
  ~Conn() override {
    drop_data();
    (void)tcp_.abort(control_);
  }

  // ftp::DataPorts
  Result<std::uint16_t, std::string> listen() override {
    drop_data();
    const auto local = tcp_.local_endpoint(control_);
    if (!local) return Unexpected{std::string("the control connection is gone")};
    const tcp::SocketHandle h = tcp_.open();
    auto bound = tcp_.bind(h, {local->addr, 0});
    if (bound) {
      if (auto l = tcp_.listen(h, 1); !l) bound = Unexpected{l.error()};
    }
    if (!bound) {
      (void)tcp_.close(h);
      return Unexpected{bound.error().message};
    }
    listener_ = h;
    return bound->port;
  }
  void start(ftp::DataTransfer t) override {
    transfer_ = std::move(t);
    sent_ = 0;
    received_.clear();
    shut_ = false;
    deadline_ = server_.host_.now() + server_.config_.data_timeout;
    if (transfer_->connect_to) {  // active: we connect to the client
      drop_data();
      const tcp::SocketHandle h = tcp_.open();
      if (auto r = tcp_.connect(h, *transfer_->connect_to, server_.host_.now()); !r) {
        (void)tcp_.close(h);
        return fail("cannot connect to " + transfer_->connect_to->to_string() + ": " + r.error().message);
      }
      data_ = h;
      ++server_.stats_.data_connections;
    }
  }
  void abort() override {
    drop_data();
    transfer_.reset();
  }

  // One round: control input, the data connection, output. False: gone.
  bool service() {
    const Instant now = server_.host_.now();
    read_control(now);
    accept_data();
    if (transfer_) move_data(now);
    if (const auto d = session_->deadline(); d && now >= *d) {
      ++server_.stats_.idle_timeouts;
      session_->on_timeout();
    }
    out_ += session_->take_output();
    flush();
    if (dead_ || ((session_->closing() || peer_closed_) && out_.empty())) {
      if (!dead_) (void)tcp_.close(control_);  // FIN after the last reply
      dead_ = true;
      drop_data();
      return false;
    }
    return true;
  }
  // The next time service() must run without activity.
  std::optional<Instant> wake() const {
    std::optional<Instant> w = session_->deadline();
    if (transfer_ && (!w || deadline_ < *w)) w = deadline_;
    return w;
  }
  const ftp::SessionStats& stats() const { return session_->stats(); }

 private:
  void read_control(Instant now) {
    std::array<char, 4096> buf{};
    for (int budget = 0; budget < 64 && !dead_ && !peer_closed_; ++budget) {
      auto n = tcp_.recv(control_, as_writable_bytes(std::span(buf)));
      if (!n) {
        if (n.error().code != tcp::Errc::would_block) dead_ = true;  // reset: nobody to answer
        return;
      }
      if (*n == 0) {  // the client closed its side: answer what it said, then close
        peer_closed_ = true;
        return;
      }
      session_->on_control(std::string_view(buf.data(), *n), now);
    }
  }
  void flush() {
    while (!out_.empty() && !dead_) {
      auto n = tcp_.send(control_, as_bytes(std::string_view(out_)));
      if (!n) {
        if (n.error().code != tcp::Errc::would_block) dead_ = true;
        return;
      }
      out_.erase(0, *n);
      if (*n == 0) return;
    }
  }
  void accept_data() {
    if (!listener_ || data_) return;
    while (auto h = tcp_.accept(*listener_)) {
      const auto from = tcp_.remote_endpoint(*h);
      if (!from || from->addr != peer_.addr) {  // RFC 2577: only the client itself
        ++server_.stats_.strangers;
        (void)tcp_.abort(*h);
        continue;
      }
      data_ = *h;
      ++server_.stats_.data_connections;
      (void)tcp_.close(*listener_);  // one connection per PASV
      listener_.reset();
      return;
    }
  }
  void move_data(Instant now) {
    if (!data_ || !connected(tcp_, *data_)) {
      if (data_) {
        if (auto e = tcp_.take_error(*data_)) return fail(std::string(to_string(*e)));
      }
      if (now >= deadline_) fail("no data connection within " + seconds_text(server_.config_.data_timeout));
      return;
    }
    const tcp::SocketHandle h = *data_;
    if (transfer_->kind == ftp::DataTransfer::Kind::send) {
      const std::string& bytes = transfer_->bytes;
      while (sent_ < bytes.size()) {
        auto n = tcp_.send(h, as_bytes(std::string_view(bytes).substr(sent_)));
        if (!n) {
          if (n.error().code != tcp::Errc::would_block) return fail(n.error().message);
          break;
        }
        if (*n == 0) break;
        sent_ += *n;
        deadline_ = now + server_.config_.data_timeout;
      }
      if (sent_ == bytes.size() && !shut_) {
        (void)tcp_.shutdown_send(h);  // the end of the file is the end of the connection
        shut_ = true;
      }
      std::array<std::byte, 512> sink{};
      while (auto r = tcp_.recv(h, sink)) {  // a client says nothing here; drain what it does
        if (*r == 0) break;
      }
      if (shut_ && tcp_.all_acknowledged(h)) return finish(std::string());
      if (auto e = tcp_.take_error(h)) return fail(std::string(to_string(*e)));
    } else {
      std::array<char, 16384> buf{};
      for (;;) {
        auto n = tcp_.recv(h, as_writable_bytes(std::span(buf)));
        if (!n) {
          if (n.error().code != tcp::Errc::would_block) return fail(n.error().message);
          break;
        }
        if (*n == 0) return finish(std::move(received_));
        received_.append(buf.data(), *n);
        deadline_ = now + server_.config_.data_timeout;
        if (received_.size() > server_.config_.max_upload_bytes) {
          return fail("upload over " + std::to_string(server_.config_.max_upload_bytes) + " bytes");
        }
      }
    }
    if (now >= deadline_) fail("the data connection stalled");
  }
  void finish(std::string received) {
    if (data_) (void)tcp_.close(*data_);
    data_.reset();
    transfer_.reset();
    session_->transfer_done(std::move(received), server_.host_.now(), server_.host_.wall_clock());
  }
  void fail(const std::string& why) {
    ++server_.stats_.data_failures;
    drop_data();
    transfer_.reset();
    session_->transfer_done(Unexpected{why}, server_.host_.now(), server_.host_.wall_clock());
  }
  void drop_data() {
    if (data_) (void)tcp_.abort(*data_);
    if (listener_) (void)tcp_.close(*listener_);
    data_.reset();
    listener_.reset();
  }

  FtpServer& server_;
  runtime::TcpSockets& tcp_;
  tcp::SocketHandle control_;
  IpEndpoint peer_;
  std::optional<ftp::ServerSession> session_;
  std::string out_;
  std::optional<tcp::SocketHandle> listener_;
  std::optional<tcp::SocketHandle> data_;
  std::optional<ftp::DataTransfer> transfer_;
  std::size_t sent_ = 0;
  std::string received_;
  bool shut_ = false;
  bool dead_ = false;
  bool peer_closed_ = false;
  Instant deadline_{};
};

FtpServer::FtpServer(runtime::Host& host, std::uint16_t port, ftp::FileStore& store, FtpServerConfig config)
    : host_(host), store_(store), config_(std::move(config)), bound_(Unexpected{tcp::SocketError{}}) {
  // [::]:port beside the IPv4 listener where the host has IPv6 (RFC 2428:
  // EPSV and EPRT work there).
  Listener l = listen_on(host, port, config_.backlog);
  listener_ = l.handle;
  listener6_ = l.handle6;
  bound_ = std::move(l.bound);
  hook_ = host_.on_activity([this] { on_activity(); });
}

FtpServer::~FtpServer() {
  host_.remove_activity(hook_);
  conns_.clear();
  (void)host_.tcp().close(listener_);
  if (listener6_) (void)host_.tcp().close(*listener6_);
}

FtpServerStats FtpServer::stats() const {
  FtpServerStats s = stats_;
  s.active = conns_.size();
  for (const auto& c : conns_) add(s.sessions, c->stats());
  return s;
}

void FtpServer::accept_all() {
  accept_from(listener_);
  if (listener6_) accept_from(*listener6_);
}

void FtpServer::accept_from(tcp::SocketHandle listener) {
  auto& tcp = host_.tcp();
  while (auto h = tcp.accept(listener)) {
    ++stats_.accepted;
    const auto local = tcp.local_endpoint(*h);
    const auto peer = tcp.remote_endpoint(*h);
    if (conns_.size() >= config_.max_connections || !local || !peer) {
      ++stats_.refused;
      (void)tcp.send(*h, as_bytes(std::string_view("421 Too many connections, try again later\r\n")));
      (void)tcp.close(*h);
      continue;
    }
    conns_.push_back(std::make_unique<Conn>(*this, *h, *local, *peer));
    stats_.peak_active = std::max(stats_.peak_active, conns_.size());
  }
}

void FtpServer::on_activity() {
  accept_all();
  std::optional<Instant> next;
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (!(*it)->service()) {
      add(stats_.sessions, (*it)->stats());
      it = conns_.erase(it);
      continue;
    }
    if (auto w = (*it)->wake(); w && (!next || *w < *next)) next = w;
    ++it;
  }
  if (next) host_.wake_at(*next);
}

}  // namespace wirestack::app
