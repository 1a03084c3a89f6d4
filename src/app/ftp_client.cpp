#include "app/ftp_client.hpp"

#include <array>

namespace wirestack::app {

namespace {

const std::vector<std::string> kNoTranscript;

}  // namespace

bool connected(runtime::TcpSockets& tcp, tcp::SocketHandle h) {
  const auto s = tcp.state(h);
  return s && *s != tcp::State::syn_sent && *s != tcp::State::syn_received && *s != tcp::State::listen &&
         *s != tcp::State::closed;
}

FtpClient::FtpClient(runtime::Host& host, IpEndpoint server, ftp::ClientJob job, FtpClientConfig config,
                     std::function<void(const FtpClient&)> on_done)
    : host_(host), server_(server), job_(std::move(job)), config_(config), on_done_(std::move(on_done)) {
  start_timer_ = host_.schedule_in(config_.start, [this] { start(); });
}

FtpClient::~FtpClient() {
  host_.cancel(start_timer_);
  host_.cancel(timeout_);
  if (hooked_) host_.remove_activity(hook_);
  drop_data();
  if (control_) (void)host_.tcp().abort(*control_);
}

const std::vector<std::string>& FtpClient::transcript() const {
  return session_ ? session_->transcript() : kNoTranscript;
}

void FtpClient::start() {
  auto& tcp = host_.tcp();
  started_at_ = host_.now();
  control_ = tcp.open();
  if (auto r = tcp.connect(*control_, server_, host_.now()); !r) return finish("connect: " + r.error().message);
  timeout_ = host_.schedule_in(config_.timeout, [this] {
    if (!done_) finish("timed out after " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(config_.timeout).count()) + " s");
  });
  hook_ = host_.on_activity([this] { on_activity(); });
  hooked_ = true;
}

void FtpClient::on_activity() {
  if (done_ || !control_) return;
  auto& tcp = host_.tcp();
  if (!session_) {
    if (auto e = tcp.take_error(*control_)) return finish("control connection: " + std::string(to_string(*e)));
    if (!connected(tcp, *control_)) return;
    control_local_ = tcp.local_endpoint(*control_);
    session_.emplace(job_, ftp::ClientSession::Endpoints{control_local_.value_or(IpEndpoint{}), server_});
  }
  std::array<char, 4096> buf{};
  for (;;) {
    auto n = tcp.recv(*control_, as_writable_bytes(std::span(buf)));
    if (!n) {
      if (n.error().code != tcp::Errc::would_block) session_->on_control_closed(n.error().message);
      break;
    }
    if (*n == 0) {
      session_->on_control_closed("closed by the server");
      break;
    }
    session_->on_control(std::string_view(buf.data(), *n));
  }
  step_data();
  out_ += session_->take_output();
  while (!out_.empty()) {
    auto n = tcp.send(*control_, as_bytes(std::string_view(out_)));
    if (!n || *n == 0) break;
    out_.erase(0, *n);
  }
  if (session_->done()) finish(std::nullopt);
}

void FtpClient::step_data() {
  auto& tcp = host_.tcp();
  if (auto step = session_->take_data_step()) {
    drop_data();
    const tcp::SocketHandle h = tcp.open();
    if (step->kind == ftp::ClientSession::DataStep::Kind::connect) {
      if (auto r = tcp.connect(h, step->to, host_.now()); !r) {
        (void)tcp.close(h);
        session_->on_data_done(Unexpected{"connect to " + step->to.to_string() + ": " + r.error().message});
        return;
      }
      data_ = h;
    } else {
      auto bound = tcp.bind(h, {control_local_.value_or(IpEndpoint{}).addr, 0});
      if (bound) {
        if (auto l = tcp.listen(h, 1); !l) bound = Unexpected{l.error()};
      }
      if (!bound) {
        (void)tcp.close(h);
        session_->on_data_done(Unexpected{"listen: " + bound.error().message});
        return;
      }
      listener_ = h;
      session_->on_listening(*bound);
    }
    received_.clear();
    sent_ = 0;
    shut_ = false;
    data_reported_ = false;
  }
  if (listener_ && !data_) {
    if (auto h = tcp.accept(*listener_)) {
      const auto from = tcp.remote_endpoint(*h);
      if (from && from->addr == server_.addr) {
        data_ = *h;
        (void)tcp.close(*listener_);
        listener_.reset();
      } else {
        (void)tcp.abort(*h);  // not the server: RFC 2577
      }
    }
  }
  if (!data_ || data_reported_) return;
  const tcp::SocketHandle h = *data_;
  if (!session_->data_wanted()) return drop_data();
  if (!connected(tcp, h)) {
    if (auto e = tcp.take_error(h)) {
      data_reported_ = true;
      session_->on_data_done(Unexpected{std::string(to_string(*e))});
    }
    return;
  }
  if (const auto local = tcp.local_endpoint(h), remote = tcp.remote_endpoint(h); local && remote) {
    data_ends_ = std::pair{*local, *remote};
  }
  if (job_.op == ftp::ClientJob::Op::put) {
    if (!session_->may_send()) return;
    const std::string& up = session_->upload();
    while (sent_ < up.size()) {
      auto n = tcp.send(h, as_bytes(std::string_view(up).substr(sent_)));
      if (!n || *n == 0) break;
      sent_ += *n;
    }
    if (sent_ == up.size() && !shut_) {
      (void)tcp.shutdown_send(h);
      shut_ = true;
    }
    if (shut_ && tcp.all_acknowledged(h)) {
      data_reported_ = true;
      (void)tcp.close(h);
      data_.reset();
      session_->on_data_done(std::string());
    }
    return;
  }
  std::array<char, 16384> buf{};
  for (;;) {
    auto n = tcp.recv(h, as_writable_bytes(std::span(buf)));
    if (!n) {
      if (n.error().code != tcp::Errc::would_block) {
        data_reported_ = true;
        session_->on_data_done(Unexpected{n.error().message});
      }
      return;
    }
    if (*n == 0) {
      data_reported_ = true;
      (void)tcp.close(h);
      data_.reset();
      session_->on_data_done(std::move(received_));
      received_.clear();
      return;
    }
    received_.append(buf.data(), *n);
  }
}

void FtpClient::drop_data() {
  auto& tcp = host_.tcp();
  if (data_) (void)tcp.close(*data_);
  if (listener_) (void)tcp.close(*listener_);
  data_.reset();
  listener_.reset();
}

void FtpClient::finish(const std::optional<std::string>& why) {
  if (done_) return;
  done_ = true;
  host_.cancel(timeout_);
  if (session_) result_ = session_->result();
  if (why) {
    result_.ok = false;
    if (result_.error.empty() || !session_) result_.error = *why;
  }
  elapsed_ = host_.now() - started_at_;
  drop_data();
  if (control_) (void)host_.tcp().close(*control_);
  control_.reset();
  if (on_done_) on_done_(*this);
}

}  // namespace wirestack::app
