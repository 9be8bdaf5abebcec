// Status and Result: Cairn's one error idiom.
//
// A Status is either OK (no allocation) or a code from the canonical set below plus a message
// that says what went wrong, where, and how to fix it. Codes follow google.rpc, plus too_large
// (docs/decisions/0001); status_codes.def is their one table: names, HTTP statuses, and whether
// retrying can help (retryable(), which an error answer from a server may override). Nothing in
// the core's public API throws; every fallible call returns a [[nodiscard]] Status or Result<T>.
//
// Thread-safety: values; safe to copy and move between threads.
#ifndef CAIRN_STATUS_H_
#define CAIRN_STATUS_H_

#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cairn {

// The codes of status_codes.def, the one table of their names, HTTP statuses and retry advice.
enum class Code : int {
#define CAIRN_STATUS_CODE(number, Name, NAME, wire, http, retryable, retry_after, action) \
  k##Name = (number),
#include "cairn/status_codes.def"
};

// One row of status_codes.def.
struct CodeInfo {
  Code code;
  std::string_view name;    // the wire name, e.g. "invalid_argument"
  int http_status;          // of an error answer carrying the code
  bool retryable;           // whether the same call may succeed later
  int retry_after_seconds;  // the Retry-After of an error answer; 0 for none
  std::string_view action;  // what a client should do, in a phrase
};

// Every code, in number order (the index is the number).
std::span<const CodeInfo> AllCodes();
// The row of `code`; a number outside the table (a cast from a newer peer) is kInternal's row.
const CodeInfo& InfoOf(Code code);

// Lower-case name of a code, e.g. "invalid_argument".
std::string_view CodeName(Code code);
// The inverse of CodeName; an unknown name (from a newer peer) is nullopt.
std::optional<Code> CodeFromName(std::string_view name);

// Whether retrying the same call later may succeed, by the table.
bool IsRetryable(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  // Retryable as the table says for `code`.
  Status(Code code, std::string message);
  // Retryable as `retryable` says: an error answer's own verdict, which a client trusts over
  // its table (a newer server may know better, or use a code this build does not name).
  Status(Code code, std::string message, bool retryable);

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return {}; }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  // Empty for OK.
  const std::string& message() const;
  bool retryable() const { return rep_ && rep_->retryable; }

  // "invalid_argument: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status Annotate(std::string_view context) const;

 private:
  struct Rep {
    Code code;
    bool retryable;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status FailedPrecondition(std::string message);
Status OutOfRange(std::string message);
Status Unauthenticated(std::string message);
Status PermissionDenied(std::string message);
Status ResourceExhausted(std::string message);  // a quota, rate or disk: retryable later
Status TooLarge(std::string message);           // over a size limit: retrying unchanged fails
Status Unavailable(std::string message);
Status DataLoss(std::string message);
Status Internal(std::string message);

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Internal("Result constructed from an OK status without a value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace cairn

// Returns early from the calling function with the status if it is not OK.
#define CAIRN_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::cairn::Status cairn_status_ = (expr);        \
    if (!cairn_status_.ok()) return cairn_status_; \
  } while (false)

#define CAIRN_CONCAT_INNER_(a, b) a##b
#define CAIRN_CONCAT_(a, b) CAIRN_CONCAT_INNER_(a, b)

// `CAIRN_ASSIGN_OR_RETURN(auto x, F());` declares x from a Result or returns its status.
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_CONCAT_(cairn_result_, __LINE__), lhs, expr)
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration and cannot be parenthesised.
#define CAIRN_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) return result.status();             \
  lhs = std::move(result).value()
// NOLINTEND(bugprone-macro-parentheses)

#endif  // CAIRN_STATUS_H_
