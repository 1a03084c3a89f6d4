// ftp/client_test.cpp — our client's session against our server's, both
// sans-IO, wired together in memory: get (binary, ASCII, resumed), put,
// list, active mode, the fall-back from EPSV to PASV, and errors that end
// the job with the server's reply and a QUIT.
#include "ftp/client.hpp"

#include <gtest/gtest.h>

#include "ftp/server.hpp"

namespace wirestack::ftp {
namespace {

const IpEndpoint kServer{*IpAddress::parse("10.0.2.21"), 21};
const IpEndpoint kClient{*IpAddress::parse("10.0.1.10"), 40000};

// The server's data requests, and a wire between the two sessions: control
// bytes both ways, data transfers handed over whole.
struct Wire final : DataPorts {
  Result<std::uint16_t, std::string> listen() override { return std::uint16_t{50001}; }
  void start(DataTransfer t) override { pending = std::move(t); }
  void abort() override { pending.reset(); }

  // Runs the conversation until nothing moves; returns the client's result.
  const ClientResult& run(ClientSession& c, ServerSession& s) {
    for (int round = 0; round < 100 && !c.done(); ++round) {
      const std::string to_server = c.take_output();
      if (!to_server.empty()) s.on_control(to_server, Instant{});
      const std::string to_client = s.take_output();
      if (!to_client.empty()) c.on_control(to_client);
      if (auto step = c.take_data_step()) {
        steps.push_back(*step);
        if (step->kind == ClientSession::DataStep::Kind::listen) c.on_listening({kClient.addr, 50500});
      }
      if (pending && pending->kind == DataTransfer::Kind::send) {
        connected_to.push_back(pending->connect_to);
        const std::string bytes = pending->bytes;
        pending.reset();
        c.on_data_done(bytes);
        s.transfer_done(std::string(), Instant{}, WallTime{});
      } else if (pending && c.may_send()) {
        connected_to.push_back(pending->connect_to);
        pending.reset();
        c.on_data_done(std::string());
        s.transfer_done(c.upload(), Instant{}, WallTime{});
      }
      if (s.closing() && s.take_output().empty()) c.on_control_closed("closed");
    }
    return c.result();
  }
  std::optional<DataTransfer> pending;
  std::vector<ClientSession::DataStep> steps;
  std::vector<std::optional<IpEndpoint>> connected_to;
};

struct Pair {
  explicit Pair(ClientJob job) : client(std::move(job), {kClient, kServer}) {
    files.put("/pub/readme.txt", "line one\nline two\n");
    files.put("/pub/data.bin", std::string("\x00\x01\r\n\x02", 5));
    server.emplace(files, wire, config, ServerSession::Endpoints{kServer, kClient}, Instant{});
  }
  const ClientResult& run() { return wire.run(client, *server); }
  MemoryStore files;
  Wire wire;
  ServerConfig config;
  ClientSession client;
  std::optional<ServerSession> server;
};

TEST(FtpClient, GetsAFileInBinaryOverEpsv) {
  Pair p({.op = ClientJob::Op::get, .path = "/pub/data.bin"});
  const ClientResult& r = p.run();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data, std::string("\x00\x01\r\n\x02", 5));
  ASSERT_EQ(p.wire.steps.size(), 1u);
  EXPECT_EQ(p.wire.steps[0].kind, ClientSession::DataStep::Kind::connect);
  EXPECT_EQ(p.wire.steps[0].to, (IpEndpoint{kServer.addr, 50001}));
  EXPECT_EQ(p.client.transcript(),
            (std::vector<std::string>{"< 220 wirestack FTP server ready", "> USER anonymous",
                                      "< 331 Anonymous login ok: send your e-mail address as the password",
                                      "> PASS ****", "< 230 Login successful (anonymous)", "> TYPE I",
                                      "< 200 Type set to I", "> EPSV",
                                      "< 229 Entering Extended Passive Mode (|||50001|)", "> RETR /pub/data.bin",
                                      "< 150 Opening BINARY mode data connection for /pub/data.bin (5 bytes)",
                                      "< 226 Transfer complete", "> QUIT", "< 221 Goodbye"}));
  EXPECT_TRUE(p.client.done());
}

TEST(FtpClient, AsciiGetAndResumedGet) {
  Pair ascii({.op = ClientJob::Op::get, .path = "pub/readme.txt", .ascii = true});
  EXPECT_EQ(ascii.run().data, "line one\nline two\n");
  Pair resumed({.op = ClientJob::Op::get, .path = "pub/readme.txt", .rest = 9});
  const ClientResult& r = resumed.run();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.data, "line two\n");
}

TEST(FtpClient, PutsAFileAndListsTheDirectory) {
  Pair put({.op = ClientJob::Op::put, .path = "/pub/up.bin", .upload = std::string(10000, '\x7f')});
  const ClientResult& r = put.run();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.sent, 10000u);
  EXPECT_EQ(*put.files.read("/pub/up.bin"), std::string(10000, '\x7f'));
  Pair list({.op = ClientJob::Op::nlst, .path = "/pub"});
  EXPECT_EQ(list.run().data, "data.bin\nreadme.txt\n");
}

TEST(FtpClient, ActiveModeListensAndSendsEprt) {
  Pair p({.op = ClientJob::Op::get, .path = "/pub/readme.txt", .active = true});
  const ClientResult& r = p.run();
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(p.wire.steps.size(), 1u);
  EXPECT_EQ(p.wire.steps[0].kind, ClientSession::DataStep::Kind::listen);
  ASSERT_EQ(p.wire.connected_to.size(), 1u);
  EXPECT_EQ(p.wire.connected_to[0], (IpEndpoint{kClient.addr, 50500}));  // the server connects to us
}

TEST(FtpClient, FallsBackToPasvWhenEpsvIsRefused) {
  ClientSession c({.op = ClientJob::Op::get, .path = "x"}, {kClient, kServer});
  c.on_control("220 old server\r\n331 pw\r\n230 in\r\n200 binary\r\n");
  c.on_control("500 EPSV: what is that?\r\n");
  EXPECT_EQ(c.take_output(), "USER anonymous\r\nPASS wirestack@\r\nTYPE I\r\nEPSV\r\nPASV\r\n");
  c.on_control("227 Entering Passive Mode (192,168,9,9,19,137)\r\n");
  const auto step = c.take_data_step();
  ASSERT_TRUE(step);
  EXPECT_EQ(step->to, (IpEndpoint{kServer.addr, 5001}));  // the reply's address is not trusted
  EXPECT_EQ(c.take_output(), "RETR x\r\n");
}

TEST(FtpClient, AnErrorReplyEndsTheJobWithAQuit) {
  Pair p({.op = ClientJob::Op::get, .path = "/pub/nothere"});
  const ClientResult& r = p.run();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "550 /pub/nothere: no such file");
  EXPECT_EQ(p.client.transcript().back(), "< 221 Goodbye");
  Pair login({.op = ClientJob::Op::get, .path = "/pub/readme.txt", .user = "alice", .password = "nope"});
  EXPECT_EQ(login.run().error, "530 Login incorrect");
}

TEST(FtpClient, GarbageFromTheServerFailsCleanly) {
  ClientSession c({.op = ClientJob::Op::list}, {kClient, kServer});
  c.on_control("SSH-2.0-OpenSSH_9.2\r\n");
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.result().ok);
  EXPECT_EQ(c.result().error, "the server's reply: not a reply: 'SSH-2.0-OpenSSH_9.2'");
  ClientSession d({.op = ClientJob::Op::list}, {kClient, kServer});
  d.on_control("220 hi\r\n");
  d.on_control_closed("reset by the peer");
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.result().error, "the control connection ended: reset by the peer");
}

}  // namespace
}  // namespace wirestack::ftp
