// Replica: one device's (or the server's) copy of the data, in one SQLite file.
//
// The file holds the change log (every change applied, by actor and seq), the causal metadata
// (deps), the materialised state (one row per entity, state.proto) and metadata (the local actor
// id). Local mutations become changes through Commit(); changes from elsewhere arrive through
// Apply(). Both run in one SQLite transaction each: after a crash at any point the store opens
// with every committed change and nothing half-applied.
//
// The materialised state is written back lazily: an applied change is durable once its log row
// commits, and its effect lives in an in-memory entity cache until a checkpoint writes the
// touched entities in one go (docs/decisions/0003-write-back-entity-cache.md). Opening a store
// replays the log rows written since the last checkpoint.
//
// Apply is idempotent by (actor, seq), commutative and associative over sets of changes, and
// costs O(new changes): duplicates are skipped, and only the entities the new changes touch are
// read and written. Changes must arrive in causal order (each change after the earlier changes of
// its actor and after every change its deps name); a batch that breaks this is refused whole with
// FailedPrecondition and the store is unchanged.
//
// Thread-safety: not thread-safe; one thread owns a Replica. Several handles (processes) may
// open the same file: writes serialise on SQLite's lock (a writer waits up to the busy timeout),
// and a handle that finds another's commits (PRAGMA data_version) rebuilds its in-memory state
// before it reads or writes. Version() and ChangeCount() answer as of the handle's last call.
#ifndef CAIRN_REPLICA_H_
#define CAIRN_REPLICA_H_

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/entity.h"
#include "cairn/env.h"
#include "cairn/schema.h"
#include "cairn/status.h"

namespace cairn {

// Highest seq applied per actor.
using VersionVector = std::map<ActorId, uint64_t>;

enum class Durability : uint8_t {
  // A commit survives the process being killed; the last commits may be lost on power loss
  // (SQLite WAL, synchronous=NORMAL). Devices: every edit is one commit, fsync each would hurt.
  kProcessCrash,
  // A commit survives power loss (synchronous=FULL). The server acknowledges nothing less.
  kPowerLoss,
};

struct ReplicaOptions {
  Env env = SystemEnv();
  // Not owned; must outlive the replica. nullptr accepts any op.
  const Schema* schema = nullptr;
  Durability durability = Durability::kProcessCrash;
  // Checkpoint the entity cache when the replica closes. Tests turn it off to leave a store as a
  // killed process would.
  bool checkpoint_on_close = true;
  // Changes of other actors stamped more than this far ahead of the local clock are refused
  // (failed_precondition: the author's clock is wrong). 0 = no limit: devices accept what the
  // server accepted; the server sets a limit.
  int64_t max_future_skew_ms = 0;
};

struct ApplyStats {
  size_t applied = 0;     // changes new to this replica
  size_t duplicates = 0;  // changes it already had
};

class Replica {
 public:
  // Opens or creates the store at `path`, migrating an older schema forward.
  static Result<std::unique_ptr<Replica>> Open(const std::string& path, ReplicaOptions options);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // This install's actor id, made at creation and kept in the store.
  const ActorId& actor() const;
  // A new entity id (UUIDv7, monotonic for this replica).
  EntityId NewEntityId();

  // Records a local change made of `ops` and returns it as stored (seq, hlc, deps filled in).
  Result<Change> Commit(std::vector<Op> ops);

  // Applies changes from elsewhere, all or nothing.
  Result<ApplyStats> Apply(std::span<const Change> changes);
  // Decodes a serialised ChangeBatch and applies it, all or nothing.
  Result<ApplyStats> ApplyEncoded(std::string_view batch);

  // Every change this replica holds that `since` does not cover, in an order that respects
  // causality, so another replica can Apply() them as one batch.
  Result<std::vector<Change>> ChangesSince(const VersionVector& since);
  // The same, encoded. Forces the store to disk first: what is sent must survive a power cut.
  Result<std::string> ExportSince(const VersionVector& since);

  VersionVector Version() const;

  // The state of one entity; nullopt if no change ever touched it.
  Result<std::optional<EntityData>> Get(const EntityId& id);
  // Every live (not deleted) entity of a type, in id order.
  Result<std::vector<EntityData>> ListByType(std::string_view type);
  // Unresolved conflicts on free-text fields of live entities.
  Result<std::vector<Conflict>> Conflicts();

  // SHA-256 (hex) over every entity's id and stored state, in id order. Equal on replicas that
  // applied the same set of changes, whatever the order, duplication or batching.
  Result<std::string> StateHash();

  // Writes the in-memory entity cache into the materialised state table. Apply() and Commit()
  // are durable without it (the log holds every change and is replayed at open); it runs by
  // itself when the cache grows, before scans, and when the replica closes.
  Status Checkpoint();

  // Total number of changes held.
  uint64_t ChangeCount() const;

  // Forces every committed change to disk, whatever the durability level. Call it before
  // changes leave the device: a sent change lost to a power cut would come back under the same
  // (actor, seq) with other content (ExportSince does it by itself).
  Status MakeDurable();

  // Small named settings kept in the store with the data they describe (the sync engine keeps
  // its server, token and cursor here). Keys are 1 to 64 bytes.
  Result<std::optional<std::string>> ReadSetting(std::string_view key);
  Status WriteSettings(std::span<const std::pair<std::string, std::string>> settings);

 private:
  class Impl;
  explicit Replica(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn

#endif  // CAIRN_REPLICA_H_
