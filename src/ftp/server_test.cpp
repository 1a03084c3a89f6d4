// ftp/server_test.cpp — the server's session on its own: every command's
// reply, the order rules, the data requests it makes (a fake DataPorts
// stands for the sockets), ASCII conversion, REST, the root, the bounce
// check, ABOR and the idle timeout.
#include "ftp/server.hpp"

#include <gtest/gtest.h>

namespace wirestack::ftp {
namespace {

using namespace std::chrono_literals;

struct FakePorts final : DataPorts {
  Result<std::uint16_t, std::string> listen() override {
    ++listens;
    if (refuse) return Unexpected{std::string("no ports left")};
    return static_cast<std::uint16_t>(50000 + listens);
  }
  void start(DataTransfer t) override { started.push_back(std::move(t)); }
  void abort() override { ++aborts; }
  int listens = 0;
  int aborts = 0;
  bool refuse = false;
  std::vector<DataTransfer> started;
};

const IpEndpoint kServer{*IpAddress::parse("10.0.2.21"), 21};
const IpEndpoint kClient{*IpAddress::parse("10.0.1.10"), 40000};

class FtpServerTest : public ::testing::Test {
 protected:
  FtpServerTest() {
    files.put("/pub/readme.txt", "line one\nline two\n");
    files.put("/pub/data.bin", std::string("\x00\x01\n\x02", 4));
    config.users = {{"alice", "secret"}};
    session = std::make_unique<ServerSession>(files, ports, config, ServerSession::Endpoints{kServer, kClient}, Instant{});
    (void)session->take_output();
  }
  // Sends one command line; returns the replies it drew.
  std::string say(const std::string& line, Instant at = Instant{}) {
    session->on_control(line + "\r\n", at);
    return session->take_output();
  }
  void login() {
    ASSERT_EQ(say("USER anonymous").substr(0, 4), "331 ");
    ASSERT_EQ(say("PASS me@").substr(0, 4), "230 ");
  }

  MemoryStore files;
  FakePorts ports;
  ServerConfig config;
  std::unique_ptr<ServerSession> session;
};

TEST_F(FtpServerTest, GreetsAndRefusesEverythingButLoginFirst) {
  ServerSession s(files, ports, config, {kServer, kClient}, Instant{});
  EXPECT_EQ(s.take_output(), "220 wirestack FTP server ready\r\n");
  EXPECT_EQ(say("RETR pub/readme.txt"), "530 Please login with USER and PASS\r\n");
  EXPECT_EQ(say("PASS x"), "503 Login with USER first\r\n");
  EXPECT_EQ(say("SYST"), "215 UNIX Type: L8\r\n");
  EXPECT_EQ(say("USER alice"), "331 Password required for alice\r\n");
  EXPECT_EQ(say("PASS wrong"), "530 Login incorrect\r\n");
  EXPECT_EQ(say("PASS secret"), "503 Login with USER first\r\n");  // a failed PASS needs USER again
  EXPECT_EQ(say("USER alice"), "331 Password required for alice\r\n");
  EXPECT_EQ(say("PASS secret"), "230 Login successful\r\n");
  EXPECT_TRUE(session->logged_in());
}

TEST_F(FtpServerTest, AnonymousLoginOnlyWhenConfigured) {
  login();
  config.anonymous = false;
  ServerSession closed(files, ports, config, {kServer, kClient}, Instant{});
  (void)closed.take_output();
  closed.on_control("USER ftp\r\nPASS x\r\n", Instant{});
  EXPECT_EQ(closed.take_output(), "530 Anonymous login is not allowed here\r\n503 Login with USER first\r\n");
}

TEST_F(FtpServerTest, BadAndUnknownCommandsGetCleanErrors) {
  login();
  EXPECT_EQ(say("XYZZ"), "500 Unknown command XYZZ\r\n");
  EXPECT_EQ(say("DELE pub/readme.txt"), "502 DELE not implemented\r\n");
  EXPECT_EQ(say("GARBAGE!"), "500 Syntax error: not a command verb (3 or 4 letters)\r\n");
  EXPECT_EQ(say("TYPE E"), "504 Type E not supported: A or I\r\n");
  EXPECT_EQ(say("TYPE"), "501 TYPE needs an argument: A or I\r\n");
  EXPECT_EQ(say("REST x"), "501 REST needs a byte offset\r\n");
  EXPECT_EQ(say("RETR"), "501 RETR needs a file name\r\n");
  EXPECT_EQ(say("MODE B"), "504 MODE S only\r\n");
  EXPECT_EQ(say(std::string(5000, 'A')), "500 Syntax error: line longer than 4096 bytes\r\n");
  EXPECT_EQ(say("NOOP"), "200 NOOP ok\r\n");
  EXPECT_GE(session->stats().errors, 8u);
}

TEST_F(FtpServerTest, DirectoriesStayInsideTheRoot) {
  login();
  EXPECT_EQ(say("PWD"), "257 \"/\" is the current directory\r\n");
  EXPECT_EQ(say("CWD pub"), "250 Directory changed to /pub\r\n");
  EXPECT_EQ(say("CWD ../../../.."), "250 Directory changed to /\r\n");
  EXPECT_EQ(say("CWD /pub/readme.txt"), "550 /pub/readme.txt: no such directory\r\n");
  EXPECT_EQ(say("CWD /pub"), "250 Directory changed to /pub\r\n");
  EXPECT_EQ(say("CDUP"), "250 Directory changed to /\r\n");
  EXPECT_EQ(say("SIZE /../../pub/readme.txt"), "213 20\r\n");  // TYPE A: the CRLF form's size
  EXPECT_EQ(say("TYPE I"), "200 Type set to I\r\n");
  EXPECT_EQ(say("SIZE pub/readme.txt"), "213 18\r\n");
  EXPECT_EQ(say("SIZE pub"), "550 /pub: not a plain file\r\n");
  EXPECT_EQ(say("MDTM pub/readme.txt"), "213 19700101000000\r\n");
}

TEST_F(FtpServerTest, RetrNeedsADataPortFirstThenSendsTheFile) {
  login();
  EXPECT_EQ(say("RETR pub/readme.txt"), "425 Use PASV, EPSV, PORT or EPRT first\r\n");
  EXPECT_EQ(say("EPSV"), "229 Entering Extended Passive Mode (|||50001|)\r\n");
  EXPECT_EQ(say("TYPE I"), "200 Type set to I\r\n");
  EXPECT_EQ(say("RETR pub/data.bin").substr(0, 4), "150 ");
  ASSERT_EQ(ports.started.size(), 1u);
  EXPECT_EQ(ports.started[0].kind, DataTransfer::Kind::send);
  EXPECT_EQ(ports.started[0].bytes, std::string("\x00\x01\n\x02", 4));  // binary: as it is
  EXPECT_FALSE(ports.started[0].connect_to);                             // passive: the client connects
  EXPECT_TRUE(session->transferring());
  EXPECT_EQ(say("PWD"), "503 A transfer is in progress: wait for its end or send ABOR\r\n");
  session->transfer_done(std::string(), Instant{}, WallTime{});
  EXPECT_EQ(session->take_output(), "226 Transfer complete\r\n");
  EXPECT_EQ(say("RETR pub/data.bin"), "425 Use PASV, EPSV, PORT or EPRT first\r\n");  // one transfer per PASV
}

TEST_F(FtpServerTest, AsciiTypeSendsCrlfAndRestResumes) {
  login();
  (void)say("PASV");
  EXPECT_EQ(say("REST 5"), "350 Restarting at 5: send RETR\r\n");
  (void)say("RETR /pub/readme.txt");
  ASSERT_EQ(ports.started.size(), 1u);
  EXPECT_EQ(ports.started[0].bytes, "one\r\nline two\r\n");
  session->transfer_done(std::string(), Instant{}, WallTime{});
  (void)session->take_output();
  (void)say("PASV");
  EXPECT_EQ(say("REST 99"), "350 Restarting at 99: send RETR\r\n");
  EXPECT_EQ(say("RETR /pub/readme.txt"), "554 REST 99 is past the end of /pub/readme.txt\r\n");
}

TEST_F(FtpServerTest, PasvNamesTheControlConnectionsAddress) {
  login();
  EXPECT_EQ(say("PASV"), "227 Entering Passive Mode (10,0,2,21,195,81).\r\n");
  ports.refuse = true;
  EXPECT_EQ(say("EPSV"), "425 Cannot open a passive port: no ports left\r\n");
  EXPECT_EQ(say("EPSV 2"), "522 Network protocol not supported, use (1)\r\n");
  EXPECT_EQ(say("EPSV ALL"), "200 EPSV ALL ok: PORT, EPRT and PASV are refused from now on\r\n");
  EXPECT_EQ(say("PASV"), "503 EPSV ALL in effect: use EPSV\r\n");
  EXPECT_EQ(say("PORT 10,0,1,10,195,80"), "503 EPSV ALL in effect: use EPSV\r\n");
}

TEST_F(FtpServerTest, ActiveModeConnectsOnlyBackToTheClient) {
  login();
  EXPECT_EQ(say("PORT 10,0,9,9,195,80"),
            "500 Illegal PORT: the data connection must go to your own address, port 1024 or above\r\n");
  EXPECT_EQ(say("PORT 10,0,1,10,0,25"),
            "500 Illegal PORT: the data connection must go to your own address, port 1024 or above\r\n");
  EXPECT_EQ(say("EPRT |2|2001:db8::1|5000|"), "522 Network protocol not supported, use (1)\r\n");
  EXPECT_EQ(say("PORT 10,0,1,10,195"), "501 PORT 10,0,1,10,195: expected six numbers h1,h2,h3,h4,p1,p2\r\n");
  EXPECT_EQ(say("EPRT |1|10.0.1.10|50000|"), "200 EPRT command successful\r\n");
  (void)say("LIST");
  ASSERT_EQ(ports.started.size(), 1u);
  EXPECT_EQ(ports.started[0].connect_to, (IpEndpoint{kClient.addr, 50000}));
}

TEST_F(FtpServerTest, ListingsInThreeForms) {
  login();
  const auto listing = [&](const std::string& cmd) {
    (void)say("EPSV");
    (void)say(cmd);
    std::string bytes = ports.started.back().bytes;
    session->transfer_done(std::string(), Instant{}, WallTime{});
    (void)session->take_output();
    return bytes;
  };
  EXPECT_EQ(listing("NLST /pub"), "data.bin\r\nreadme.txt\r\n");
  EXPECT_EQ(listing("MLSD pub"), "type=file;size=4;modify=19700101000000; data.bin\r\n"
                                 "type=file;size=18;modify=19700101000000; readme.txt\r\n");
  EXPECT_EQ(listing("LIST -la"), "drwxr-xr-x 1 ftp ftp            0 Jan 01 00:00 pub\r\n");
  EXPECT_EQ(listing("LIST pub/readme.txt"), "-rw-r--r-- 1 ftp ftp           18 Jan 01 00:00 readme.txt\r\n");
  (void)say("EPSV");
  EXPECT_EQ(say("LIST nothere"), "550 /nothere: no such file or directory\r\n");
  EXPECT_EQ(say("MLSD pub/readme.txt"), "501 /pub/readme.txt: not a directory\r\n");
  EXPECT_EQ(session->stats().listings, 4u);
}

TEST_F(FtpServerTest, StorWritesWhatArrivedConvertingAscii) {
  login();
  (void)say("EPSV");
  EXPECT_EQ(say("STOR /pub/up.txt"), "150 Ok to send data for /pub/up.txt\r\n");
  ASSERT_EQ(ports.started.size(), 1u);
  EXPECT_EQ(ports.started[0].kind, DataTransfer::Kind::receive);
  session->transfer_done(std::string("a\r\nb\r\n"), Instant{}, WallTime{});
  EXPECT_EQ(session->take_output(), "226 Transfer complete: 4 bytes stored in /pub/up.txt\r\n");
  EXPECT_EQ(*files.read("/pub/up.txt"), "a\nb\n");
  (void)say("EPSV");
  EXPECT_EQ(say("STOR /nodir/x"), "553 /nodir: no such directory\r\n");
  EXPECT_EQ(say("STOR /pub"), "553 /pub: is a directory\r\n");
  config.uploads = false;
  EXPECT_EQ(say("STOR /pub/y"), "550 Uploads are not allowed here\r\n");
}

TEST_F(FtpServerTest, AFailedTransferIs426AndAborStopsOne) {
  login();
  (void)say("EPSV");
  (void)say("RETR /pub/readme.txt");
  session->transfer_done(Unexpected{std::string("connection reset")}, Instant{}, WallTime{});
  EXPECT_EQ(session->take_output(), "426 Connection closed; transfer aborted: connection reset\r\n");
  EXPECT_EQ(say("ABOR"), "225 No transfer to abort\r\n");
  (void)say("EPSV");
  (void)say("RETR /pub/readme.txt");
  const int aborts = ports.aborts;
  EXPECT_EQ(say("\xff\xf4\xff\xf2" "ABOR"), "426 Connection closed; transfer aborted\r\n226 ABOR successful\r\n");
  EXPECT_EQ(ports.aborts, aborts + 1);
  session->transfer_done(std::string(), Instant{}, WallTime{});  // late news of the aborted transfer: ignored
  EXPECT_EQ(session->take_output(), "");
}

TEST_F(FtpServerTest, QuitClosesAndIdleTimesOut) {
  const Instant t0{};
  EXPECT_EQ(session->deadline(), t0 + config.idle_timeout);
  (void)say("NOOP", t0 + 10s);
  EXPECT_EQ(session->deadline(), t0 + 10s + config.idle_timeout);
  session->on_timeout();
  EXPECT_EQ(session->take_output(), "421 Timeout: no command for 300 s, closing\r\n");
  EXPECT_TRUE(session->closing());
  EXPECT_FALSE(session->deadline());
  ServerSession s(files, ports, config, {kServer, kClient}, Instant{});
  s.on_control("QUIT\r\nNOOP\r\n", Instant{});
  EXPECT_EQ(s.take_output(), "220 wirestack FTP server ready\r\n221 Goodbye\r\n");  // nothing after QUIT
  EXPECT_TRUE(s.closing());
}

TEST_F(FtpServerTest, FeatListsTheExtensions) {
  const std::string feat = say("FEAT");
  EXPECT_EQ(feat.substr(0, 14), "211-Features:\r");
  EXPECT_NE(feat.find("\r\n EPSV\r\n"), std::string::npos);
  EXPECT_NE(feat.find("\r\n REST STREAM\r\n"), std::string::npos);
  EXPECT_EQ(feat.substr(feat.size() - 9), "211 End\r\n");
}

TEST(FtpNetascii, LineEndsBothWays) {
  EXPECT_EQ(to_netascii("a\nb\r\nc"), "a\r\nb\r\nc");
  EXPECT_EQ(from_netascii("a\r\nb\rc\r\n"), "a\nb\rc\n");
}

}  // namespace
}  // namespace wirestack::ftp
