// Where the device store lives and how `cairn` creates and opens it.
//
// The store is the SQLite file HOME/device.db, where HOME is --home, else $CAIRN_HOME, else
// $HOME/.cairn. `cairn init` creates HOME with permissions 0700 (the store holds evidence of
// children: private by default); every other command opens an existing store only. Captured
// evidence lives in HOME/blobs, encrypted with the key in HOME/blob.key.
#ifndef CAIRN_TOOLS_CLI_STORE_H_
#define CAIRN_TOOLS_CLI_STORE_H_

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "cairn/status.h"

namespace cairn::cli {

// The store's directory from the --home option and the environment variables (null if unset).
Result<std::string> ResolveHome(const std::optional<std::string>& flag, const char* cairn_home_env,
                                const char* home_env);

// HOME/device.db.
std::string DatabasePath(const std::string& home);

// Creates HOME (0700) if needed and a new store in it. AlreadyExists if there is one already.
// Warnings that need no failure (a pre-existing HOME readable by others) go to `warnings`.
Result<std::unique_ptr<Device>> CreateStore(const std::string& home, std::ostream& warnings);

// Opens the existing store in HOME; FailedPrecondition pointing at `cairn init` if none.
Result<std::unique_ptr<Device>> OpenStore(const std::string& home);

// The evidence store: HOME/blobs, sealed with the key in HOME/blob.key (made, mode 0600, on
// first use).
Result<std::unique_ptr<BlobStore>> OpenBlobStore(const std::string& home);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_STORE_H_
