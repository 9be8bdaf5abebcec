// Replica::Impl: the replica's internals, shared by the files that implement it:
//   replica.cc        open, recovery (indexes and the replay of unmaterialised changes), facade
//   replica_apply.cc  validation (causal order, schema), the log, Apply and Commit
//   replica_cache.cc  the write-back entity cache and checkpoints
//   replica_read.cc   ChangesSince, reads, conflicts, the state hash
//
// Thread-safety: as Replica — one thread at a time.
#ifndef CAIRN_STORE_REPLICA_IMPL_H_
#define CAIRN_STORE_REPLICA_IMPL_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cairn/hlc.h"
#include "cairn/replica.h"
#include "merge/causality.h"
#include "store/sqlite.h"

namespace cairn {

namespace store {

// "change (<actor>, <seq>)" for messages.
std::string ChangeName(const Change& change);

// The entity's type: the winning text of its "type" field, or "".
std::string TypeOfEntity(const EntityData& entity);

}  // namespace store

// SQL of ChangesSince's per-actor query; tests check its plan.
extern const char* const kSelectLogSince;

class Replica::Impl {
 public:
  Impl(std::unique_ptr<store::Database> db, ReplicaOptions options)
      : db_(std::move(db)), options_(options), hlc_(options.env.clock), ids_(options.env) {}
  ~Impl() {
    // Best effort: whatever is not checkpointed here is replayed from the log next time.
    if (open_ && options_.checkpoint_on_close) (void)Checkpoint();
  }

  Status Init();

  const ActorId& actor() const { return actor_; }
  EntityId NewEntityId() { return ids_.Next(); }
  Result<Change> Commit(std::vector<Op> ops);
  Result<ApplyStats> Apply(std::span<const Change> changes, std::string_view encoded);
  // Apply() with the write transaction already open (BeginWrite); commits or rolls it back.
  Result<ApplyStats> ApplyLocked(std::span<const Change> changes, std::string_view encoded);
  Result<std::vector<Change>> ChangesSince(const VersionVector& since);
  VersionVector Version() const { return {vv_.begin(), vv_.end()}; }
  Result<std::optional<EntityData>> Get(const EntityId& id);
  Result<std::vector<EntityData>> ListByType(std::string_view type);
  Result<std::vector<Conflict>> Conflicts();
  Result<std::string> StateHash();
  Status Checkpoint();
  // Brings the in-memory state up to date when another handle on the same file committed
  // since this one last looked (PRAGMA data_version), by rebuilding it from the store.
  Status Refresh();
  // Forces every committed change to disk, whatever the durability level: a change that has
  // left the device must not be lost to a power cut, or its (actor, seq) would come back with
  // other content.
  Status MakeDurable();
  Result<std::optional<std::string>> ReadSetting(std::string_view key);
  Status WriteSettings(std::span<const std::pair<std::string, std::string>> settings);
  uint64_t ChangeCount() const {
    uint64_t total = 0;
    for (const auto& [actor, seq] : vv_) total += seq;
    return total;
  }

 private:
  // An entity's state in the write-back cache. Dirty entries hold changes that `entities` does
  // not have yet; the log holds them durably.
  struct Cached {
    EntityData data;
    bool dirty = false;
    // False for an id loaded only to check it: no change ever touched it.
    bool exists = false;
  };

  // What validation of a batch learns before anything is written.
  struct Plan {
    std::unordered_map<ActorId, uint64_t, Id128Hash> vv;
    std::vector<const Change*> fresh;
    size_t batch_size = 0;  // changes in the batch, fresh or not
    Hlc max_hlc = 0;
  };

  uint64_t Known(const Plan& plan, const ActorId& actor) const;
  // The HLC rules for changes of other actors: below kMaxRemoteHlc, and not too far ahead.
  Status CheckStamp(const Change& change, int64_t now) const;
  Status CheckCausalOrder(std::span<const Change> changes, Plan& plan) const;
  Status CheckSchema(const Plan& plan);
  Status CheckOp(
      const Change& change, const Op& op, const EntityData* entity,
      std::unordered_map<EntityId, std::string, Id128Hash>& batch_types,
      std::unordered_map<EntityId, std::vector<std::string>, Id128Hash>& batch_fields) const;
  Status WriteLog(const Plan& plan, std::string_view encoded);
  Status ApplyToCache(std::span<const Change* const> changes);
  Result<Cached*> Load(const EntityId& id);
  Result<const EntityData*> Peek(const EntityId& id);
  Status FlushDirty();
  // BEGIN IMMEDIATE, then Refresh() under the write lock.
  Status BeginWrite();
  void MarkCheckpointed();
  Status Recover();
  Status LoadIndexes();
  Status ReplayUnmaterialized();
  Result<std::optional<EntityData>> ReadRow(const EntityId& id);
  bool IsConflicted(const EntityData& entity) const;

  std::unique_ptr<store::Database> db_;
  ReplicaOptions options_;
  HlcClock hlc_;
  IdGenerator ids_;
  ActorId actor_;
  std::unordered_map<ActorId, uint64_t, Id128Hash> vv_;
  merge::Causality causality_;
  std::unordered_map<EntityId, Cached, Id128Hash> cache_;
  size_t dirty_ = 0;
  // Per actor, the highest seq whose effect is in `entities`; and how many changes are not.
  VersionVector materialized_;
  size_t unmaterialized_ = 0;

  // Set once Init() succeeded.
  bool open_ = false;
  // PRAGMA data_version as of this handle's last look; -1 before the first.
  int64_t data_version_ = -1;
  store::Statement data_version_stmt_;
  store::Statement select_entity_;
  store::Statement upsert_entity_;
  store::Statement insert_log_;
  store::Statement insert_dep_;
  store::Statement insert_actor_;
  store::Statement update_materialized_;
};

// The write-back cache is checkpointed into `entities` once it holds this many dirty entities
// (bounding memory) or this many changes are not materialised (bounding the replay at open to
// well under a second).
inline constexpr size_t kMaxDirtyEntities = 50'000;
inline constexpr size_t kMaxUnmaterialized = 250'000;
// Clean entities are dropped from the cache past this many.
inline constexpr size_t kMaxCachedEntities = 100'000;

}  // namespace cairn

#endif  // CAIRN_STORE_REPLICA_IMPL_H_
