// Result<T>: a T or an Error, named after C++23's std::expected (has_value,
// value, error, operator*, Unexpected ~ std::unexpected) so it can become an
// alias once the toolchain has it. Result<void> carries only success or Error.
//
// Usage:
//   Result<int> Parse(std::string_view s) {
//     if (s.empty()) return Fail(ErrorCode::kInvalidArgument, "empty");
//     return 42;
//   }
//   auto n = Parse(text);
//   if (!n) return n.error().Wrap("config");
//
// Calling value() on an error (or error() on a value) is a programming error
// and aborts through SHOAL_CHECK.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/base/check.h"
#include "core/base/error.h"

namespace shoal {

// Marks an Error as the failure branch when constructing a Result.
class Unexpected {
 public:
  explicit Unexpected(Error error) : error_(std::move(error)) {}
  Error& error() & { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
};

inline Unexpected Fail(ErrorCode code, std::string message) {
  return Unexpected(Error{code, std::move(message)});
}

template <typename T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& value) : state_(std::in_place_index<0>, value) {}  // NOLINT: implicit by design
  Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Unexpected unexpected)                                            // NOLINT
      : state_(std::in_place_index<1>, std::move(unexpected).error()) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    SHOAL_CHECK(has_value(), "value() on an error Result");
    return std::get<0>(state_);
  }
  const T& value() const& {
    SHOAL_CHECK(has_value(), "value() on an error Result");
    return std::get<0>(state_);
  }
  T&& value() && {
    SHOAL_CHECK(has_value(), "value() on an error Result");
    return std::move(std::get<0>(state_));
  }
  const Error& error() const {
    SHOAL_CHECK(!has_value(), "error() on a successful Result");
    return std::get<1>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() = default;
  Result(Unexpected unexpected) : error_(std::move(unexpected).error()), ok_(false) {}  // NOLINT
  Result(Error error) : error_(std::move(error)), ok_(false) {}                         // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { SHOAL_CHECK(ok_, "value() on an error Result"); }
  const Error& error() const {
    SHOAL_CHECK(!ok_, "error() on a successful Result");
    return error_;
  }

 private:
  Error error_{ErrorCode::kIo, {}};
  bool ok_ = true;
};

}  // namespace shoal
