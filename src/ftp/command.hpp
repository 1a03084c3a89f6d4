// ftp/command.hpp — the text of FTP's control connection (RFC 959 4 and 5.3,
// RFC 2428, RFC 3659): the line reader both ends use, commands, and replies
// (single-line and multi-line). Sans-IO: bytes in, values out.
//
// Hostile input is normal here: a line over kMaxLine, a verb that is not
// letters, a reply whose code is not three digits each come back as an
// error text, never an exception, and the reader goes on with the next line.
//
//   ftp::LineReader in;
//   in.push(bytes);
//   while (auto line = in.next()) {
//     if (!*line) { reply(500, line->error()); continue; }
//     auto cmd = ftp::parse_command(**line);  // {"RETR", "notes.txt"}
//   }
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace wirestack::ftp {

// The longest control line either end takes (vsftpd's is 4 KiB too).
inline constexpr std::size_t kMaxLine = 4096;
// The most lines of one multi-line reply, and their bytes together.
inline constexpr std::size_t kMaxReplyLines = 1024;
inline constexpr std::size_t kMaxReplyBytes = 256 * 1024;

// Splits a control stream into lines. A line ends at LF (CRLF or a bare LF,
// as lenient servers accept); the CR before it is dropped. Telnet commands
// (RFC 854: IAC IP, IAC DM, IAC WILL x ...; RFC 959 4.1.3 sends them before
// ABOR) are removed, and IAC IAC stands for one 0xff byte. A line longer
// than kMaxLine is dropped up to its end and reported once.
class LineReader {
 public:
  void push(std::string_view bytes);
  // The next whole line (without its end), an error for a line that was too
  // long, or nothing until more bytes come.
  std::optional<Result<std::string, std::string>> next();
  // Bytes of the line not yet ended.
  std::size_t buffered() const { return line_.size(); }

 private:
  std::string line_;                                  // the line being read
  std::deque<Result<std::string, std::string>> ready_;  // ended, not yet taken
  int telnet_skip_ = 0;   // option bytes of a Telnet command still to drop
  bool after_iac_ = false;
  bool overlong_ = false;  // dropping the rest of a line too long
};

// One command: the verb in upper case (RFC 959 5.3: case does not matter)
// and the argument, everything after the first space, as it came (a file
// name may hold spaces).
struct Command {
  std::string verb;
  std::string arg;
  friend bool operator==(const Command&, const Command&) = default;
};

// "retr notes.txt" -> {"RETR", "notes.txt"}. Errors: empty, a verb that is
// not 3 or 4 letters, a NUL in the line.
Result<Command, std::string> parse_command(std::string_view line);
// "RETR notes.txt\r\n"; a byte 255 is doubled (Telnet's IAC IAC), as in
// replies. Precondition: no CR or LF in `arg` (a caller with a user's path
// checks it with safe_argument first).
std::string format_command(std::string_view verb, std::string_view arg = {});
// Whether `arg` can travel in a command (no CR, LF or NUL).
bool safe_argument(std::string_view arg);

// A reply: its code and its text, one entry per line (RFC 959 4.2: a
// multi-line reply repeats the code on its last line).
struct Reply {
  int code = 0;
  std::vector<std::string> lines;
  // The first line's text, for one-line summaries.
  const std::string& text() const { return lines.front(); }
  friend bool operator==(const Reply&, const Reply&) = default;
};
// "200 Okay\r\n", or "211-Features:\r\n MDTM\r\n211 End\r\n". Precondition:
// code 100..599 and at least one line; an inner line that would look like
// the end ("211 x") is indented by one space, as RFC 959 asks.
std::string format_reply(const Reply& reply);

// Replies out of a control stream, whole (the lines of a multi-line reply
// gathered). A line that is not a reply is an error and is skipped.
class ReplyParser {
 public:
  void push(std::string_view bytes) { lines_.push(bytes); }
  std::optional<Result<Reply, std::string>> next();

 private:
  LineReader lines_;
  std::optional<Reply> partial_;  // a multi-line reply being gathered
  std::size_t partial_bytes_ = 0;
};

}  // namespace wirestack::ftp
