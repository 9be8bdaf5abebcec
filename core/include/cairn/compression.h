// zstd compression of protocol bodies (Content-Encoding: zstd) and exports.
//
// Decompression takes a bound on the output: a body from the network that claims or turns out to
// expand past it is refused (too_large) before the memory is spent, so a small
// "decompression bomb" cannot exhaust the server.
//
// Thread-safety: free functions with no shared state.
#ifndef CAIRN_COMPRESSION_H_
#define CAIRN_COMPRESSION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn {

// Level 3 is zstd's default: fast, and most of the gain on change batches (docs/performance.md).
std::string ZstdCompress(std::string_view data, int level = 3);

// InvalidArgument for bytes that are not a zstd frame, TooLarge past `max_bytes`.
Result<std::string> ZstdDecompress(std::string_view data, size_t max_bytes);

// How a device sends a request body, the same over every transport (BeastTransport, an app's
// HTTP stack through the mobile bridge): a body of kMinCompressBytes or more goes
// zstd-compressed when that makes it smaller, except raw bytes (application/octet-stream:
// evidence chunks; media does not compress, and the blob routes take no Content-Encoding).
// The compressed body to send with "Content-Encoding: zstd", or nullopt to send it as it is.
inline constexpr size_t kMinCompressBytes = 1024;
std::optional<std::string> CompressRequestBody(std::string_view body,
                                               std::string_view content_type);

// An answer's body under its Content-Encoding: as it is for none or "identity", decompressed
// (at most `max_bytes`) for "zstd", in any case. InvalidArgument for another encoding, which a
// device never asks for (it sends "Accept-Encoding: zstd" only).
Result<std::string> DecodeResponseBody(std::string body, std::string_view content_encoding,
                                       size_t max_bytes);

}  // namespace cairn

#endif  // CAIRN_COMPRESSION_H_
