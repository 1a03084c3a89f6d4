// `wirestack decode FILE.pcap`: every frame of a capture, layer by layer.
// Exit status, for scripts: 0 every frame is well formed, 1 at least one is
// MALFORMED (all are still printed), 2 the capture cannot be read (no such
// file, not a pcap, not Ethernet, a record cut short) or a wrong option.
#include "decode.hpp"
#include "checks.hpp"

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>

#include "dev/pcap_file.hpp"
#include "wire/dissect.hpp"

namespace wirestack::cli {

void add_decode_command(CLI::App& app, DecodeOptions& opt) {
  auto* cmd = app.add_subcommand("decode", "print every frame of a pcap capture layer by layer, checksums verified");
  cmd->add_option("file", opt.file, "capture file (pcap, Ethernet link type)")->required();
  cmd->add_flag("--hex", opt.hex, "also dump each frame's bytes");
  cmd->add_option("-c,--count", opt.count, "stop after this many frames")->check(checks::positive());
  cmd->add_flag("-q,--quiet", opt.quiet, "only the summary and the problems");
}

namespace {
constexpr int kMalformed = 1;
constexpr int kUnreadable = 2;
}  // namespace

int run_decode(const DecodeOptions& opt) {
  auto reader = dev::PcapReader::open(opt.file);
  if (!reader) {
    std::cerr << "wirestack decode: " << reader.error() << "\n";
    return kUnreadable;
  }
  if (reader->link_type() != dev::kLinkTypeEthernet) {
    std::cerr << "wirestack decode: '" << opt.file << "' has link type " << reader->link_type()
              << "; only Ethernet (1) captures can be decoded\n";
    return kUnreadable;
  }
  std::size_t frames = 0;
  std::size_t bad = 0;
  std::map<std::string, std::size_t> per_protocol;
  std::optional<Instant> first;
  while (!opt.count || frames < *opt.count) {
    auto rec = reader->next();
    if (!rec) {
      std::cerr << "wirestack decode: " << rec.error() << "\n";
      return kUnreadable;
    }
    if (!*rec) break;
    const dev::PcapRecord& r = **rec;
    ++frames;
    if (!first) first = r.timestamp;
    const Dissection d = dissect(r.frame);
    for (const auto& l : d.layers) ++per_protocol[l.protocol];
    if (!d.ok()) ++bad;
    if (opt.quiet && d.ok()) continue;
    char head[96];
    std::snprintf(head, sizeof head, "frame %zu  +%.6fs  %zu bytes", frames, to_seconds(r.timestamp - *first),
                  r.frame.size());
    std::cout << head;
    if (r.original_length != r.frame.size()) std::cout << " (of " << r.original_length << " on the wire)";
    std::cout << "\n";
    for (const auto& l : d.layers) {
      std::cout << "  " << std::left << std::setw(12) << to_string(l.layer) << std::setw(9) << l.protocol << l.text
                << "\n";
    }
    for (const auto& p : d.problems) {
      std::cout << "  MALFORMED   " << std::setw(9) << p.protocol << to_string(p.error);
      if (!p.detail.empty()) std::cout << " (" << p.detail << ")";
      std::cout << "\n";
    }
    if (opt.hex) {
      const Bytes b(r.frame);
      for (std::size_t i = 0; i < b.size(); i += 16) {
        std::cout << "    " << std::right << std::setw(4) << std::setfill('0') << std::hex << i << std::dec
                  << std::setfill(' ') << "  " << to_hex(b.subspan(i, std::min<std::size_t>(16, b.size() - i)))
                  << "\n";
      }
    }
  }
  std::cout << "\n" << frames << " frames, " << bad << " malformed";
  for (const auto& [proto, n] : per_protocol) std::cout << ", " << proto << " " << n;
  std::cout << "\n";
  return bad == 0 ? 0 : kMalformed;
}

}  // namespace wirestack::cli
