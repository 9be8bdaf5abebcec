// Replica: opening a store, recovering its in-memory indexes, and the public facade.
#include "cairn/replica.h"

#include "cairn/change_codec.h"
#include "store/migrations.h"
#include "store/replica_impl.h"

namespace cairn {

using store::Database;
using store::Statement;

namespace store {

std::string ChangeName(const Change& change) {
  return "change (" + change.actor.ToString() + ", " + std::to_string(change.seq) + ")";
}

std::string TypeOfEntity(const EntityData& entity) {
  const std::string* type = entity.GetText(kTypeField);
  return type ? *type : std::string();
}

}  // namespace store

Status Replica::Impl::Init() {
  // WAL: readers never block the writer and a crash leaves the last commit intact.
  CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
  CAIRN_RETURN_IF_ERROR(db_->Exec(options_.durability == Durability::kPowerLoss
                                      ? "PRAGMA synchronous=FULL"
                                      : "PRAGMA synchronous=NORMAL"));
  CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA busy_timeout=5000"));
  // Each WAL checkpoint costs two fsyncs; a device commits an edit at a time, so checkpoint the
  // WAL every 16 MiB rather than every 4 MiB.
  CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA wal_autocheckpoint=4000"));
  CAIRN_RETURN_IF_ERROR(store::Migrate(*db_));

  CAIRN_ASSIGN_OR_RETURN(data_version_stmt_, db_->Prepare("PRAGMA data_version"));
  CAIRN_ASSIGN_OR_RETURN(select_entity_, db_->Prepare("SELECT state FROM entities WHERE id = ?"));
  CAIRN_ASSIGN_OR_RETURN(
      upsert_entity_, db_->Prepare("INSERT OR REPLACE INTO entities(id, type, conflicted, state) "
                                   "VALUES(?, ?, ?, ?)"));
  CAIRN_ASSIGN_OR_RETURN(
      insert_log_, db_->Prepare("INSERT INTO log(actor, first_seq, last_seq, max_hlc, payload) "
                                "VALUES(?, ?, ?, ?, ?)"));
  CAIRN_ASSIGN_OR_RETURN(
      insert_dep_,
      db_->Prepare("INSERT INTO deps(actor, seq, other, other_seq) VALUES(?, ?, ?, ?)"));
  CAIRN_ASSIGN_OR_RETURN(insert_actor_, db_->Prepare("INSERT OR IGNORE INTO actors(id) VALUES(?)"));
  CAIRN_ASSIGN_OR_RETURN(update_materialized_,
                         db_->Prepare("UPDATE actors SET materialized_seq = ? WHERE id = ?"));

  // The local actor id is made once, when the store is created.
  CAIRN_ASSIGN_OR_RETURN(Statement get_actor,
                         db_->Prepare("SELECT value FROM meta WHERE key = 'actor'"));
  CAIRN_ASSIGN_OR_RETURN(const bool has_actor, get_actor.Step());
  if (has_actor) {
    if (get_actor.ColumnBlob(0).size() != 16) return DataLoss("the store's actor id is corrupt");
    actor_ = Id128::FromBytes(get_actor.ColumnBlob(0));
  } else {
    actor_ = NewActorId(*options_.env.random);
    CAIRN_ASSIGN_OR_RETURN(Statement put_actor,
                           db_->Prepare("INSERT INTO meta(key, value) VALUES('actor', ?)"));
    put_actor.BindBlob(1, actor_.AsBytes());
    CAIRN_RETURN_IF_ERROR(put_actor.Run());
  }
  CAIRN_RETURN_IF_ERROR(Recover());
  CAIRN_RETURN_IF_ERROR(Refresh());
  open_ = true;
  return {};
}

// Rebuilds every in-memory structure from what is committed: the version vector, causality,
// the clock, and the entity cache (the log rows not yet checkpointed are replayed into it).
Status Replica::Impl::Recover() {
  cache_.clear();
  dirty_ = 0;
  CAIRN_RETURN_IF_ERROR(LoadIndexes());
  return ReplayUnmaterialized();
}

Status Replica::Impl::LoadIndexes() {
  vv_.clear();
  causality_ = merge::Causality();
  materialized_.clear();
  // Per actor, the highest seq is the last_seq of its last log row: one key search each.
  CAIRN_ASSIGN_OR_RETURN(
      Statement actors,
      db_->Prepare("SELECT id, materialized_seq, (SELECT last_seq FROM log WHERE log.actor = "
                   "actors.id ORDER BY first_seq DESC LIMIT 1) FROM actors"));
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, actors.Step());
    if (!row) break;
    if (actors.ColumnBlob(0).size() != 16) return DataLoss("an actor id in the store is corrupt");
    const ActorId actor = Id128::FromBytes(actors.ColumnBlob(0));
    materialized_[actor] = static_cast<uint64_t>(actors.ColumnInt(1));
    vv_[actor] = static_cast<uint64_t>(actors.ColumnInt(2));
  }
  CAIRN_ASSIGN_OR_RETURN(
      Statement deps,
      db_->Prepare("SELECT actor, seq, other, other_seq FROM deps ORDER BY actor, seq"));
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, deps.Step());
    if (!row) break;
    if (deps.ColumnBlob(0).size() != 16 || deps.ColumnBlob(2).size() != 16) {
      return DataLoss("a dep in the store is corrupt");
    }
    causality_.Record(
        Id128::FromBytes(deps.ColumnBlob(0)), static_cast<uint64_t>(deps.ColumnInt(1)),
        {Dep{Id128::FromBytes(deps.ColumnBlob(2)), static_cast<uint64_t>(deps.ColumnInt(3))}});
  }
  CAIRN_ASSIGN_OR_RETURN(Statement max_hlc, db_->Prepare("SELECT max(max_hlc) FROM log"));
  CAIRN_ASSIGN_OR_RETURN(const bool row, max_hlc.Step());
  if (row && !max_hlc.ColumnIsNull(0)) hlc_.Observe(static_cast<Hlc>(max_hlc.ColumnInt(0)));
  return {};
}

// Re-applies, in causal order, every change whose effect is not in `entities` yet.
Status Replica::Impl::ReplayUnmaterialized() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Change> changes, ChangesSince(materialized_));
  std::vector<const Change*> order;
  order.reserve(changes.size());
  for (const Change& change : changes) order.push_back(&change);
  unmaterialized_ = changes.size();
  return ApplyToCache(order);
}

Replica::Replica(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replica::~Replica() = default;

Result<std::unique_ptr<Replica>> Replica::Open(const std::string& path, ReplicaOptions options) {
  if (options.env.clock == nullptr || options.env.random == nullptr) {
    return InvalidArgument("ReplicaOptions.env needs a clock and a random source");
  }
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path));
  auto impl = std::make_unique<Impl>(std::move(db), options);
  if (Status s = impl->Init(); !s.ok()) return s.Annotate("opening store '" + path + "'");
  return std::unique_ptr<Replica>(new Replica(std::move(impl)));
}

const ActorId& Replica::actor() const { return impl_->actor(); }
EntityId Replica::NewEntityId() { return impl_->NewEntityId(); }
Result<Change> Replica::Commit(std::vector<Op> ops) { return impl_->Commit(std::move(ops)); }
Result<ApplyStats> Replica::Apply(std::span<const Change> changes) {
  return impl_->Apply(changes, {});
}
Result<ApplyStats> Replica::ApplyEncoded(std::string_view batch) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<Change> changes, DecodeChanges(batch));
  return impl_->Apply(changes, batch);
}
Status Replica::Checkpoint() { return impl_->Checkpoint(); }
Result<std::vector<Change>> Replica::ChangesSince(const VersionVector& since) {
  CAIRN_RETURN_IF_ERROR(impl_->Refresh());
  return impl_->ChangesSince(since);
}
Result<std::string> Replica::ExportSince(const VersionVector& since) {
  CAIRN_RETURN_IF_ERROR(impl_->Refresh());
  CAIRN_RETURN_IF_ERROR(impl_->MakeDurable());
  CAIRN_ASSIGN_OR_RETURN(std::vector<Change> changes, impl_->ChangesSince(since));
  return EncodeChanges(changes);
}
VersionVector Replica::Version() const { return impl_->Version(); }
Result<std::optional<EntityData>> Replica::Get(const EntityId& id) {
  CAIRN_RETURN_IF_ERROR(impl_->Refresh());
  return impl_->Get(id);
}
Result<std::vector<EntityData>> Replica::ListByType(std::string_view type) {
  return impl_->ListByType(type);
}
Result<std::vector<Conflict>> Replica::Conflicts() { return impl_->Conflicts(); }
Result<std::string> Replica::StateHash() { return impl_->StateHash(); }
uint64_t Replica::ChangeCount() const { return impl_->ChangeCount(); }
Status Replica::MakeDurable() { return impl_->MakeDurable(); }
Result<std::optional<std::string>> Replica::ReadSetting(std::string_view key) {
  return impl_->ReadSetting(key);
}
Status Replica::WriteSettings(std::span<const std::pair<std::string, std::string>> settings) {
  return impl_->WriteSettings(settings);
}

namespace {

// Settings share the meta table with the store's own keys ('actor'), under a prefix of their own.
constexpr std::string_view kSettingPrefix = "setting:";

Status CheckSettingKey(std::string_view key) {
  if (key.empty() || key.size() > 64) {
    return InvalidArgument("a setting's key must be 1 to 64 bytes");
  }
  return {};
}

}  // namespace

Result<std::optional<std::string>> Replica::Impl::ReadSetting(std::string_view key) {
  CAIRN_RETURN_IF_ERROR(CheckSettingKey(key));
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         db_->Prepare("SELECT value FROM meta WHERE key = ?1"));
  const std::string full = std::string(kSettingPrefix) + std::string(key);
  select.BindText(1, full);
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::string(select.ColumnBlob(0)));
}

Status Replica::Impl::WriteSettings(std::span<const std::pair<std::string, std::string>> settings) {
  for (const auto& [key, value] : settings) CAIRN_RETURN_IF_ERROR(CheckSettingKey(key));
  CAIRN_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  Status s = [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(store::Statement upsert,
                           db_->Prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) "
                                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    for (const auto& [key, value] : settings) {
      const std::string full = std::string(kSettingPrefix) + key;
      upsert.Reset();
      upsert.BindText(1, full).BindBlob(2, value);
      CAIRN_RETURN_IF_ERROR(upsert.Run());
    }
    return db_->Exec("COMMIT");
  }();
  if (!s.ok()) (void)db_->Exec("ROLLBACK");
  return s;
}

}  // namespace cairn
