// Whole-file reads and writes for `cairn` commands that take or produce a file (export, import,
// badges export and verify).
#ifndef CAIRN_TOOLS_CLI_FILES_H_
#define CAIRN_TOOLS_CLI_FILES_H_

#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::cli {

// Writes `bytes` to `path` through a temporary file renamed into place, so that a crash never
// leaves a half-written file under the final name.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);

// The whole file; NotFound if it cannot be opened.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_FILES_H_
