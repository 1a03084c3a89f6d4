// app/ftp_test.cpp — the FTP server and client over the simulated network:
// passive and active transfers of a file of 1 MiB checked byte for byte,
// an upload, listings, a resumed download, a lossy path, the bound on
// connections, the idle timeout, and a client speaking garbage.
#include <gtest/gtest.h>

#include "app/ftp_client.hpp"
#include "app/ftp_server.hpp"
#include "app/tcp_apps.hpp"
#include "base/rng.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;
using Op = ftp::ClientJob::Op;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// client (10.0.1.10) -- router -- server (10.0.2.21).
struct Net {
  explicit Net(std::uint64_t seed, sim::LinkDirection cable = {}) : w(seed) {
    client = &w.add_host("client");
    server = &w.add_host("server");
    other = &w.add_host("other");
    auto& r = w.add_router("router");
    EXPECT_TRUE(w.connect(*client, "10.0.1.10/24", r, "10.0.1.1/24", cable));
    EXPECT_TRUE(w.connect(r, "10.0.2.1/24", *server, "10.0.2.21/24", cable));
    EXPECT_TRUE(w.connect(*other, "10.0.3.66/24", r, "10.0.3.1/24", cable));
    EXPECT_TRUE(w.set_gateway(*client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
    EXPECT_TRUE(w.set_gateway(*other, "10.0.3.1"));
  }
  sim::World w;
  sim::Host* client = nullptr;
  sim::Host* server = nullptr;
  sim::Host* other = nullptr;  // a third host, for what only the client may do
};

// Port 2121: the simulated hosts of this test do not allow ports below 1024.
const IpEndpoint kFtp{ip("10.0.2.21"), 2121};

std::string random_bytes(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng.next_u64());
  return out;
}

struct Fixture {
  explicit Fixture(std::uint64_t seed = 1, sim::LinkDirection cable = {}, FtpServerConfig config = {})
      : net(seed, cable), big(random_bytes(1 << 20, seed)) {
    files.put("/pub/big.bin", big);
    files.put("/pub/notes.txt", "first line\nsecond line\n");
    server.emplace(*net.server, kFtp.port, files, config);
    EXPECT_TRUE(server->listening());
  }
  const ftp::ClientResult& run(FtpClient& c, Duration limit = 60s) {
    net.w.run_until(Instant{} + limit);
    EXPECT_TRUE(c.done());
    if (!c.done()) {
      for (const auto& l : c.transcript()) ADD_FAILURE() << l;
    }
    return c.result();
  }
  Net net;
  std::string big;
  ftp::MemoryStore files;
  std::optional<FtpServer> server;
};

TEST(FtpApps, PassiveGetOfAMegabyteArrivesWhole) {
  Fixture f;
  FtpClient get(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/big.bin"});
  const auto& r = f.run(get);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data.size(), f.big.size());
  EXPECT_TRUE(r.data == f.big);
  ASSERT_TRUE(get.control_local());
  ASSERT_TRUE(get.data_connection());
  EXPECT_EQ(get.data_connection()->second.addr, kFtp.addr);
  EXPECT_NE(get.data_connection()->second.port, kFtp.port);  // a second connection, to the passive port
  EXPECT_NE(get.data_connection()->first.port, get.control_local()->port);
  const FtpServerStats s = f.server->stats();
  EXPECT_EQ(s.sessions.files_sent, 1u);
  EXPECT_EQ(s.data_connections, 1u);
  EXPECT_EQ(s.active, 0u);  // QUIT closed it
}

TEST(FtpApps, ActiveModeTheServerConnectsBack) {
  Fixture f;
  FtpClient get(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/notes.txt", .active = true});
  const auto& r = f.run(get);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data, "first line\nsecond line\n");
  ASSERT_TRUE(get.data_connection());
  EXPECT_EQ(get.data_connection()->second.addr, kFtp.addr);  // accepted from the server
  bool eprt = false;
  for (const auto& l : get.transcript()) eprt = eprt || l.starts_with("> EPRT |1|10.0.1.10|");
  EXPECT_TRUE(eprt);
}

TEST(FtpApps, UploadThenListAndResume) {
  Fixture f;
  const std::string up = random_bytes(300'000, 9);
  FtpClient put(*f.net.client, kFtp, {.op = Op::put, .path = "/pub/up.bin", .upload = up});
  ASSERT_TRUE(f.run(put).ok) << put.result().error;
  ASSERT_TRUE(f.files.read("/pub/up.bin"));
  EXPECT_TRUE(*f.files.read("/pub/up.bin") == up);
  FtpClient list(*f.net.client, kFtp, {.op = Op::nlst, .path = "/pub"});
  EXPECT_EQ(f.run(list, 120s).data, "big.bin\nnotes.txt\nup.bin\n");
  FtpClient rest(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/up.bin", .rest = 299'990});
  EXPECT_EQ(f.run(rest, 180s).data, up.substr(299'990)) << rest.result().error;
}

TEST(FtpApps, ALossyPathStillDeliversEveryByte) {
  Fixture f(7, sim::LinkDirection{.bits_per_second = 20'000'000, .delay = 5ms, .loss = 0.02});
  FtpClient get(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/big.bin"});
  const auto& r = f.run(get, 120s);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.data == f.big);
}

TEST(FtpApps, ErrorsComeBackAsReplies) {
  Fixture f;
  FtpClient missing(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/nothere"});
  EXPECT_EQ(f.run(missing).error, "550 /pub/nothere: no such file");
  FtpClient refused(*f.net.client, {kFtp.addr, 2122}, {.op = Op::list});
  EXPECT_EQ(f.run(refused, 90s).error, "control connection: connection refused");
}

TEST(FtpApps, ConnectionsOverTheBoundAreTold421) {
  Fixture f(1, {}, FtpServerConfig{.max_connections = 1});
  // A client that logs in and stays.
  TcpRequestClient idle(*f.net.client, kFtp, {.request = "USER anonymous\r\n", .complete = [](std::string_view) { return false; }});
  FtpClient late(*f.net.client, kFtp, {.op = Op::list, .path = "/"}, {.start = 1s});
  EXPECT_EQ(f.run(late, 10s).error, "421 Too many connections, try again later");
  EXPECT_EQ(f.server->stats().refused, 1u);
}

TEST(FtpApps, AnIdleControlConnectionIsClosedWith421) {
  FtpServerConfig config;
  config.session.idle_timeout = 5s;
  Fixture f(1, {}, config);
  TcpRequestClient idle(*f.net.client, kFtp,
                        {.request = "USER anonymous\r\n", .complete = [](std::string_view) { return false; }});
  f.net.w.run_until(Instant{} + 20s);
  ASSERT_TRUE(idle.done());
  EXPECT_EQ(idle.response(),
            "220 wirestack FTP server ready\r\n331 Anonymous login ok: send your e-mail address as the password\r\n"
            "421 Timeout: no command for 5 s, closing\r\n");
  EXPECT_EQ(f.server->stats().idle_timeouts, 1u);
  EXPECT_EQ(f.server->stats().active, 0u);
}

TEST(FtpApps, OnlyTheClientMayConnectToItsPassivePort) {
  Fixture f;
  // The client asks for a passive port and a file, and does not connect;
  // another host connects to that port first (stealing the file).
  std::optional<std::uint16_t> port;
  std::unique_ptr<TcpRequestClient> thief;
  TcpRequestClient control(*f.net.client, kFtp,
                           {.request = "USER anonymous\r\nPASS x\r\nTYPE I\r\nEPSV\r\nRETR /pub/notes.txt\r\n",
                            .complete = [&](std::string_view piece) {
                              const auto at = piece.find("(|||");
                              if (!port && at != std::string_view::npos) {
                                port = static_cast<std::uint16_t>(std::stoi(std::string(piece.substr(at + 4))));
                                thief = std::make_unique<TcpRequestClient>(*f.net.other, IpEndpoint{kFtp.addr, *port},
                                                                           TcpRequestClient::Config{.request = ""});
                              }
                              return false;
                            }});
  f.net.w.run_until(Instant{} + 5s);
  ASSERT_TRUE(port);
  ASSERT_TRUE(thief);
  EXPECT_TRUE(thief->done());
  EXPECT_EQ(thief->response(), "");  // reset, not served
  EXPECT_EQ(f.server->stats().strangers, 1u);
  EXPECT_EQ(f.server->stats().data_connections, 0u);
}

// RFC 2428 is what makes FTP work over IPv6: EPSV names only a port, EPRT
// carries family 2; PASV has no IPv6 form and is refused.
TEST(FtpApps, OverIpv6WithEpsvAndEprt) {
  sim::World w(5);
  sim::Host& a = w.add_host("a");
  sim::Host& b = w.add_host("b");
  auto nics = w.connect(a, "10.0.0.1/24", b, "10.0.0.2/24");
  ASSERT_TRUE(nics);
  ASSERT_TRUE(a.stack().add_address6(nics->first, *Ipv6Prefix::parse("2001:db8::1/64")));
  ASSERT_TRUE(b.stack().add_address6(nics->second, *Ipv6Prefix::parse("2001:db8::2/64")));
  ftp::MemoryStore files;
  files.put("/a.txt", "over IPv6\n");
  FtpServer server(b, 2121, files);
  ASSERT_TRUE(server.listening());
  const IpEndpoint at{*IpAddress::parse("2001:db8::2"), 2121};
  FtpClient passive(a, at, {.op = Op::get, .path = "/a.txt"});
  FtpClient active(a, at, {.op = Op::put, .path = "/b.txt", .upload = "up\n", .active = true}, {.start = 1s});
  TcpRequestClient pasv(a, at, {.request = "USER ftp\r\nPASS x\r\nPASV\r\nQUIT\r\n"});
  w.run_until(Instant{} + 10s);
  ASSERT_TRUE(passive.done() && active.done());
  EXPECT_TRUE(passive.result().ok) << passive.result().error;
  EXPECT_EQ(passive.result().data, "over IPv6\n");
  EXPECT_EQ(passive.data_connection()->second.addr, at.addr);
  EXPECT_TRUE(active.result().ok) << active.result().error;
  EXPECT_EQ(*files.read("/b.txt"), "up\n");
  bool eprt2 = false;
  for (const auto& l : active.transcript()) eprt2 = eprt2 || l.starts_with("> EPRT |2|2001:db8::1|");
  EXPECT_TRUE(eprt2);
  EXPECT_NE(pasv.response().find("425 PASV is IPv4 only: use EPSV"), std::string::npos) << pasv.response();
}

TEST(FtpApps, GarbageGetsErrorsAndTheServerGoesOn) {
  Fixture f;
  std::string junk = random_bytes(20'000, 3);
  TcpRequestClient bad(*f.net.client, kFtp, {.request = junk + "\r\nQUIT\r\n"});
  FtpClient good(*f.net.client, kFtp, {.op = Op::get, .path = "/pub/notes.txt"}, {.start = 2s});
  f.net.w.run_until(Instant{} + 30s);
  ASSERT_TRUE(bad.done());
  EXPECT_NE(bad.response().find("500 Syntax error"), std::string::npos);
  EXPECT_NE(bad.response().find("221 Goodbye"), std::string::npos);
  ASSERT_TRUE(good.done());
  EXPECT_TRUE(good.result().ok) << good.result().error;
}

}  // namespace
}  // namespace wirestack::app
