// msg/frame.cpp — see frame.hpp.
#include "msg/frame.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "base/assert.hpp"

namespace wirestack::msg {

void append_frame(ByteVec& out, std::string_view body) {
  WIRESTACK_ASSERT(body.size() <= std::numeric_limits<std::uint32_t>::max());
  const std::size_t at = out.size();
  out.resize(at + kFrameHeaderLen + body.size());
  store_be32(out, at, static_cast<std::uint32_t>(body.size()));
  const Bytes b = as_bytes(body);
  std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(at + kFrameHeaderLen));
}

ByteVec encode_frame(std::string_view body) {
  ByteVec out;
  out.reserve(kFrameHeaderLen + body.size());
  append_frame(out, body);
  return out;
}

bool is_valid_utf8(std::string_view text, std::size_t* bad_at) {
  const auto fail = [&](std::size_t at) {
    if (bad_at != nullptr) *bad_at = at;
    return false;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // RFC 3629 section 4: the lead byte fixes the length and the range of the
    // first continuation byte, which rules out overlong forms (C0, C1, E0 80..9F,
    // F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF (F4 90..,
    // F5..FF).
    std::size_t len = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return fail(i);
    }
    if (text.size() - i < len) return fail(i);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      const unsigned min = k == 1 ? lo : 0x80;
      const unsigned max = k == 1 ? hi : 0xbf;
      if (cc < min || cc > max) return fail(i);
    }
    i += len;
  }
  return true;
}

void FrameDecoder::feed(Bytes data) {
  if (failure_) return;
  // Drop the consumed prefix once it is at least half the buffer: each byte is
  // moved O(1) times on average, even when fed one byte at a time.
  if (start_ > 0 && start_ >= buf_.size() / 2) {
    buf_.erase(0, start_);
    start_ = 0;
  }
  buf_.append(reinterpret_cast<const char*>(data.data()), data.size());
}

Result<std::optional<std::string>, FrameError> FrameDecoder::next() {
  if (failure_) return Unexpected{*failure_};
  if (buffered() < kFrameHeaderLen) return std::optional<std::string>{};
  const std::uint32_t len = load_be32(as_bytes(std::string_view(buf_).substr(start_, kFrameHeaderLen)), 0);
  if (len > max_frame_) {
    // Checked before the body arrives: a peer announcing 4 GiB must not make
    // us buffer anything.
    failure_ = FrameError{FrameError::Kind::too_large, "frame of " + std::to_string(len) +
                                                           " bytes exceeds the limit of " +
                                                           std::to_string(max_frame_) + " bytes"};
    buf_.clear();
    start_ = 0;
    return Unexpected{*failure_};
  }
  if (buffered() - kFrameHeaderLen < len) return std::optional<std::string>{};
  std::string body = buf_.substr(start_ + kFrameHeaderLen, len);
  start_ += kFrameHeaderLen + len;
  if (start_ == buf_.size()) {
    buf_.clear();
    start_ = 0;
  }
  std::size_t bad_at = 0;
  if (!is_valid_utf8(body, &bad_at)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(body[bad_at])));
    return Unexpected{FrameError{FrameError::Kind::invalid_utf8, "frame body is not valid UTF-8: byte " +
                                                                     std::string(hex) + " at offset " +
                                                                     std::to_string(bad_at)}};
  }
  return std::optional<std::string>{std::move(body)};
}

}  // namespace wirestack::msg
