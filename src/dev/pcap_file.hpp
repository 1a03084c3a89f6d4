// dev/pcap_file.hpp — reading and writing pcap capture files (via libpcap).
//
// PcapReader opens any capture libpcap can read (pcap, pcapng; microsecond or
// nanosecond timestamps) and yields one PcapRecord per frame, with timestamps
// always converted to nanoseconds. The link type is reported by link_type()
// (1 = DLT_EN10MB, Ethernet); other link types are not refused, the caller
// decides what to do with them. link_type() gives libpcap's DLT_* value, which
// for a few types differs from the LINKTYPE_* number stored in the file
// (LINKTYPE_RAW 101 reads as DLT_RAW 12 on Linux); for Ethernet both are 1.
//
// PcapWriter writes an Ethernet (DLT_EN10MB) capture with nanosecond
// timestamps (magic 0xa1b23c4d). A record's timestamp is the Instant it is
// given, taken as time since StackClock's origin, plus the writer's `origin`
// (seconds since the Unix epoch; the simulator passes its calendar's
// 2026-01-01 so captures and narrative share one epoch); no wall clock is
// read, so a capture of a simulated run is byte-for-byte reproducible. Frames
// are cut to the writer's snaplen; the record keeps their full length, as
// pcap does. bytes_written() counts the file's bytes (for a size limit).
//
// Errors are strings meant for a person, and always name the file:
//   "cannot open capture 'x.pcap': x.pcap: No such file or directory".
// Both classes own their libpcap handles (RAII) and are move-only.
//
//   auto writer = PcapWriter::create("out.pcap");
//   if (!writer) return fail(writer.error());
//   writer->write(at(std::chrono::milliseconds{5}), frame);
//
//   auto records = read_pcap("out.pcap");  // Result<std::vector<PcapRecord>, std::string>
//
// File format: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"

// libpcap's handle types, declared here so that <pcap.h> stays out of headers.
struct pcap;
struct pcap_dumper;

namespace wirestack::dev {

// libpcap's link type for Ethernet (DLT_EN10MB / LINKTYPE_ETHERNET).
inline constexpr int kLinkTypeEthernet = 1;

// Largest frame PcapWriter stores whole; longer frames are cut to this length
// and keep their full length in original_length. libpcap's and tcpdump's
// maximum (262,144): a TAP device with offloads hands over 64 KiB TCP
// segments, a few bytes more than 65,535 with their Ethernet header.
inline constexpr std::uint32_t kPcapWriterSnaplen = 262144;

struct PcapRecord {
  Instant timestamp;              // nanoseconds since the Unix epoch (or since the
                                  // simulation origin, for captures PcapWriter made)
  ByteVec frame;                  // the captured bytes (may be cut short by the snaplen)
  std::uint32_t original_length;  // the frame's length on the wire

  friend bool operator==(const PcapRecord&, const PcapRecord&) = default;
};

namespace detail {
struct PcapCloser {
  void operator()(pcap* p) const noexcept;
};
struct PcapDumperCloser {
  void operator()(pcap_dumper* d) const noexcept;
};
}  // namespace detail

class PcapReader {
 public:
  static Result<PcapReader, std::string> open(const std::string& path);

  // The next record; std::nullopt at the end of the file. A damaged file
  // (e.g. cut off in the middle of a record) gives an error naming the file
  // and the record number; reading after an error or the end gives the end.
  Result<std::optional<PcapRecord>, std::string> next();

  // The capture's link type as a libpcap DLT_* value (1 = Ethernet).
  int link_type() const;

  const std::string& path() const { return path_; }

 private:
  PcapReader(std::unique_ptr<pcap, detail::PcapCloser> handle, std::string path)
      : handle_(std::move(handle)), path_(std::move(path)) {}

  std::unique_ptr<pcap, detail::PcapCloser> handle_;
  std::string path_;
  std::uint64_t records_read_ = 0;
  bool done_ = false;
};

// Reads a whole capture. Fails on the first damaged record.
Result<std::vector<PcapRecord>, std::string> read_pcap(const std::string& path);

struct PcapWriterOptions {
  std::uint32_t snaplen = kPcapWriterSnaplen;  // 1 .. kPcapWriterSnaplen
  std::int64_t origin_seconds = 0;             // added to every timestamp
};

// Bytes of a pcap file header and of one record's header.
inline constexpr std::uint64_t kPcapFileHeaderBytes = 24;
inline constexpr std::uint64_t kPcapRecordHeaderBytes = 16;

class PcapWriter {
 public:
  // Creates (or truncates) `path` and writes the file header.
  static Result<PcapWriter, std::string> create(const std::string& path, PcapWriterOptions options = {});

  PcapWriter(PcapWriter&& other) noexcept = default;
  PcapWriter& operator=(PcapWriter&& other) noexcept;
  ~PcapWriter() = default;  // flushes and closes the file

  // Appends one record stamped `t` (time since the origin, plus the options'
  // origin_seconds; instants before the origin are written as the origin).
  // Frames longer than the snaplen are cut to it. libpcap buffers writes: see
  // flush() and failed().
  void write(Instant t, Bytes frame);

  // The size of the record write() would append for a frame of `length` bytes.
  std::uint64_t record_bytes(std::size_t length) const {
    return kPcapRecordHeaderBytes + std::min<std::uint64_t>(length, options_.snaplen);
  }
  // The file's size once buffered records are flushed: header and records.
  std::uint64_t bytes_written() const { return bytes_written_; }

  // Pushes buffered records to the file (e.g. so a reader sees them now).
  void flush();

  // True once a write or flush has failed (disk full, ...); libpcap's
  // pcap_dump() itself reports nothing.
  bool failed() const;

  const std::string& path() const { return path_; }

 private:
  PcapWriter(std::unique_ptr<pcap, detail::PcapCloser> dead, std::unique_ptr<pcap_dumper, detail::PcapDumperCloser> dumper,
             std::string path, PcapWriterOptions options)
      : dead_(std::move(dead)), dumper_(std::move(dumper)), path_(std::move(path)), options_(options) {}

  // Declaration order matters: the dumper is closed before the pcap_t.
  std::unique_ptr<pcap, detail::PcapCloser> dead_;
  std::unique_ptr<pcap_dumper, detail::PcapDumperCloser> dumper_;
  std::string path_;
  PcapWriterOptions options_;
  std::uint64_t bytes_written_ = kPcapFileHeaderBytes;
};

}  // namespace wirestack::dev
