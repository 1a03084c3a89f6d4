#include "dev/tap_linux.hpp"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace wirestack::dev {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

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

Result<TapDevice, std::string> TapDevice::open(const std::string& name) {
  if (name.empty()) return Unexpected{std::string("TAP device name is empty")};
  if (name.size() > kMaxInterfaceName) {
    return Unexpected{"TAP device name '" + name + "' is too long (at most " + std::to_string(kMaxInterfaceName) +
                      " characters)"};
  }
  if (name.find('/') != std::string::npos || name.find(' ') != std::string::npos) {
    return Unexpected{"TAP device name '" + name + "' may not contain '/' or spaces"};
  }
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
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // zero-terminated: ifr is zeroed, size <= 15
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int err = errno;
    ::close(fd);
    return Unexpected{"TUNSETIFF " + name + ": " + errno_text(err) + hint(err, name)};
  }
  return TapDevice(fd, std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, sizeof ifr.ifr_name)));
}

TapDevice::TapDevice(TapDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), name_(std::move(other.name_)) {}

TapDevice& TapDevice::operator=(TapDevice&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
  }
  return *this;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::optional<std::size_t>, std::string> TapDevice::read(MutBytes buf) {
  while (true) {
    const ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return std::optional<std::size_t>{static_cast<std::size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<std::size_t>{};
    return Unexpected{"read from " + name_ + ": " + errno_text(errno)};
  }
}

Result<bool, std::string> TapDevice::write(Bytes frame) {
  while (true) {
    const ssize_t n = ::write(fd_, frame.data(), frame.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) != frame.size()) {
        return Unexpected{"write to " + name_ + ": short write (" + std::to_string(n) + " of " +
                          std::to_string(frame.size()) + " bytes)"};
      }
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    const int err = errno;
    // EIO: the kernel side is down (ip link set NAME up); EINVAL: a frame
    // the device refuses (too short or longer than its MTU allows).
    const char* why = err == EIO ? " (is the link up? ip link set " : "";
    return Unexpected{"write to " + name_ + ": " + errno_text(err) + why + (err == EIO ? name_ + " up)" : "")};
  }
}

}  // namespace wirestack::dev
