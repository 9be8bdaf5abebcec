// The replica store's SQLite schema and its migrations, versioned by PRAGMA user_version.
#ifndef CAIRN_STORE_MIGRATIONS_H_
#define CAIRN_STORE_MIGRATIONS_H_

#include "cairn/status.h"
#include "store/sqlite.h"

namespace cairn::store {

// The schema version this build writes.
int CurrentSchemaVersion();

// Brings the store up to CurrentSchemaVersion(), one migration per transaction. Refuses a store
// written by a newer build.
Status Migrate(Database& db);

}  // namespace cairn::store

#endif  // CAIRN_STORE_MIGRATIONS_H_
