// Replica::Impl: the write-back entity cache and its checkpoints (replica_impl.h).
#include "merge/entity_merge.h"
#include "store/replica_impl.h"

namespace cairn {

using store::TypeOfEntity;

Result<std::optional<EntityData>> Replica::Impl::ReadRow(const EntityId& id) {
  select_entity_.BindBlob(1, id.AsBytes());
  Result<bool> row = select_entity_.Step();
  std::optional<EntityData> out;
  Status status = row.status();
  if (row.ok() && *row) {
    out.emplace();
    out->id = id;
    status = merge::ParseEntity(select_entity_.ColumnBlob(0), &*out);
  }
  select_entity_.Reset();
  if (!status.ok()) return status;
  return out;
}

Result<Replica::Impl::Cached*> Replica::Impl::Load(const EntityId& id) {
  if (auto it = cache_.find(id); it != cache_.end()) return &it->second;
  CAIRN_ASSIGN_OR_RETURN(std::optional<EntityData> stored, ReadRow(id));
  Cached& cached = cache_[id];
  if (stored) {
    cached.data = std::move(*stored);
    cached.exists = true;
  } else {
    cached.data.id = id;
  }
  return &cached;
}

// The current state of an entity, loaded into the cache clean if it was not there.
Result<const EntityData*> Replica::Impl::Peek(const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(Cached * cached, Load(id));
  return &cached->data;
}

bool Replica::Impl::IsConflicted(const EntityData& entity) const {
  const std::string type = TypeOfEntity(entity);
  for (const auto& [name, reg] : entity.fields) {
    if (reg.size() < 2 || TypeOf(reg.back().value) != ValueType::kText) continue;
    if (options_.schema == nullptr || options_.schema->IsFreeText(type, name)) return true;
  }
  return false;
}

// Writes every dirty cached entity to `entities` and marks every applied change (vv_) as
// materialised. REQUIRES: inside a write transaction.
Status Replica::Impl::FlushDirty() {
  std::string state;
  for (auto& [id, cached] : cache_) {
    if (!cached.dirty) continue;
    const EntityData& entity = cached.data;
    state = merge::SerializeEntity(entity);
    const std::string type = TypeOfEntity(entity);
    upsert_entity_.BindBlob(1, id.AsBytes());
    if (type.empty() || entity.deleted()) {
      upsert_entity_.BindNull(2);
    } else {
      upsert_entity_.BindText(2, type);
    }
    upsert_entity_.Bind(3, IsConflicted(entity) ? 1 : 0).BindBlob(4, state);
    CAIRN_RETURN_IF_ERROR(upsert_entity_.Run());
  }
  for (const auto& [actor, seq] : vv_) {
    const auto it = materialized_.find(actor);
    if (it != materialized_.end() && it->second >= seq) continue;
    update_materialized_.Bind(1, static_cast<int64_t>(seq)).BindBlob(2, actor.AsBytes());
    CAIRN_RETURN_IF_ERROR(update_materialized_.Run());
  }
  return {};
}

Status Replica::Impl::Refresh() {
  CAIRN_ASSIGN_OR_RETURN(const bool row, data_version_stmt_.Step());
  const int64_t version = row ? data_version_stmt_.ColumnInt(0) : -1;
  data_version_stmt_.Reset();
  if (version == data_version_) return {};
  if (data_version_ != -1) CAIRN_RETURN_IF_ERROR(Recover());
  data_version_ = version;
  return {};
}

Status Replica::Impl::MakeDurable() {
  // A checkpoint syncs the WAL before it copies frames back, even at synchronous=NORMAL.
  return db_->Exec("PRAGMA wal_checkpoint(PASSIVE)");
}

Status Replica::Impl::BeginWrite() {
  CAIRN_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  if (Status s = Refresh(); !s.ok()) {
    (void)db_->Exec("ROLLBACK");
    return s;
  }
  return {};
}

Status Replica::Impl::Checkpoint() {
  CAIRN_RETURN_IF_ERROR(Refresh());
  if (dirty_ == 0 && unmaterialized_ == 0) return {};
  CAIRN_RETURN_IF_ERROR(BeginWrite());
  Status s = FlushDirty();
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    (void)db_->Exec("ROLLBACK");
    return s.Annotate("checkpointing the entity cache");
  }
  MarkCheckpointed();
  return {};
}

void Replica::Impl::MarkCheckpointed() {
  for (auto& [id, cached] : cache_) cached.dirty = false;
  dirty_ = 0;
  unmaterialized_ = 0;
  materialized_ = Version();
  if (cache_.size() > kMaxCachedEntities) cache_.clear();
}

}  // namespace cairn
