// app/app_test.cpp — the application framework in the simulator: HTTP and
// JSON-RPC servers over a lossy, reordering network, many clients at once,
// the error answers, idle timeouts, backpressure and graceful shutdown.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "app/http_server.hpp"
#include "app/rpc_server.hpp"
#include "app/stream_server.hpp"
#include "http/response_parser.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;
using app::TcpRequestClient;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// client (10.0.1.10) -- router -- server (10.0.2.10).
struct Net {
  explicit Net(std::uint64_t seed, sim::LinkDirection cable = {}) : w(seed) {
    client = &w.add_host("client");
    server = &w.add_host("server");
    auto& r = w.add_router("router");
    EXPECT_TRUE(w.connect(*client, "10.0.1.10/24", r, "10.0.1.1/24", cable));
    EXPECT_TRUE(w.connect(r, "10.0.2.1/24", *server, "10.0.2.10/24", cable));
    EXPECT_TRUE(w.set_gateway(*client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
  }
  sim::World w;
  sim::Host* client = nullptr;
  sim::Host* server = nullptr;
};

const IpEndpoint kWeb{ip("10.0.2.10"), 8080};
const IpEndpoint kRpc{ip("10.0.2.10"), 7000};

// Every response in a byte stream.
std::vector<http::Response> responses(const std::string& bytes) {
  http::ResponseParser p;
  p.feed(std::string_view(bytes));
  p.finish();
  std::vector<http::Response> out;
  for (;;) {
    auto r = p.next();
    EXPECT_TRUE(r) << r.error().reason;
    if (!r || !*r) return out;
    out.push_back(std::move(**r));
  }
}

TEST(HttpServer, ManyClientsOverALossyReorderingNetworkAllGetThePage) {
  sim::LinkDirection cable;
  cable.loss = 0.02;
  cable.jitter = 2ms;  // reordering
  cable.delay = 5ms;
  Net n(1, cable);
  HttpServer web(*n.server, 8080);
  ASSERT_TRUE(web.listening());
  std::vector<std::unique_ptr<TcpRequestClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(std::make_unique<TcpRequestClient>(
        *n.client, kWeb,
        TcpRequestClient::Config{.request = "GET / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
                                 .start = std::chrono::milliseconds{i * 3}}));
  }
  n.w.run_until(at(60s));
  for (const auto& c : clients) {
    ASSERT_TRUE(c->done());
    ASSERT_FALSE(c->error());
    auto rs = responses(c->response());
    ASSERT_EQ(rs.size(), 1u);
    EXPECT_EQ(rs[0].status, 200);
    EXPECT_NE(rs[0].body.find("wirestack: a TCP/IP stack in user space"), std::string::npos);
    EXPECT_EQ(rs[0].headers.find("Content-Type"), "text/html; charset=utf-8");
  }
  EXPECT_EQ(web.stats().requests, 50u);
  EXPECT_EQ(web.connections().accepted, 50u);
  EXPECT_GT(n.server->stack().tcp().counters().retransmits + n.client->stack().tcp().counters().retransmits, 0u);
}

// A session learns both ends of its connection: who called, and which of
// the host's addresses and ports they called.
TEST(StreamServer, ASessionSeesBothEndpoints) {
  struct WhoAmI final : Session {
    void on_data(Bytes, SessionIo& io) override {
      io.write(io.peer().to_string() + " -> " + io.local().to_string());
      io.close();
    }
  };
  Net n(3);
  StreamServer server(*n.server, 8080, [] { return std::make_unique<WhoAmI>(); });
  TcpRequestClient c(*n.client, kWeb, {.request = "?"});
  n.w.run_until(at(5s));
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(std::regex_match(c.response(), std::regex(R"(10\.0\.1\.10:[0-9]+ -> 10\.0\.2\.10:8080)")))
      << c.response();
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  Net n(2);
  HttpServer web(*n.server, 8080);
  web.router().add("GET", "/a", [](const http::Request&) { return http::Response{.body = "A"}; });
  web.router().add("GET", "/b", [](const http::Request&) { return http::Response{.body = "B"}; });
  TcpRequestClient c(*n.client, kWeb,
                     {.request = "GET /a HTTP/1.1\r\nHost: s\r\n\r\nGET /b HTTP/1.1\r\nHost: s\r\n\r\n"
                                 "GET /stats HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  n.w.run_until(at(5s));
  ASSERT_TRUE(c.done());
  auto rs = responses(c.response());
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].body, "A");
  EXPECT_EQ(rs[1].body, "B");
  auto stats = nlohmann::json::parse(rs[2].body);
  EXPECT_GT(stats["stack"]["tcp"]["rx"].get<int>(), 0);
  EXPECT_EQ(stats["http"]["requests"].get<int>(), 2);  // counted before this answer
  EXPECT_EQ(rs[2].headers.find("Connection"), "close");
  EXPECT_EQ(web.connections().accepted, 1u);
}

TEST(HttpServer, AUserRouteReplacesTheBuiltInPage) {
  Net n(12);
  HttpServer web(*n.server, 8080);
  web.router().add("GET", "/", [](const http::Request&) { return http::Response{.body = "mine"}; });
  TcpRequestClient home(*n.client, kWeb, {.request = "GET / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  TcpRequestClient stats(*n.client, kWeb, {.request = "GET /stats HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  n.w.run_until(at(5s));
  EXPECT_EQ(responses(home.response()).at(0).body, "mine");
  EXPECT_EQ(responses(stats.response()).at(0).status, 200);  // the rest of the built-in page stays
}

TEST(HttpServer, ErrorsAreAnsweredAndOnlyTheGuiltyConnectionCloses) {
  Net n(3);
  HttpServer web(*n.server, 8080);
  web.router().add("GET", "/boom", [](const http::Request&) -> http::Response { throw std::runtime_error("kaput"); });
  TcpRequestClient garbage(*n.client, kWeb, {.request = "HELLO?\r\n\r\n"});
  TcpRequestClient missing(*n.client, kWeb, {.request = "GET /nope HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  TcpRequestClient wrong(*n.client, kWeb, {.request = "DELETE / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  TcpRequestClient boom(*n.client, kWeb, {.request = "GET /boom HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  TcpRequestClient fine(*n.client, kWeb, {.request = "GET / HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n"});
  n.w.run_until(at(5s));
  auto status = [](const TcpRequestClient& c) {
    auto rs = responses(c.response());
    return rs.empty() ? 0 : rs[0].status;
  };
  EXPECT_EQ(status(garbage), 400);
  EXPECT_EQ(status(missing), 404);
  EXPECT_EQ(status(wrong), 405);
  EXPECT_EQ(responses(wrong.response())[0].headers.find("Allow"), "GET, HEAD");
  EXPECT_EQ(status(boom), 500);
  EXPECT_EQ(status(fine), 200);
}

TEST(HttpServer, AHalfRequestGets408AndASilentClientIsClosedWithoutAWord) {
  Net n(4);
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.request_timeout = 2s}}});
  TcpRequestClient half(*n.client, kWeb, {.request = "GET / HTTP/1.1\r\nHost:", .expect = 1 << 20});
  TcpRequestClient silent(*n.client, kWeb, {.request = "", .expect = 1 << 20});
  n.w.run_until(at(10s));
  ASSERT_TRUE(half.done());
  auto rs = responses(half.response());
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 408);
  ASSERT_TRUE(silent.done());
  EXPECT_EQ(silent.response(), "");
  EXPECT_EQ(web.connections().shed.request_timeouts, 2u);
  EXPECT_EQ(web.connections().active, 0u);
}

// A client that pipelines requests and never reads: the server stops reading
// once its output for that connection passes the bound, so memory stays
// bounded; the rest waits in TCP (the window closes).
TEST(HttpServer, AClientThatNeverReadsCannotMakeTheServerBufferWithoutBound) {
  Net n(5);
  HttpServerConfig cfg;
  cfg.stream.limits.max_output_bytes = 64 * 1024;
  HttpServer web(*n.server, 8080, cfg);
  web.router().add("GET", "/big", [](const http::Request&) { return http::Response{.body = std::string(32 * 1024, 'x')}; });
  auto& tcp = n.client->stack().tcp();
  const tcp::SocketHandle s = tcp.open();
  ASSERT_TRUE(tcp.connect(s, kWeb, n.w.now()));
  n.client->kick();
  n.w.run_until(at(1s));
  std::string many;
  for (int i = 0; i < 200; ++i) many += "GET /big HTTP/1.1\r\nHost: s\r\n\r\n";
  std::size_t sent = 0;
  for (int i = 0; i < 100 && sent < many.size(); ++i) {
    auto r = tcp.send(s, as_bytes(std::string_view(many).substr(sent)));
    if (r) sent += *r;
    n.client->kick();
    n.w.run_until(n.w.now() + 100ms);
  }
  n.w.run_until(at(5s));
  // 200 x 32 KiB = 6.4 MB of answers; the client reads none of it.
  // Answered: what fits in the bound (64 KiB), TCP's send buffer and the
  // client's receive window (64 KiB each): a handful of 32 KiB answers.
  EXPECT_LE(web.stats().requests, 8u) << web.stats().requests;
  EXPECT_LT(web.connections().bytes_out, 256u * 1024);
  // Reading resumes: every answer arrives.
  std::size_t got = 0;
  std::array<std::byte, 65536> buf{};
  n.client->on_activity([&] {
    for (;;) {
      auto r = tcp.recv(s, buf);
      if (!r || *r == 0) break;
      got += *r;
    }
  });
  n.client->kick();
  n.w.run_until(at(60s));
  EXPECT_EQ(web.stats().requests, 200u);
  EXPECT_GT(got, 200u * 32 * 1024);
}

TEST(HttpServer, GracefulShutdownFinishesTheRequestInProgressAndRefusesNewOnes) {
  Net n(6);
  HttpServer web(*n.server, 8080);
  auto& tcp = n.client->stack().tcp();
  std::string got;
  const tcp::SocketHandle s = tcp.open();
  n.client->on_activity([&] {
    std::array<std::byte, 4096> buf{};
    for (;;) {
      auto r = tcp.recv(s, buf);
      if (!r || *r == 0) break;
      got.append(reinterpret_cast<const char*>(buf.data()), *r);
    }
  });
  ASSERT_TRUE(tcp.connect(s, kWeb, n.w.now()));
  n.client->kick();
  n.w.run_until(at(1s));
  // A request whose body is still arriving when the shutdown starts.
  ASSERT_TRUE(tcp.send(s, as_bytes("POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 5\r\n\r\nhel")));
  n.client->kick();
  n.w.run_until(at(2s));
  web.shutdown();
  TcpRequestClient late(*n.client, kWeb, {.request = "GET / HTTP/1.1\r\nHost: s\r\n\r\n"});
  n.w.run_until(at(3s));
  EXPECT_TRUE(late.done());
  EXPECT_EQ(late.error(), tcp::Errc::connection_refused);  // the listener is gone
  EXPECT_EQ(web.connections().active, 1u);                // the upload is still served
  ASSERT_TRUE(tcp.send(s, as_bytes("lo")));
  n.client->kick();
  n.w.run_until(at(4s));
  auto rs = responses(got);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[0].body, "hello");
  EXPECT_EQ(rs[0].headers.find("Connection"), "close");
  EXPECT_EQ(web.connections().active, 0u);
}

TEST(RpcServer, TimeAndEchoThroughTheFramingWhateverTheSegmentation) {
  Net n(7);
  RpcServer rpc(*n.server, 7000);
  ASSERT_TRUE(rpc.listening());
  std::string request;
  for (const auto& text : {msg::make_request(1, "time", std::nullopt),
                           msg::make_request(2, "echo", nlohmann::json{{"when", "2026-01-01 00:00:00"}}),
                           msg::make_request(3, "time", nlohmann::json{{"format", "iso8601"}})}) {
    ByteVec f = msg::encode_frame(text);
    request.append(reinterpret_cast<const char*>(f.data()), f.size());
  }
  TcpRequestClient c(*n.client, kRpc, {.request = request});
  n.w.run_until(at(5s));
  ASSERT_TRUE(c.done());
  msg::FrameDecoder d;
  d.feed(as_bytes(std::string_view(c.response())));
  std::vector<msg::Response> rs;
  while (auto f = d.next()) {
    if (!*f) break;
    rs.push_back(*msg::parse_response(**f));
  }
  ASSERT_EQ(rs.size(), 3u);
  // The simulator's calendar starts at 2026-01-01 00:00:00 UTC.
  EXPECT_TRUE(std::regex_match(rs[0].result->get<std::string>(), std::regex(R"(2026-01-01 00:00:0\d)")))
      << *rs[0].result;
  EXPECT_EQ((*rs[1].result)["when"], "2026-01-01 00:00:00");
  EXPECT_TRUE(std::regex_match(rs[2].result->get<std::string>(), std::regex(R"(2026-01-01T00:00:0\d.*Z)")))
      << *rs[2].result;
}

TEST(RpcServer, BadInputGetsErrorsAndAnOversizedFrameClosesOnlyThatConnection) {
  Net n(8);
  RpcServer rpc(*n.server, 7000, {.stream = {.limits = {.max_body_bytes = 1000}}});
  ByteVec bad = msg::encode_frame("{not json");
  TcpRequestClient malformed(*n.client, kRpc, {.request = std::string(reinterpret_cast<const char*>(bad.data()), bad.size())});
  const std::string huge = std::string("\x00\x01\x00\x00", 4) + std::string(100, 'x');  // 65536 > 1000
  TcpRequestClient oversized(*n.client, kRpc, {.request = huge});
  ByteVec ok = msg::encode_frame(msg::make_request(9, "echo", nlohmann::json::array({1})));
  TcpRequestClient fine(*n.client, kRpc, {.request = std::string(reinterpret_cast<const char*>(ok.data()), ok.size())});
  n.w.run_until(at(5s));
  auto first = [](const TcpRequestClient& c) {
    msg::FrameDecoder d;
    d.feed(as_bytes(std::string_view(c.response())));
    auto f = d.next();
    EXPECT_TRUE(f && *f) << "no frame in " << c.response().size() << " bytes";
    return (f && *f) ? *msg::parse_response(**f) : msg::Response{};
  };
  EXPECT_EQ(first(malformed).error->code, -32700);
  EXPECT_EQ(first(oversized).error->code, -32000);
  EXPECT_EQ(*first(fine).result, nlohmann::json::array({1}));
}

TEST(RpcServer, ThousandClientsAtOnceAreAllServed) {
  Net n(9);
  RpcServer rpc(*n.server, 7000);
  ByteVec f = msg::encode_frame(msg::make_request(1, "time", std::nullopt));
  const std::string req(reinterpret_cast<const char*>(f.data()), f.size());
  std::vector<std::unique_ptr<TcpRequestClient>> clients;
  for (int i = 0; i < 1000; ++i) {
    clients.push_back(std::make_unique<TcpRequestClient>(*n.client, kRpc, TcpRequestClient::Config{.request = req}));
  }
  // At once: the server's TCP holds many of them at the same time (sampled
  // every 100 us). The application's own count of active connections may
  // stay at 1: when the client's card is full (its SYNs fill the transmit
  // queue and it stops sending, tcp::IpLayer::has_room_for), the handshake's
  // last ACK waits and leaves with the request, and the server then accepts,
  // answers and closes each connection in one turn.
  std::size_t peak_tcp = 0;
  for (Instant t = at(0s); t < at(30s); t += 100us) {
    n.w.run_until(t);
    std::size_t live = 0;
    n.server->stack().tcp().for_each_connection([&](const IpEndpoint&, const IpEndpoint&, const tcp::Connection& c) {
      live += c.state() != tcp::State::time_wait ? 1 : 0;  // the server closes first: TIME-WAIT is its past
    });
    peak_tcp = std::max(peak_tcp, live);
  }
  n.w.run_until(at(30s));
  int ok = 0;
  for (const auto& c : clients) ok += (c->done() && !c->error() && c->response().size() > 4) ? 1 : 0;
  EXPECT_EQ(ok, 1000);
  EXPECT_EQ(rpc.connections().accepted, 1000u);
  EXPECT_GE(peak_tcp, 100u);
}

}  // namespace
}  // namespace wirestack::app
