#include "dev/tap_linux.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "wire/checksum.hpp"

namespace wirestack::dev {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// struct virtio_net_hdr (the legacy 10-byte header), as <linux/virtio_net.h>
// lays it out; that header itself does not compile as C++ (a field named
// `class`). Fields in the host's byte order (no TUNSETVNETLE/BE).
struct VirtioNetHdr {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(VirtioNetHdr) == 10);
constexpr std::uint8_t kNeedsCsum = 1;    // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr std::uint8_t kDataValid = 2;    // VIRTIO_NET_HDR_F_DATA_VALID
constexpr std::uint8_t kGsoNone = 0;      // VIRTIO_NET_HDR_GSO_NONE
constexpr std::uint8_t kGsoTcpV4 = 1;     // VIRTIO_NET_HDR_GSO_TCPV4
constexpr std::uint8_t kGsoTcpV6 = 4;     // VIRTIO_NET_HDR_GSO_TCPV6
constexpr std::uint8_t kGsoEcn = 0x80;    // VIRTIO_NET_HDR_GSO_ECN

// What a person can do about an errno from open() or TUNSETIFF.
std::string hint(int err, const std::string& name) {
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return " (is the tun module loaded? try: modprobe tun)";
    case EPERM:
    case EACCES:
      return " (run as root or give CAP_NET_ADMIN, or create it first: ip tuntap add mode tap name " + name +
             " user $USER)";
    case EBUSY:
      return " (another process has '" + name + "' open)";
    case EINVAL:
      return " (is '" + name + "' a TUN device or another kind of interface, not a TAP?)";
    default:
      return {};
  }
}

}  // namespace

Result<void, std::string> TapDevice::check_name(const std::string& name) {
  if (name.empty()) return Unexpected{std::string("TAP device name is empty")};
  if (name.size() > kMaxInterfaceName) {
    return Unexpected{"TAP device name '" + name + "' is too long (at most " + std::to_string(kMaxInterfaceName) +
                      " characters)"};
  }
  if (name.find('/') != std::string::npos || name.find(' ') != std::string::npos) {
    return Unexpected{"TAP device name '" + name + "' may not contain '/' or spaces"};
  }
  return {};
}

Result<TapDevice, std::string> TapDevice::open(const std::string& name, TapOptions options) {
  if (auto r = check_name(name); !r) return Unexpected{r.error()};
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const char* why = err == ENOENT || err == ENODEV ? " (is the tun module loaded?)"
                      : err == EACCES || err == EPERM ? " (run as root or give CAP_NET_ADMIN)"
                                                       : "";
    return Unexpected{"cannot open /dev/net/tun: " + errno_text(err) + why};
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (options.offload) ifr.ifr_flags |= IFF_VNET_HDR;
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // zero-terminated: ifr is zeroed, size <= 15
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    ::close(fd);
    // A persistent device made without IFF_VNET_HDR refuses it (EINVAL):
    // open it plain.
    if (options.offload && err == EINVAL) return open(name, TapOptions{.offload = false});
    return Unexpected{"TUNSETIFF " + name + ": " + errno_text(err) + hint(err, name)};
  }
  bool offload = false;
  if (options.offload) {
    // The header is struct virtio_net_hdr (10 bytes, the default size); what
    // the kernel may hand us: partial checksums and TCP segments of up to
    // 64 KiB over IPv4 and IPv6. If it refuses, the header stays but carries
    // nothing: a plain device with ten bytes in front.
    const unsigned flags = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    offload = ::ioctl(fd, TUNSETOFFLOAD, flags) == 0;
  }
  std::string got(ifr.ifr_name, ::strnlen(ifr.ifr_name, sizeof ifr.ifr_name));
  if (!options.offload) {
    // The offloads a previous user of a persistent device turned on stay
    // on the device: the kernel would go on handing over partial checksums
    // and 64 KiB segments that a plain reader cannot tell from bad frames.
    (void)::ioctl(fd, TUNSETOFFLOAD, 0U);
  }
  if (options.offload && !offload) {
    ::close(fd);
    return open(got, TapOptions{.offload = false});
  }
  return TapDevice(fd, std::move(got), offload);
}

bool TapDevice::fill_checksum(MutBytes frame, std::size_t start, std::size_t offset) {
  if (start > frame.size() || offset > frame.size() - start || frame.size() - start - offset < 2) return false;
  const std::uint16_t c = checksum::compute(Bytes(frame).subspan(start));
  store_be16(frame, start + offset, c == 0 && offset == 6 ? 0xffff : c);  // UDP: 0 means "none" (RFC 768)
  return true;
}

TapDevice::TapDevice(TapDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), name_(std::move(other.name_)), offload_(other.offload_) {}

TapDevice& TapDevice::operator=(TapDevice&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
    offload_ = other.offload_;
  }
  return *this;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::optional<std::size_t>, std::string> TapDevice::read(MutBytes buf) {
  auto r = read_frame(buf);
  if (!r) return Unexpected{r.error()};
  if (!*r) return std::optional<std::size_t>{};
  return std::optional<std::size_t>{(*r)->len};
}

Result<std::optional<RxFrame>, std::string> TapDevice::read_frame(MutBytes buf) {
  VirtioNetHdr hdr{};
  std::array<iovec, 2> iov{iovec{&hdr, sizeof hdr}, iovec{buf.data(), buf.size()}};
  const int first = offload_ ? 0 : 1;
  while (true) {
    const ssize_t n = ::readv(fd_, iov.data() + first, 2 - first);
    if (n >= 0) {
      const std::size_t skip = offload_ ? sizeof hdr : 0;
      if (static_cast<std::size_t>(n) < skip) {
        return Unexpected{"read from " + name_ + ": " + std::to_string(n) + " bytes, shorter than the virtio header"};
      }
      RxFrame f{.len = static_cast<std::size_t>(n) - skip};
      if (offload_) {
        if ((hdr.gso_type & ~kGsoEcn) != kGsoNone) f.gso_size = hdr.gso_size;
        if ((hdr.flags & kNeedsCsum) != 0) {
          // Left partial by the kernel: filled here, so that everything
          // above sees (and a capture shows) a checksummed datagram.
          if (!fill_checksum(buf.first(f.len), hdr.csum_start, hdr.csum_offset)) {
            return Unexpected{"read from " + name_ + ": the kernel's checksum offsets (" +
                              std::to_string(hdr.csum_start) + " + " + std::to_string(hdr.csum_offset) +
                              ") fall outside a frame of " + std::to_string(f.len) + " bytes"};
          }
          f.checksum_filled = true;
        } else if ((hdr.flags & kDataValid) != 0) {
          f.checksum_valid = true;  // the kernel checked it already
        }
      }
      return std::optional<RxFrame>{f};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<RxFrame>{};
    return Unexpected{"read from " + name_ + ": " + errno_text(errno)};
  }
}

Result<bool, std::string> TapDevice::write(Bytes frame, const TxOffload& tx) {
  VirtioNetHdr hdr{};
  if (tx.partial_checksum) {
    hdr.flags = kNeedsCsum;
    hdr.csum_start = tx.checksum_start;
    hdr.csum_offset = tx.checksum_offset;
  }
  if (tx.gso_size > 0) {
    hdr.gso_type = tx.ipv6 ? kGsoTcpV6 : kGsoTcpV4;
    hdr.gso_size = tx.gso_size;
    // The headers the kernel copies into every segment: up to the end of
    // the TCP header (its data offset, in 32-bit words).
    const std::size_t tcp_at = tx.checksum_start;
    const std::size_t tcp_len = tcp_at + 12 < frame.size() ? (std::to_integer<std::size_t>(frame[tcp_at + 12]) >> 4) * 4 : 0;
    hdr.hdr_len = static_cast<std::uint16_t>(tcp_at + tcp_len);
  }
  if (!offload_ && (tx.gso_size > 0 || tx.partial_checksum)) {
    return Unexpected{"write to " + name_ + ": an offloaded frame, but the device was opened without offloads"};
  }
  // readv/writev take non-const buffers; nothing is written through them.
  std::array<iovec, 2> iov{iovec{&hdr, sizeof hdr},
                           iovec{const_cast<std::byte*>(frame.data()), frame.size()}};  // NOLINT
  const int first = offload_ ? 0 : 1;
  const std::size_t total = frame.size() + (offload_ ? sizeof hdr : 0);
  while (true) {
    const ssize_t n = ::writev(fd_, iov.data() + first, 2 - first);
    if (n >= 0) {
      if (static_cast<std::size_t>(n) != total) {
        return Unexpected{"write to " + name_ + ": short write (" + std::to_string(n) + " of " +
                          std::to_string(total) + " bytes)"};
      }
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    const int err = errno;
    // EIO: the kernel side is down (ip link set NAME up); EINVAL: a frame
    // the device refuses (too short or longer than its MTU allows, or an
    // offload header it does not accept).
    const char* why = err == EIO ? " (is the link up? ip link set " : "";
    return Unexpected{"write to " + name_ + ": " + errno_text(err) + why + (err == EIO ? name_ + " up)" : "")};
  }
}

}  // namespace wirestack::dev
