#include "http/router.hpp"

#include <algorithm>
#include <set>

#include "http/response_writer.hpp"

namespace wirestack::http {

void Router::add(std::string method, std::string path, Handler handler) {
  routes_.push_back({std::move(method), std::move(path), false, std::move(handler)});
  // Stable: among equals, the route added first wins.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.prefix != b.prefix) return !a.prefix;
    return a.prefix && a.path.size() > b.path.size();
  });
}

void Router::add_prefix(std::string method, std::string prefix, Handler handler) {
  routes_.push_back({std::move(method), std::move(prefix), true, std::move(handler)});
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    if (a.prefix != b.prefix) return !a.prefix;
    return a.prefix && a.path.size() > b.path.size();
  });
}

bool Router::matches(const Route& r, std::string_view path) const {
  return r.prefix ? path.starts_with(r.path) : path == r.path;
}

std::string Router::allowed_methods(std::string_view path) const {
  std::set<std::string> methods;
  for (const Route& r : routes_) {
    if (!matches(r, path)) continue;
    methods.insert(r.method);
    if (r.method == "GET") methods.insert("HEAD");
  }
  std::string out;
  for (const std::string& m : methods) {
    if (!out.empty()) out.append(", ");
    out.append(m);
  }
  return out;
}

Response Router::route(const Request& request) const {
  const std::string_view path = request.path();
  for (const Route& r : routes_)
    if (r.method == request.method && matches(r, path)) return r.handler(request);
  if (request.method == "HEAD") {
    for (const Route& r : routes_)
      if (r.method == "GET" && matches(r, path)) return r.handler(request);
  }
  const std::string allow = allowed_methods(path);
  if (allow.empty()) return error_response(404);
  return method_not_allowed(allow);
}

}  // namespace wirestack::http
