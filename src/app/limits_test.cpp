// app/limits_test.cpp — the server framework's Limits (stream_server.hpp) in
// the simulator, where virtual time makes every timeout exact: half a request
// and silence, a request trickled in byte by byte, keep-alive between
// requests, caps on connections per client address and in all, oversized
// heads and bodies, a client that never reads. Each limit is checked through
// HTTP and JSON-RPC alike (one implementation), with what it shed counted.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/http_server.hpp"
#include "app/rpc_server.hpp"
#include "app/stream_server.hpp"
#include "app/tcp_apps.hpp"
#include "http/response_parser.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// Three clients (10.0.1.10, 10.0.3.10, 10.0.4.10), each on its own link to a
// router, and the server (10.0.2.10) behind it. Links: 100 Mbit/s, 1 ms.
struct Net {
  Net() : w(21) {
    auto& r = w.add_router("router");
    sim::LinkDirection cable;
    cable.delay = 1ms;
    server = &w.add_host("server");
    EXPECT_TRUE(w.connect(r, "10.0.2.1/24", *server, "10.0.2.10/24", cable));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
    for (const char* net : {"10.0.1", "10.0.3", "10.0.4"}) {
      sim::Host& c = w.add_host(std::string("client") + net);
      EXPECT_TRUE(w.connect(c, std::string(net) + ".10/24", r, std::string(net) + ".1/24", cable));
      EXPECT_TRUE(w.set_gateway(c, std::string(net) + ".1"));
      clients.push_back(&c);
    }
  }
  sim::World w;
  sim::Host* server = nullptr;
  std::vector<sim::Host*> clients;
};

const IpEndpoint kWeb{ip("10.0.2.10"), 8080};
const IpEndpoint kRpc{ip("10.0.2.10"), 7000};

// A client that connects at once, sends each piece of its script at its
// time (from construction), reads everything (unless told not to read at
// all), and notes when the server closed: FIN or RST.
class Scripted {
 public:
  Scripted(runtime::Host& host, IpEndpoint dst, std::vector<std::pair<Duration, std::string>> script,
           bool reads = true)
      : host_(host), reads_(reads), s_(host.tcp().open()) {
    EXPECT_TRUE(host.tcp().connect(s_, dst, host.now()));
    for (auto& [when, text] : script) {
      host.schedule_in(when, [this, t = std::move(text)] {
        if (closed_at_) return;  // the server closed before the script's end
        auto n = host_.tcp().send(s_, as_bytes(std::string_view(t)));
        EXPECT_TRUE(n && *n == t.size()) << "the script's piece did not fit";
      });
    }
    hook_ = host.on_activity([this] { poll(); });
    host.kick();
  }
  ~Scripted() {
    host_.remove_activity(hook_);
    (void)host_.tcp().abort(s_);
    host_.kick();  // the RST leaves now
  }
  const std::string& got() const { return got_; }
  std::optional<Instant> closed_at() const { return closed_at_; }
  std::optional<tcp::Errc> error() const { return error_; }
  tcp::SocketHandle socket() const { return s_; }

 private:
  void poll() {
    if (closed_at_) return;
    auto& tcp = host_.tcp();
    if (!reads_) {
      if (auto st = tcp.state(s_); st && *st == tcp::State::closed) {
        error_ = tcp.take_error(s_);
        closed_at_ = host_.now();
      }
      return;
    }
    std::array<std::byte, 16384> buf{};
    for (;;) {
      auto n = tcp.recv(s_, buf);
      if (!n) {
        if (n.error().code == tcp::Errc::would_block) return;
        error_ = n.error().code;
        closed_at_ = host_.now();
        return;
      }
      if (*n == 0) {
        closed_at_ = host_.now();
        return;
      }
      got_.append(reinterpret_cast<const char*>(buf.data()), *n);
    }
  }

  runtime::Host& host_;
  bool reads_;
  tcp::SocketHandle s_;
  std::string got_;
  std::optional<Instant> closed_at_;
  std::optional<tcp::Errc> error_;
  std::size_t hook_ = 0;
};

// The instant a condition on the server first held, seen by a hook that
// runs after the server's own (timers run, then the hooks in order).
class When {
 public:
  When(runtime::Host& host, std::function<bool()> cond) : host_(host), cond_(std::move(cond)) {
    hook_ = host.on_activity([this] {
      if (!at_ && cond_()) at_ = host_.now();
    });
  }
  ~When() { host_.remove_activity(hook_); }
  std::optional<Instant> at() const { return at_; }

 private:
  runtime::Host& host_;
  std::function<bool()> cond_;
  std::optional<Instant> at_;
  std::size_t hook_ = 0;
};

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

std::string frame(const std::string& text) {
  ByteVec f = msg::encode_frame(text);
  return {reinterpret_cast<const char*>(f.data()), f.size()};
}

const std::string kGet = "GET /stats HTTP/1.1\r\nHost: s\r\n\r\n";

// --- the request timeout ---------------------------------------------------------

// Half a request, then silence: 408 and FIN at exactly accept + 30 s (the
// default), counted as a request timeout; the server holds nothing after.
TEST(Limits, HalfARequestIsAnswered408AtExactlyAcceptPlusTheRequestTimeout) {
  Net n;
  HttpServer web(*n.server, 8080);
  ASSERT_EQ(web.limits().request_timeout, 30s);
  When accepted(*n.server, [&] { return web.connections().accepted == 1; });
  When timed_out(*n.server, [&] { return web.connections().shed.request_timeouts == 1; });
  Scripted half(*n.clients[0], kWeb, {{100ms, "GET / HTTP/1.1\r\nHost: s\r\nX-Slow"}});
  n.w.run_until(at(50s));
  ASSERT_TRUE(accepted.at() && timed_out.at());
  EXPECT_EQ(*timed_out.at() - *accepted.at(), 30s);
  auto rs = responses(half.got());
  ASSERT_EQ(rs.size(), 1u) << half.got();
  EXPECT_EQ(rs[0].status, 408);
  EXPECT_EQ(rs[0].headers.find("Connection"), "close");
  ASSERT_TRUE(half.closed_at());
  EXPECT_FALSE(half.error());  // a FIN, not a RST
  // The answer needs one link crossing each way through the router: 2 x 1 ms
  // plus serialization, well inside 5 ms.
  EXPECT_LT(*half.closed_at() - *timed_out.at(), 5ms);
  EXPECT_EQ(web.connections().active, 0u);
  EXPECT_EQ(web.connections().shed.total(), 1u);
}

// Slowloris: one byte a second keeps the connection busy, never idle; the
// request clock runs from the accept regardless.
TEST(Limits, ARequestTrickledInByteByByteStillEndsAtTheRequestTimeout) {
  Net n;
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.request_timeout = 5s}}});
  When accepted(*n.server, [&] { return web.connections().accepted == 1; });
  When timed_out(*n.server, [&] { return web.connections().shed.request_timeouts == 1; });
  std::vector<std::pair<Duration, std::string>> script;
  const std::string head = "GET / HTTP/1.1\r\nHost: s\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
  for (std::size_t i = 0; i < head.size(); ++i) script.emplace_back(100ms + std::chrono::seconds{i}, head.substr(i, 1));
  Scripted slow(*n.clients[0], kWeb, std::move(script));
  n.w.run_until(at(60s));
  ASSERT_TRUE(accepted.at() && timed_out.at());
  EXPECT_EQ(*timed_out.at() - *accepted.at(), 5s);
  ASSERT_EQ(responses(slow.got()).size(), 1u);
  EXPECT_EQ(responses(slow.got())[0].status, 408);
  EXPECT_EQ(web.connections().active, 0u);
}

// A client that connects and says nothing is closed at the request timeout
// too, without a word (nothing to answer 408 to).
TEST(Limits, ASilentConnectionIsClosedWithoutAWordAtTheRequestTimeout) {
  Net n;
  RpcServer rpc(*n.server, 7000, {.stream = {.limits = {.request_timeout = 3s}}});
  When accepted(*n.server, [&] { return rpc.connections().accepted == 1; });
  When timed_out(*n.server, [&] { return rpc.connections().shed.request_timeouts == 1; });
  Scripted silent(*n.clients[0], kRpc, {});
  n.w.run_until(at(10s));
  ASSERT_TRUE(accepted.at() && timed_out.at());
  EXPECT_EQ(*timed_out.at() - *accepted.at(), 3s);
  EXPECT_EQ(silent.got(), "");
  ASSERT_TRUE(silent.closed_at());
  EXPECT_FALSE(silent.error());
}

// Keep-alive: a complete request stops the clock; the next request's clock
// starts at its first byte; between requests the idle timeout applies, and
// closes silently.
TEST(Limits, TheNextRequestsClockStartsAtItsFirstByteAndIdleConnectionsCloseSilently) {
  Net n;
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.request_timeout = 4s, .idle_timeout = 20s}}});
  // Request 1 whole at 0.1 s; 6 s of quiet (longer than the request timeout,
  // shorter than the idle one); half of request 2 at 6.1 s: 408 at 10.1 s.
  When timed_out(*n.server, [&] { return web.connections().shed.request_timeouts == 1; });
  Scripted two(*n.clients[0], kWeb, {{100ms, kGet}, {6100ms, "GET /stats HTTP/1.1\r\n"}});
  // Request 1 whole, then nothing: closed silently 20 s after its answer.
  When idled(*n.server, [&] { return web.connections().shed.idle_timeouts == 1; });
  Scripted idle(*n.clients[1], kWeb, {{100ms, kGet}});
  n.w.run_until(at(60s));
  ASSERT_TRUE(timed_out.at());
  // The half request's first byte reaches the server 1 ms + 1 ms (two links)
  // plus serialization after 6.1 s: the timeout is 4 s after that arrival.
  EXPECT_GT(*timed_out.at(), at(6100ms + 4s));
  EXPECT_LT(*timed_out.at(), at(6100ms + 4s + 3ms));
  auto rs = responses(two.got());
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].status, 200);
  EXPECT_EQ(rs[1].status, 408);
  ASSERT_TRUE(idled.at());
  EXPECT_GT(*idled.at(), at(20s + 100ms));
  EXPECT_LT(*idled.at(), at(20s + 110ms));
  EXPECT_EQ(responses(idle.got()).size(), 1u);  // the answer, then FIN without a 408
  EXPECT_TRUE(idle.closed_at());
  EXPECT_EQ(web.connections().shed.request_timeouts, 1u);
  EXPECT_EQ(web.connections().shed.idle_timeouts, 1u);
}

// JSON-RPC under the same clock: messages that each arrive whole keep a
// connection for longer than the request timeout; a message trickled in
// pieces is cut at its first byte + the timeout.
TEST(Limits, JsonRpcMessagesRestartTheClockAndAHalfMessageTimesOut) {
  Net n;
  RpcServer rpc(*n.server, 7000, {.stream = {.limits = {.request_timeout = 2s}}});
  const std::string m = frame(msg::make_request(1, "time", std::nullopt));
  std::vector<std::pair<Duration, std::string>> steady;
  for (int i = 0; i < 8; ++i) steady.emplace_back(100ms + i * 1s, m);
  Scripted ok(*n.clients[0], kRpc, std::move(steady));
  When timed_out(*n.server, [&] { return rpc.connections().shed.request_timeouts == 1; });
  Scripted half(*n.clients[1], kRpc, {{100ms, m}, {3100ms, m.substr(0, 6)}, {4100ms, m.substr(6, 4)}});
  n.w.run_until(at(8s));
  ASSERT_TRUE(timed_out.at());
  EXPECT_GT(*timed_out.at(), at(5100ms));
  EXPECT_LT(*timed_out.at(), at(5103ms));
  EXPECT_FALSE(ok.closed_at());  // 8 s old, 8 answers, still open
  msg::FrameDecoder d;
  d.feed(as_bytes(std::string_view(ok.got())));
  int answers = 0;
  while (auto f = d.next()) {
    if (!*f) break;
    ++answers;
  }
  EXPECT_EQ(answers, 8);
  EXPECT_TRUE(half.closed_at());
  EXPECT_EQ(rpc.connections().shed.request_timeouts, 1u);
}

// --- connection caps ---------------------------------------------------------------

// Beyond max_per_address from one address, new connections are reset at
// once; the ones open keep being served, and other addresses are not
// affected. When one closes, the address may connect again.
TEST(Limits, ConnectionsBeyondThePerAddressCapAreResetAndOthersServed) {
  Net n;
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.max_per_address = 3}}});
  std::vector<std::unique_ptr<Scripted>> held;
  for (int i = 0; i < 5; ++i) {
    held.push_back(std::make_unique<Scripted>(*n.clients[0], kWeb,
                                              std::vector<std::pair<Duration, std::string>>{
                                                  {100ms, "GET /stats HTTP/1.1\r\nHost: s\r\n"}}));
    n.w.run_for(10ms);  // in order: the first three are the ones kept
  }
  Scripted other(*n.clients[1], kWeb, {{100ms, kGet}});
  n.w.run_until(at(1s));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(held[i]->closed_at()) << i;
  for (int i = 3; i < 5; ++i) {
    ASSERT_TRUE(held[i]->closed_at()) << i;
    EXPECT_EQ(held[i]->error(), tcp::Errc::connection_reset) << i;
  }
  EXPECT_EQ(responses(other.got()).size(), 1u);
  EXPECT_EQ(web.connections().shed.over_per_address, 2u);
  EXPECT_EQ(web.connections().active, 4u);  // three held, `other` kept alive
  // The held ones finish their requests and are answered.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(n.clients[0]->tcp().send(held[i]->socket(), as_bytes(std::string_view("\r\n"))));
  }
  n.clients[0]->kick();
  n.w.run_until(at(2s));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(responses(held[i]->got()).size(), 1u) << i;
  held[0].reset();  // aborts: a slot of the address is free again
  n.w.run_until(at(3s));
  Scripted again(*n.clients[0], kWeb, {{100ms, kGet}});
  n.w.run_until(at(4s));
  EXPECT_EQ(responses(again.got()).size(), 1u);
  EXPECT_EQ(web.connections().shed.over_per_address, 2u);
}

TEST(Limits, ConnectionsBeyondTheTotalCapAreResetUntilOneCloses) {
  Net n;
  RpcServer rpc(*n.server, 7000, {.stream = {.limits = {.max_connections = 4}}});
  std::vector<std::unique_ptr<Scripted>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Scripted>(*n.clients[i % 3], kRpc, std::vector<std::pair<Duration, std::string>>{}));
  n.w.run_until(at(1s));
  Scripted refused(*n.clients[2], kRpc, {{100ms, frame(msg::make_request(1, "time", std::nullopt))}});
  n.w.run_until(at(2s));
  ASSERT_TRUE(refused.closed_at());
  EXPECT_EQ(refused.error(), tcp::Errc::connection_reset);
  EXPECT_EQ(rpc.connections().shed.over_max_connections, 1u);
  EXPECT_EQ(rpc.connections().active, 4u);
  held[1].reset();
  n.w.run_until(at(3s));
  Scripted served(*n.clients[2], kRpc, {{100ms, frame(msg::make_request(1, "time", std::nullopt))}});
  n.w.run_until(at(4s));
  EXPECT_FALSE(served.closed_at());
  EXPECT_GT(served.got().size(), 4u);
  EXPECT_EQ(rpc.connections().shed.over_max_connections, 1u);
}

// --- sizes -------------------------------------------------------------------------

// A head over max_header_bytes: 431; a Content-Length over max_body_bytes:
// 413 before the body is read, and the client that sends the body anyway
// still reads the 413 (the lingering close discards the body instead of
// resetting). Both counted; a request within bounds is served on.
TEST(Limits, OversizedHeadsAndBodiesGet431And413AndAreCounted) {
  Net n;
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.max_header_bytes = 1024, .max_body_bytes = 4096}}});
  Scripted big_head(*n.clients[0], kWeb,
                    {{100ms, "GET / HTTP/1.1\r\nHost: s\r\nX-Big: " + std::string(2000, 'h') + "\r\n\r\n"}});
  const std::string body(20000, 'b');
  Scripted big_body(*n.clients[1], kWeb,
                    {{100ms, "POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 20000\r\n\r\n" + body.substr(0, 8000)},
                     {300ms, body.substr(8000)}});
  Scripted fine(*n.clients[2], kWeb, {{100ms, "POST /echo HTTP/1.1\r\nHost: s\r\nContent-Length: 4096\r\n\r\n" +
                                                  std::string(4096, 'f')}});
  n.w.run_until(at(10s));
  ASSERT_EQ(responses(big_head.got()).size(), 1u);
  EXPECT_EQ(responses(big_head.got())[0].status, 431);
  ASSERT_EQ(responses(big_body.got()).size(), 1u);
  EXPECT_EQ(responses(big_body.got())[0].status, 413);
  EXPECT_FALSE(big_body.error());  // FIN, not RST: the body was discarded, not refused
  ASSERT_EQ(responses(fine.got()).size(), 1u);
  EXPECT_EQ(responses(fine.got())[0].body, std::string(4096, 'f'));
  EXPECT_EQ(web.connections().shed.oversized_header, 1u);
  EXPECT_EQ(web.connections().shed.oversized_body, 1u);
  EXPECT_EQ(web.connections().active, 1u);  // `fine`, kept alive
  const auto stats = nlohmann::json::parse(web.stats_json());
  EXPECT_EQ(stats["connections"]["shed"]["oversized_header"], 1);
  EXPECT_EQ(stats["connections"]["shed"]["oversized_body"], 1);
}

TEST(Limits, AJsonRpcMessageOverTheBodyBoundIsRefusedAndCounted) {
  Net n;
  RpcServer rpc(*n.server, 7000, {.stream = {.limits = {.max_body_bytes = 100}}});
  Scripted big(*n.clients[0], kRpc, {{100ms, frame("[\"" + std::string(200, 'x') + "\"]")}});
  Scripted fine(*n.clients[1], kRpc, {{100ms, frame(msg::make_request(1, "echo", nlohmann::json::array({1})))}});
  n.w.run_until(at(5s));
  msg::FrameDecoder d;
  d.feed(as_bytes(std::string_view(big.got())));
  auto f = d.next();
  ASSERT_TRUE(f && *f);
  EXPECT_EQ(msg::parse_response(**f)->error->code, -32000);
  EXPECT_TRUE(big.closed_at());
  EXPECT_GT(fine.got().size(), 4u);
  EXPECT_EQ(rpc.connections().shed.oversized_body, 1u);
}

// --- a client that never reads -----------------------------------------------------

// It asks for 4 MiB of answers and reads none: the server buffers at most
// max_output_bytes (plus the answer that crossed it), TCP's window closes,
// and send_timeout after the last byte TCP took the connection is reset and
// counted; another client is served all along.
TEST(Limits, AClientThatNeverReadsIsResetAfterTheSendTimeout) {
  Net n;
  HttpServer web(*n.server, 8080, {.stream = {.limits = {.send_timeout = 5s, .max_output_bytes = 64 * 1024}}});
  web.router().add("GET", "/big", [](const http::Request&) { return http::Response{.body = std::string(256 * 1024, 'x')}; });
  std::string many;
  for (int i = 0; i < 16; ++i) many += "GET /big HTTP/1.1\r\nHost: s\r\n\r\n";
  When shed(*n.server, [&] { return web.connections().shed.slow_readers == 1; });
  Scripted deaf(*n.clients[0], kWeb, {{100ms, many}}, /*reads=*/false);
  std::vector<std::unique_ptr<TcpRequestClient>> others;
  for (int i = 0; i < 10; ++i) {
    others.push_back(std::make_unique<TcpRequestClient>(
        *n.clients[1], kWeb, TcpRequestClient::Config{.request = "GET /stats HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n",
                                                     .start = std::chrono::seconds{i}}));
  }
  n.w.run_until(at(30s));
  ASSERT_TRUE(shed.at()) << web.stats_json();
  // The window closed within the first second; then 5 s without progress.
  EXPECT_GT(*shed.at(), at(5s));
  EXPECT_LT(*shed.at(), at(7s));
  ASSERT_TRUE(deaf.closed_at());
  EXPECT_EQ(deaf.error(), tcp::Errc::connection_reset);
  EXPECT_LE(web.stats().requests, 4u + 10u);  // a few 256 KiB answers, then backpressure
  for (const auto& c : others) {
    ASSERT_TRUE(c->done());
    EXPECT_EQ(responses(c->response()).size(), 1u);
  }
  EXPECT_EQ(web.connections().active, 0u);
}

}  // namespace
}  // namespace wirestack::app
