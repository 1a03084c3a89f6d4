// dev/pcapng_file.cpp — see pcapng_file.hpp.
#include "dev/pcapng_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace wirestack::dev {
namespace {

constexpr std::uint32_t kSectionHeader = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceDescription = 1;
constexpr std::uint32_t kEnhancedPacket = 6;
constexpr std::uint16_t kOptEnd = 0;
constexpr std::uint16_t kOptComment = 1;
constexpr std::uint16_t kIfName = 2;
constexpr std::uint16_t kIfTsresol = 9;
constexpr std::uint16_t kShbUserAppl = 4;
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
// An option's bytes: code, length, value padded to 4.
std::size_t option_bytes(std::size_t value_length) { return 4 + pad4(value_length); }

void le16(ByteVec& b, std::uint16_t v) {
  b.push_back(static_cast<std::byte>(v));
  b.push_back(static_cast<std::byte>(v >> 8));
}
void le32(ByteVec& b, std::uint32_t v) {
  le16(b, static_cast<std::uint16_t>(v));
  le16(b, static_cast<std::uint16_t>(v >> 16));
}
void option(ByteVec& b, std::uint16_t code, std::string_view value) {
  le16(b, code);
  le16(b, static_cast<std::uint16_t>(value.size()));
  for (char c : value) b.push_back(static_cast<std::byte>(c));
  b.resize(b.size() + pad4(value.size()) - value.size(), std::byte{0});
}
void end_options(ByteVec& b) {
  le16(b, kOptEnd);
  le16(b, 0);
}
// Fills in the block's length (at offset 4) and appends it again at the end.
void close_block(ByteVec& b) {
  const auto len = static_cast<std::uint32_t>(b.size() + 4);
  for (int i = 0; i < 4; ++i) b[4 + static_cast<std::size_t>(i)] = static_cast<std::byte>(len >> (8 * i));
  le32(b, len);
}

constexpr std::string_view kApplication = "wirestack";
// Longest comment kept: an option's length is 16 bits.
constexpr std::size_t kMaxComment = 0xfff0;

}  // namespace

std::uint64_t PcapngWriter::header_bytes(const PcapngWriterOptions& options) {
  std::uint64_t n = 28 + option_bytes(kApplication.size()) + 4;  // SHB with shb_userappl and opt_endofopt
  for (const auto& name : options.interfaces) n += 20 + option_bytes(name.size()) + option_bytes(1) + 4;
  return n;
}

std::uint64_t PcapngWriter::record_bytes(std::size_t length, std::size_t comment_length) const {
  const std::size_t kept = std::min<std::size_t>(length, options_.snaplen);
  std::uint64_t n = 32 + pad4(kept);
  if (comment_length > 0) n += option_bytes(std::min(comment_length, kMaxComment)) + 4;
  return n;
}

Result<PcapngWriter, std::string> PcapngWriter::create(const std::string& path, PcapngWriterOptions options) {
  if (options.snaplen == 0 || options.snaplen > kPcapWriterSnaplen) {
    return Unexpected{"cannot write capture '" + path + "': snaplen " + std::to_string(options.snaplen) +
                      " is not in 1.." + std::to_string(kPcapWriterSnaplen)};
  }
  if (options.interfaces.empty()) return Unexpected{"cannot write capture '" + path + "': no interface"};
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Unexpected{"cannot write capture '" + path + "': " + std::strerror(errno)};
  PcapngWriter w(std::unique_ptr<std::FILE, Closer>(f), path, std::move(options));
  ByteVec& b = w.block_;
  b.clear();
  le32(b, kSectionHeader);
  le32(b, 0);
  le32(b, 0x1A2B3C4D);  // byte-order magic
  le16(b, 1);           // version 1.0
  le16(b, 0);
  le32(b, 0xffffffff);  // section length: not given
  le32(b, 0xffffffff);
  option(b, kShbUserAppl, kApplication);
  end_options(b);
  close_block(b);
  w.put(b);
  for (const auto& name : w.options_.interfaces) {
    b.clear();
    le32(b, kInterfaceDescription);
    le32(b, 0);
    le16(b, static_cast<std::uint16_t>(kLinkTypeEthernet));
    le16(b, 0);
    le32(b, w.options_.snaplen);
    option(b, kIfName, name);
    option(b, kIfTsresol, std::string_view("\x09", 1));  // 10^-9 s
    end_options(b);
    close_block(b);
    w.put(b);
  }
  return w;
}

void PcapngWriter::put(const ByteVec& block) {
  if (!file_) return;
  std::fwrite(block.data(), 1, block.size(), file_.get());
  bytes_written_ += block.size();
}

void PcapngWriter::write(std::uint32_t interface, Instant t, Bytes frame, std::string_view comment) {
  if (!file_) return;
  const std::int64_t nanos = std::max<std::int64_t>(to_nanos(t), 0) + options_.origin_seconds * kNanosPerSecond;
  const auto stamp = static_cast<std::uint64_t>(nanos);
  const std::size_t kept = std::min<std::size_t>(frame.size(), options_.snaplen);
  ByteVec& b = block_;
  b.clear();
  le32(b, kEnhancedPacket);
  le32(b, 0);
  le32(b, interface);
  le32(b, static_cast<std::uint32_t>(stamp >> 32));
  le32(b, static_cast<std::uint32_t>(stamp));
  le32(b, static_cast<std::uint32_t>(kept));
  le32(b, static_cast<std::uint32_t>(std::min<std::size_t>(frame.size(), std::numeric_limits<std::uint32_t>::max())));
  b.insert(b.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(kept));
  b.resize(b.size() + pad4(kept) - kept, std::byte{0});
  if (!comment.empty()) {
    option(b, kOptComment, comment.substr(0, kMaxComment));
    end_options(b);
  }
  close_block(b);
  put(b);
}

void PcapngWriter::flush() {
  if (file_) std::fflush(file_.get());
}

bool PcapngWriter::failed() const { return !file_ || std::ferror(file_.get()) != 0; }

}  // namespace wirestack::dev
