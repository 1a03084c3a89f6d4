// http/router.hpp — maps a request's method and path to a handler.
//
//   Router router;
//   router.add("GET", "/stats", [&](const Request&) { return json_response(stats()); });
//   router.add("POST", "/echo", [](const Request& r) { return Response{.body = r.body}; });
//   router.add_prefix("GET", "/", [&](const Request& r) { return serve_file(r); });  // static files
//   Response resp = router.route(request);
//
// Matching uses Request::path() (the target without its query), compared
// byte for byte (no percent-decoding: "/a%62" is not "/ab").
//   * An exact route matches its path only. A prefix route "/static/" matches
//     every path that starts with it; "/" matches everything. Exact routes are
//     tried first, then prefixes, longest first.
//   * The first route (in that order) whose path matches and whose method is
//     the request's answers. A HEAD request with no HEAD route for its path
//     is answered by the GET route (write it with WriteOptions::head so the
//     body is dropped and Content-Length kept, RFC 9110 9.3.2).
//   * A path that matches routes of other methods only: 405 with Allow
//     listing them (and HEAD when GET is there), sorted: "GET, HEAD, POST".
//   * No route for the path: 404.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace wirestack::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  void add_prefix(std::string method, std::string prefix, Handler handler);

  // The handler's response, or 404 / 405 (response_writer.hpp's bodies).
  Response route(const Request& request) const;

  // The Allow value for `path` ("" when no route matches it).
  std::string allowed_methods(std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    Handler handler;
  };
  bool matches(const Route& r, std::string_view path) const;

  std::vector<Route> routes_;  // exact routes first, then prefixes longest first
};

}  // namespace wirestack::http
