// msg/jsonrpc.cpp — see jsonrpc.hpp.
#include "msg/jsonrpc.hpp"

#include <exception>

#include "base/assert.hpp"

namespace wirestack::msg {
namespace {

using nlohmann::json;

json error_object(const RpcError& e) {
  json o = json::object();
  o["code"] = e.code;
  o["message"] = e.message;
  if (e.data) o["data"] = *e.data;
  return o;
}

json error_response(const json& id, const RpcError& e) {
  json r = json::object();
  r["jsonrpc"] = "2.0";
  r["error"] = error_object(e);
  r["id"] = id;
  return r;
}

json result_response(const json& id, json result) {
  json r = json::object();
  r["jsonrpc"] = "2.0";
  r["result"] = std::move(result);
  r["id"] = id;
  return r;
}

RpcError invalid_request(const std::string& why) {
  return RpcError{rpc_code::kInvalidRequest, "Invalid Request: " + why, std::nullopt};
}

bool valid_id(const json& id) { return id.is_string() || id.is_number() || id.is_null(); }

struct TimeParams {
  TimeFormat format = TimeFormat::plain;
};
void from_json(const json& j, TimeParams& p) { FieldReader(j).optional("format", p.format); }

}  // namespace

RpcError RpcError::invalid_params(const DecodeError& e) {
  RpcError r{rpc_code::kInvalidParams, "Invalid params: " + e.to_string(), std::nullopt};
  if (!e.path.empty()) r.data = json{{"path", e.path}};
  return r;
}

void Dispatcher::add(std::string method, Handler handler) {
  WIRESTACK_ASSERT(!method.starts_with("rpc."));
  methods_.insert_or_assign(std::move(method), std::move(handler));
}

std::optional<std::string> Dispatcher::handle(std::string_view request_text, const Context& cx) const {
  auto parsed = parse_json(request_text);
  if (!parsed) {
    return dump(error_response(nullptr, RpcError{rpc_code::kParseError, "Parse error: " + parsed.error(), {}}));
  }
  json& request = *parsed;
  if (!request.is_array()) {
    auto response = handle_one(request, cx);
    if (!response) return std::nullopt;
    return dump(*response);
  }
  // A batch. An empty array is one invalid request, answered with a single
  // response, not an array (spec section 6).
  if (request.empty()) return dump(error_response(nullptr, invalid_request("empty batch")));
  if (request.size() > max_batch_) {
    return dump(error_response(nullptr, invalid_request("batch of " + std::to_string(request.size()) +
                                                        " requests exceeds the limit of " +
                                                        std::to_string(max_batch_))));
  }
  json responses = json::array();
  for (json& one : request) {
    if (auto response = handle_one(one, cx)) responses.push_back(std::move(*response));
  }
  if (responses.empty()) return std::nullopt;  // all notifications: nothing at all
  return dump(responses);
}

std::optional<json> Dispatcher::handle_one(json& request, const Context& cx) const {
  if (!request.is_object()) {
    return error_response(nullptr, invalid_request(std::string("expected a request object, got ") + request.type_name()));
  }
  // The id first: every error below is reported with it when it is valid.
  const auto id_it = request.find("id");
  const bool notification = id_it == request.end();
  json id = nullptr;
  if (!notification) {
    if (!valid_id(*id_it)) {
      return error_response(nullptr, invalid_request(std::string(R"("id" must be a string, a number or null, got )") +
                                                     id_it->type_name()));
    }
    id = *id_it;
  }
  // Malformed requests are answered even without an id: without a valid
  // "jsonrpc" and "method" it is not a notification (the spec's own example).
  const auto version = request.find("jsonrpc");
  if (version == request.end() || !version->is_string() || *version != "2.0") {
    return error_response(id, invalid_request(R"("jsonrpc" must be "2.0")"));
  }
  const auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    return error_response(id, invalid_request(R"("method" must be a string)"));
  }
  Params params;
  if (const auto p = request.find("params"); p != request.end()) {
    if (!p->is_object() && !p->is_array()) {
      return error_response(id, invalid_request(std::string(R"("params" must be an object or an array, got )") +
                                                p->type_name()));
    }
    params = std::move(*p);
  }
  const std::string& name = method->get_ref<const std::string&>();
  const auto handler = methods_.find(name);
  if (handler == methods_.end()) {
    if (notification) return std::nullopt;
    return error_response(id, RpcError{rpc_code::kMethodNotFound, "Method not found: " + name, std::nullopt});
  }
  std::optional<RpcResult> result;
  // Whatever a handler throws stops here: one bad method must not take the
  // connection (or the server) down.
  try {
    result.emplace(handler->second(params, cx));
  } catch (const std::exception& e) {
    result.emplace(Unexpected{RpcError{rpc_code::kInternalError, "Internal error in method " + name, json(e.what())}});
  } catch (...) {
    result.emplace(Unexpected{RpcError{rpc_code::kInternalError, "Internal error in method " + name, std::nullopt}});
  }
  if (notification) return std::nullopt;
  if (!*result) return error_response(id, result->error());
  return result_response(id, std::move(**result));
}

void add_builtin_methods(Dispatcher& d) {
  d.add_typed<TimeParams>("time", [](const TimeParams& p, const Context& cx) -> RpcResult {
    if (p.format == TimeFormat::iso8601) return encode(Iso8601{cx.now});
    return encode(cx.now);
  });
  d.add("echo", [](const Params& params, const Context&) -> RpcResult { return params.value_or(nullptr); });
}

std::string frame_error_response(const FrameError& e) {
  const RpcError err = e.kind == FrameError::Kind::too_large
                           ? RpcError{rpc_code::kFrameTooLarge, "Frame too large: " + e.message, std::nullopt}
                           : RpcError{rpc_code::kParseError, "Parse error: " + e.message, std::nullopt};
  return dump(error_response(nullptr, err));
}

std::string make_request(const json& id, std::string_view method, const Params& params) {
  WIRESTACK_ASSERT(valid_id(id));
  WIRESTACK_ASSERT(!params || params->is_object() || params->is_array());
  json r = json::object();
  r["jsonrpc"] = "2.0";
  r["id"] = id;
  r["method"] = method;
  if (params) r["params"] = *params;
  return dump(r);
}

std::string make_notification(std::string_view method, const Params& params) {
  WIRESTACK_ASSERT(!params || params->is_object() || params->is_array());
  json r = json::object();
  r["jsonrpc"] = "2.0";
  r["method"] = method;
  if (params) r["params"] = *params;
  return dump(r);
}

Result<Response, std::string> parse_response(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return Unexpected{"response is not JSON: " + parsed.error()};
  const json& r = *parsed;
  if (!r.is_object()) return Unexpected{std::string("expected a response object, got ") + r.type_name()};
  const auto version = r.find("jsonrpc");
  if (version == r.end() || *version != "2.0") return Unexpected{std::string(R"(response: "jsonrpc" must be "2.0")")};
  const auto id = r.find("id");
  if (id == r.end() || !valid_id(*id)) return Unexpected{std::string(R"(response: "id" missing or not a string, number or null)")};
  const auto result = r.find("result");
  const auto error = r.find("error");
  if ((result == r.end()) == (error == r.end())) {
    return Unexpected{std::string(R"(response: exactly one of "result" and "error" must be present)")};
  }
  Response out{*id, std::nullopt, std::nullopt};
  if (result != r.end()) {
    out.result = *result;
    return out;
  }
  const auto code = error->is_object() ? error->find("code") : error->end();
  const auto message = error->is_object() ? error->find("message") : error->end();
  if (!error->is_object() || code == error->end() || !code->is_number_integer() || message == error->end() ||
      !message->is_string()) {
    return Unexpected{std::string(R"(response: "error" must be an object with an integer "code" and a string "message")")};
  }
  const auto code_value = code->get<std::int64_t>();
  if (code_value < std::numeric_limits<int>::min() || code_value > std::numeric_limits<int>::max()) {
    return Unexpected{std::string(R"(response: error "code" out of range)")};
  }
  RpcError e{static_cast<int>(code_value), message->get<std::string>(), std::nullopt};
  if (const auto data = error->find("data"); data != error->end()) e.data = *data;
  out.error = std::move(e);
  return out;
}

}  // namespace wirestack::msg
