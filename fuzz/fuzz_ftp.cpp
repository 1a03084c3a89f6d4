// FTP's control text: the line reader, the command and reply parsers and
// the address parsers must take any bytes; what parses must survive a
// round trip through the formatters; a server session and a client session
// fed the bytes must answer or fail cleanly, never crash, and the server
// must reply to every line it reads.
#include <string>
#include <string_view>

#include "ftp/address.hpp"
#include "ftp/client.hpp"
#include "ftp/command.hpp"
#include "ftp/server.hpp"
#include "fuzz_check.hpp"

using namespace wirestack;

namespace {

struct NoPorts final : ftp::DataPorts {
  Result<std::uint16_t, std::string> listen() override { return std::uint16_t{50000}; }
  void start(ftp::DataTransfer) override { started = true; }
  void abort() override {}
  bool started = false;
};

const IpEndpoint kServer{*IpAddress::parse("10.0.2.21"), 21};
const IpEndpoint kClient{*IpAddress::parse("10.0.1.10"), 40000};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  ftp::LineReader lines;
  lines.push(in);
  while (auto line = lines.next()) {
    if (!*line) continue;
    FUZZ_CHECK((*line)->size() <= ftp::kMaxLine);
    if (auto c = ftp::parse_command(**line); c && ftp::safe_argument(c->arg)) {
      ftp::LineReader again;  // through the reader, as it travels: IAC IAC back to one byte
      again.push(ftp::format_command(c->verb, c->arg));
      auto l = again.next();
      FUZZ_CHECK(l && *l);
      auto back = ftp::parse_command(**l);
      FUZZ_CHECK(back.has_value() && *back == *c);
    }
    if (auto e = ftp::parse_eprt_arg(**line)) FUZZ_CHECK(*ftp::parse_eprt_arg(ftp::format_eprt_arg(*e)) == *e);
    if (auto p = ftp::parse_port_arg(**line)) FUZZ_CHECK(*ftp::parse_port_arg(ftp::format_port_arg(*p)) == *p);
    if (auto p = ftp::parse_pasv_reply(**line)) FUZZ_CHECK(*ftp::parse_pasv_reply(ftp::format_pasv_reply(*p)) == *p);
    if (auto p = ftp::parse_epsv_reply(**line)) FUZZ_CHECK(*ftp::parse_epsv_reply(ftp::format_epsv_reply(*p)) == *p);
  }

  ftp::ReplyParser replies;
  replies.push(in);
  while (auto r = replies.next()) {
    if (!*r || (*r)->lines.size() != 1) continue;
    ftp::ReplyParser again;
    again.push(ftp::format_reply(**r));
    auto back = again.next();
    FUZZ_CHECK(back && *back && **back == **r);
  }

  // A server session: every line read gets at least one reply line.
  ftp::MemoryStore files;
  files.put("/pub/a.txt", "hello\n");
  NoPorts ports;
  ftp::ServerConfig config;
  config.users = {{"u", "p"}};
  ftp::ServerSession server(files, ports, config, {kServer, kClient}, Instant{});
  (void)server.take_output();
  server.on_control("USER anonymous\r\nPASS x\r\n", Instant{});
  (void)server.take_output();
  server.on_control(in, Instant{});
  if (ports.started) server.transfer_done(std::string(in.substr(0, 64)), Instant{}, ftp::WallTime{});
  ftp::ReplyParser answers;
  answers.push(server.take_output());
  while (auto a = answers.next()) FUZZ_CHECK(a->has_value());  // the server writes only well-formed replies

  // A client session fed the bytes as replies.
  ftp::ClientSession client({.op = ftp::ClientJob::Op::get, .path = "/pub/a.txt"}, {kClient, kServer});
  client.on_control(in);
  (void)client.take_data_step();
  client.on_data_done(std::string("x"));
  client.on_control_closed("end");
  FUZZ_CHECK(client.done());
  return 0;
}
