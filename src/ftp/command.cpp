#include "ftp/command.hpp"

#include <algorithm>

namespace wirestack::ftp {

namespace {

constexpr unsigned char kIac = 0xff;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "123" at the start of `s` as a number, or -1.
int code_of(std::string_view s) {
  if (s.size() < 3 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2])) return -1;
  return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

// RFC 854: a data byte 255 travels as IAC IAC (the reader turns it back).
std::string telnet_escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    out += ch;
    if (static_cast<unsigned char>(ch) == kIac) out += ch;
  }
  return out;
}

}  // namespace

void LineReader::push(std::string_view bytes) {
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (telnet_skip_ > 0) {  // the option byte of IAC WILL/WONT/DO/DONT
      --telnet_skip_;
      continue;
    }
    if (after_iac_) {
      after_iac_ = false;
      if (c != kIac) {
        if (c >= 251 && c <= 254) telnet_skip_ = 1;  // WILL, WONT, DO, DONT take an option byte
        continue;                                    // IP, DM, AO, ...: a command of its own, dropped
      }  // IAC IAC: a data byte 255, below
    } else if (c == kIac) {
      after_iac_ = true;
      continue;
    }
    if (ch == '\n') {
      if (overlong_) {
        overlong_ = false;
        continue;
      }
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      ready_.emplace_back(std::move(line_));
      line_.clear();
      continue;
    }
    if (overlong_) continue;
    line_.push_back(ch);
    if (line_.size() > kMaxLine) {
      line_.clear();
      overlong_ = true;
      ready_.emplace_back(Unexpected{"line longer than " + std::to_string(kMaxLine) + " bytes"});
    }
  }
}

std::optional<Result<std::string, std::string>> LineReader::next() {
  if (ready_.empty()) return std::nullopt;
  auto out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

Result<Command, std::string> parse_command(std::string_view line) {
  if (line.empty()) return Unexpected{std::string("empty command line")};
  if (line.find('\0') != std::string_view::npos) return Unexpected{std::string("NUL byte in the command line")};
  const auto sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  if (verb.size() < 3 || verb.size() > 4 ||
      !std::all_of(verb.begin(), verb.end(), [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); })) {
    return Unexpected{std::string("not a command verb (3 or 4 letters)")};
  }
  Command c;
  for (char ch : verb) c.verb.push_back(ch >= 'a' ? static_cast<char>(ch - 'a' + 'A') : ch);
  if (sp != std::string_view::npos) c.arg = std::string(line.substr(sp + 1));
  return c;
}

bool safe_argument(std::string_view arg) {
  return arg.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string format_command(std::string_view verb, std::string_view arg) {
  std::string out(verb);
  if (!arg.empty()) {
    out += ' ';
    out += telnet_escaped(arg);
  }
  out += "\r\n";
  return out;
}

std::string format_reply(const Reply& reply) {
  const std::string code = std::to_string(reply.code);
  if (reply.lines.size() <= 1) {
    return code + " " + (reply.lines.empty() ? "" : telnet_escaped(reply.lines.front())) + "\r\n";
  }
  std::string out = code + "-" + telnet_escaped(reply.lines.front()) + "\r\n";
  for (std::size_t i = 1; i + 1 < reply.lines.size(); ++i) {
    const std::string& l = reply.lines[i];
    // An inner line starting with digits could be read as the end.
    if (!l.empty() && is_digit(l[0])) out += ' ';
    out += telnet_escaped(l) + "\r\n";
  }
  return out + code + " " + telnet_escaped(reply.lines.back()) + "\r\n";
}

std::optional<Result<Reply, std::string>> ReplyParser::next() {
  while (auto line = lines_.next()) {
    if (!*line) {
      partial_.reset();
      return Result<Reply, std::string>(Unexpected{line->error()});
    }
    const std::string& l = **line;
    const int code = code_of(l);
    if (partial_) {
      // RFC 959 4.2: the last line starts with the same code and a space.
      if (code == partial_->code && (l.size() == 3 || l[3] == ' ')) {
        Reply done = std::move(*partial_);
        partial_.reset();
        done.lines.push_back(l.size() > 4 ? l.substr(4) : std::string());
        return Result<Reply, std::string>(std::move(done));
      }
      partial_bytes_ += l.size();
      if (partial_->lines.size() >= kMaxReplyLines || partial_bytes_ > kMaxReplyBytes) {
        partial_.reset();
        return Result<Reply, std::string>(Unexpected{std::string("multi-line reply too long")});
      }
      partial_->lines.push_back(l);
      continue;
    }
    if (code < 100 || code > 599 || (l.size() > 3 && l[3] != ' ' && l[3] != '-')) {
      return Result<Reply, std::string>(Unexpected{"not a reply: '" + l.substr(0, 40) + "'"});
    }
    const std::string text = l.size() > 4 ? l.substr(4) : std::string();
    if (l.size() > 3 && l[3] == '-') {
      partial_ = Reply{.code = code, .lines = {text}};
      partial_bytes_ = text.size();
      continue;
    }
    return Result<Reply, std::string>(Reply{.code = code, .lines = {text}});
  }
  return std::nullopt;
}

}  // namespace wirestack::ftp
