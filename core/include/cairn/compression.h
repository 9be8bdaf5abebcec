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
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn {

// Level 3 is zstd's default: fast, and most of the gain on change batches (docs/performance.md).
std::string ZstdCompress(std::string_view data, int level = 3);

// InvalidArgument for bytes that are not a zstd frame, TooLarge past `max_bytes`.
Result<std::string> ZstdDecompress(std::string_view data, size_t max_bytes);

}  // namespace cairn

#endif  // CAIRN_COMPRESSION_H_
