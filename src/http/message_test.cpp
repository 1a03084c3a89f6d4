#include "http/message.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace wirestack::http {
namespace {

TEST(Headers, KeepsOrderAndDuplicatesAndLooksUpIgnoringCase) {
  Headers h;
  h.add("Accept", "a");
  h.add("X-Dup", "1");
  h.add("x-dup", "2");
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1], (HeaderField{"X-Dup", "1"}));
  EXPECT_EQ(h.find("ACCEPT"), "a");
  EXPECT_EQ(h.find("X-DUP"), "1");
  EXPECT_EQ(h.find_all("x-Dup"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_EQ(h.count("X-dup"), 2u);
  EXPECT_FALSE(h.find("Missing"));
}

TEST(Headers, SetReplacesAllAndRemoveRemovesAll) {
  Headers h{{"A", "1"}, {"B", "2"}, {"a", "3"}};
  h.set("A", "9");
  EXPECT_EQ(h, (Headers{{"A", "9"}, {"B", "2"}}));
  h.set("C", "4");
  EXPECT_EQ(h, (Headers{{"A", "9"}, {"B", "2"}, {"C", "4"}}));
  EXPECT_EQ(h.remove("b"), 1u);
  EXPECT_EQ(h, (Headers{{"A", "9"}, {"C", "4"}}));
}

TEST(Headers, HasTokenSplitsListsAcrossFields) {
  Headers h{{"Connection", "Upgrade , Keep-Alive"}, {"connection", "x"}};
  EXPECT_TRUE(h.has_token("Connection", "keep-alive"));
  EXPECT_TRUE(h.has_token("Connection", "upgrade"));
  EXPECT_TRUE(h.has_token("Connection", "X"));
  EXPECT_FALSE(h.has_token("Connection", "close"));
  EXPECT_FALSE(h.has_token("Connection", "keep"));
}

TEST(CharacterClasses, TokensAndFieldValues) {
  EXPECT_TRUE(is_token("X-Custom_1.2~!"));
  EXPECT_FALSE(is_token(""));
  EXPECT_FALSE(is_token("a b"));
  EXPECT_FALSE(is_token("a:b"));
  EXPECT_FALSE(is_token("a\"b"));
  EXPECT_TRUE(is_field_value("text/html; q=0.9\t\xc3\xa9"));
  EXPECT_FALSE(is_field_value("a\rb"));
  EXPECT_FALSE(is_field_value("a\nb"));
  EXPECT_FALSE(is_field_value(std::string_view("a\0b", 3)));
  EXPECT_FALSE(is_field_value("a\x7f"));
  EXPECT_EQ(trim_ows(" \t a b \t"), "a b");
}

TEST(Request, PathAndQuery) {
  EXPECT_EQ((Request{.target = "/a/b?x=1&y"}).path(), "/a/b");
  EXPECT_EQ((Request{.target = "/a/b?x=1&y"}).query(), "x=1&y");
  EXPECT_EQ((Request{.target = "/a"}).query(), "");
  EXPECT_EQ((Request{.target = "http://h:8/x?q"}).path(), "/x");
  EXPECT_EQ((Request{.target = "http://h:8"}).path(), "/");
  EXPECT_EQ((Request{.target = "http://h?q"}).path(), "/");
  EXPECT_EQ((Request{.target = "*"}).path(), "");
}

TEST(Printing, RequestAndError) {
  std::ostringstream os;
  os << Request{.method = "GET", .target = "/", .headers = {{"Host", "a"}}} << " | " << HttpError{431, "too many"};
  EXPECT_EQ(os.str(), "GET / HTTP/1.1 (1 fields, 0 body bytes) | 431 too many");
}

}  // namespace
}  // namespace wirestack::http
