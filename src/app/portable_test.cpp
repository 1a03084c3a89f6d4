// app/portable_test.cpp — the same test bodies on two worlds: our stack in
// the simulator, and the Linux kernel's own sockets over loopback
// (loop::KernelHost). An application that passes both runs unchanged on
// either, which is the point of runtime::Host.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "app/http_client.hpp"
#include "app/ftp_client.hpp"
#include "app/ftp_server.hpp"
#include "app/http_server.hpp"
#include "app/ping.hpp"
#include "app/rpc_client.hpp"
#include "app/rpc_server.hpp"
#include "http/response_parser.hpp"
#include "loop/kernel_host.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"
#include "app/tcp_apps.hpp"
#include "app/udp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;

// Where a test runs: a server host, a client host, the server's address, and
// a way to let time pass until a condition holds.
class Env {
 public:
  virtual ~Env() = default;
  virtual runtime::Host& server() = 0;
  virtual runtime::Host& client() = 0;
  virtual Ipv4Address server_ip() const = 0;
  // Runs until `done()` or `limit` (virtual or real time).
  virtual void run_until(const std::function<bool()>& done, Duration limit) = 0;
};

class SimEnv final : public Env {
 public:
  SimEnv() : w_(11) {
    client_ = &w_.add_host("client");
    server_ = &w_.add_host("server");
    sim::LinkDirection cable;
    cable.loss = 0.01;
    cable.delay = 2ms;
    EXPECT_TRUE(w_.connect(*client_, "10.0.0.1/24", *server_, "10.0.0.2/24", cable));
  }
  runtime::Host& server() override { return *server_; }
  runtime::Host& client() override { return *client_; }
  Ipv4Address server_ip() const override { return Ipv4Address(10, 0, 0, 2); }
  void run_until(const std::function<bool()>& done, Duration limit) override {
    const Instant end = w_.now() + limit;
    while (!done() && w_.now() < end) w_.run_until(std::min(end, w_.now() + 10ms));
  }

 private:
  sim::World w_;
  sim::Host* client_ = nullptr;
  sim::Host* server_ = nullptr;
};

class KernelEnv final : public Env {
 public:
  KernelEnv() : host_(/*handle_signals=*/false) {}
  runtime::Host& server() override { return host_; }
  runtime::Host& client() override { return host_; }
  Ipv4Address server_ip() const override { return Ipv4Address(127, 0, 0, 1); }
  void run_until(const std::function<bool()>& done, Duration limit) override {
    const std::size_t hook = host_.on_activity([&] {
      if (done()) host_.stop();
      host_.wake_at(host_.now() + 10ms);
    });
    (void)host_.run(limit);
    host_.remove_activity(hook);
  }

 private:
  loop::KernelHost host_;
};

std::unique_ptr<Env> make_env(const std::string& kind) {
  if (kind == "sim") return std::make_unique<SimEnv>();
  return std::make_unique<KernelEnv>();
}

class Portable : public ::testing::TestWithParam<std::string> {};

std::vector<http::Response> responses(const std::string& bytes) {
  http::ResponseParser p;
  p.feed(std::string_view(bytes));
  p.finish();
  std::vector<http::Response> out;
  for (;;) {
    auto r = p.next();
    if (!r || !*r) return out;
    out.push_back(std::move(**r));
  }
}

TEST_P(Portable, HttpPipeliningErrorsAndTheStatsPage) {
  auto env = make_env(GetParam());
  HttpServer web(env->server(), 0);  // port 0: any free port (the kernel's loopback is shared)
  ASSERT_TRUE(web.listening()) << web.listening().error().message;
  const IpEndpoint at{env->server_ip(), web.listening()->port};
  web.router().add("GET", "/hello", [](const http::Request&) { return http::Response{.body = "hello\n"}; });
  app::TcpRequestClient ok(env->client(), at,
                           {.request = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n"
                                       "Connection: close\r\n\r\n"});
  app::TcpRequestClient bad(env->client(), at, {.request = "BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n"});
  app::TcpRequestClient garbage(env->client(), at, {.request = "\x01\x02 nonsense\r\n\r\n"});
  env->run_until([&] { return ok.done() && bad.done() && garbage.done(); }, 20s);
  auto rs = responses(ok.response());
  ASSERT_EQ(rs.size(), 2u) << ok.response();
  EXPECT_EQ(rs[0].body, "hello\n");
  const auto stats = nlohmann::json::parse(rs[1].body);
  EXPECT_EQ(stats["http"]["requests"], 1);
  EXPECT_EQ(responses(bad.response()).at(0).status, 405);
  EXPECT_EQ(responses(garbage.response()).at(0).status, 400);
}

// The server framework's limits on both worlds: two half requests are cut at
// the request timeout with a 408, a third connection from the same address
// is over the per-address cap and reset at once.
TEST_P(Portable, HalfRequestsTimeOutAndTheConnectionOverThePerAddressCapIsReset) {
  auto env = make_env(GetParam());
  HttpServer web(env->server(), 0, {.stream = {.limits = {.request_timeout = 300ms, .max_per_address = 2}}});
  ASSERT_TRUE(web.listening()) << web.listening().error().message;
  const IpEndpoint at{env->server_ip(), web.listening()->port};
  std::vector<std::unique_ptr<TcpRequestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TcpRequestClient>(
        env->client(), at, TcpRequestClient::Config{.request = "GET / HTTP/1.1\r\nHost:", .expect = 1 << 20}));
  }
  env->run_until([&] { return std::all_of(clients.begin(), clients.end(), [](const auto& c) { return c->done(); }); },
                 20s);
  int answered_408 = 0;
  int reset = 0;
  for (const auto& c : clients) {
    ASSERT_TRUE(c->done());
    if (c->error() == tcp::Errc::connection_reset) ++reset;
    const auto rs = responses(c->response());
    if (!c->error() && rs.size() == 1 && rs[0].status == 408) ++answered_408;
  }
  EXPECT_EQ(answered_408, 2);
  EXPECT_EQ(reset, 1);
  EXPECT_EQ(web.connections().shed.request_timeouts, 2u);
  EXPECT_EQ(web.connections().shed.over_per_address, 1u);
}

TEST_P(Portable, JsonRpcTimeEchoAndAnError) {
  auto env = make_env(GetParam());
  RpcServer rpc(env->server(), 0);
  ASSERT_TRUE(rpc.listening()) << rpc.listening().error().message;
  const IpEndpoint at{env->server_ip(), rpc.listening()->port};
  std::string req;
  for (const auto& text : {msg::make_request(1, "time", std::nullopt),
                           msg::make_request(2, "echo", nlohmann::json{{"mac", "02:00:00:00:00:01"}}),
                           msg::make_request(3, "nope", std::nullopt)}) {
    ByteVec f = msg::encode_frame(text);
    req.append(reinterpret_cast<const char*>(f.data()), f.size());
  }
  app::TcpRequestClient c(env->client(), at, {.request = req});
  env->run_until([&] { return c.done(); }, 20s);
  ASSERT_TRUE(c.done());
  msg::FrameDecoder d;
  d.feed(as_bytes(std::string_view(c.response())));
  std::vector<msg::Response> rs;
  while (auto f = d.next()) {
    if (!*f) break;
    rs.push_back(*msg::parse_response(**f));
  }
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_TRUE(std::regex_match(rs[0].result->get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")));
  EXPECT_EQ((*rs[1].result)["mac"], "02:00:00:00:00:01");
  EXPECT_EQ(rs[2].error->code, -32601);
}

TEST_P(Portable, ARefusedConnectionReadsTheSame) {
  auto env = make_env(GetParam());
  // A port nobody listens on: bind one, close it, connect to it.
  auto& tcp = env->server().tcp();
  const auto probe = tcp.open();
  auto bound = tcp.bind(probe, {env->server_ip(), 0});
  ASSERT_TRUE(bound);
  (void)tcp.close(probe);
  app::TcpRequestClient c(env->client(), {env->server_ip(), bound->port}, {.request = "x"});
  env->run_until([&] { return c.done(); }, 10s);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(c.error(), tcp::Errc::connection_refused);
}

// Timers (runtime::Host::schedule_at / cancel): in time order, a timer may
// schedule another, a cancelled one never runs, none runs early; the same
// code in virtual time and on the kernel host's clock.
TEST_P(Portable, TimersRunInOrderOnceAndCancelledOnesNever) {
  auto env = make_env(GetParam());
  runtime::Host& h = env->server();
  const Instant t0 = h.now();
  std::vector<int> fired;
  Instant third{};
  h.schedule_in(30ms, [&] {
    fired.push_back(3);
    third = h.now();
  });
  h.schedule_in(10ms, [&] {
    fired.push_back(1);
    h.schedule_in(5ms, [&] { fired.push_back(2); });
  });
  const runtime::TimerId gone = h.schedule_in(20ms, [&] { fired.push_back(99); });
  h.cancel(gone);
  h.cancel(gone);  // twice: a no-op
  env->run_until([&] { return fired.size() >= 3; }, 2s);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(third - t0, 30ms);
}

TEST_P(Portable, HttpGetAndRpcCallReadTheirAnswers) {
  auto env = make_env(GetParam());
  HttpServer web(env->server(), 0);
  ASSERT_TRUE(web.listening()) << web.listening().error().message;
  web.router().add("GET", "/hello", [](const http::Request&) { return http::Response{.body = "hello\n"}; });
  RpcServer rpc(env->server(), 0);
  ASSERT_TRUE(rpc.listening()) << rpc.listening().error().message;
  const IpEndpoint web_at{env->server_ip(), web.listening()->port};
  const IpEndpoint rpc_at{env->server_ip(), rpc.listening()->port};
  auto url = http::parse_url("http://" + web_at.to_string() + "/hello");
  ASSERT_TRUE(url);
  auto missing = *url;
  missing.target = "/nope";
  HttpGet get(env->client(), web_at, {.url = *url});
  HttpGet not_found(env->client(), web_at, {.url = missing});
  RpcCall echo(env->client(), rpc_at, {.method = "echo", .params = nlohmann::json::array({1, "two"})});
  RpcCall unknown(env->client(), rpc_at, {.method = "no_such_method"});
  env->run_until([&] { return get.done() && not_found.done() && echo.done() && unknown.done(); }, 20s);
  ASSERT_TRUE(get.response()) << get.bad_response();
  EXPECT_TRUE(get.ok());
  EXPECT_EQ(get.response()->body, "hello\n");
  ASSERT_TRUE(not_found.response()) << not_found.bad_response();
  EXPECT_EQ(not_found.response()->status, 404);
  EXPECT_FALSE(not_found.ok());
  ASSERT_TRUE(echo.answer()) << echo.bad_response();
  EXPECT_TRUE(echo.ok());
  EXPECT_EQ(*echo.answer()->result, nlohmann::json::array({1, "two"}));
  ASSERT_TRUE(unknown.answer()) << unknown.bad_response();
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.answer()->error->code, msg::rpc_code::kMethodNotFound);
}

TEST_P(Portable, AnExchangeThatGetsNoAnswerTimesOut) {
  auto env = make_env(GetParam());
  // A server that accepts and never answers.
  runtime::TcpSockets& tcp = env->server().tcp();
  const tcp::SocketHandle l = tcp.open();
  auto bound = tcp.bind(l, {IpAddress::any(IpFamily::v4), 0});
  ASSERT_TRUE(bound) << bound.error();
  ASSERT_TRUE(tcp.listen(l, 4));
  bool called = false;
  TcpRequestClient silent(env->client(), {env->server_ip(), bound->port},
                          {.request = "anyone?", .complete = [](std::string_view) { return false; },
                           .timeout = 300ms, .on_done = [&] { called = true; }});
  env->run_until([&] { return silent.done(); }, 10s);
  EXPECT_TRUE(called);
  EXPECT_EQ(silent.error(), tcp::Errc::timed_out);
  (void)tcp.close(l);
}

TEST_P(Portable, UdpEchoAndAClosedPort) {
  auto env = make_env(GetParam());
  UdpEchoServer echo(env->server(), 0);  // any free port
  ASSERT_TRUE(echo.bound()) << echo.bound().error();
  UdpClient client(env->client(), {env->server_ip(), echo.bound()->port},
                   {.count = 3, .interval = 10ms, .payload = "ping"});
  // A port nobody has: bind one, close it, send to it.
  runtime::UdpSockets& udp = env->server().udp();
  const udp::SocketHandle gone = udp.open();
  auto gone_at = udp.bind(gone, {IpAddress::any(IpFamily::v4), 0});
  ASSERT_TRUE(gone_at);
  EXPECT_TRUE(udp.close(gone));
  EXPECT_FALSE(udp.close(gone));  // a stale handle
  UdpClient refused(env->client(), {env->server_ip(), gone_at->port}, {.count = 2, .interval = 50ms});
  env->run_until([&] { return client.received().size() == 3 && !refused.errors().empty(); }, 10s);
  EXPECT_EQ(client.received(), (std::vector<std::string>{"ping", "ping", "ping"}));
  EXPECT_EQ(echo.echoed(), 3u);
  ASSERT_FALSE(refused.errors().empty());
  EXPECT_EQ(refused.errors().front(), udp::Errc::connection_refused);
}

TEST_P(Portable, PingAnswersAndSummarises) {
  auto env = make_env(GetParam());
  std::ostringstream lines;
  bool finished = false;
  Ping ping(env->client(), env->server_ip(),
            {.count = 3, .interval = 20ms, .lines = &lines, .on_done = [&] { finished = true; }});
  env->run_until([&] { return finished || !ping.result().send_errors.empty(); }, 10s);
  if (GetParam() == "kernel" && !ping.result().send_errors.empty() &&
      ping.result().send_errors.front().find("CAP_NET_RAW") != std::string::npos) {
    GTEST_SKIP() << "ICMP echo on the kernel host needs root: " << ping.result().send_errors.front();
  }
  EXPECT_TRUE(ping.done());
  EXPECT_EQ(ping.result().received, 3) << lines.str();
  EXPECT_NE(lines.str().find("icmp_seq=3 ttl=64 time="), std::string::npos) << lines.str();
  std::ostringstream summary;
  ping.print_summary(summary);
  EXPECT_NE(summary.str().find("3 packets transmitted, 3 received, 0% packet loss"), std::string::npos)
      << summary.str();
}

// FTP's two connections on both worlds: a passive get and an active put,
// with the kernel's sockets as well (TCP_NODELAY, a listener on port 0 for
// the data connection, the accept of the server's connection back).
TEST_P(Portable, FtpPassiveGetAndActivePut) {
  auto env = make_env(GetParam());
  ftp::MemoryStore files;
  std::string big(300'000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 251);
  files.put("/pub/big.bin", big);
  FtpServer server(env->server(), 0, files);  // port 0: any free port
  ASSERT_TRUE(server.listening()) << server.listening().error().message;
  const IpEndpoint at{env->server_ip(), server.listening()->port};
  FtpClient get(env->client(), at, {.op = ftp::ClientJob::Op::get, .path = "/pub/big.bin"});
  FtpClient put(env->client(), at, {.op = ftp::ClientJob::Op::put, .path = "/pub/up.bin", .upload = big.substr(1000),
                                    .active = true});
  env->run_until([&] { return get.done() && put.done(); }, 30s);
  ASSERT_TRUE(get.done() && put.done());
  EXPECT_TRUE(get.result().ok) << get.result().error;
  EXPECT_TRUE(get.result().data == big);
  EXPECT_TRUE(put.result().ok) << put.result().error;
  ASSERT_TRUE(files.read("/pub/up.bin"));
  EXPECT_TRUE(*files.read("/pub/up.bin") == big.substr(1000));
  EXPECT_EQ(server.stats().data_connections, 2u);
}

INSTANTIATE_TEST_SUITE_P(Worlds, Portable, ::testing::Values("sim", "kernel"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wirestack::app
