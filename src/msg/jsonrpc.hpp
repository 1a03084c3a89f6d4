// msg/jsonrpc.hpp — JSON-RPC 2.0 (https://www.jsonrpc.org/specification),
// sans-IO: text in, text out, the time of day passed in by the caller.
//
// Server side: a Dispatcher maps method names to handlers. handle() takes one
// request text (a single request or a batch) and returns the response text, or
// nothing when nothing must be sent (a notification, a batch of them):
//   -32700 Parse error       the text is not JSON (id null)
//   -32600 Invalid Request   not a request object; an empty or oversized
//                            batch (id null unless the request carried a
//                            valid id)
//   -32601 Method not found
//   -32602 Invalid params    a DecodeError: the message names the field
//   -32603 Internal error    a handler threw; the exception stops here
// Notifications (no "id") never get a response, even when they fail; a batch
// gets an array of the responses that remain, in request order.
//
// Client side: make_request() writes a request, parse_response() reads one.
//
//   msg::Dispatcher rpc;
//   msg::add_builtin_methods(rpc);                       // "time", "echo"
//   rpc.add("add", [](const msg::Params& p, const msg::Context&) -> msg::RpcResult {
//     auto xy = msg::decode<std::array<int, 2>>(p.value_or(nullptr), "params");
//     if (!xy) return Unexpected{msg::RpcError::invalid_params(xy.error())};
//     return (*xy)[0] + (*xy)[1];
//   });
//   rpc.handle(R"({"jsonrpc":"2.0","id":1,"method":"time"})", {.now = t});
//   // -> {"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"}
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "msg/frame.hpp"
#include "msg/json_types.hpp"

namespace wirestack::msg {

namespace rpc_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// Implementation-defined server error (the spec reserves -32000..-32099):
// a frame over the size limit; the server closes the connection after it.
inline constexpr int kFrameTooLarge = -32000;
}  // namespace rpc_code

struct RpcError {
  int code = rpc_code::kInternalError;
  std::string message;
  std::optional<nlohmann::json> data;

  // -32602 "Invalid params: params.when: expected ...", data {"path": "params.when"}.
  static RpcError invalid_params(const DecodeError& e);
  friend bool operator==(const RpcError&, const RpcError&) = default;
};

// What a handler may know about the world, given by whoever drives the
// dispatcher (sans-IO: the wall-clock time is read by the event loop).
struct Context {
  SysTime now{};
};

using Params = std::optional<nlohmann::json>;  // absent, or an object or array
using RpcResult = Result<nlohmann::json, RpcError>;
using Handler = std::function<RpcResult(const Params&, const Context&)>;

// Batches above this many elements are refused whole (one -32600 error): a
// 1 MiB frame of "[1,1,1,...]" would otherwise ask for half a million error
// responses, some 45 MB of output for 1 MiB of input.
inline constexpr std::size_t kDefaultMaxBatch = 1024;

class Dispatcher {
 public:
  explicit Dispatcher(std::size_t max_batch = kDefaultMaxBatch) : max_batch_(max_batch) {}

  // Registers (or replaces) a method. Names starting with "rpc." are
  // reserved by the specification: registering one is a bug (aborts).
  void add(std::string method, Handler handler);

  // A handler of typed params: `params` (an absent one reads as {}) is decoded
  // to P first; a mismatch answers -32602 naming the field. F is
  // RpcResult(const P&, const Context&).
  template <class P, class F>
  void add_typed(std::string method, F handler) {
    add(std::move(method), [h = std::move(handler)](const Params& params, const Context& cx) -> RpcResult {
      auto p = decode<P>(params ? *params : nlohmann::json::object(), "params");
      if (!p) return Unexpected{RpcError::invalid_params(p.error())};
      return h(*p, cx);
    });
  }

  bool has(std::string_view method) const { return methods_.find(method) != methods_.end(); }

  // One request text (single or batch) -> the response text, if any. Never
  // throws.
  std::optional<std::string> handle(std::string_view request_text, const Context& cx) const;

 private:
  std::optional<nlohmann::json> handle_one(nlohmann::json& request, const Context& cx) const;

  std::size_t max_batch_;
  std::map<std::string, Handler, std::less<>> methods_;
};

// "time": the context's time, "YYYY-MM-DD HH:MM:SS" (UTC); with params
//   {"format": "iso8601"}, "YYYY-MM-DDTHH:MM:SSZ" ({"format": "plain"} is the
//   default).
// "echo": the params, as given (null when absent).
void add_builtin_methods(Dispatcher& d);

// The error response a server sends, id null, for a frame it cannot read:
// -32000 for an oversized frame (then it closes), -32700 for a body that is
// not UTF-8 (then it goes on).
std::string frame_error_response(const FrameError& e);

// ---- Client side ----------------------------------------------------------

// Preconditions (bugs otherwise): id is a string, a number or null; params,
// if given, an object or an array.
std::string make_request(const nlohmann::json& id, std::string_view method, const Params& params = {});
std::string make_notification(std::string_view method, const Params& params = {});

struct Response {
  nlohmann::json id;  // null when the server could not read the request's id
  std::optional<nlohmann::json> result;  // exactly one of result and error
  std::optional<RpcError> error;
  bool ok() const { return !error.has_value(); }
};
// One response object (not a batch). The error says what is malformed.
Result<Response, std::string> parse_response(std::string_view text);

}  // namespace wirestack::msg
