// The fuzz seeds in fuzz/corpus/http_request and http_response are hand-written
// copies of what real clients and servers send; this test keeps them honest:
// every seed parses, except those named bad_*, which each fail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "http/request_parser.hpp"
#include "http/response_parser.hpp"

namespace wirestack::http {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FuzzCorpus, RequestSeedsParseUnlessNamedBad) {
  const fs::path dir = fs::path(WIRESTACK_SOURCE_DIR) / "fuzz/corpus/http_request";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    RequestParser p;
    p.feed(read(entry.path()));
    int requests = 0;
    bool failed = false;
    for (;;) {
      auto ev = p.next();
      if (!ev) {
        failed = true;
        break;
      }
      if (std::holds_alternative<NeedMore>(*ev)) break;
      requests += std::holds_alternative<Request>(*ev) ? 1 : 0;
    }
    ++seen;
    if (name.starts_with("bad_")) {
      // A bad seed fails, or (a truncated one) leaves a request unfinished.
      EXPECT_TRUE(failed || p.in_progress()) << name;
    } else {
      EXPECT_FALSE(failed) << name;
      EXPECT_GE(requests, 1) << name;
      EXPECT_FALSE(p.in_progress()) << name;
    }
  }
  EXPECT_GE(seen, 20);
}

TEST(FuzzCorpus, ResponseSeedsParseUnlessNamedBad) {
  const fs::path dir = fs::path(WIRESTACK_SOURCE_DIR) / "fuzz/corpus/http_response";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("url_")) continue;  // parse_url's seed
    ResponseParser p;
    p.feed(read(entry.path()));
    p.finish();
    int responses = 0;
    bool failed = false;
    for (;;) {
      auto r = p.next();
      if (!r) {
        failed = true;
        break;
      }
      if (!*r) break;
      ++responses;
    }
    ++seen;
    EXPECT_EQ(failed, name.starts_with("bad_")) << name;
    if (!failed) {
      EXPECT_GE(responses, 1) << name;
    }
  }
  EXPECT_GE(seen, 10);
}

}  // namespace
}  // namespace wirestack::http
