#include "http/static_files.hpp"

#include <gtest/gtest.h>

namespace wirestack::http {
namespace {

std::string ok(std::string_view target, std::string_view prefix = "/") {
  auto r = resolve_path(target, prefix);
  EXPECT_TRUE(r) << target << ": " << r.error();
  return r ? *r : std::string("<error>");
}

HttpError err(std::string_view target, std::string_view prefix = "/") {
  auto r = resolve_path(target, prefix);
  EXPECT_FALSE(r) << target << " -> " << (r ? *r : "");
  return r ? HttpError{0, "resolved"} : r.error();
}

TEST(ResolvePath, DirectoriesMapToIndexHtml) {
  EXPECT_EQ(ok("/"), "index.html");
  EXPECT_EQ(ok("/docs/"), "docs/index.html");
  EXPECT_EQ(ok("/docs/."), "docs/index.html");
  EXPECT_EQ(ok("/docs/sub/.."), "docs/index.html");
  EXPECT_EQ(ok("/docs"), "docs");  // a file as far as this layer can tell
}

TEST(ResolvePath, NormalizesAndStripsQueryAndFragment) {
  EXPECT_EQ(ok("/a/./b/../c.txt"), "a/c.txt");
  EXPECT_EQ(ok("//a///b"), "a/b");
  EXPECT_EQ(ok("/a.css?v=2"), "a.css");
  EXPECT_EQ(ok("/a.css#top"), "a.css");
  EXPECT_EQ(ok("/?x"), "index.html");
}

TEST(ResolvePath, PercentDecodesBeforeNormalizing) {
  EXPECT_EQ(ok("/my%20file.txt"), "my file.txt");
  EXPECT_EQ(ok("/caf%C3%A9.html"), "caf\xc3\xa9.html");
  EXPECT_EQ(ok("/a%2fb"), "a/b");
  EXPECT_EQ(ok("/a/%2e%2e/b"), "b");
  EXPECT_EQ(ok("/a+b"), "a+b");
}

TEST(ResolvePath, RefusesEscapesNulAndBackslashes) {
  EXPECT_EQ(err("/.."), (HttpError{400, "path leaves the served directory"}));
  EXPECT_EQ(err("/../etc/passwd"), (HttpError{400, "path leaves the served directory"}));
  EXPECT_EQ(err("/a/../../b"), (HttpError{400, "path leaves the served directory"}));
  EXPECT_EQ(err("/%2e%2e/etc/passwd"), (HttpError{400, "path leaves the served directory"}));
  EXPECT_EQ(err("/..%2f..%2fetc"), (HttpError{400, "path leaves the served directory"}));
  EXPECT_EQ(err("/a%00.html"), (HttpError{400, "control character in path"}));
  EXPECT_EQ(err("/a%0d%0a"), (HttpError{400, "control character in path"}));
  EXPECT_EQ(err("/a\\b"), (HttpError{400, "backslash in path"}));
  EXPECT_EQ(err("/a%5c..%5c..%5cb"), (HttpError{400, "backslash in path"}));
  EXPECT_EQ(err("/a%2"), (HttpError{400, "malformed percent-escape in path"}));
  EXPECT_EQ(err("/a%zz"), (HttpError{400, "malformed percent-escape in path"}));
  EXPECT_EQ(err("*"), (HttpError{404, "outside the served directory"}));
}

TEST(ResolvePath, StripsThePrefix) {
  EXPECT_EQ(ok("/static/css/a.css?v=2", "/static/"), "css/a.css");
  EXPECT_EQ(ok("/static/", "/static/"), "index.html");
  EXPECT_EQ(err("/other/a", "/static/").status, 404);
  EXPECT_EQ(err("/static/../a", "/static/").status, 400);
}

TEST(MimeType, ByExtensionCaseInsensitive) {
  EXPECT_EQ(mime_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(mime_type("a/b/STYLE.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(mime_type("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(mime_type("stats.json"), "application/json");
  EXPECT_EQ(mime_type("x.png"), "image/png");
  EXPECT_EQ(mime_type("x.jpg"), "image/jpeg");
  EXPECT_EQ(mime_type("x.jpeg"), "image/jpeg");
  EXPECT_EQ(mime_type("x.gif"), "image/gif");
  EXPECT_EQ(mime_type("x.svg"), "image/svg+xml");
  EXPECT_EQ(mime_type("favicon.ico"), "image/vnd.microsoft.icon");
  EXPECT_EQ(mime_type("notes.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(mime_type("m.wasm"), "application/wasm");
  EXPECT_EQ(mime_type("paper.pdf"), "application/pdf");
  EXPECT_EQ(mime_type("README"), "application/octet-stream");
  EXPECT_EQ(mime_type("a.tar.gz"), "application/octet-stream");
  EXPECT_EQ(mime_type("dir.d/file"), "application/octet-stream");  // the dot is in a directory name
  EXPECT_EQ(mime_type("archive.html.bak"), "application/octet-stream");
}

}  // namespace
}  // namespace wirestack::http
