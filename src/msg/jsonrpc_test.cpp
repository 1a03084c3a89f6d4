// msg/jsonrpc_test.cpp — the JSON-RPC 2.0 dispatcher against the
// specification's own examples (section 7), every error code, the built-in
// methods and the client helpers.
#include "msg/jsonrpc.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace wirestack::msg {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

const SysTime kT = sys_days{year{2026} / 11 / 27} + 20h + 41min + 39s;

struct SubtractParams {
  int minuend = 0;
  int subtrahend = 0;
};
void from_json(const json& j, SubtractParams& p) {
  if (j.is_array()) {  // by position, as in the spec's examples
    if (j.size() != 2) throw DecodeException("", "expected [minuend, subtrahend]");
    p = SubtractParams{j[0].get<int>(), j[1].get<int>()};
    return;
  }
  FieldReader(j).required("minuend", p.minuend).required("subtrahend", p.subtrahend);
}

struct WhenParams {
  SysTime when;
};
void from_json(const json& j, WhenParams& p) { FieldReader(j).required("when", p.when); }

class JsonRpcTest : public ::testing::Test {
 protected:
  JsonRpcTest() {
    add_builtin_methods(rpc_);
    rpc_.add_typed<SubtractParams>("subtract", [](const SubtractParams& p, const Context&) -> RpcResult {
      return p.minuend - p.subtrahend;
    });
    rpc_.add_typed<WhenParams>("age", [](const WhenParams& p, const Context& cx) -> RpcResult {
      return encode(Duration{cx.now - p.when});
    });
    for (const char* name : {"update", "foobar", "notify_hello", "notify_sum"}) {
      rpc_.add(name, [this](const Params&, const Context&) -> RpcResult {
        ++notified_;
        return nullptr;
      });
    }
    rpc_.add("get_data", [](const Params&, const Context&) -> RpcResult { return json{"hello", 5}; });
    rpc_.add("throws", [this](const Params&, const Context&) -> RpcResult {
      ++notified_;
      throw std::runtime_error("disk on fire");
    });
    rpc_.add("throws_int", [](const Params&, const Context&) -> RpcResult { throw 42; });
    rpc_.add("refuses", [](const Params&, const Context&) -> RpcResult {
      return Unexpected{RpcError{-32010, "Busy", json{{"retry_after", "1s"}}}};
    });
  }

  // The response as JSON, or the string "no response".
  json call(std::string_view text) {
    auto r = rpc_.handle(text, cx_);
    if (!r) return "no response";
    return json::parse(*r);
  }

  Dispatcher rpc_;
  Context cx_{.now = kT};
  int notified_ = 0;
};

json error(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}
json result(const json& id, const json& value) { return {{"jsonrpc", "2.0"}, {"id", id}, {"result", value}}; }

TEST_F(JsonRpcTest, SpecPositionalAndNamedParams) {
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1})"), result(1, 19));
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2})"), result(2, -19));
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3})"),
            result(3, 19));
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4})"),
            result(4, 19));
}

TEST_F(JsonRpcTest, SpecNotificationsGetNoResponse) {
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]})"), "no response");
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "foobar"})"), "no response");
  EXPECT_EQ(notified_, 2);
  // Not even when they fail.
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "nonexistent"})"), "no response");
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "throws"})"), "no response");
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": "x"}})"), "no response");
  EXPECT_EQ(notified_, 3);
}

TEST_F(JsonRpcTest, SpecErrors) {
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})"), result("1", nullptr));
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": "nonexistent", "id": "1"})"),
            error("1", -32601, "Method not found: nonexistent"));
  const json parse_error = call(R"({"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz])");
  EXPECT_EQ(parse_error["id"], nullptr);
  EXPECT_EQ(parse_error["error"]["code"], -32700);
  EXPECT_THAT(parse_error["error"]["message"].get<std::string>(), ::testing::StartsWith("Parse error: parse error at line 1"));
  EXPECT_EQ(call(R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})"),
            error(nullptr, -32600, R"(Invalid Request: "method" must be a string)"));
}

TEST_F(JsonRpcTest, SpecBatches) {
  const json batch_parse_error = call(R"([
    {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
    {"jsonrpc": "2.0", "method")");
  EXPECT_TRUE(batch_parse_error.is_object());  // one response, not an array
  EXPECT_EQ(batch_parse_error["error"]["code"], -32700);

  EXPECT_EQ(call("[]"), error(nullptr, -32600, "Invalid Request: empty batch"));
  EXPECT_EQ(call("[1]"), json::array({error(nullptr, -32600, "Invalid Request: expected a request object, got number")}));
  const json three = call("[1,2,3]");
  ASSERT_TRUE(three.is_array());
  EXPECT_EQ(three.size(), 3u);
  for (const json& e : three) EXPECT_EQ(e["error"]["code"], -32600);

  rpc_.add("sum", [](const Params& p, const Context&) -> RpcResult {
    int s = 0;
    for (const json& x : *p) s += x.get<int>();
    return s;
  });
  EXPECT_EQ(call(R"([
        {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
        {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ])"),
            json::array({result("1", 7), result("2", 19),
                         error(nullptr, -32600, R"(Invalid Request: "jsonrpc" must be "2.0")"),
                         error("5", -32601, "Method not found: foo.get"), result("9", json{"hello", 5})}));
  EXPECT_EQ(call(R"([
        {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
        {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
    ])"),
            "no response");
  // A batch inside a batch is not a request.
  EXPECT_EQ(call(R"([[{"jsonrpc": "2.0", "method": "get_data", "id": 1}]])"),
            json::array({error(nullptr, -32600, "Invalid Request: expected a request object, got array")}));
}

TEST(JsonRpcBatch, OversizedBatchIsRefusedWhole) {
  Dispatcher rpc(3);
  add_builtin_methods(rpc);
  const std::string req = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[]})";
  EXPECT_EQ(json::parse(*rpc.handle("[" + req + "," + req + "," + req + "]", {})).size(), 3u);
  EXPECT_EQ(json::parse(*rpc.handle("[" + req + "," + req + "," + req + ",1]", {})),
            error(nullptr, -32600, "Invalid Request: batch of 4 requests exceeds the limit of 3"));
  Dispatcher by_default;
  std::string ones = "[1";
  for (int i = 1; i < 1025; ++i) ones += ",1";
  EXPECT_EQ(json::parse(*by_default.handle(ones + "]", {}))["error"]["message"],
            "Invalid Request: batch of 1025 requests exceeds the limit of 1024");
  EXPECT_EQ(json::parse(*by_default.handle(ones.substr(0, ones.size() - 2) + "]", {})).size(), 1024u);
}

TEST_F(JsonRpcTest, IdsMayBeStringNumberOrNull) {
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"get_data","id":"abc"})")["id"], "abc");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"get_data","id":-7})")["id"], -7);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"get_data","id":1.5})")["id"], 1.5);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"get_data","id":null})"), result(nullptr, json{"hello", 5}));
  for (const char* bad_id : {"true", "[1]", R"({"a":1})"}) {
    const std::string req = std::string(R"({"jsonrpc":"2.0","method":"get_data","id":)") + bad_id + "}";
    const json r = call(req);
    EXPECT_EQ(r["id"], nullptr) << req;
    EXPECT_EQ(r["error"]["code"], -32600) << req;
    EXPECT_THAT(r["error"]["message"].get<std::string>(), HasSubstr(R"("id" must be a string, a number or null)"));
  }
}

TEST_F(JsonRpcTest, InvalidRequestsKeepAValidId) {
  EXPECT_EQ(call(R"({"jsonrpc":"1.0","method":"get_data","id":3})"),
            error(3, -32600, R"(Invalid Request: "jsonrpc" must be "2.0")"));
  EXPECT_EQ(call(R"({"jsonrpc":2.0,"method":"get_data","id":3})"),
            error(3, -32600, R"(Invalid Request: "jsonrpc" must be "2.0")"));
  EXPECT_EQ(call(R"({"method":"get_data","id":3})"), error(3, -32600, R"(Invalid Request: "jsonrpc" must be "2.0")"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3})"), error(3, -32600, R"(Invalid Request: "method" must be a string)"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"echo","params":"bar","id":3})"),
            error(3, -32600, R"(Invalid Request: "params" must be an object or an array, got string)"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"echo","params":null,"id":3})"),
            error(3, -32600, R"(Invalid Request: "params" must be an object or an array, got null)"));
  EXPECT_EQ(call(R"("just a string")"), error(nullptr, -32600, "Invalid Request: expected a request object, got string"));
}

TEST_F(JsonRpcTest, ParseErrorsCoverEmptyDeepAndNonUtf8Text) {
  for (std::string_view text : {std::string_view(""), std::string_view("   "), std::string_view("\"\xff\""),
                                std::string_view("{\"jsonrpc\":\"2.0\"} trailing")}) {
    const json r = call(text);
    EXPECT_EQ(r["error"]["code"], -32700) << text;
    EXPECT_EQ(r["id"], nullptr) << text;
  }
  const json deep = call(std::string(100000, '['));
  EXPECT_EQ(deep, error(nullptr, -32700, "Parse error: nesting deeper than 64 levels at byte 64"));
}

TEST_F(JsonRpcTest, InvalidParamsNameTheField) {
  const json r = call(R"({"jsonrpc":"2.0","method":"age","params":{"when":1764276099},"id":1})");
  EXPECT_EQ(r["error"]["code"], -32602);
  EXPECT_EQ(r["error"]["message"], R"(Invalid params: params.when: expected a date "YYYY-MM-DD HH:MM:SS", got number)");
  EXPECT_EQ(r["error"]["data"], (json{{"path", "params.when"}}));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"age","id":1})")["error"]["message"],
            "Invalid params: params.when: missing (required)");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"age","params":{"when":"2026-11-27 20:41:00"},"id":1})"),
            result(1, "39s"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"subtract","params":[1],"id":2})")["error"]["message"],
            "Invalid params: params: expected [minuend, subtrahend]");
}

TEST_F(JsonRpcTest, ThrowingHandlersBecomeInternalErrors) {
  const json r = call(R"({"jsonrpc":"2.0","method":"throws","id":1})");
  EXPECT_EQ(r["error"], (json{{"code", -32603}, {"message", "Internal error in method throws"}, {"data", "disk on fire"}}));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"throws_int","id":2})"),
            error(2, -32603, "Internal error in method throws_int"));
  // The dispatcher goes on serving.
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"get_data","id":3})"), result(3, json{"hello", 5}));
}

TEST_F(JsonRpcTest, HandlerErrorsPassThroughWithData) {
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"refuses","id":1})")["error"],
            (json{{"code", -32010}, {"message", "Busy"}, {"data", {{"retry_after", "1s"}}}}));
}

TEST_F(JsonRpcTest, BuiltinTimeUsesTheContextsClock) {
  EXPECT_EQ(*rpc_.handle(R"({"jsonrpc":"2.0","id":1,"method":"time"})", cx_),
            R"({"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"})");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":2,"method":"time","params":{}})"), result(2, "2026-11-27 20:41:39"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3,"method":"time","params":{"format":"plain"}})"),
            result(3, "2026-11-27 20:41:39"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":4,"method":"time","params":{"format":"iso8601"}})"),
            result(4, "2026-11-27T20:41:39Z"));
  cx_.now = kT + 125ms;
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":5,"method":"time","params":{"format":"iso8601"}})"),
            result(5, "2026-11-27T20:41:39.125Z"));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":6,"method":"time","params":{"format":"unix"}})")["error"]["message"],
            R"(Invalid params: params.format: expected "plain" or "iso8601", got "unix")");
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":7,"method":"time","params":["iso8601"]})")["error"]["message"],
            "Invalid params: params: expected an object, got array");
}

TEST_F(JsonRpcTest, BuiltinEchoReturnsTheParams) {
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":[1,"x",null],"b":{"c":true}}})"),
            result(1, json::parse(R"({"a":[1,"x",null],"b":{"c":true}})")));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":2,"method":"echo","params":["\u00e9t\u00e9"]})"), result(2, json{"été"}));
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","id":3,"method":"echo"})"), result(3, nullptr));
}

TEST(JsonRpcFrames, ErrorResponsesForUnreadableFrames) {
  EXPECT_EQ(frame_error_response({FrameError::Kind::too_large, "frame of 2000000 bytes exceeds the limit of 1048576 bytes"}),
            R"({"error":{"code":-32000,"message":"Frame too large: frame of 2000000 bytes exceeds the limit of 1048576 bytes"},"id":null,"jsonrpc":"2.0"})");
  EXPECT_EQ(frame_error_response({FrameError::Kind::invalid_utf8, "frame body is not valid UTF-8: byte 0xff at offset 2"}),
            R"({"error":{"code":-32700,"message":"Parse error: frame body is not valid UTF-8: byte 0xff at offset 2"},"id":null,"jsonrpc":"2.0"})");
}

TEST(JsonRpcClient, MakesRequestsAndNotifications) {
  EXPECT_EQ(make_request(1, "time"), R"({"id":1,"jsonrpc":"2.0","method":"time"})");
  EXPECT_EQ(make_request("a", "echo", json{{"x", 1}}), R"({"id":"a","jsonrpc":"2.0","method":"echo","params":{"x":1}})");
  EXPECT_EQ(make_request(nullptr, "echo", json::array({1, 2})), R"({"id":null,"jsonrpc":"2.0","method":"echo","params":[1,2]})");
  EXPECT_EQ(make_notification("update", json{1, 2}), R"({"jsonrpc":"2.0","method":"update","params":[1,2]})");
}

TEST(JsonRpcClient, ParsesResultsAndErrors) {
  auto ok = parse_response(R"({"jsonrpc":"2.0","result":"2026-11-27 20:41:39","id":1})");
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_TRUE(ok->ok());
  EXPECT_EQ(ok->id, 1);
  EXPECT_EQ(*ok->result, "2026-11-27 20:41:39");

  auto err = parse_response(R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found","data":[1]},"id":"x"})");
  ASSERT_TRUE(err) << err.error();
  EXPECT_FALSE(err->ok());
  EXPECT_EQ(err->id, "x");
  EXPECT_EQ(*err->error, (RpcError{-32601, "Method not found", json{1}}));

  auto null_result = parse_response(R"({"jsonrpc":"2.0","result":null,"id":null})");
  ASSERT_TRUE(null_result);
  EXPECT_EQ(*null_result->result, nullptr);
}

TEST(JsonRpcClient, RefusesMalformedResponses) {
  EXPECT_THAT(parse_response("{").error(), ::testing::StartsWith("response is not JSON: "));
  EXPECT_EQ(parse_response("[]").error(), "expected a response object, got array");
  EXPECT_EQ(parse_response(R"({"result":1,"id":1})").error(), R"(response: "jsonrpc" must be "2.0")");
  EXPECT_EQ(parse_response(R"({"jsonrpc":"2.0","result":1})").error(),
            R"(response: "id" missing or not a string, number or null)");
  EXPECT_EQ(parse_response(R"({"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"m"},"id":1})").error(),
            R"(response: exactly one of "result" and "error" must be present)");
  EXPECT_EQ(parse_response(R"({"jsonrpc":"2.0","id":1})").error(),
            R"(response: exactly one of "result" and "error" must be present)");
  for (const char* bad : {R"("boom")", R"({"code":1})", R"({"code":"1","message":"m"})", R"({"code":1.5,"message":"m"})",
                          R"({"code":1,"message":2})"}) {
    EXPECT_EQ(parse_response(std::string(R"({"jsonrpc":"2.0","id":1,"error":)") + bad + "}").error(),
              R"(response: "error" must be an object with an integer "code" and a string "message")")
        << bad;
  }
  EXPECT_EQ(parse_response(R"({"jsonrpc":"2.0","id":1,"error":{"code":99999999999,"message":"m"}})").error(),
            R"(response: error "code" out of range)");
}

TEST(JsonRpcClient, RoundTripThroughTheDispatcher) {
  Dispatcher rpc;
  add_builtin_methods(rpc);
  const auto text = rpc.handle(make_request(7, "echo", json{{"mac", encode(MacAddress::broadcast())}}), Context{.now = kT});
  ASSERT_TRUE(text);
  auto r = parse_response(*text);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->id, 7);
  auto mac = decode<MacAddress>(r->result->at("mac"), "result.mac");
  ASSERT_TRUE(mac) << mac.error().to_string();
  EXPECT_TRUE(mac->is_broadcast());
}

TEST(JsonRpcDispatcher, ReservedNamesAreABug) {
  Dispatcher rpc;
  EXPECT_DEATH(rpc.add("rpc.discover", [](const Params&, const Context&) -> RpcResult { return nullptr; }),
               "invariant broken");
  rpc.add("x", [](const Params&, const Context&) -> RpcResult { return 1; });
  rpc.add("x", [](const Params&, const Context&) -> RpcResult { return 2; });  // replaces
  EXPECT_TRUE(rpc.has("x"));
  EXPECT_FALSE(rpc.has("y"));
  EXPECT_EQ(*rpc.handle(R"({"jsonrpc":"2.0","method":"x","id":1})", {}), R"({"id":1,"jsonrpc":"2.0","result":2})");
}

}  // namespace
}  // namespace wirestack::msg
