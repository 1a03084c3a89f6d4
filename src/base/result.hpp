// base/result.hpp — a value or an error, returned instead of thrown.
//
// Result<T, E> has the member names of C++23 std::expected (has_value, value,
// error, operator*, operator->, value_or), so moving to std::expected later is
// an alias change. g++ 12 offers std::expected only under -std=c++2b; we stay
// on C++20 and carry this small class instead of a dependency.
//
//   Result<int, ParseError> r = parse_port("8080");
//   if (!r) return Unexpected{r.error()};
//   use(*r);
#pragma once

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace wirestack {

template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

namespace detail {
[[noreturn]] inline void bad_result_access() { std::abort(); }
}  // namespace detail

template <class T, class E>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  template <class U = T>
    requires std::is_constructible_v<T, U&&> &&
             (!std::is_same_v<std::remove_cvref_t<U>, Result>) &&
             (!std::is_same_v<std::remove_cvref_t<U>, Unexpected<E>>)
  Result(U&& value) : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT: implicit on purpose
  template <class G>
    requires std::is_constructible_v<E, G&&>
  Result(Unexpected<G> u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  const T& value() const& { return *checked_value(); }
  T& value() & { return *checked_value(); }
  T&& value() && { return std::move(*checked_value()); }
  const E& error() const& {
    if (has_value()) detail::bad_result_access();
    return *std::get_if<1>(&v_);
  }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(value()); }
  const T* operator->() const { return checked_value(); }
  T* operator->() { return checked_value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }
  // As std::expected: on an rvalue the value is moved out (move-only T works).
  template <class U>
  T value_or(U&& fallback) && {
    return has_value() ? std::move(*checked_value()) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  const T* checked_value() const {
    const T* p = std::get_if<0>(&v_);
    if (p == nullptr) detail::bad_result_access();
    return p;
  }
  T* checked_value() {
    T* p = std::get_if<0>(&v_);
    if (p == nullptr) detail::bad_result_access();
    return p;
  }

  std::variant<T, E> v_;
};

// Success carries no value.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Result() = default;
  template <class G>
    requires std::is_constructible_v<E, G&&>
  Result(Unexpected<G> u) : err_(std::move(u.error)) {}  // NOLINT

  bool has_value() const noexcept { return !err_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }
  const E& error() const {
    if (!err_) detail::bad_result_access();
    return *err_;
  }

 private:
  std::optional<E> err_;
};

}  // namespace wirestack
