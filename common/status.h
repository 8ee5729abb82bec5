// Status: the outcome of an operation that can fail, and Result<T>, a value or a Status.
//
// Every library boundary in skyshard returns one of these instead of throwing. A Status is
// either OK or carries a code and a human-readable message that says where, what, and what
// was expected (the message is meant for the end user, not just for a log).
//
// Thread safety: a Status is a value type; distinct objects may be used from distinct threads
// without synchronisation, and const methods may be called concurrently on the same object.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skyshard {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input from a user: a file, a flag, a manifest, a query
  kSyntaxError,      // a parse error with a position
  kNotFound,
  kAlreadyExists,
  kUnsupported,
  kLimitExceeded,
  kCancelled,
  kIOError,
  kCorruption,
  kInternal,
};

// Returns the stable, human-readable name of `code` ("InvalidArgument", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(StatusCode::kInvalidArgument, std::move(msg));
  }
  static Status SyntaxError(std::string msg) {
    return Status(StatusCode::kSyntaxError, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(StatusCode::kAlreadyExists, std::move(msg));
  }
  static Status Unsupported(std::string msg) {
    return Status(StatusCode::kUnsupported, std::move(msg));
  }
  static Status LimitExceeded(std::string msg) {
    return Status(StatusCode::kLimitExceeded, std::move(msg));
  }
  static Status Cancelled(std::string msg) {
    return Status(StatusCode::kCancelled, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) {
    return Status(StatusCode::kCorruption, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "InvalidArgument: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "Result built from an OK Status has no value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace skyshard

#define SKY_CONCAT_INNER(a, b) a##b
#define SKY_CONCAT(a, b) SKY_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define SKY_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::skyshard::Status sky_status_ = (expr);   \
    if (!sky_status_.ok()) return sky_status_; \
  } while (0)

// `lhs = value of expr` (a Result<T>), or returns its Status from the enclosing function.
#define SKY_ASSIGN_OR_RETURN(lhs, expr)                                                           \
  auto SKY_CONCAT(sky_result_, __LINE__) = (expr);                                                \
  if (!SKY_CONCAT(sky_result_, __LINE__).ok()) return SKY_CONCAT(sky_result_, __LINE__).status(); \
  lhs = std::move(SKY_CONCAT(sky_result_, __LINE__)).value()  // NOLINT(bugprone-macro-parentheses)
