// ftp/command_test.cpp — the control connection's text: lines however the
// bytes are cut, Telnet commands dropped, commands and replies parsed and
// written, and the bounds on hostile input; the data-connection addresses
// of PORT, EPRT, 227 and 229.
#include "ftp/command.hpp"

#include <gtest/gtest.h>

#include "ftp/address.hpp"

namespace wirestack::ftp {
namespace {

std::vector<std::string> lines_of(LineReader& r) {
  std::vector<std::string> out;
  while (auto l = r.next()) out.push_back(*l ? **l : "ERROR " + l->error());
  return out;
}

TEST(FtpLineReader, LinesEndAtCrlfOrBareLfWhereverTheBytesAreCut) {
  const std::string stream = "USER anonymous\r\nPASS a@b\nNOOP\r\n";
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    LineReader r;
    r.push(std::string_view(stream).substr(0, cut));
    auto first = lines_of(r);
    r.push(std::string_view(stream).substr(cut));
    auto rest = lines_of(r);
    first.insert(first.end(), rest.begin(), rest.end());
    EXPECT_EQ(first, (std::vector<std::string>{"USER anonymous", "PASS a@b", "NOOP"})) << "cut at " << cut;
  }
}

TEST(FtpLineReader, TelnetCommandsBeforeAborAreDropped) {
  LineReader r;
  // ftplib's abort(): IAC IP, IAC DM (RFC 959 4.1.3), then ABOR; IAC IAC is a 0xff byte.
  r.push("\xff\xf4\xff\xf2" "ABOR\r\nRETR a\xff\xff" "b\r\n\xff\xfb\x01NOOP\r\n");
  EXPECT_EQ(lines_of(r), (std::vector<std::string>{"ABOR", "RETR a\xff" "b", "NOOP"}));
}

TEST(FtpLineReader, AnOverlongLineIsReportedOnceAndTheNextLineIsRead) {
  LineReader r;
  r.push(std::string(kMaxLine + 10, 'A'));
  r.push(std::string(5000, 'B'));
  r.push("\r\nNOOP\r\n");
  const auto lines = lines_of(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "ERROR line longer than 4096 bytes");
  EXPECT_EQ(lines[1], "NOOP");
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FtpCommand, VerbIsUpperCasedAndTheArgumentKeepsItsSpaces) {
  EXPECT_EQ(*parse_command("retr my file.txt"), (Command{"RETR", "my file.txt"}));
  EXPECT_EQ(*parse_command("PWD"), (Command{"PWD", ""}));
  EXPECT_EQ(*parse_command("Type I"), (Command{"TYPE", "I"}));
  EXPECT_FALSE(parse_command(""));
  EXPECT_FALSE(parse_command("GETFILE x"));     // five letters
  EXPECT_FALSE(parse_command("R3TR x"));        // a digit
  EXPECT_FALSE(parse_command(std::string_view("RETR a\0b", 8)));
  EXPECT_EQ(format_command("STOR", "up.bin"), "STOR up.bin\r\n");
  EXPECT_EQ(format_command("QUIT"), "QUIT\r\n");
  EXPECT_FALSE(safe_argument("a\r\nDELE b"));
  EXPECT_EQ(format_command("RETR", "a\xff" "b"), "RETR a\xff\xff" "b\r\n");  // Telnet's IAC IAC
}

TEST(FtpReply, MultiLineRepliesRoundTripAndInnerDigitsAreIndented) {
  const Reply feat{.code = 211, .lines = {"Features:", " EPSV", "211 looks like an end", "End"}};
  const std::string text = format_reply(feat);
  EXPECT_EQ(text, "211-Features:\r\n EPSV\r\n 211 looks like an end\r\n211 End\r\n");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    ReplyParser p;
    p.push(std::string_view(text).substr(0, cut));
    auto r = p.next();
    if (!r) {
      p.push(std::string_view(text).substr(cut));
      r = p.next();
    }
    ASSERT_TRUE(r && *r) << cut;
    EXPECT_EQ((*r)->code, 211);
    EXPECT_EQ((*r)->lines.size(), 4u);
    EXPECT_EQ((*r)->lines.back(), "End");
  }
  EXPECT_EQ(format_reply(Reply{.code = 200, .lines = {"ok"}}), "200 ok\r\n");
  ReplyParser p;
  p.push(format_reply(Reply{.code = 550, .lines = {"caf\xff: no such file"}}));
  auto r = p.next();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->text(), "caf\xff: no such file");  // 255 doubled on the wire, single again after
}

TEST(FtpReply, ALineThatIsNotAReplyIsAnErrorAndParsingGoesOn) {
  ReplyParser p;
  p.push("hello there\r\n99 no\r\n230 ok\r\n");
  auto a = p.next();
  ASSERT_TRUE(a && !*a);
  auto b = p.next();
  ASSERT_TRUE(b && !*b);
  auto c = p.next();
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->code, 230);
  EXPECT_FALSE(p.next());
}

TEST(FtpReply, AnEndlessMultiLineReplyIsCut) {
  ReplyParser p;
  p.push("211-start\r\n");
  for (std::size_t i = 0; i <= kMaxReplyLines; ++i) p.push("x\r\n");
  auto r = p.next();
  ASSERT_TRUE(r && !*r);
  EXPECT_EQ(r->error(), "multi-line reply too long");
}

const IpEndpoint kClient{*IpAddress::parse("10.0.0.1"), 50000};

TEST(FtpAddress, PortAndPasvCarrySixNumbers) {
  EXPECT_EQ(*parse_port_arg("10,0,0,1,195,80"), kClient);
  EXPECT_EQ(format_port_arg(kClient), "10,0,0,1,195,80");
  EXPECT_FALSE(parse_port_arg("10,0,0,256,195,80"));
  EXPECT_FALSE(parse_port_arg("10,0,0,1,195"));
  EXPECT_FALSE(parse_port_arg("10,0,0,1,195,80,1"));
  EXPECT_FALSE(parse_port_arg("10,0,0,1,0,0"));
  EXPECT_FALSE(parse_port_arg("10,0,0,1,-1,80"));
  EXPECT_EQ(format_pasv_reply(kClient), "Entering Passive Mode (10,0,0,1,195,80).");
  EXPECT_EQ(*parse_pasv_reply("Entering Passive Mode (10,0,0,1,195,80)."), kClient);
  EXPECT_EQ(*parse_pasv_reply("=10,0,0,1,195,80"), kClient);  // RFC 1123: scan for the numbers
  EXPECT_FALSE(parse_pasv_reply("Entering Passive Mode"));
}

TEST(FtpAddress, EprtAndEpsvNameTheFamilyOrOnlyThePort) {
  EXPECT_EQ(*parse_eprt_arg("|1|10.0.0.1|50000|"), kClient);
  EXPECT_EQ(format_eprt_arg(kClient), "|1|10.0.0.1|50000|");
  const IpEndpoint v6{*IpAddress::parse("2001:db8::1"), 5282};
  EXPECT_EQ(*parse_eprt_arg("|2|2001:db8::1|5282|"), v6);
  EXPECT_EQ(format_eprt_arg(v6), "|2|2001:db8::1|5282|");
  EXPECT_EQ(*parse_eprt_arg("!1!10.0.0.1!50000!"), kClient);  // any delimiter
  EXPECT_FALSE(parse_eprt_arg("|2|10.0.0.1|50000|"));  // family and address disagree
  EXPECT_FALSE(parse_eprt_arg("|3|10.0.0.1|50000|"));
  EXPECT_FALSE(parse_eprt_arg("|1|10.0.0.1|70000|"));
  EXPECT_FALSE(parse_eprt_arg("|1|10.0.0.1|50000"));
  EXPECT_EQ(*parse_epsv_reply("Entering Extended Passive Mode (|||6446|)"), 6446);
  EXPECT_EQ(format_epsv_reply(6446), "Entering Extended Passive Mode (|||6446|)");
  EXPECT_FALSE(parse_epsv_reply("Entering Extended Passive Mode (|||0|)"));
  EXPECT_FALSE(parse_epsv_reply("(|||)"));
  EXPECT_FALSE(parse_epsv_reply("no port"));
}

}  // namespace
}  // namespace wirestack::ftp
