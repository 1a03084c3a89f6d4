// `wirestack get URL` and `wirestack call HOST PORT METHOD [PARAMS]`: one
// request over our stack on a TAP device, the answer on standard output.
//
// Both are one exchange: connect, send the request bytes, feed what comes back
// to a parser until it says the answer is complete (or the peer closes).
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "client.hpp"
#include "http/client.hpp"
#include "http/response_parser.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"

namespace wirestack::cli {

namespace {

// What the parser says after each piece of the answer.
enum class Progress { more, done, failed };

class Exchange {
 public:
  using Feed = std::function<Progress(Bytes data, bool eof)>;
  Exchange(loop::TapHost& host, IpEndpoint dst, std::string request, Feed feed, Duration timeout)
      : host_(host), dst_(dst), request_(std::move(request)), feed_(std::move(feed)), timeout_(timeout) {
    hook_ = host_.on_activity([this] { on_activity(); });
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange() { host_.remove_activity(hook_); }
  const std::string& error() const { return error_; }
  bool ok() const { return ok_; }

 private:
  void on_activity() {
    if (done_) return;
    auto& tcp = host_.stack().tcp();
    if (!started_) {
      started_ = true;
      deadline_ = host_.now() + timeout_;
      socket_ = tcp.open();
      if (auto r = tcp.connect(socket_, dst_, host_.now()); !r) return finish(false, r.error().message);
    }
    if (host_.now() >= deadline_) return finish(false, "timed out after " + std::to_string(to_seconds(timeout_)) + " s");
    host_.wake_at(deadline_);
    if (auto e = tcp.take_error(socket_)) return finish(false, std::string(tcp::to_string(*e)));
    const auto state = tcp.state(socket_);
    if (!state || !tcp::is_synchronized(*state)) return;
    while (sent_ < request_.size()) {
      auto n = tcp.send(socket_, as_bytes(std::string_view(request_).substr(sent_)));
      if (!n) break;
      sent_ += *n;
    }
    std::array<std::byte, 64 * 1024> buf{};
    for (;;) {
      auto n = tcp.recv(socket_, buf);
      if (!n) {
        if (n.error().code == tcp::Errc::would_block) return;
        return finish(false, n.error().message);
      }
      const bool eof = *n == 0;
      switch (feed_(Bytes(buf.data(), *n), eof)) {
        case Progress::done: return finish(true, {});
        case Progress::failed: return finish(false, {});
        case Progress::more: break;
      }
      if (eof) return finish(false, "the server closed the connection before answering");
    }
  }

  void finish(bool ok, std::string why) {
    done_ = true;
    ok_ = ok;
    error_ = std::move(why);
    (void)host_.stack().tcp().close(socket_);
    // Let our FIN (or RST) leave before the process ends.
    host_.kick();
    host_.stop();
  }

  loop::TapHost& host_;
  IpEndpoint dst_;
  std::string request_;
  Feed feed_;
  Duration timeout_;
  Instant deadline_{};
  tcp::SocketHandle socket_;
  std::size_t sent_ = 0;
  std::size_t hook_ = 0;
  std::string error_;
  bool started_ = false;
  bool done_ = false;
  bool ok_ = false;
};

// Runs one exchange on a fresh stack; returns the exit status (0, 1).
int exchange(const char* cmd, const StackOptions& stack_opt, IpEndpoint dst, std::string request,
             Exchange::Feed feed, double timeout_s) {
  auto stack = make_tap_stack(stack_opt, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack " << cmd << ": " << stack.error() << "\n";
    return 1;
  }
  Exchange ex(*stack->host, dst, std::move(request), std::move(feed),
              std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s)));
  auto why = stack->host->run();
  if (stack->pcap) stack->pcap->flush();
  if (!why) {
    std::cerr << "wirestack " << cmd << ": " << why.error() << "\n";
    return 1;
  }
  if (*why == loop::StopReason::signal) {
    std::cerr << "wirestack " << cmd << ": interrupted\n";
    return 130;
  }
  if (!ex.ok()) {
    if (!ex.error().empty()) std::cerr << "wirestack " << cmd << ": " << dst << ": " << ex.error() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

CLI::App* add_get_command(CLI::App& app, GetOptions& opt) {
  auto* cmd = app.add_subcommand("get", "HTTP GET over the stack on a TAP device: the body to standard output");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("url", opt.url, "http://ADDRESS[:PORT]/PATH")->required();
  cmd->add_option("--timeout", opt.timeout, "seconds to wait for the whole answer")->check(CLI::PositiveNumber);
  return cmd;
}

int run_get(const GetOptions& opt) {
  auto url = http::parse_url(opt.url);
  if (!url) {
    std::cerr << "wirestack get: " << opt.url << ": " << url.error().reason << "\n";
    return 1;
  }
  if (!url->host_is_ip) {
    std::cerr << "wirestack get: " << url->host << ": an IP address is needed (no DNS in this stack yet)\n";
    return 1;
  }
  auto addr = IpAddress::parse(url->host);
  if (!addr) {
    std::cerr << "wirestack get: " << addr.error() << "\n";
    return 1;
  }
  auto parser = std::make_shared<http::ResponseParser>();
  int status = 0;
  auto feed = [parser, &status](Bytes data, bool eof) {
    parser->feed(data);
    if (eof) parser->finish();
    auto r = parser->next();
    if (!r) {
      std::cerr << "wirestack get: bad response: " << r.error().reason << "\n";
      return Progress::failed;
    }
    if (!*r) return Progress::more;
    status = (*r)->status;
    std::cout << (*r)->body << std::flush;
    if (status >= 400) {
      std::cerr << "wirestack get: " << status << " " << (*r)->reason << "\n";
      return Progress::failed;
    }
    return Progress::done;
  };
  return exchange("get", opt.stack, IpEndpoint{*addr, url->port}, http::write_get_request(*url), feed,
                  opt.timeout);
}

CLI::App* add_call_command(CLI::App& app, CallOptions& opt) {
  auto* cmd = app.add_subcommand(
      "call", "one JSON-RPC request (docs/PROTOCOL.md) over the stack on a TAP device; prints the response");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("host", opt.host, "server IPv4 address")->required();
  cmd->add_option("port", opt.port, "server port")->required()->check(CLI::Range(1, 65535));
  cmd->add_option("method", opt.method, "method name, e.g. time or echo")->required();
  cmd->add_option("params", opt.params, "params as JSON, e.g. '{\"format\":\"iso8601\"}'");
  cmd->add_option("--timeout", opt.timeout, "seconds to wait for the response")->check(CLI::PositiveNumber);
  return cmd;
}

int run_call(const CallOptions& opt) {
  auto addr = Ipv4Address::parse(opt.host);
  if (!addr) {
    std::cerr << "wirestack call: " << opt.host << ": " << addr.error() << "\n";
    return 1;
  }
  msg::Params params;
  if (opt.params) {
    auto j = nlohmann::json::parse(*opt.params, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !(j.is_object() || j.is_array())) {
      std::cerr << "wirestack call: params: expected a JSON object or array, got: " << *opt.params << "\n";
      return 1;
    }
    params = std::move(j);
  }
  const std::string request = msg::make_request(1, opt.method, params);
  ByteVec framed = msg::encode_frame(request);
  auto decoder = std::make_shared<msg::FrameDecoder>();
  auto feed = [decoder](Bytes data, bool /*eof*/) {
    decoder->feed(data);
    auto frame = decoder->next();
    if (!frame) {
      std::cerr << "wirestack call: bad frame: " << frame.error().message << "\n";
      return Progress::failed;
    }
    if (!*frame) return Progress::more;
    std::cout << **frame << "\n";
    auto r = msg::parse_response(**frame);
    if (!r) {
      std::cerr << "wirestack call: not a JSON-RPC response: " << r.error() << "\n";
      return Progress::failed;
    }
    if (!r->ok()) {
      std::cerr << "wirestack call: error " << r->error->code << ": " << r->error->message << "\n";
      return Progress::failed;
    }
    return Progress::done;
  };
  return exchange("call", opt.stack, IpEndpoint{*addr, static_cast<std::uint16_t>(opt.port)},
                  std::string(reinterpret_cast<const char*>(framed.data()), framed.size()), feed, opt.timeout);
}

}  // namespace wirestack::cli
