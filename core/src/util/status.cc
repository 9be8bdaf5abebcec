#include "cairn/status.h"

#include <iterator>

namespace cairn {

namespace {

constexpr CodeInfo kCodes[] = {
#define CAIRN_STATUS_CODE(number, Name, NAME, wire, http, retryable, retry_after, action) \
  {Code::k##Name, wire, http, (retryable) != 0, retry_after, action},
#include "cairn/status_codes.def"
};

// The table's index is the code's number: InfoOf and the C ABI rely on it.
constexpr bool NumberedInOrder() {
  for (size_t i = 0; i < std::size(kCodes); ++i) {
    if (static_cast<size_t>(kCodes[i].code) != i) return false;
  }
  return true;
}
static_assert(NumberedInOrder(), "status_codes.def must list codes 0, 1, 2, ... in order");

}  // namespace

std::span<const CodeInfo> AllCodes() { return kCodes; }

const CodeInfo& InfoOf(Code code) {
  const auto number = static_cast<size_t>(code);
  return number < std::size(kCodes) ? kCodes[number] : kCodes[static_cast<size_t>(Code::kInternal)];
}

std::string_view CodeName(Code code) { return InfoOf(code).name; }

std::optional<Code> CodeFromName(std::string_view name) {
  for (const CodeInfo& info : kCodes) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

bool IsRetryable(Code code) { return InfoOf(code).retryable; }

Status::Status(Code code, std::string message)
    : Status(code, std::move(message), IsRetryable(code)) {}

Status::Status(Code code, std::string message, bool retryable) {
  if (code != Code::kOk) rep_ = std::make_unique<Rep>(Rep{code, retryable, std::move(message)});
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return rep_ ? rep_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out(CodeName(code()));
  out += ": ";
  out += message();
  return out;
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return {};
  std::string message(context);
  message += ": ";
  message += rep_->message;
  return {code(), std::move(message), rep_->retryable};
}

std::ostream& operator<<(std::ostream& os, const Status& status) { return os << status.ToString(); }

Status InvalidArgument(std::string message) { return {Code::kInvalidArgument, std::move(message)}; }
Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
Status AlreadyExists(std::string message) { return {Code::kAlreadyExists, std::move(message)}; }
Status FailedPrecondition(std::string message) {
  return {Code::kFailedPrecondition, std::move(message)};
}
Status OutOfRange(std::string message) { return {Code::kOutOfRange, std::move(message)}; }
Status Unauthenticated(std::string message) { return {Code::kUnauthenticated, std::move(message)}; }
Status PermissionDenied(std::string message) {
  return {Code::kPermissionDenied, std::move(message)};
}
Status ResourceExhausted(std::string message) {
  return {Code::kResourceExhausted, std::move(message)};
}
Status TooLarge(std::string message) { return {Code::kTooLarge, std::move(message)}; }
Status Unavailable(std::string message) { return {Code::kUnavailable, std::move(message)}; }
Status DataLoss(std::string message) { return {Code::kDataLoss, std::move(message)}; }
Status Internal(std::string message) { return {Code::kInternal, std::move(message)}; }

}  // namespace cairn
