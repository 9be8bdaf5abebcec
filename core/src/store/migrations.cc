#include "store/migrations.h"

#include <array>
#include <string>

namespace cairn::store {
namespace {

// Migration i takes the store from version i to i + 1. Never edit one that has shipped: add a
// new one.
constexpr std::array<const char*, 1> kMigrations = {
    // 0 -> 1: the first schema.
    R"sql(
      -- Key/value metadata: 'actor' (this install's 16-byte actor id).
      CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
      -- Every actor seen, with the highest seq whose effect is in `entities` (the rest lives
      -- in the write-back cache and is replayed from the log at open). The highest seq applied
      -- is the last log row's, so a commit writes only its log row.
      CREATE TABLE actors(
        id BLOB PRIMARY KEY,
        materialized_seq INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      -- The change log: each row a run of one actor's consecutive changes, as a ChangeBatch.
      CREATE TABLE log(
        actor BLOB NOT NULL,
        first_seq INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        max_hlc INTEGER NOT NULL,
        payload BLOB NOT NULL,
        PRIMARY KEY(actor, first_seq)) WITHOUT ROWID;
      -- Causal deps: when `actor` made change `seq`, it had applied `other` up to `other_seq`.
      CREATE TABLE deps(
        actor BLOB NOT NULL,
        seq INTEGER NOT NULL,
        other BLOB NOT NULL,
        other_seq INTEGER NOT NULL,
        PRIMARY KEY(actor, seq, other)) WITHOUT ROWID;
      -- Materialised state as of the last checkpoint: one EntityState (state.proto) per
      -- entity. `type` and `conflicted` are derived from it for lookups.
      CREATE TABLE entities(
        id BLOB PRIMARY KEY,
        type TEXT,
        conflicted INTEGER NOT NULL DEFAULT 0,
        state BLOB NOT NULL) WITHOUT ROWID;
      CREATE INDEX entities_by_type ON entities(type, id) WHERE type IS NOT NULL;
      CREATE INDEX entities_conflicted ON entities(id) WHERE conflicted != 0;
    )sql",
};

Result<int> UserVersion(Database& db) {
  CAIRN_ASSIGN_OR_RETURN(Statement stmt, db.Prepare("PRAGMA user_version"));
  CAIRN_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("PRAGMA user_version returned nothing");
  return static_cast<int>(stmt.ColumnInt(0));
}

}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(Database& db) {
  CAIRN_ASSIGN_OR_RETURN(int version, UserVersion(db));
  if (version > CurrentSchemaVersion()) {
    return FailedPrecondition(
        "the store has schema version " + std::to_string(version) + ", newer than this build's " +
        std::to_string(CurrentSchemaVersion()) + "; open it with a newer Cairn");
  }
  for (; version < CurrentSchemaVersion(); ++version) {
    CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status s = db.Exec(kMigrations[version]);
    if (s.ok()) s = db.Exec("PRAGMA user_version = " + std::to_string(version + 1));
    if (s.ok()) s = db.Exec("COMMIT");
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s.Annotate("migrating the store to schema version " + std::to_string(version + 1));
    }
  }
  return {};
}

}  // namespace cairn::store
