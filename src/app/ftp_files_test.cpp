// app/ftp_files_test.cpp — the directory store keeps a client inside its
// root: "..", absolute paths and symbolic links that point out of it.
#include "app/ftp_files.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace wirestack::app {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  TempDir() {
    base = fs::temp_directory_path() / ("ws_ftp_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                        "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base);
    fs::create_directories(base / "root" / "pub");
    fs::create_directories(base / "secret");
    std::ofstream(base / "root" / "pub" / "a.txt") << "hello\n";
    std::ofstream(base / "secret" / "key") << "do not serve\n";
    fs::create_directory_symlink(base / "secret", base / "root" / "out");     // a link out of the root
    fs::create_symlink("../../secret/key", base / "root" / "pub" / "key");    // a relative one
    fs::create_symlink("a.txt", base / "root" / "pub" / "alias.txt");        // a link inside: fine
  }
  ~TempDir() { fs::remove_all(base); }
  fs::path base;
};

TEST(FtpDirectoryStore, ServesItsRootAndNothingElse) {
  TempDir t;
  DirectoryStore s(t.base / "root");
  EXPECT_EQ(*s.read("/pub/a.txt"), "hello\n");
  EXPECT_EQ(*s.read("/pub/alias.txt"), "hello\n");
  EXPECT_FALSE(s.read("/out/key"));
  EXPECT_FALSE(s.read("/pub/key"));
  EXPECT_FALSE(s.stat("/out"));
  EXPECT_FALSE(s.list("/out"));
  EXPECT_EQ(*s.read("/../../pub/a.txt"), "hello\n");  // ".." stops at the root
  auto root = s.list("/");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->size(), 1u);  // "out" is not listed
  EXPECT_EQ((*root)[0].name, "pub");
  auto pub = s.list("/pub");
  ASSERT_TRUE(pub);
  ASSERT_EQ(pub->size(), 2u);
  EXPECT_EQ((*pub)[0].name, "a.txt");
  EXPECT_EQ((*pub)[1].name, "alias.txt");
  EXPECT_EQ((*pub)[0].size, 6u);
}

TEST(FtpDirectoryStore, WritesLandInsideOnly) {
  TempDir t;
  DirectoryStore s(t.base / "root");
  EXPECT_TRUE(s.write("/pub/new.bin", std::string("\x00\x01", 2), {}));
  EXPECT_EQ(fs::file_size(t.base / "root" / "pub" / "new.bin"), 2u);
  EXPECT_FALSE(s.write("/out/planted", "x", {}));  // through the link: refused
  EXPECT_FALSE(fs::exists(t.base / "secret" / "planted"));
  EXPECT_FALSE(s.write("/pub/key", "x", {}));      // over a link that points out
  EXPECT_EQ(*s.read("/pub/a.txt"), "hello\n");
  EXPECT_FALSE(s.write("/pub", "x", {}));
}

}  // namespace
}  // namespace wirestack::app
