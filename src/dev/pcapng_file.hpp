// dev/pcapng_file.hpp — writing pcapng captures (libpcap reads pcapng but
// cannot write it), for what plain pcap cannot say: which card sent a frame
// and a comment on a frame (Wireshark shows packet comments, and
// `tshark -Y frame.comment` finds them). The simulator writes one file per
// link with one interface per side, and comments the frames that were lost,
// corrupted or dropped by a queue.
//
// File layout (draft-ietf-opsawg-pcapng): a Section Header Block, one
// Interface Description Block per interface (Ethernet, the snaplen, the
// interface's name, nanosecond timestamps), then one Enhanced Packet Block
// per frame, with an opt_comment when it has one. Everything little-endian,
// whatever the host; no wall clock is read: timestamps are the Instants
// given plus `origin_seconds`, so a simulated run's file is reproducible to
// the byte.
//
//   auto w = PcapngWriter::create("x.pcapng", {.interfaces = {"a-eth0", "sw1-port0"}});
//   w->write(0, at(5ms), frame);                               // sent by a-eth0
//   w->write(1, at(6ms), frame, "lost on the wire (the link's loss rate)");
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "dev/pcap_file.hpp"

namespace wirestack::dev {

struct PcapngWriterOptions {
  std::vector<std::string> interfaces = {"eth0"};  // one IDB each, by index
  std::uint32_t snaplen = kPcapWriterSnaplen;       // 1 .. kPcapWriterSnaplen
  std::int64_t origin_seconds = 0;                  // added to every timestamp
};

class PcapngWriter {
 public:
  // Creates (or truncates) `path` and writes the section and interface blocks.
  static Result<PcapngWriter, std::string> create(const std::string& path, PcapngWriterOptions options = {});

  PcapngWriter(PcapngWriter&&) noexcept = default;
  PcapngWriter& operator=(PcapngWriter&&) noexcept = default;
  ~PcapngWriter() = default;  // flushes and closes the file

  // Appends one Enhanced Packet Block: `frame` (cut to the snaplen) seen on
  // interface `interface` at `t`, with `comment` when it is not empty.
  void write(std::uint32_t interface, Instant t, Bytes frame, std::string_view comment = {});

  // The size of the block write() would append.
  std::uint64_t record_bytes(std::size_t length, std::size_t comment_length = 0) const;
  // The file's size once buffered blocks are flushed.
  std::uint64_t bytes_written() const { return bytes_written_; }
  // The size of the blocks create() writes, before any frame.
  static std::uint64_t header_bytes(const PcapngWriterOptions& options);

  void flush();
  bool failed() const;
  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  PcapngWriter(std::unique_ptr<std::FILE, Closer> file, std::string path, PcapngWriterOptions options)
      : file_(std::move(file)), path_(std::move(path)), options_(std::move(options)) {}
  void put(const ByteVec& block);

  std::unique_ptr<std::FILE, Closer> file_;
  std::string path_;
  PcapngWriterOptions options_;
  std::uint64_t bytes_written_ = 0;
  ByteVec block_;  // reused for every block
};

}  // namespace wirestack::dev
