// dev/tap_linux.hpp — a Linux TAP device (/dev/net/tun, IFF_TAP | IFF_NO_PI):
// Ethernet frames in and out of the kernel, one read() or write() per frame.
//
// With offloads (TapOptions::offload: IFF_VNET_HDR and TUNSETOFFLOAD, as a
// virtio NIC or QEMU uses them), every frame crosses the device behind a
// 10-byte virtio_net_hdr that says what the kernel left undone, so that it
// need not do it per 1,500 bytes:
//   - to us, a TCP segment of up to 64 KiB the kernel did not cut into
//     MSS-sized frames (its TSO, or GRO of what it received), whose TCP or
//     UDP checksum holds only the pseudo-header's sum. read() fills the
//     checksum in, so what the stack and a capture see is a normal datagram
//     (bigger than the MTU); RxFrame says it was coalesced and filled.
//   - from us, write() with a TxOffload: a TCP segment of up to 64 KiB that
//     the kernel cuts into segments of `gso_size` bytes (copying the headers,
//     advancing the sequence numbers, the IP identification and the
//     checksums), as a NIC with TSO does; or one frame whose checksum the
//     kernel need not check.
// The plain device (no header) stays for when the kernel refuses the
// offloads or the user turns them off; offload() says which one we got.
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
#include <cstdint>
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

struct TapOptions {
  // Ask for IFF_VNET_HDR with checksum and TCP segmentation offload (IPv4
  // and IPv6). When the kernel refuses, the device opens plain.
  bool offload = false;
};

// A frame read from the device.
struct RxFrame {
  std::size_t len = 0;
  // Offload mode: the kernel handed a TCP segment of several MSS-sized ones
  // (their size; 0: a normal frame).
  std::uint16_t gso_size = 0;
  // Offload mode: the kernel left the transport checksum to us and read()
  // filled it in.
  bool checksum_filled = false;
  // Offload mode: the kernel says it verified the transport checksum.
  bool checksum_valid = false;
};

// What the kernel is to finish for a frame we write (offload mode only).
struct TxOffload {
  // > 0: the frame is one IPv4 or IPv6 TCP segment bigger than the MTU, to
  // be cut into segments of this many payload bytes.
  std::uint16_t gso_size = 0;
  bool ipv6 = false;
  // The transport checksum is left partial (the pseudo-header's sum in the
  // field): the kernel completes it. Required with gso_size.
  bool partial_checksum = false;
  std::uint16_t checksum_start = 0;   // offset of the transport header in the frame
  std::uint16_t checksum_offset = 0;  // of the checksum field within it
};

class TapDevice {
 public:
  // Attaches to (or creates) the TAP device `name`.
  static Result<TapDevice, std::string> open(const std::string& name, TapOptions options = {});
  // Whether `name` can name an interface at all (not empty, at most
  // kMaxInterfaceName characters, no '/' or space): open()'s first check,
  // for a caller that looks the name up before opening.
  static Result<void, std::string> check_name(const std::string& name);

  TapDevice(TapDevice&& other) noexcept;
  TapDevice& operator=(TapDevice&& other) noexcept;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  ~TapDevice();

  // The non-blocking descriptor, for epoll. Owned by this object.
  int fd() const { return fd_; }
  // The name the kernel gave the device (as asked).
  const std::string& name() const { return name_; }

  // True when frames cross with a virtio_net_hdr (the kernel took the
  // offloads).
  bool offload() const { return offload_; }

  // Reads one frame into `buf` (size it kTapMaxFrame). The frame's length;
  // std::nullopt when none is waiting (EAGAIN); an error naming the device.
  Result<std::optional<std::size_t>, std::string> read(MutBytes buf);
  // The same, with what the offloads did to the frame.
  Result<std::optional<RxFrame>, std::string> read_frame(MutBytes buf);
  // Writes one frame. false when the kernel's queue is full (EAGAIN: the
  // frame is dropped, as a full NIC drops it); an error naming the device.
  // `tx` only in offload mode (else it must be the default).
  Result<bool, std::string> write(Bytes frame, const TxOffload& tx = {});

  // Fills in a partial transport checksum: the field at `start + offset`
  // holds the pseudo-header's sum, the sum of everything from `start` on goes
  // there. false when the offsets do not fit the frame. (Public for tests.)
  static bool fill_checksum(MutBytes frame, std::size_t start, std::size_t offset);

 private:
  TapDevice(int fd, std::string name, bool offload) : fd_(fd), name_(std::move(name)), offload_(offload) {}

  int fd_ = -1;
  std::string name_;
  bool offload_ = false;
};

}  // namespace wirestack::dev
