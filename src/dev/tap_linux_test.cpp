// dev/tap_linux_test.cpp — TapDevice's refusals, and (with root and
// /dev/net/tun) one real device: nothing to read, writes refused while down.
#include "dev/tap_linux.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>

#include "wire/checksum.hpp"

namespace wirestack::dev {
namespace {

TEST(TapDevice, RefusesEmptyName) {
  auto tap = TapDevice::open("");
  ASSERT_FALSE(tap);
  EXPECT_EQ(tap.error(), "TAP device name is empty");
}

TEST(TapDevice, RefusesNameLongerThanIfnamsiz) {
  auto tap = TapDevice::open("a-name-of-sixteen");
  ASSERT_FALSE(tap);
  EXPECT_EQ(tap.error(), "TAP device name 'a-name-of-sixteen' is too long (at most 15 characters)");
}

TEST(TapDevice, RefusesSlash) {
  auto tap = TapDevice::open("a/b");
  ASSERT_FALSE(tap);
  EXPECT_NE(tap.error().find("may not contain"), std::string::npos);
}

TEST(TapDevice, CheckNameIsOpensFirstCheck) {
  EXPECT_TRUE(TapDevice::check_name("tap0"));
  EXPECT_TRUE(TapDevice::check_name("fifteen-chars-x"));
  ASSERT_FALSE(TapDevice::check_name("a-name-of-sixteen"));
  EXPECT_EQ(TapDevice::check_name("a-name-of-sixteen").error(), TapDevice::open("a-name-of-sixteen").error());
  EXPECT_FALSE(TapDevice::check_name("a b"));
  EXPECT_FALSE(TapDevice::check_name(""));
}

TEST(TapDevice, CreatesDeviceThatIsQuietWhileDown) {
  if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) {
    GTEST_SKIP() << "needs root and /dev/net/tun";
  }
  // In a network namespace of our own: the device never appears on the host.
  if (::unshare(CLONE_NEWNET) != 0) GTEST_SKIP() << "cannot make a network namespace";
  const std::string name = "wsu" + std::to_string(::getpid() % 100000);
  auto tap = TapDevice::open(name);
  if (!tap && tap.error().find("not permitted") != std::string::npos) {
    GTEST_SKIP() << "this environment forbids TAP devices: " << tap.error();
  }
  ASSERT_TRUE(tap) << tap.error();
  EXPECT_EQ(tap->name(), name);
  EXPECT_GE(tap->fd(), 0);
  std::array<std::byte, kTapMaxFrame> buf{};
  auto r = tap->read(buf);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(*r);  // nothing waiting: the kernel side is down
  // A second open of the same device while we hold it: busy.
  auto again = TapDevice::open(name);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("TUNSETIFF " + name + ": "), std::string::npos) << again.error();
  // Moving keeps the descriptor.
  TapDevice moved = std::move(*tap);
  EXPECT_EQ(moved.name(), name);
}

// An Ethernet + IPv4 + TCP frame of `payload` bytes (10.0.0.1 -> 10.0.0.2),
// its TCP checksum correct.
ByteVec tcp_frame(std::size_t payload) {
  ByteVec f(14 + 20 + 20 + payload);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<std::byte>(i * 7 + 3);
  const std::size_t ip = 14;
  const std::size_t tcp = 34;
  f[ip] = std::byte{0x45};
  store_be16(f, ip + 2, static_cast<std::uint16_t>(20 + 20 + payload));
  f[ip + 9] = std::byte{6};
  store_be32(f, ip + 12, 0x0a000001);
  store_be32(f, ip + 16, 0x0a000002);
  f[tcp + 12] = std::byte{0x50};  // data offset 5 words
  store_be16(f, tcp + 16, 0);
  const auto pseudo = checksum::pseudo_header_v4(0x0a000001, 0x0a000002, 6, static_cast<std::uint16_t>(20 + payload));
  store_be16(f, tcp + 16, checksum::compute(Bytes(f).subspan(tcp), pseudo));
  return f;
}

// What the kernel hands us with VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum
// field holds the pseudo-header's folded sum, not inverted.
TEST(TapDevice, FillsPartialChecksumAsTheKernelWouldHaveComputedIt) {
  for (const std::size_t payload : {0U, 1U, 100U, 1459U, 65000U}) {
    ByteVec f = tcp_frame(payload);
    const std::uint16_t correct = load_be16(f, 34 + 16);
    const auto pseudo = checksum::pseudo_header_v4(0x0a000001, 0x0a000002, 6, static_cast<std::uint16_t>(20 + payload));
    store_be16(f, 34 + 16, checksum::sum({}, pseudo));
    ASSERT_NE(load_be16(f, 34 + 16), correct) << payload;
    ASSERT_TRUE(TapDevice::fill_checksum(f, 34, 16));
    EXPECT_EQ(load_be16(f, 34 + 16), correct) << payload << " payload bytes";
    EXPECT_EQ(checksum::sum(Bytes(f).subspan(34), pseudo), 0xffff);
  }
}

TEST(TapDevice, RefusesChecksumOffsetsOutsideTheFrame) {
  ByteVec f = tcp_frame(10);
  const ByteVec before = f;
  EXPECT_FALSE(TapDevice::fill_checksum(f, f.size() + 1, 0));
  EXPECT_FALSE(TapDevice::fill_checksum(f, 34, f.size() - 34 - 1));  // the field's second byte is past the end
  EXPECT_FALSE(TapDevice::fill_checksum(f, 0, ~std::size_t{0}));       // no overflow into a small offset
  EXPECT_EQ(f, before);
}

TEST(TapDevice, OffloadsAreTakenOrTheDeviceOpensPlain) {
  if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) {
    GTEST_SKIP() << "needs root and /dev/net/tun";
  }
  if (::unshare(CLONE_NEWNET) != 0) GTEST_SKIP() << "cannot make a network namespace";
  const std::string name = "wso" + std::to_string(::getpid() % 100000);
  auto tap = TapDevice::open(name, TapOptions{.offload = true});
  if (!tap && tap.error().find("not permitted") != std::string::npos) {
    GTEST_SKIP() << "this environment forbids TAP devices: " << tap.error();
  }
  ASSERT_TRUE(tap) << tap.error();
  // Linux has taken IFF_VNET_HDR and TUNSETOFFLOAD since 2.6.27.
  EXPECT_TRUE(tap->offload());
  std::array<std::byte, kTapMaxFrame> buf{};
  auto r = tap->read_frame(buf);
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(*r);
  // An offloaded frame on a plain device is a mistake the device names.
  auto plain_name = "wsp" + std::to_string(::getpid() % 100000);
  auto plain = TapDevice::open(plain_name);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_FALSE(plain->offload());
  const ByteVec f = tcp_frame(3000);
  auto w = plain->write(f, TxOffload{.gso_size = 1460, .partial_checksum = true, .checksum_start = 34, .checksum_offset = 16});
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().find("opened without offloads"), std::string::npos) << w.error();
}

}  // namespace
}  // namespace wirestack::dev
