#include "cairn/error_answer.h"

#include <boost/json.hpp>

#include "cairn/media_type.h"
#include "cairn/v1/sync.pb.h"
#include "util/utf8.h"

namespace cairn {
namespace {

struct Refinement {
  HttpRefinement refinement;
  int http_status;
  Code code;
};

constexpr Refinement kRefinements[] = {
    {HttpRefinement::kMethodNotAllowed, 405, Code::kInvalidArgument},
    {HttpRefinement::kUnsupportedMediaType, 415, Code::kInvalidArgument},
    {HttpRefinement::kRangeNotSatisfiable, 416, Code::kOutOfRange},
    {HttpRefinement::kUnprocessableContent, 422, Code::kInvalidArgument},
    {HttpRefinement::kHeaderFieldsTooLarge, 431, Code::kTooLarge},
};

const Refinement* Find(HttpRefinement refinement) {
  for (const Refinement& r : kRefinements) {
    if (r.refinement == refinement) return &r;
  }
  return nullptr;
}

// The Status of an Error body, or nullopt when the body is not one.
std::optional<Status> ReadErrorBody(std::string_view content_type, std::string_view body) {
  v1::Error error;
  const std::string media_type = MediaTypeOf(content_type);
  if (media_type == "application/json") {
    boost::system::error_code ec;
    const boost::json::value value = boost::json::parse(body, ec);
    const boost::json::object* object = ec ? nullptr : value.if_object();
    if (object == nullptr) return std::nullopt;
    const boost::json::value* code = object->if_contains("code");
    const boost::json::value* message = object->if_contains("message");
    const boost::json::value* retryable = object->if_contains("retryable");
    if (code == nullptr || !code->is_string()) return std::nullopt;
    error.set_code(std::string(code->get_string()));
    if (message != nullptr && message->is_string()) {
      error.set_message(std::string(message->get_string()));
    }
    error.set_retryable(retryable != nullptr && retryable->is_bool() && retryable->get_bool());
  } else if (media_type.empty() || media_type == "application/x-protobuf") {
    if (!error.ParseFromArray(body.data(), static_cast<int>(body.size()))) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (error.code().empty() || error.code() == CodeName(Code::kOk)) return std::nullopt;
  return StatusFromError(error);
}

}  // namespace

Code RefinedCode(HttpRefinement refinement) {
  const Refinement* r = Find(refinement);
  return r != nullptr ? r->code : Code::kOk;
}

int HttpStatusOf(Code code, HttpRefinement refinement) {
  const Refinement* r = Find(refinement);
  return r != nullptr && r->code == code ? r->http_status : InfoOf(code).http_status;
}

Code CodeOfHttpStatus(int http_status) {
  switch (http_status) {
    // Rows sharing a status: a bare one stands for the most general of them.
    case 409:
      return Code::kFailedPrecondition;
    case 500:
      return Code::kInternal;
    case 408:
    case 502:
    case 504:
      return Code::kUnavailable;
    default:
      break;
  }
  for (const Refinement& r : kRefinements) {
    if (r.http_status == http_status) return r.code;
  }
  for (const CodeInfo& info : AllCodes()) {
    if (info.http_status == http_status && info.code != Code::kOk) return info.code;
  }
  if (http_status >= 400 && http_status < 500) return Code::kInvalidArgument;
  return Code::kInternal;
}

void ToErrorProto(const Status& status, v1::Error& error) {
  error.set_code(std::string(CodeName(status.code())));
  error.set_message(ReplaceInvalidUtf8(status.message()));
  error.set_retryable(status.retryable());
}

Status StatusFromError(const v1::Error& error) {
  const std::optional<Code> known = CodeFromName(error.code());
  std::string message = error.message();
  if (!known) message += " (the server's code '" + error.code() + "' is newer than this build)";
  return {known.value_or(Code::kInternal), std::move(message), error.retryable()};
}

std::string ErrorBody(const Status& status, bool json) {
  v1::Error error;
  ToErrorProto(status, error);
  if (!json) return error.SerializeAsString();
  boost::json::object object;
  object["code"] = error.code();
  object["message"] = error.message();
  object["retryable"] = error.retryable();
  std::string out = boost::json::serialize(object);
  out += '\n';
  return out;
}

Status StatusFromErrorAnswer(int http_status, std::string_view content_type,
                             std::string_view body) {
  if (std::optional<Status> read = ReadErrorBody(content_type, body)) return *std::move(read);
  const Code code = CodeOfHttpStatus(http_status);
  return {code, "the server answered HTTP " + std::to_string(http_status) +
                    " without a Cairn error (is the URL a Cairn server, or is a proxy in the "
                    "way?); " +
                    std::string(InfoOf(code).action)};
}

}  // namespace cairn
