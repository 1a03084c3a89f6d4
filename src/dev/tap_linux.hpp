// dev/tap_linux.hpp — a Linux TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI):
// Ethernet frames in and out of the kernel, one read() or write() per frame.
//
// open(name) attaches to the device `name`, creating it if it does not exist
// (which needs CAP_NET_ADMIN); attaching to an existing persistent device
// (`ip tuntap add mode tap name NAME user USER`) needs no privilege when the
// device's owner is us. The kernel side (address, MTU, link up) is the user's
// to configure with `ip`; a device this process created disappears when it is
// closed. The descriptor is non-blocking: poll it with epoll (fd()).
//
// This file and loop/ are the only places below the tools that do OS I/O
// (docs/ARCHITECTURE.md, the sans-IO rule). Errors are values: one line for a
// person that names the device and says what to do, e.g.
//   "cannot open /dev/net/tun: No such file or directory (is the tun module loaded?)"
//   "TUNSETIFF tap0: Operation not permitted (run as root or give CAP_NET_ADMIN)"
//
//   auto tap = dev::TapDevice::open("tap0");
//   if (!tap) return fail(tap.error());
//   std::array<std::byte, dev::kTapMaxFrame> buf;
//   while (auto n = tap->read(buf); n && *n) handle(std::span(buf).first(**n));
//   if (auto w = tap->write(frame); !w) log(w.error());
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace wirestack::dev {

// A read buffer of this size holds any frame the kernel hands a TAP device
// (64 KiB of IP plus the Ethernet header and a VLAN tag).
inline constexpr std::size_t kTapMaxFrame = 65536 + 18;

// Linux IFNAMSIZ - 1: the longest interface name.
inline constexpr std::size_t kMaxInterfaceName = 15;

class TapDevice {
 public:
  // Attaches to (or creates) the TAP device `name`.
  static Result<TapDevice, std::string> open(const std::string& name);

  TapDevice(TapDevice&& other) noexcept;
  TapDevice& operator=(TapDevice&& other) noexcept;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  ~TapDevice();

  // The non-blocking descriptor, for epoll. Owned by this object.
  int fd() const { return fd_; }
  // The name the kernel gave the device (as asked).
  const std::string& name() const { return name_; }

  // Reads one frame into `buf` (size it kTapMaxFrame). The frame's length;
  // std::nullopt when none is waiting (EAGAIN); an error naming the device.
  Result<std::optional<std::size_t>, std::string> read(MutBytes buf);
  // Writes one frame. false when the kernel's queue is full (EAGAIN: the
  // frame is dropped, as a full NIC drops it); an error naming the device.
  Result<bool, std::string> write(Bytes frame);

 private:
  TapDevice(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}

  int fd_ = -1;
  std::string name_;
};

}  // namespace wirestack::dev
