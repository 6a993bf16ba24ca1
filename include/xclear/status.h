// Status and Result: expected failures are values, not exceptions.
//
// A Status carries a stable machine-readable code and a message that a finance clerk can act on
// ("row 17: fund_amount 12.345 has 3 decimals"). Both types are [[nodiscard]] so that ignoring an
// error is visible in the code. Thread safety: plain values, safe to copy between threads.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace xclear {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // malformed input: a field, a file, a request
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // creating something that is there already
  kConflict,            // same key, different content (idempotency, claim ids)
  kRefused,             // well-formed, but a business rule says no (deadline, window, red line)
  kFailedPrecondition,  // the system is not in a state that allows it (e.g. no calendar for a year)
  kOverflow,            // checked money arithmetic left the 128-bit range
  kIoError,             // storage or file system failure
  kCorruption,          // stored data does not verify
  kInternal,            // a bug: an invariant the code itself should have kept
};

// Stable lowercase identifier for an error code, e.g. "invalid_argument". Used in JSON output.
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {ErrorCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Status Refused(std::string m) { return {ErrorCode::kRefused, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {ErrorCode::kFailedPrecondition, std::move(m)};
  }
  static Status Overflow(std::string m) { return {ErrorCode::kOverflow, std::move(m)}; }
  static Status IoError(std::string m) { return {ErrorCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {ErrorCode::kCorruption, std::move(m)}; }
  static Status Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: row 17: ..." — one line, for logs and CLI refusals.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(state_).ok() && "a Result must not hold an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace xclear

// Propagates a non-ok Status from an expression returning Status.
#define XCLEAR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::xclear::Status xclear_status_ = (expr);        \
    if (!xclear_status_.ok()) return xclear_status_; \
  } while (false)

#define XCLEAR_CONCAT_INNER(a, b) a##b
#define XCLEAR_CONCAT(a, b) XCLEAR_CONCAT_INNER(a, b)
// Declares `lhs` from a Result expression, or returns its Status.
#define XCLEAR_ASSIGN_OR_RETURN(lhs, expr) \
  XCLEAR_ASSIGN_OR_RETURN_IMPL(XCLEAR_CONCAT(xclear_result_, __LINE__), lhs, expr)
#define XCLEAR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
