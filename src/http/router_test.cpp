#include "http/router.hpp"

#include <gtest/gtest.h>

#include "http/response_writer.hpp"

namespace wirestack::http {
namespace {

Request req(std::string method, std::string target) {
  return Request{.method = std::move(method), .target = std::move(target), .headers = {{"Host", "a"}}};
}

Response text(std::string body) { return Response{.status = 200, .body = std::move(body)}; }

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.add("GET", "/stats", [](const Request&) { return text("stats"); });
    router_.add("POST", "/stats", [](const Request& r) { return text("posted " + r.body); });
    router_.add("DELETE", "/items", [](const Request&) { return text("deleted"); });
    router_.add_prefix("GET", "/", [](const Request& r) { return text("file " + std::string(r.path())); });
    router_.add_prefix("GET", "/api/", [](const Request&) { return text("api"); });
  }
  Router router_;
};

TEST_F(RouterTest, ExactRouteByMethodAndPathIgnoringTheQuery) {
  EXPECT_EQ(router_.route(req("GET", "/stats?x=1")).body, "stats");
  Request post = req("POST", "/stats");
  post.body = "b";
  EXPECT_EQ(router_.route(post).body, "posted b");
}

TEST_F(RouterTest, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
  EXPECT_EQ(router_.route(req("GET", "/api/v1")).body, "api");
  EXPECT_EQ(router_.route(req("GET", "/apix")).body, "file /apix");
  EXPECT_EQ(router_.route(req("GET", "/")).body, "file /");
}

TEST_F(RouterTest, HeadIsServedByGet) {
  const Response r = router_.route(req("HEAD", "/stats"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "stats");  // write_response with head = true drops it
  EXPECT_EQ(write_response(r, {.head = true}), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n");
}

TEST_F(RouterTest, OtherMethodOnAKnownPathIs405WithAllow) {
  const Response r = router_.route(req("PUT", "/stats"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.find("Allow"), "GET, HEAD, POST");
  const Response d = router_.route(req("GET", "/items"));
  // "/items" has an exact DELETE route, and also matches the "/" prefix GET route.
  EXPECT_EQ(d.status, 200);
  const Response p = router_.route(req("POST", "/items"));
  EXPECT_EQ(p.status, 405);
  EXPECT_EQ(p.headers.find("Allow"), "DELETE, GET, HEAD");
}

TEST(Router, UnknownPathIs404) {
  Router router;
  router.add("GET", "/a", [](const Request&) { return Response{}; });
  router.add_prefix("GET", "/static/", [](const Request&) { return Response{}; });
  EXPECT_EQ(router.route(req("GET", "/b")).status, 404);
  EXPECT_EQ(router.route(req("GET", "/static")).status, 404);  // the prefix includes the slash
  EXPECT_EQ(router.route(req("GET", "/a/")).status, 404);
  EXPECT_EQ(router.route(req("GET", "/static/x")).status, 200);
  EXPECT_EQ(router.route(req("HEAD", "/nothing")).status, 404);
}

TEST(Router, HeadRouteWinsOverGet) {
  Router router;
  router.add("GET", "/a", [](const Request&) { return Response{.status = 200}; });
  router.add("HEAD", "/a", [](const Request&) { return Response{.status = 204}; });
  EXPECT_EQ(router.route(req("HEAD", "/a")).status, 204);
}

TEST(Router, FirstAddedWinsAmongEqualRoutes) {
  Router router;
  router.add("GET", "/a", [](const Request&) { return Response{.status = 201}; });
  router.add("GET", "/a", [](const Request&) { return Response{.status = 202}; });
  EXPECT_EQ(router.route(req("GET", "/a")).status, 201);
}

}  // namespace
}  // namespace wirestack::http
