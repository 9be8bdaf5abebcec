// Small file-system helpers for cairn-server's own files (TLS material, the port file): atomic
// replacement of a file and creation of a directory.
//
// Thread-safety: free functions; concurrent writers of one path each leave a complete file
// (the last rename wins).
#ifndef CAIRN_SERVER_HTTP_FILES_H_
#define CAIRN_SERVER_HTTP_FILES_H_

#include <sys/types.h>

#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

// Writes `content` to a temporary file beside `path` created with `mode`, syncs it, renames it
// over `path` and syncs the directory: readers see the old file or the new one, never a part.
Status WriteFileAtomically(const std::string& path, std::string_view content, mode_t mode);

// Creates `path` (one level) with `mode` unless it exists as a directory.
Status EnsureDirectory(const std::string& path, mode_t mode);

// Whole file contents; NotFound if it does not exist.
Result<std::string> ReadWholeFile(const std::string& path);

// Whether `path` exists (any type).
bool PathExists(const std::string& path);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_FILES_H_
