// What the blob API and the issuer API share: reading a blob id and a number from a path, and
// answering with a blob's bytes (all of them, or the one range a Range header asks for), streamed
// from its file by the session layer.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_API_BLOB_FILE_RESPONSE_H_
#define CAIRN_SERVER_API_BLOB_FILE_RESPONSE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/service.h"
#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server {

// 64 hex digits (either case) -> the 32 bytes of a SHA-256. `noun` names the id in the error
// ("a blob id", "an evidence id").
Result<std::string> ParseSha256(std::string_view text, std::string_view noun);

// A path segment as an unsigned decimal; nullopt for anything else.
std::optional<uint64_t> ParseDecimal(std::string_view text);

// The answer carrying the blob at `location`: 200 with all of it, or 206 with the one range
// `range_header` asks for (no usable Range, such as several ranges, sends it all). OutOfRange,
// naming the blob as `noun`, for a range past its end: answer it with UnsatisfiableRange.
// `etag_hex` is the blob id as the caller names it.
Result<Response> BlobFileResponse(const BlobLocation& location, std::string_view range_header,
                                  std::string_view etag_hex, std::string_view noun);

// The error answer for `status`, which BlobFileResponse gave for a blob of `size` bytes: 416
// with Content-Range for a range past its end.
Response UnsatisfiableRange(std::string_view accept, const Status& status, uint64_t size);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_BLOB_FILE_RESPONSE_H_
