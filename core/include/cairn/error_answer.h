// Error answers over HTTP: the one writer (the server) and the one reader (every client) of the
// status and the sync.proto `Error{code, message, retryable}` body, derived from the code table
// (status_codes.def). docs/protocol.md "Errors" is the contract.
//
// A refinement is an HTTP status more exact than its code's own, tied to the code it refines:
// the answer's body still carries that code, so a client that reads only bodies reads the same
// thing whatever the status.
//
// Thread-safety: pure functions.
#ifndef CAIRN_ERROR_ANSWER_H_
#define CAIRN_ERROR_ANSWER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn {

namespace v1 {
class Error;
}  // namespace v1

enum class HttpRefinement : uint8_t {
  kNone,
  kMethodNotAllowed,      // 405 invalid_argument; the answer says Allow
  kUnsupportedMediaType,  // 415 invalid_argument: a Content-Encoding the route does not take
  kRangeNotSatisfiable,   // 416 out_of_range; the answer says Content-Range: bytes */size
  kUnprocessableContent,  // 422 invalid_argument: a well-formed document whose content is refused
  kHeaderFieldsTooLarge,  // 431 too_large: the request's headers
};

// The code a refinement refines.
Code RefinedCode(HttpRefinement refinement);

// The HTTP status of an error answer carrying `code`: the refinement's when it refines `code`,
// else the table's.
int HttpStatusOf(Code code, HttpRefinement refinement = HttpRefinement::kNone);

// The code an answer that carries no Cairn error body stands for (a proxy's 502, a 404 from a
// server that is not Cairn's): the table's code for its own status, a refined status's code,
// 408/502/504 as unavailable, any other 4xx as invalid_argument and 5xx as internal.
Code CodeOfHttpStatus(int http_status);

// `status` as sync.proto's Error, the form it takes inside answers (a refused change of a push)
// and as a whole error body. A message that is not UTF-8 is repaired (U+FFFD), since messages
// quote what came in and the body must stay readable.
void ToErrorProto(const Status& status, v1::Error& error);
// The inverse: the code (a name this build does not know is kept in the message and read as
// internal) and message, with the Error's own `retryable`.
Status StatusFromError(const v1::Error& error);

// The body of an error answer: Error as protobuf, or as the JSON object {"code", "message",
// "retryable"} when `json`.
std::string ErrorBody(const Status& status, bool json);

// Reads an error answer back into a Status: the body's code, message and `retryable` when it is
// a Cairn error (protobuf, or JSON when `content_type` says so; read as StatusFromError), else
// CodeOfHttpStatus with a message that names the status.
Status StatusFromErrorAnswer(int http_status, std::string_view content_type, std::string_view body);

}  // namespace cairn

#endif  // CAIRN_ERROR_ANSWER_H_
