// msg/frame.hpp — length-prefixed message framing over a byte stream.
//
// TCP delivers a stream of bytes, not messages: one read may hold half a
// message or three and a half. Every message therefore travels as a frame:
//
//   +--------+--------+--------+--------+--------- ... ---------+
//   |  length (4 bytes, big-endian, unsigned) |  length bytes    |
//   +--------+--------+--------+--------+  of UTF-8 JSON text ---+
//
// (docs/PROTOCOL.md has the byte-by-byte description.) FrameDecoder is
// sans-IO: the caller feeds it whatever bytes arrived, in any segmentation,
// and takes out whole frames only.
//
// Decisions:
//   * A length above the decoder's maximum (default 1 MiB) is an error value
//     as soon as the 4 length bytes are in, before any body byte is buffered;
//     the decoder then stays failed (the stream cannot be resynchronised: the
//     next frame boundary is unknown), so the connection must be closed.
//   * A frame whose body is not valid UTF-8 (RFC 3629: no overlong forms, no
//     surrogates, nothing above U+10FFFF) is an error value for that frame
//     only: its boundary is known, so the decoder stays in sync and goes on
//     with the next frame.
//   * A length of 0 is a valid, empty frame. Framing does not look inside the
//     body; an empty body is simply not JSON, which the JSON-RPC layer answers
//     with a parse error like any other malformed message.
//
//   msg::FrameDecoder dec;                       // 1 MiB limit
//   dec.feed(bytes_from_socket);
//   while (true) {
//     auto f = dec.next();
//     if (!f) { reply_and_close(f.error().message); break; }
//     if (!*f) break;                             // need more bytes
//     handle(**f);                                // one whole message
//   }
//   ByteVec out = msg::encode_frame(R"({"jsonrpc":"2.0","id":1,"method":"time"})");
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace wirestack::msg {

inline constexpr std::size_t kFrameHeaderLen = 4;
inline constexpr std::size_t kDefaultMaxFrame = std::size_t{1} << 20;  // 1 MiB of body

struct FrameError {
  enum class Kind : std::uint8_t {
    too_large,     // fatal: the decoder is failed from then on
    invalid_utf8,  // this frame only: the decoder goes on
  };
  Kind kind = Kind::too_large;
  std::string message;  // "frame of 2000000 bytes exceeds the limit of 1048576 bytes"
  friend bool operator==(const FrameError&, const FrameError&) = default;
};

// Appends one frame (header + body) to `out`. Precondition: the body is at
// most 4 GiB - 1 bytes (a bug otherwise: it cannot be described in 32 bits).
void append_frame(ByteVec& out, std::string_view body);
ByteVec encode_frame(std::string_view body);

// True if `text` is well-formed UTF-8 (RFC 3629). On failure `bad_at` (if
// given) receives the offset of the first byte of the bad sequence.
bool is_valid_utf8(std::string_view text, std::size_t* bad_at = nullptr);

class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}

  // Buffers `data`. Bytes fed after a fatal error are dropped.
  void feed(Bytes data);
  void feed(std::string_view data) { feed(as_bytes(data)); }

  // The next whole frame's body; nullopt while the next frame is incomplete;
  // an error for an oversized length (every later call returns it again) or a
  // body that is not UTF-8 (that frame is consumed, the next call goes on).
  Result<std::optional<std::string>, FrameError> next();

  // Bytes held that do not form a whole frame yet (after next() returned
  // nullopt): non-zero means a message was started and not finished, which a
  // server times out ("half a message, then silence").
  std::size_t buffered() const { return buf_.size() - start_; }
  bool failed() const { return failure_.has_value(); }
  std::size_t max_frame() const { return max_frame_; }

 private:
  std::size_t max_frame_;
  std::string buf_;         // bytes received and not consumed yet, from start_
  std::size_t start_ = 0;   // consumed prefix, dropped lazily (amortised O(1))
  std::optional<FrameError> failure_;
};

}  // namespace wirestack::msg
