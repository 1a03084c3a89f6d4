// msg/rpc_session_test.cpp — one connection, bytes in and bytes out: the
// protocol of docs/PROTOCOL.md end to end, in every segmentation.
#include "msg/rpc_session.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wirestack::msg {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const Context kCx{.now = sys_days{year{2026} / 11 / 27} + 20h + 41min + 39s};

// The framed messages in `out`, decoded.
std::vector<std::string> frames_in(const ByteVec& out) {
  FrameDecoder dec;
  dec.feed(out);
  std::vector<std::string> got;
  while (true) {
    auto f = dec.next();
    if (!f || !*f) break;
    got.push_back(**f);
  }
  EXPECT_EQ(dec.buffered(), 0u) << "trailing partial frame in the output";
  return got;
}

class RpcSessionTest : public ::testing::Test {
 protected:
  RpcSessionTest() { add_builtin_methods(rpc_); }
  Dispatcher rpc_;
};

TEST_F(RpcSessionTest, AnswersEachRequestInOrderWhateverTheSegmentation) {
  ByteVec in;
  append_frame(in, R"({"jsonrpc":"2.0","id":1,"method":"time"})");
  append_frame(in, R"({"jsonrpc":"2.0","method":"echo","params":[0]})");  // a notification: no answer
  append_frame(in, R"({"jsonrpc":"2.0","id":"b","method":"echo","params":{"x":"\u00e9"}})");
  const std::vector<std::string> expected = {R"({"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"})",
                                             R"({"id":"b","jsonrpc":"2.0","result":{"x":"é"}})"};
  for (std::size_t chunk = 1; chunk <= in.size(); ++chunk) {
    RpcSession session(rpc_);
    ByteVec out;
    for (std::size_t at = 0; at < in.size(); at += chunk) {
      ASSERT_TRUE(session.receive(Bytes(in).subspan(at, std::min(chunk, in.size() - at)), kCx, out));
    }
    EXPECT_EQ(frames_in(out), expected) << "chunk " << chunk;
    EXPECT_EQ(session.buffered(), 0u);
  }
}

TEST_F(RpcSessionTest, ExactBytesOut) {
  RpcSession session(rpc_);
  ByteVec out;
  ASSERT_TRUE(session.receive(encode_frame(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[]})"), kCx, out));
  EXPECT_EQ(to_hex(out), "00 00 00 24 " + to_hex(as_bytes(R"({"id":1,"jsonrpc":"2.0","result":[]})")));
}

TEST_F(RpcSessionTest, HalfAMessageIsBufferedForTheCallersTimeout) {
  RpcSession session(rpc_);
  ByteVec out;
  const ByteVec f = encode_frame(R"({"jsonrpc":"2.0","id":1,"method":"time"})");
  ASSERT_TRUE(session.receive(Bytes(f).first(10), kCx, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(session.buffered(), 10u);
}

TEST_F(RpcSessionTest, OversizedFrameGetsOneErrorThenClose) {
  RpcSession session(rpc_, 64);
  ByteVec in;
  append_frame(in, R"({"jsonrpc":"2.0","id":1,"method":"time"})");
  append_frame(in, std::string(65, ' '));
  append_frame(in, R"({"jsonrpc":"2.0","id":2,"method":"time"})");  // never read
  ByteVec out;
  EXPECT_FALSE(session.receive(in, kCx, out));
  EXPECT_TRUE(session.closed());
  EXPECT_EQ(frames_in(out),
            (std::vector<std::string>{
                R"({"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"})",
                R"({"error":{"code":-32000,"message":"Frame too large: frame of 65 bytes exceeds the limit of 64 bytes"},"id":null,"jsonrpc":"2.0"})"}));
  ByteVec more;
  EXPECT_FALSE(session.receive(encode_frame("{}"), kCx, more));
  EXPECT_TRUE(more.empty());
}

TEST_F(RpcSessionTest, BadUtf8AndBadJsonAreAnsweredAndTheSessionGoesOn) {
  RpcSession session(rpc_);
  ByteVec in;
  append_frame(in, "{\"a\":\"\xc3\x28\"}");
  append_frame(in, "");
  append_frame(in, R"({"jsonrpc":"2.0","id":3,"method":"echo","params":[3]})");
  ByteVec out;
  EXPECT_TRUE(session.receive(in, kCx, out));
  const auto got = frames_in(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0],
            R"({"error":{"code":-32700,"message":"Parse error: frame body is not valid UTF-8: byte 0xc3 at offset 6"},"id":null,"jsonrpc":"2.0"})");
  EXPECT_EQ(nlohmann::json::parse(got[1])["error"]["code"], -32700);
  EXPECT_EQ(got[2], R"({"id":3,"jsonrpc":"2.0","result":[3]})");
}

// The examples of docs/PROTOCOL.md, byte for byte, so the document stays true.
TEST_F(RpcSessionTest, ProtocolDocExample) {
  RpcSession session(rpc_);
  const ByteVec request = encode_frame(R"({"jsonrpc":"2.0","id":1,"method":"time"})");
  EXPECT_EQ(to_hex(request),
            "00 00 00 28 7b 22 6a 73 6f 6e 72 70 63 22 3a 22 "
            "32 2e 30 22 2c 22 69 64 22 3a 31 2c 22 6d 65 74 "
            "68 6f 64 22 3a 22 74 69 6d 65 22 7d");
  ByteVec out;
  ASSERT_TRUE(session.receive(request, kCx, out));
  EXPECT_EQ(to_hex(out),
            "00 00 00 37 7b 22 69 64 22 3a 31 2c 22 6a 73 6f "
            "6e 72 70 63 22 3a 22 32 2e 30 22 2c 22 72 65 73 "
            "75 6c 74 22 3a 22 32 30 32 36 2d 31 31 2d 32 37 "
            "20 32 30 3a 34 31 3a 33 39 22 7d");
}

TEST_F(RpcSessionTest, ProtocolDocExchanges) {
  const std::vector<std::pair<std::string, std::string>> exchanges = {
      {R"([{"jsonrpc":"2.0","id":1,"method":"time"},)"
       R"({"jsonrpc":"2.0","method":"echo","params":[0]},)"
       R"({"jsonrpc":"2.0","id":"e","method":"echo","params":{"mac":"02:57:53:00:00:01"}}])",
       R"([{"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"},)"
       R"({"id":"e","jsonrpc":"2.0","result":{"mac":"02:57:53:00:00:01"}}])"},
      {R"({"jsonrpc":"2.0","id":1,"method":"time"})", R"({"id":1,"jsonrpc":"2.0","result":"2026-11-27 20:41:39"})"},
      {R"({"jsonrpc":"2.0","id":2,"method":"time","params":{"format":"iso8601"}})",
       R"({"id":2,"jsonrpc":"2.0","result":"2026-11-27T20:41:39Z"})"},
      {R"({"jsonrpc":"2.0","id":3,"method":"time","params":{"format":"unix"}})",
       R"({"error":{"code":-32602,"data":{"path":"params.format"},"message":"Invalid params: params.format: expected \"plain\" or \"iso8601\", got \"unix\""},"id":3,"jsonrpc":"2.0"})"},
      {R"({"jsonrpc":"2.0","id":"x","method":"echo","params":{"hello":["world",1]}})",
       R"({"id":"x","jsonrpc":"2.0","result":{"hello":["world",1]}})"},
      {R"({"jsonrpc":"2.0","id":2,"method":"tiem"})",
       R"({"error":{"code":-32601,"message":"Method not found: tiem"},"id":2,"jsonrpc":"2.0"})"},
  };
  for (const auto& [request, response] : exchanges) {
    RpcSession session(rpc_);
    ByteVec out;
    ASSERT_TRUE(session.receive(encode_frame(request), kCx, out));
    EXPECT_EQ(frames_in(out), std::vector<std::string>{response}) << request;
  }
}

}  // namespace
}  // namespace wirestack::msg
