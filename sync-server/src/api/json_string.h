// JSON string literals for the server's own JSON (error bodies, log lines): quotes, escapes
// control characters, and replaces bytes that are not UTF-8 with U+FFFD, so that text from the
// network can never break the document it is written into.
//
// Thread-safety: a free function with no shared state.
#ifndef CAIRN_SERVER_API_JSON_STRING_H_
#define CAIRN_SERVER_API_JSON_STRING_H_

#include <string>
#include <string_view>

namespace cairn::server {

// Appends `text` to `out` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_JSON_STRING_H_
