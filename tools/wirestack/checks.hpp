// tools/wirestack/checks.hpp — option checks with messages a user can act
// on. CLI11's own PositiveNumber says "Value 0 not in range 0.000000 to
// 1797693134862315708...", a 300-digit bound, and its unsigned conversion
// (strtoull) turns "-1" into 18446744073709551615 without a word.
//
//   cmd->add_option("--until", opt.until, "...")->check(checks::seconds(1e9));
//   cmd->add_option("--seed", opt.seed, "...")->check(checks::whole_number());
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace wirestack::cli::checks {

// Reads the option's whole text as a finite number; false if it is not one.
inline bool read_number(const std::string& in, double& out) {
  if (in.empty()) return false;
  char* end = nullptr;
  out = std::strtod(in.c_str(), &end);
  return end == in.c_str() + in.size() && std::isfinite(out);
}

// A TCP/UDP port written in decimal, 1..65535, the whole text; nullopt else.
inline std::optional<std::uint16_t> read_port(std::string_view text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 1 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// A number more than 0 (a count, a size, seconds).
inline CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& in) -> std::string {
        double v = 0;
        if (!read_number(in, v) || v <= 0) return "expected a number more than 0, got '" + in + "'";
        return {};
      },
      "POSITIVE");
}

// Seconds: more than 0 and at most `max`.
inline CLI::Validator seconds(double max) {
  return CLI::Validator(
      [max](std::string& in) -> std::string {
        double v = 0;
        if (!read_number(in, v) || v <= 0 || v > max) {
          char text[32];
          std::snprintf(text, sizeof text, "%g", max);
          std::string bound = text;  // 1e+09 -> 1e9
          if (auto e = bound.find("e+"); e != std::string::npos) bound.erase(e + 1, bound.find_first_not_of("+0", e + 1) - e - 1);
          return "expected seconds, more than 0 and at most " + bound + ", got '" + in + "'";
        }
        return {};
      },
      "SECONDS");
}

// Digits only: 0 and up (a seed). A minus sign is refused, not wrapped round.
inline CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& in) -> std::string {
        if (in.empty() || in.find_first_not_of("0123456789") != std::string::npos) {
          return "expected a whole number from 0 to 18446744073709551615, got '" + in + "'";
        }
        const std::string digits = in.substr(std::min(in.find_first_not_of('0'), in.size() - 1));
        if (digits.size() > 20 || (digits.size() == 20 && digits > "18446744073709551615")) {
          return "'" + in + "' is more than 18446744073709551615";
        }
        return {};
      },
      "UINT");
}

}  // namespace wirestack::cli::checks
