// dev/tap_linux_test.cpp — TapDevice's refusals, and (with root and
// /dev/net/tun) one real device: nothing to read, writes refused while down.
#include "dev/tap_linux.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <array>
#include <string>

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

}  // namespace
}  // namespace wirestack::dev
