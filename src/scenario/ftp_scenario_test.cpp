// scenario/ftp_scenario_test.cpp — FTP in topology files: the example's
// passive and active downloads, listing and upload; the narrative's two
// connections (the data connection's SYN to the port named on the control
// connection); the loader's errors for the FTP keys.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "scenario/example_run.hpp"
#include "scenario/runner.hpp"

namespace wirestack::scenario {
namespace {

using testing::read_example;
using testing::run_narrated;

const std::string kExample = "ftp_campus.toml";

TEST(FtpScenario, TheExampleShowsBothConnectionsOfEveryTransfer) {
  const auto run = run_narrated(read_example(kExample), kExample);
  ASSERT_TRUE(run.result) << run.error;
  const auto* r = &*run.result;
  const std::string& text = run.text;
  const std::string results = text.substr(text.find("== results"));
  EXPECT_TRUE(r->passed) << results;
  // 150 and 226 follow each other without waiting for a delayed ACK (no Nagle on the control connection).
  EXPECT_NE(results.find(", 0 retransmitted segments seen on links =="), std::string::npos) << results;
  // a: passive. The 229 reply names a port; a's next SYN goes there, marked as the data connection.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(files -> r  TCP      10\.0\.2\.21:21 > 10\.0\.1\.10:(\d+) .*\| FTP reply: 229 Entering Extended Passive Mode \(\|\|\|(\d+)\|\))")));
  const std::string passive_port = m[2];
  EXPECT_NE(text.find("a -> lan  TCP      10.0.1.10:" + std::string(m[1]) + " > 10.0.2.21:21  data 22 bytes"), std::string::npos);
  const std::regex data_syn("a -> lan  TCP      10\\.0\\.1\\.10:\\d+ > 10\\.0\\.2\\.21:" + passive_port +
                            "  SYN \\(handshake 1/3.*\\| FTP data connection: to the port named on the control connection \\(21\\)");
  EXPECT_TRUE(std::regex_search(text, data_syn)) << "no data SYN to port " << passive_port;
  EXPECT_NE(text.find("| FTP command: PASS ****"), std::string::npos);
  // b: active. It names its own port in EPRT; the server's SYN goes there.
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(\| FTP command: EPRT \|1\|10\.0\.1\.11\|(\d+)\|)")));
  EXPECT_TRUE(std::regex_search(
      text, std::regex("files -> r  TCP      10\\.0\\.2\\.21:\\d+ > 10\\.0\\.1\\.11:" + std::string(m[1]) +
                       "  SYN \\(handshake 1/3.*\\| FTP data connection")));
  EXPECT_NE(results.find("FTP get ftp://10.0.2.21/pub/readme.txt from a: 53 bytes received in"), std::string::npos);
  EXPECT_NE(results.find("  data connection 10.0.1.10:"), std::string::npos);
  EXPECT_NE(results.find("> 10.0.2.21:" + passive_port + ": passive mode, to the port the server named in its 229 reply"),
            std::string::npos);
  EXPECT_NE(results.find("FTP get ftp://10.0.2.21/pub/notes.txt from b: 35 bytes received"), std::string::npos);
  EXPECT_NE(results.find("> 10.0.1.11:" + std::string(m[1]) + ": active mode, the server connected"), std::string::npos);
  EXPECT_NE(results.find("FTP list ftp://10.0.2.21/pub/ from c: 115 bytes received (2 entries)"), std::string::npos);
  EXPECT_NE(results.find("FTP put ftp://10.0.2.21/pub/upload.bin from c: 200000 bytes sent"), std::string::npos);
  EXPECT_NE(results.find("FTP needs two connections"), std::string::npos);
  EXPECT_NE(results.find("FTP server files:21 (2 files): 4 control connections, 4 data connections, 24 commands (0 "
                         "answered 4xx/5xx), 2 files sent, 1 received, 1 listings"),
            std::string::npos)
      << results;
}

TEST(FtpScenario, AMissingFileAndADownServerFail) {
  std::string text = read_example(kExample);
  text.replace(text.find("/pub/readme.txt\"\n"), 16, "/pub/nothere.txt\"");
  text += "\n[[fault]]\nat = \"1.5s\"\nhost = \"files\"\naction = \"crash\"\n";
  auto t = load_topology(text, "ftp_campus.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 10, .narrate = false}, os);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);
  EXPECT_NE(os.str().find("FTP get ftp://10.0.2.21/pub/nothere.txt from a: 550 /pub/nothere.txt: no such file"),
            std::string::npos)
      << os.str();
  EXPECT_NE(os.str().find("FTP put ftp://10.0.2.21/pub/upload.bin from c: unfinished"), std::string::npos)
      << os.str();
}

std::string error_of(const std::string& app) { return testing::error_of(testing::kTwoHosts + app); }

TEST(FtpScenario, TheLoaderNamesWhatIsWrong) {
  EXPECT_EQ(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2/x\"\n"), "(loaded)");
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"http://10.0.0.2/x\"\n")
                .find("expected ftp://HOST[:PORT]/PATH"),
            std::string::npos);
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2/x\"\nop = \"delete\"\n")
                .find("'delete': expected get, put or list"),
            std::string::npos);
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2/x\"\nbytes = 5\n")
                .find("only a put sends bytes"),
            std::string::npos);
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2/x\"\nmode = \"fast\"\n")
                .find("expected passive or active"),
            std::string::npos);
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_client\"\nhost = \"a\"\nurl = \"ftp://10.0.0.2:99999/x\"\n")
                .find("the port must be 1..65535"),
            std::string::npos);
  EXPECT_NE(error_of("[[app]]\ntype = \"ftp_server\"\nhost = \"b\"\nuser = \"alice\"\n").find("expected USER:PASSWORD"),
            std::string::npos);
}

}  // namespace
}  // namespace wirestack::scenario
