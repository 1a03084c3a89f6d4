// http/static_files.hpp — the I/O-free half of serving a directory: which
// file a request target names, and its Content-Type. The server layer reads
// the file.
//
//   auto rel = resolve_path(req.target, "/static/");  // "/static/css/a.css?v=2" -> "css/a.css"
//   // (for an absolute-form target "http://h/static/..." pass req.path() instead)
//   if (!rel) return error_response(rel.error());      // 400 or 404
//   auto data = read_file(root + "/" + *rel);          // higher layer
//   Response r{.body = data};
//   r.headers.add("Content-Type", std::string(mime_type(*rel)));
//
// resolve_path rules, in order:
//   1. The query ("?...") and a fragment ("#...") are dropped.
//   2. The path must start with `prefix` (default "/"), which is removed;
//      otherwise 404.
//   3. Percent-escapes are decoded ("%20" -> ' '); a '%' not followed by two
//      hex digits is 400.
//   4. The decoded path may not contain NUL, other control characters or a
//      backslash (400): no Windows separators, no C-string truncation.
//   5. Segments are split on '/'; empty and "." segments are dropped, ".."
//      removes the previous segment; a ".." with nothing left to remove would
//      leave the directory, and is refused (400), not clamped.
//      Decoding happens before this step, so "%2e%2e" and "%2f" are caught.
//   6. A path that ends in '/' (or is empty, or ends in "." or "..") names a
//      directory and maps to its "index.html". Without file I/O this layer
//      cannot tell that "/docs" is a directory; the server may check and
//      redirect to "/docs/".
// The result is relative (no leading '/'), segments joined by '/':
// "/" -> "index.html", "/a/./b/../c.txt" -> "a/c.txt", "/a/" -> "a/index.html".
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/message.hpp"

namespace wirestack::http {

// Content-Type by extension, case-insensitive; text types carry
// "; charset=utf-8". Unknown or no extension: "application/octet-stream".
std::string_view mime_type(std::string_view path);

Result<std::string, HttpError> resolve_path(std::string_view target, std::string_view prefix = "/");

// Decodes every "%XX"; error on a malformed escape. '+' stays '+'.
Result<std::string, HttpError> percent_decode(std::string_view s);

}  // namespace wirestack::http
