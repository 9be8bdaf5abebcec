// Request targets as the server's routes read them: the path without its query, split into
// '/'-separated segments. One parser for every route (sync, blobs, the issuer API, badges).
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_API_PATHS_H_
#define CAIRN_SERVER_API_PATHS_H_

#include <string_view>
#include <vector>

namespace cairn::server {

// The path of a request target, without its query; empty if the target is not origin-form.
std::string_view PathOf(std::string_view target);

// The query of a request target (after '?'); empty if none.
std::string_view QueryOf(std::string_view target);

// The '/'-separated segments of `path` (empty ones kept, so "a//b" is three).
std::vector<std::string_view> Segments(std::string_view path);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_PATHS_H_
