// msg/rpc_session_test.cpp — one connection, bytes in and bytes out: the
// protocol of docs/PROTOCOL.md end to end, in every segmentation.
#include "msg/rpc_session.hpp"

#include <gtest/gtest.h>

#include <string>
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

}  // namespace
}  // namespace wirestack::msg
