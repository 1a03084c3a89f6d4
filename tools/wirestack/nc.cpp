// `wirestack nc --dev IFNAME --ip ADDR/PREFIX [--gateway ADDR] HOST PORT`:
// like nc(1) over our stack on a TAP device. Standard input goes into one TCP
// connection, the connection comes out on standard output; at the end of
// input our side is shut down (half-close) and nc waits for the peer to
// close. Exit status 0 when the peer closed normally, 1 when the connection
// failed (refused, timed out, unreachable) or was reset.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "tap.hpp"

namespace wirestack::cli {

namespace {

// Writes all of `data` to a descriptor (standard output may be a pipe).
bool write_all(int fd, Bytes data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        ::usleep(1000);
        continue;
      }
      return false;
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

class NetCat {
 public:
  NetCat(loop::TapHost& host, IpEndpoint dst, std::string urgent)
      : host_(host), dst_(dst), urgent_(std::move(urgent)) {
    // Non-blocking standard input, so a read never stalls the stack.
    const int flags = ::fcntl(STDIN_FILENO, F_GETFL);
    if (flags >= 0) (void)::fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK);
    hook_ = host_.on_activity([this] { on_activity(); });
  }
  NetCat(const NetCat&) = delete;
  NetCat& operator=(const NetCat&) = delete;
  ~NetCat() { host_.remove_activity(hook_); }

  int status() const { return status_; }
  const std::string& error() const { return error_; }

 private:
  void start() {
    started_ = true;
    auto& tcp = host_.stack().tcp();
    socket_ = tcp.open();
    if (auto r = tcp.connect(socket_, dst_, host_.now()); !r) {
      fail(r.error().message);
      return;
    }
    host_.watch_fd(STDIN_FILENO, [this] { on_stdin(); });
    watching_ = true;
  }

  void on_stdin() {
    if (!pending_.empty() || stdin_eof_) {
      // Back-pressure: read more only when the last piece went into the connection.
      host_.unwatch_fd(STDIN_FILENO);
      watching_ = false;
      return;
    }
    std::array<std::byte, 64 * 1024> buf{};
    const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      stdin_eof_ = true;  // an unreadable input ends like an empty one
    } else if (n == 0) {
      stdin_eof_ = true;
    } else {
      pending_.assign(buf.begin(), buf.begin() + n);
    }
    if (stdin_eof_ || !pending_.empty()) {
      host_.unwatch_fd(STDIN_FILENO);
      watching_ = false;
    }
  }

  void on_activity() {
    if (done_) return;
    if (!started_) start();
    if (done_) return;
    auto& tcp = host_.stack().tcp();
    if (auto e = tcp.take_error(socket_)) {
      fail(std::string(tcp::to_string(*e)));
      return;
    }
    const auto state = tcp.state(socket_);
    if (!state) return;
    if (tcp::is_synchronized(*state)) {
      while (!pending_.empty()) {
        auto n = tcp.send(socket_, pending_);
        if (!n) {
          if (n.error().code != tcp::Errc::would_block) {
            fail(n.error().message);
            return;
          }
          break;
        }
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(*n));
      }
      if (pending_.empty() && !stdin_eof_ && !watching_) {
        host_.watch_fd(STDIN_FILENO, [this] { on_stdin(); });
        watching_ = true;
      }
      // --urgent: after the input, its bytes as urgent data (in line, the
      // urgent pointer after them: what BSD's MSG_OOB sends).
      while (pending_.empty() && stdin_eof_ && urgent_sent_ < urgent_.size()) {
        auto n = tcp.send_urgent(socket_, as_bytes(std::string_view(urgent_).substr(urgent_sent_)));
        if (!n) {
          if (n.error().code != tcp::Errc::would_block) {
            fail(n.error().message);
            return;
          }
          break;
        }
        urgent_sent_ += *n;
      }
      if (pending_.empty() && stdin_eof_ && urgent_sent_ == urgent_.size() && !shut_) {
        (void)tcp.shutdown_send(socket_);  // half-close: the peer sees our end of input
        shut_ = true;
      }
      std::array<std::byte, 64 * 1024> buf{};
      for (;;) {
        auto n = tcp.recv(socket_, buf);
        if (!n) {
          if (n.error().code != tcp::Errc::would_block) {
            fail(n.error().message);
            return;
          }
          break;
        }
        if (*n == 0) {
          peer_eof_ = true;
          break;
        }
        if (!write_all(STDOUT_FILENO, Bytes(buf.data(), *n))) {
          fail(std::string("writing standard output: ") + std::strerror(errno));
          return;
        }
      }
    }
    const auto now_state = tcp.state(socket_);
    // Done when the peer has closed and our side is closed too: either all
    // our input went out (TIME-WAIT / CLOSED), or the peer stopped first and
    // we close without sending the rest (as nc does).
    if (peer_eof_) {
      if (!shut_) {
        (void)tcp.shutdown_send(socket_);
        shut_ = true;
      }
      if (!linger_until_) linger_until_ = host_.now() + std::chrono::seconds{2};
      const bool closed = now_state == tcp::State::time_wait || now_state == tcp::State::closed;
      if (closed || host_.now() >= *linger_until_) {
        finish(0);
        return;
      }
      host_.wake_at(*linger_until_);
    }
  }

  void fail(const std::string& why) {
    error_ = why;
    finish(1);
  }

  void finish(int status) {
    status_ = status;
    done_ = true;
    if (watching_) host_.unwatch_fd(STDIN_FILENO);
    watching_ = false;
    (void)host_.stack().tcp().close(socket_);
    host_.stop();
  }

  loop::TapHost& host_;
  IpEndpoint dst_;
  tcp::SocketHandle socket_;
  std::vector<std::byte> pending_;  // read from standard input, not yet sent
  std::string urgent_;              // --urgent
  std::size_t urgent_sent_ = 0;
  std::optional<Instant> linger_until_;
  std::size_t hook_ = 0;
  std::string error_;
  int status_ = 1;
  bool started_ = false;
  bool watching_ = false;
  bool stdin_eof_ = false;
  bool shut_ = false;
  bool peer_eof_ = false;
  bool done_ = false;
};

}  // namespace

CLI::App* add_nc_command(CLI::App& app, NcOptions& opt) {
  auto* cmd = app.add_subcommand("nc", "like nc(1): standard input into a TCP connection over the TAP device");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("host", opt.host, "peer address, IPv4 or IPv6 (fe80::1%IFNAME: link-local)")->required();
  cmd->add_option("port", opt.port, "peer port")->required()->check(CLI::Range(1, 65535));
  cmd->add_option("--urgent", opt.urgent,
                  "after standard input, send TEXT as urgent data (TCP's urgent pointer, as MSG_OOB; the bytes stay "
                  "in line) before closing");
  return cmd;
}

int run_nc(const NcOptions& opt) {
  auto dst = parse_destination(opt.host, opt.stack.dev);
  if (!dst) {
    std::cerr << "wirestack nc: " << dst.error() << "\n";
    return 2;
  }
  auto stack = make_tap_stack(opt.stack, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack nc: " << stack.error() << "\n";
    return stack.error().status;
  }
  if (dst->is_v6()) {
    if (auto r = await_ipv6_addresses(*stack, "nc"); !r) {
      std::cerr << "wirestack nc: " << r.error() << "\n";
      return r.error().status;
    }
  }
  loop::TapHost& host = *stack->host;
  NetCat nc(host, IpEndpoint{*dst, static_cast<std::uint16_t>(opt.port)}, opt.urgent.value_or(""));
  auto why = host.run();
  if (!why) {
    std::cerr << "wirestack nc: " << why.error() << "\n";
    return 1;
  }
  release_dhcp(*stack);
  if (stack->pcap) stack->pcap->flush();
  if (*why == loop::StopReason::signal) {
    std::cerr << "wirestack nc: interrupted\n";
    return 130;
  }
  if (nc.status() != 0) {
    std::cerr << "wirestack nc: " << opt.host << ":" << opt.port << ": " << nc.error() << "\n";
  }
  return nc.status();
}

}  // namespace wirestack::cli
