// ftp/store_test.cpp — virtual paths that cannot leave the root, the
// in-memory store, and the listing formats (ls -l, RFC 3659 facts and times).
#include "ftp/store.hpp"

#include <gtest/gtest.h>

namespace wirestack::ftp {
namespace {

using namespace std::chrono;

TEST(FtpPath, DotDotStopsAtTheRoot) {
  EXPECT_EQ(resolve_path("/", "pub/a.txt"), "/pub/a.txt");
  EXPECT_EQ(resolve_path("/pub", "../../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(resolve_path("/pub", ".."), "/");
  EXPECT_EQ(resolve_path("/pub", "/x//y/./z/"), "/x/y/z");
  EXPECT_EQ(resolve_path("/pub/deep", ""), "/pub/deep");
  EXPECT_EQ(resolve_path("/", "/../.."), "/");
  EXPECT_EQ(parent_of("/pub/a.txt"), "/pub");
  EXPECT_EQ(parent_of("/a"), "/");
  EXPECT_EQ(base_name("/pub/a.txt"), "a.txt");
}

const WallTime kWhen = sys_days{year{2026} / December / 7} + hours{13} + minutes{5} + seconds{9};

TEST(FtpMemoryStore, FilesMakeTheirDirectories) {
  MemoryStore s;
  s.put("/pub/readme.txt", "hello\n", kWhen);
  s.put("top.bin", "xyz", kWhen);
  ASSERT_TRUE(s.stat("/pub"));
  EXPECT_TRUE(s.stat("/pub")->is_dir);
  EXPECT_EQ(s.stat("/pub/readme.txt")->size, 6u);
  EXPECT_FALSE(s.stat("/nothing"));
  auto root = s.list("/");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->size(), 2u);
  EXPECT_EQ((*root)[0].name, "pub");
  EXPECT_EQ((*root)[1].name, "top.bin");
  EXPECT_FALSE(s.list("/top.bin"));
  EXPECT_EQ(*s.read("/pub/readme.txt"), "hello\n");
  EXPECT_FALSE(s.read("/pub"));
  EXPECT_TRUE(s.write("/pub/new.txt", "n", kWhen));
  EXPECT_FALSE(s.write("/nodir/new.txt", "n", kWhen));
  EXPECT_FALSE(s.write("/pub", "n", kWhen));
  EXPECT_EQ(s.file_count(), 3u);
}

TEST(FtpListing, LsLinesFactsAndTimes) {
  EXPECT_EQ(time_val(kWhen), "20261207130509");
  const FileInfo f{.name = "a.txt", .size = 6, .modified = kWhen};
  EXPECT_EQ(list_line(f), "-rw-r--r-- 1 ftp ftp            6 Dec 07 13:05 a.txt");
  EXPECT_EQ(mlsd_line(f), "type=file;size=6;modify=20261207130509; a.txt");
  const FileInfo d{.name = "pub", .is_dir = true, .modified = kWhen};
  EXPECT_EQ(list_line(d).substr(0, 10), "drwxr-xr-x");
  EXPECT_EQ(mlsd_line(d), "type=dir;modify=20261207130509; pub");
}

}  // namespace
}  // namespace wirestack::ftp
