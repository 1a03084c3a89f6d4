// tools/wirestack/version.hpp — "wirestack 0.1.0 (commit 1ff28079c0ab)", for
// --version: the version from CMakeLists.txt and the commit built, written
// at build time by tools/version.cmake.
#pragma once

namespace wirestack::cli {
const char* version_text();
}  // namespace wirestack::cli
