#include "ftp_cmd.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/ftp_client.hpp"
#include "checks.hpp"

namespace wirestack::cli {

namespace {

struct FtpUrl {
  IpEndpoint server;
  std::string path;  // as the server should see it
  std::optional<std::pair<std::string, std::string>> login;
};

// ftp://[USER[:PASS]@]ADDR[:PORT]/PATH, ADDR an IPv4 address or [IPv6].
Result<FtpUrl, std::string> parse_url(const std::string& url) {
  if (!url.starts_with("ftp://")) return Unexpected{url + ": expected ftp://ADDR[:PORT]/PATH"};
  std::string rest = url.substr(6);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  FtpUrl out;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string userinfo = authority.substr(0, at);
    const auto colon = userinfo.find(':');
    out.login = std::pair{userinfo.substr(0, colon), colon == std::string::npos ? "" : userinfo.substr(colon + 1)};
    authority = authority.substr(at + 1);
  }
  std::string host = authority;
  std::uint16_t port = 21;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string::npos) return Unexpected{url + ": no ']' after an IPv6 address"};
    host = authority.substr(1, close - 1);
    authority = authority.substr(close + 1);
    if (authority.starts_with(":")) authority = "0" + authority;  // the port below
  }
  if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    if (!authority.starts_with("0:")) host = authority.substr(0, colon);
    try {
      const int p = std::stoi(authority.substr(colon + 1));
      if (p < 1 || p > 65535) throw std::out_of_range("port");
      port = static_cast<std::uint16_t>(p);
    } catch (...) {
      return Unexpected{url + ": the port must be 1..65535"};
    }
  }
  auto addr = IpAddress::parse(host);
  if (!addr) return Unexpected{url + ": " + host + " is not an IP address (names are not looked up here)"};
  out.server = IpEndpoint{*addr, port};
  return out;
}

std::optional<std::pair<std::string, std::string>> split_user(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return std::pair{s.substr(0, colon), s.substr(colon + 1)};
}

}  // namespace

CLI::App* add_ftp_command(CLI::App& app, FtpOptions& opt) {
  auto* cmd = app.add_subcommand(
      "ftp", "FTP client over the stack on a TAP device: get ftp://ADDR/FILE, put with -T FILE, list ftp://ADDR/DIR/");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("url", opt.url, "ftp://[USER[:PASS]@]ADDR[:PORT]/PATH; a path ending in / is listed")->required();
  cmd->add_option("-T,--upload-file", opt.upload, "upload this file to PATH (STOR)");
  cmd->add_option("-o,--output", opt.output, "write what was fetched here instead of standard output");
  cmd->add_option("-u,--user", opt.user, "USER:PASSWORD (default: anonymous)");
  cmd->add_flag("--active", opt.active, "active mode: the server connects to us (EPRT/PORT) instead of EPSV/PASV");
  cmd->add_flag("--ascii", opt.ascii, "TYPE A: line ends converted (default TYPE I, bytes as they are)");
  cmd->add_flag("--names", opt.names, "list names only (NLST)");
  cmd->add_option("--rest", opt.rest, "resume a download at this byte offset (REST)");
  cmd->add_option("--timeout", opt.timeout, "seconds for the whole job")->check(CLI::Range(0.1, 86400.0));
  return cmd;
}

int run_ftp(const FtpOptions& opt) {
  auto url = parse_url(opt.url);
  if (!url) {
    std::cerr << "wirestack ftp: " << url.error() << "\n";
    return 2;
  }
  ftp::ClientJob job{.path = url->path, .active = opt.active, .ascii = opt.ascii, .rest = opt.rest};
  if (url->login) std::tie(job.user, job.password) = *url->login;
  if (opt.user) {
    auto u = split_user(*opt.user);
    if (!u) {
      std::cerr << "wirestack ftp: --user " << *opt.user << ": expected USER:PASSWORD\n";
      return 2;
    }
    std::tie(job.user, job.password) = *u;
  }
  if (opt.upload) {
    std::ifstream in(*opt.upload, std::ios::binary);
    if (!in) {
      std::cerr << "wirestack ftp: cannot read " << *opt.upload << "\n";
      return 2;
    }
    std::ostringstream os;
    os << in.rdbuf();
    job.op = ftp::ClientJob::Op::put;
    job.upload = os.str();
    if (job.path.ends_with("/")) job.path += std::filesystem::path(*opt.upload).filename().string();  // as curl -T
  } else if (job.path.ends_with("/")) {
    job.op = opt.names ? ftp::ClientJob::Op::nlst : ftp::ClientJob::Op::list;
  }
  auto stack = make_tap_stack(opt.stack, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack ftp: " << stack.error() << "\n";
    return stack.error().status;
  }
  if (url->server.addr.is_v6()) {  // a source address that passed DAD first, as the other clients
    if (auto r = await_ipv6_addresses(*stack, "ftp"); !r) {
      std::cerr << "wirestack ftp: " << r.error() << "\n";
      return r.error().status;
    }
  }
  loop::TapHost& host = *stack->host;
  app::FtpClient client(host, url->server, job,
                        {.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opt.timeout))},
                        [&host](const app::FtpClient&) {
                          host.kick();
                          host.stop();
                        });
  auto why = host.run();
  if (why) release_dhcp(*stack);
  if (stack->pcap) stack->pcap->flush();
  if (!why) {
    std::cerr << "wirestack ftp: " << why.error() << "\n";
    return 1;
  }
  if (!client.done()) {
    std::cerr << "wirestack ftp: interrupted\n";
    return 130;
  }
  for (const auto& line : client.transcript()) std::cerr << line << "\n";
  const ftp::ClientResult& r = client.result();
  if (!r.ok) {
    std::cerr << "wirestack ftp: " << r.error << "\n";
    return 1;
  }
  if (job.op != ftp::ClientJob::Op::put) {
    if (opt.output) {
      std::ofstream out(*opt.output, std::ios::binary | std::ios::trunc);
      out.write(r.data.data(), static_cast<std::streamsize>(r.data.size()));
      if (!out) {
        std::cerr << "wirestack ftp: cannot write " << *opt.output << "\n";
        return 1;
      }
    } else {
      std::cout.write(r.data.data(), static_cast<std::streamsize>(r.data.size()));
      std::cout.flush();
    }
  }
  std::cerr << "wirestack ftp: " << (job.op == ftp::ClientJob::Op::put ? r.sent : r.data.size()) << " bytes "
            << (job.op == ftp::ClientJob::Op::put ? "sent" : "received");
  if (const auto& d = client.data_connection()) {
    std::cerr << "; control " << *client.control_local() << " > " << url->server << ", data " << d->first << " > "
              << d->second;
  }
  if (client.elapsed()) std::cerr << " in " << std::chrono::duration<double, std::milli>(*client.elapsed()).count() << " ms";
  std::cerr << "\n";
  return 0;
}

Result<FtpServe, std::string> parse_ftp_option(const std::string& spec, const std::vector<std::string>& users,
                                               bool no_anonymous, bool read_only) {
  FtpServe out;
  const auto colon = spec.find(':');
  const auto port = checks::read_port(std::string_view(spec).substr(0, colon));
  if (!port) return Unexpected{"--ftp " + spec + ": expected PORT or PORT:DIR with a port in 1..65535"};
  out.port = *port;
  if (colon != std::string::npos) out.dir = spec.substr(colon + 1);
  std::error_code ec;
  if (!std::filesystem::is_directory(out.dir, ec)) return Unexpected{"--ftp " + spec + ": " + out.dir + " is not a directory"};
  for (const auto& u : users) {
    auto pair = split_user(u);
    if (!pair) return Unexpected{"--ftp-user " + u + ": expected USER:PASSWORD"};
    out.config.session.users.push_back(*pair);
  }
  out.config.session.anonymous = !no_anonymous;
  out.config.session.uploads = !read_only;
  return out;
}

}  // namespace wirestack::cli
