// dev/pcap_file.cpp — PcapReader / PcapWriter over libpcap's savefile API.
#include "dev/pcap_file.hpp"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

namespace wirestack::dev {

namespace detail {
void PcapCloser::operator()(pcap* p) const noexcept { pcap_close(p); }
void PcapDumperCloser::operator()(pcap_dumper* d) const noexcept { pcap_dump_close(d); }
}  // namespace detail

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

std::string quoted(const std::string& path) { return "'" + path + "'"; }

}  // namespace

// --- PcapReader ------------------------------------------------------------------

Result<PcapReader, std::string> PcapReader::open(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Asking for nanosecond precision makes libpcap scale microsecond files up,
  // so every record's timestamp is in nanoseconds whatever the file holds.
  pcap* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    return Unexpected{"cannot open capture " + quoted(path) + ": " + std::string(errbuf)};
  }
  return PcapReader(std::unique_ptr<pcap, detail::PcapCloser>(p), path);
}

Result<std::optional<PcapRecord>, std::string> PcapReader::next() {
  if (done_ || !handle_) return std::optional<PcapRecord>{};

  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handle_.get(), &header, &data);
  if (rc == PCAP_ERROR_BREAK) {  // end of file
    done_ = true;
    return std::optional<PcapRecord>{};
  }
  if (rc != 1) {
    // Offline reads never time out (rc 0), so anything else is a damaged file.
    done_ = true;
    return Unexpected{"error reading capture " + quoted(path_) + " at record " + std::to_string(records_read_ + 1) +
                      ": " + std::string(pcap_geterr(handle_.get()))};
  }
  ++records_read_;

  const std::int64_t nanos =
      static_cast<std::int64_t>(header->ts.tv_sec) * kNanosPerSecond + static_cast<std::int64_t>(header->ts.tv_usec);
  const auto* first = reinterpret_cast<const std::byte*>(data);
  return std::optional<PcapRecord>{PcapRecord{
      .timestamp = Instant{Duration{nanos}},
      .frame = ByteVec(first, first + header->caplen),
      .original_length = header->len,
  }};
}

int PcapReader::link_type() const { return handle_ ? pcap_datalink(handle_.get()) : -1; }

Result<std::vector<PcapRecord>, std::string> read_pcap(const std::string& path) {
  auto reader = PcapReader::open(path);
  if (!reader) return Unexpected{reader.error()};
  std::vector<PcapRecord> records;
  for (;;) {
    auto record = reader->next();
    if (!record) return Unexpected{record.error()};
    if (!record->has_value()) return records;
    records.push_back(std::move(**record));
  }
}

// --- PcapWriter ------------------------------------------------------------------

Result<PcapWriter, std::string> PcapWriter::create(const std::string& path, PcapWriterOptions options) {
  options.snaplen = std::clamp<std::uint32_t>(options.snaplen, 1, kPcapWriterSnaplen);
  std::unique_ptr<pcap, detail::PcapCloser> dead(
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, static_cast<int>(options.snaplen), PCAP_TSTAMP_PRECISION_NANO));
  if (!dead) return Unexpected{"cannot create capture " + quoted(path) + ": out of memory"};
  std::unique_ptr<pcap_dumper, detail::PcapDumperCloser> dumper(pcap_dump_open(dead.get(), path.c_str()));
  if (!dumper) {
    return Unexpected{"cannot create capture " + quoted(path) + ": " + std::string(pcap_geterr(dead.get()))};
  }
  return PcapWriter(std::move(dead), std::move(dumper), path, options);
}

PcapWriter& PcapWriter::operator=(PcapWriter&& other) noexcept {
  // Close our dumper before the pcap_t it was opened on.
  dumper_ = std::move(other.dumper_);
  dead_ = std::move(other.dead_);
  path_ = std::move(other.path_);
  options_ = other.options_;
  bytes_written_ = other.bytes_written_;
  return *this;
}

void PcapWriter::write(Instant t, Bytes frame) {
  if (!dumper_) return;  // moved-from
  const std::int64_t nanos = std::max<std::int64_t>(to_nanos(t), 0) + options_.origin_seconds * kNanosPerSecond;
  constexpr std::size_t kMaxLen = std::numeric_limits<bpf_u_int32>::max();

  pcap_pkthdr header{};
  header.ts.tv_sec = static_cast<time_t>(nanos / kNanosPerSecond);
  // With PCAP_TSTAMP_PRECISION_NANO, libpcap stores tv_usec as nanoseconds.
  header.ts.tv_usec = static_cast<suseconds_t>(nanos % kNanosPerSecond);
  header.caplen = static_cast<bpf_u_int32>(std::min<std::size_t>(frame.size(), options_.snaplen));
  header.len = static_cast<bpf_u_int32>(std::min(frame.size(), kMaxLen));
  pcap_dump(reinterpret_cast<u_char*>(dumper_.get()), &header, reinterpret_cast<const u_char*>(frame.data()));
  bytes_written_ += kPcapRecordHeaderBytes + header.caplen;
}

void PcapWriter::flush() {
  // A failure also sets the stream's error flag, which failed() reports.
  if (dumper_) pcap_dump_flush(dumper_.get());
}

bool PcapWriter::failed() const { return !dumper_ || std::ferror(pcap_dump_file(dumper_.get())) != 0; }

}  // namespace wirestack::dev
