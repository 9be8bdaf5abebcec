#include "cairn/replica.h"

#include <openssl/evp.h>

#include <algorithm>
#include <deque>
#include <unordered_map>

#include "cairn/change_codec.h"
#include "cairn/hlc.h"
#include "merge/causality.h"
#include "merge/entity_merge.h"
#include "store/migrations.h"
#include "store/sqlite.h"

namespace cairn {
namespace {

using store::Database;
using store::Statement;

std::string ChangeName(const Change& change) {
  return "change (" + change.actor.ToString() + ", " + std::to_string(change.seq) + ")";
}

std::string HexOf(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}

// The entity's type: the winning text of its "type" field.
std::string TypeOfEntity(const EntityData& entity) {
  const std::string* type = entity.GetText(kTypeField);
  return type ? *type : std::string();
}

}  // namespace

class Replica::Impl {
 public:
  Impl(std::unique_ptr<Database> db, ReplicaOptions options)
      : db_(std::move(db)), options_(options), hlc_(options.env.clock), ids_(options.env) {}
  ~Impl() {
    // Best effort: whatever is not checkpointed here is replayed from the log next time.
    if (options_.checkpoint_on_close) (void)Checkpoint();
  }

  Status Init();

  const ActorId& actor() const { return actor_; }
  EntityId NewEntityId() { return ids_.Next(); }
  Result<Change> Commit(std::vector<Op> ops);
  Result<ApplyStats> Apply(std::span<const Change> changes, std::string_view encoded);
  Result<std::vector<Change>> ChangesSince(const VersionVector& since);
  VersionVector Version() const { return {vv_.begin(), vv_.end()}; }
  Result<std::optional<EntityData>> Get(const EntityId& id);
  Result<std::vector<EntityData>> ListByType(std::string_view type);
  Result<std::vector<Conflict>> Conflicts();
  Result<std::string> StateHash();
  Status Checkpoint();
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
  };

  // What validation of a batch learns before anything is written.
  struct Plan {
    std::unordered_map<ActorId, uint64_t, Id128Hash> vv;
    std::vector<const Change*> fresh;
    Hlc max_hlc = 0;
  };

  uint64_t Known(const Plan& plan, const ActorId& actor) const;
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
  void MarkCheckpointed();
  Status Recover();
  Status LoadIndexes();
  Status ReplayPending();
  Result<std::optional<EntityData>> ReadRow(const EntityId& id);
  bool IsConflicted(const EntityData& entity) const;

  std::unique_ptr<Database> db_;
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

  Statement select_entity_;
  Statement upsert_entity_;
  Statement insert_log_;
  Statement insert_dep_;
  Statement upsert_actor_;
};

// The write-back cache is checkpointed into `entities` once it holds this many dirty entities
// (bounding memory) or this many changes are not materialised (bounding the replay at open to
// well under a second).
constexpr size_t kMaxDirtyEntities = 50'000;
constexpr size_t kMaxUnmaterialized = 250'000;
// Clean entities are dropped from the cache past this many.
constexpr size_t kMaxCachedEntities = 100'000;

Status Replica::Impl::Init() {
  // WAL: readers never block the writer and a crash leaves the last commit intact.
  CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
  CAIRN_RETURN_IF_ERROR(db_->Exec(options_.durability == Durability::kPowerLoss
                                      ? "PRAGMA synchronous=FULL"
                                      : "PRAGMA synchronous=NORMAL"));
  CAIRN_RETURN_IF_ERROR(db_->Exec("PRAGMA busy_timeout=5000"));
  CAIRN_RETURN_IF_ERROR(store::Migrate(*db_));

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
  CAIRN_ASSIGN_OR_RETURN(upsert_actor_,
                         db_->Prepare("INSERT INTO actors(id, max_seq) VALUES(?, ?) "
                                      "ON CONFLICT(id) DO UPDATE SET max_seq = excluded.max_seq"));

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
  return Recover();
}

// Rebuilds every in-memory structure from what is committed: the version vector, causality,
// the clock, and the entity cache (the log rows not yet checkpointed are replayed into it).
Status Replica::Impl::Recover() {
  cache_.clear();
  dirty_ = 0;
  CAIRN_RETURN_IF_ERROR(LoadIndexes());
  return ReplayPending();
}

Status Replica::Impl::LoadIndexes() {
  vv_.clear();
  causality_ = merge::Causality();
  materialized_.clear();
  CAIRN_ASSIGN_OR_RETURN(Statement actors,
                         db_->Prepare("SELECT id, max_seq, materialized_seq FROM actors"));
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, actors.Step());
    if (!row) break;
    if (actors.ColumnBlob(0).size() != 16) return DataLoss("an actor id in the store is corrupt");
    const ActorId actor = Id128::FromBytes(actors.ColumnBlob(0));
    vv_[actor] = static_cast<uint64_t>(actors.ColumnInt(1));
    materialized_[actor] = static_cast<uint64_t>(actors.ColumnInt(2));
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
Status Replica::Impl::ReplayPending() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<Change> changes, ChangesSince(materialized_));
  std::vector<const Change*> order;
  order.reserve(changes.size());
  for (const Change& change : changes) order.push_back(&change);
  unmaterialized_ = changes.size();
  return ApplyToCache(order);
}

uint64_t Replica::Impl::Known(const Plan& plan, const ActorId& actor) const {
  if (auto it = plan.vv.find(actor); it != plan.vv.end()) return it->second;
  auto it = vv_.find(actor);
  return it == vv_.end() ? 0 : it->second;
}

Status Replica::Impl::CheckCausalOrder(std::span<const Change> changes, Plan& plan) const {
  for (const Change& change : changes) {
    CAIRN_RETURN_IF_ERROR(ValidateChangeShape(change));
    const uint64_t known = Known(plan, change.actor);
    if (change.seq <= known) continue;  // already applied: re-sending is harmless
    if (change.seq != known + 1) {
      return FailedPrecondition(ChangeName(change) + " leaves a gap: this replica has actor " +
                                change.actor.ToString() + " up to seq " + std::to_string(known) +
                                "; send seqs " + std::to_string(known + 1) + ".." +
                                std::to_string(change.seq - 1) + " first");
    }
    for (const Dep& dep : change.deps) {
      const uint64_t have = Known(plan, dep.actor);
      if (have < dep.seq) {
        return FailedPrecondition(ChangeName(change) + " depends on actor " + dep.actor.ToString() +
                                  " up to seq " + std::to_string(dep.seq) +
                                  ", but this replica has it only up to seq " +
                                  std::to_string(have) + "; apply those changes first");
      }
    }
    plan.vv[change.actor] = change.seq;
    plan.max_hlc = std::max(plan.max_hlc, change.hlc);
    plan.fresh.push_back(&change);
  }
  return {};
}

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
  } else {
    cached.data.id = id;
  }
  return &cached;
}

// The current state of an entity without caching it; nullptr if none.
Result<const EntityData*> Replica::Impl::Peek(const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(Cached * cached, Load(id));
  return &cached->data;
}

Status Replica::Impl::CheckOp(
    const Change& change, const Op& op, const EntityData* entity,
    std::unordered_map<EntityId, std::string, Id128Hash>& batch_types,
    std::unordered_map<EntityId, std::vector<std::string>, Id128Hash>& batch_fields) const {
  const Schema* schema = options_.schema;
  if (entity->deleted()) return {};
  const std::string where = ChangeName(change) + ", entity " + op.entity.ToString();
  const auto batch_type = batch_types.find(op.entity);
  const std::string type =
      batch_type != batch_types.end() ? batch_type->second : TypeOfEntity(*entity);
  if (op.kind == OpKind::kPut && op.field == kTypeField) {
    const auto* new_type = std::get_if<std::string>(&op.value);
    if (new_type == nullptr || !schema->HasType(*new_type)) {
      return InvalidArgument(where + ": '" + std::string(kTypeField) +
                             "' must be the text name of a known entity type");
    }
    if (!type.empty() && type != *new_type) {
      return InvalidArgument(where + ": the entity is a " + type + "; its type cannot become " +
                             *new_type);
    }
    batch_types[op.entity] = *new_type;
    return {};
  }
  if (type.empty()) {
    return InvalidArgument(where +
                           ": the entity has no type; the change that creates an entity "
                           "must put its '" +
                           std::string(kTypeField) + "' field first");
  }
  // A field written earlier in the same batch counts as set for write-once rules.
  const Value* current = entity->Get(op.field);
  static const Value kWritten = std::string();
  std::vector<std::string>& written = batch_fields[op.entity];
  if (current == nullptr && op.kind == OpKind::kPut &&
      std::find(written.begin(), written.end(), op.field) != written.end()) {
    current = &kWritten;
  }
  Status s = schema->Check(type, op, current);
  if (!s.ok()) return s.Annotate(where);
  if (op.kind == OpKind::kPut) written.push_back(op.field);
  return {};
}

// Checks every op of the batch against the schema before anything is written, so that applying
// cannot fail half-way for a reason of the input.
Status Replica::Impl::CheckSchema(const Plan& plan) {
  if (options_.schema == nullptr) return {};
  std::unordered_map<EntityId, std::string, Id128Hash> batch_types;
  std::unordered_map<EntityId, std::vector<std::string>, Id128Hash> batch_fields;
  for (const Change* change : plan.fresh) {
    for (const Op& op : change->ops) {
      CAIRN_ASSIGN_OR_RETURN(const EntityData* entity, Peek(op.entity));
      CAIRN_RETURN_IF_ERROR(CheckOp(*change, op, entity, batch_types, batch_fields));
    }
  }
  return {};
}

Status Replica::Impl::ApplyToCache(std::span<const Change* const> changes) {
  for (const Change* change : changes) {
    causality_.Record(change->actor, change->seq, change->deps);
    const merge::Knowledge knowledge = causality_.KnowledgeOf(change->actor, change->seq);
    const Stamp stamp{change->actor, change->seq, change->hlc};
    for (const Op& op : change->ops) {
      CAIRN_ASSIGN_OR_RETURN(Cached * cached, Load(op.entity));
      merge::ApplyOp(cached->data, op, stamp, knowledge);
      if (!cached->dirty) {
        cached->dirty = true;
        ++dirty_;
      }
    }
  }
  return {};
}

Status Replica::Impl::WriteLog(const Plan& plan, std::string_view encoded) {
  const auto& fresh = plan.fresh;
  // The batch as it arrived is stored as is when it is exactly one actor's fresh run; otherwise
  // each run of consecutive changes of one actor is re-encoded into its own row.
  const bool store_as_is =
      !encoded.empty() && std::all_of(fresh.begin(), fresh.end(), [&](const Change* c) {
        return c->actor == fresh.front()->actor;
      });
  size_t begin = 0;
  std::vector<Change> run;
  while (begin < fresh.size()) {
    size_t end = begin + 1;
    while (end < fresh.size() && fresh[end]->actor == fresh[begin]->actor &&
           fresh[end]->seq == fresh[end - 1]->seq + 1) {
      ++end;
    }
    Hlc max_hlc = 0;
    for (size_t i = begin; i < end; ++i) max_hlc = std::max(max_hlc, fresh[i]->hlc);
    std::string payload;
    if (!store_as_is || begin != 0 || end != fresh.size()) {
      run.clear();
      for (size_t i = begin; i < end; ++i) run.push_back(*fresh[i]);
      payload = EncodeChanges(run);
    }
    insert_log_.BindBlob(1, fresh[begin]->actor.AsBytes())
        .Bind(2, static_cast<int64_t>(fresh[begin]->seq))
        .Bind(3, static_cast<int64_t>(fresh[end - 1]->seq))
        .Bind(4, static_cast<int64_t>(max_hlc))
        .BindBlob(5, payload.empty() ? encoded : std::string_view(payload));
    CAIRN_RETURN_IF_ERROR(insert_log_.Run());
    upsert_actor_.BindBlob(1, fresh[begin]->actor.AsBytes())
        .Bind(2, static_cast<int64_t>(fresh[end - 1]->seq));
    CAIRN_RETURN_IF_ERROR(upsert_actor_.Run());
    begin = end;
  }
  for (const Change* change : fresh) {
    for (const Dep& dep : change->deps) {
      insert_dep_.BindBlob(1, change->actor.AsBytes())
          .Bind(2, static_cast<int64_t>(change->seq))
          .BindBlob(3, dep.actor.AsBytes())
          .Bind(4, static_cast<int64_t>(dep.seq));
      CAIRN_RETURN_IF_ERROR(insert_dep_.Run());
    }
  }
  return {};
}

bool Replica::Impl::IsConflicted(const EntityData& entity) const {
  const std::string type = TypeOfEntity(entity);
  for (const auto& [name, reg] : entity.fields) {
    if (reg.size() < 2 || TypeOf(reg.back().value) != ValueType::kText) continue;
    if (options_.schema == nullptr || options_.schema->IsFreeText(type, name)) return true;
  }
  return false;
}

// Writes every dirty cached entity to `entities` and marks every applied change as
// materialised. REQUIRES: inside a write transaction, after the batch's actors rows.
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
  return db_->Exec("UPDATE actors SET materialized_seq = max_seq");
}

Status Replica::Impl::Checkpoint() {
  if (dirty_ == 0 && unmaterialized_ == 0) return {};
  CAIRN_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
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

Result<ApplyStats> Replica::Impl::Apply(std::span<const Change> changes, std::string_view encoded) {
  Plan plan;
  CAIRN_RETURN_IF_ERROR(CheckCausalOrder(changes, plan));
  ApplyStats stats;
  stats.duplicates = changes.size() - plan.fresh.size();
  if (plan.fresh.empty()) return stats;
  CAIRN_RETURN_IF_ERROR(CheckSchema(plan));

  // From here on only the store itself can fail (I/O, disk full); the cache is then rebuilt
  // from what is committed.
  CAIRN_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  Status s = WriteLog(plan, encoded);
  if (s.ok()) s = ApplyToCache(plan.fresh);
  const bool checkpoint =
      dirty_ > kMaxDirtyEntities || unmaterialized_ + plan.fresh.size() > kMaxUnmaterialized;
  if (s.ok() && checkpoint) s = FlushDirty();
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    (void)db_->Exec("ROLLBACK");
    Status recovered = Recover();
    return recovered.ok() ? s : recovered.Annotate("after " + s.ToString());
  }
  for (const auto& [actor, seq] : plan.vv) vv_[actor] = seq;
  unmaterialized_ += plan.fresh.size();
  if (checkpoint) MarkCheckpointed();
  hlc_.Observe(plan.max_hlc);
  stats.applied = plan.fresh.size();
  return stats;
}

Result<Change> Replica::Impl::Commit(std::vector<Op> ops) {
  Change change;
  change.actor = actor_;
  change.seq = vv_[actor_] + 1;
  change.hlc = hlc_.Tick();
  // Deps: what this actor has applied from others since its previous change.
  for (const auto& [other, seq] : vv_) {
    if (other != actor_ && seq > causality_.Latest(actor_, other)) {
      change.deps.push_back(Dep{other, seq});
    }
  }
  std::sort(change.deps.begin(), change.deps.end(),
            [](const Dep& a, const Dep& b) { return a.actor < b.actor; });
  change.ops = std::move(ops);
  CAIRN_ASSIGN_OR_RETURN(const ApplyStats stats, Apply(std::span<const Change>(&change, 1), {}));
  if (stats.applied != 1) return Internal("a local change was not applied");
  return change;
}

Result<std::vector<Change>> Replica::Impl::ChangesSince(const VersionVector& since) {
  // Per actor, the changes `since` lacks, ascending by seq.
  std::map<ActorId, std::deque<Change>> pending;
  CAIRN_ASSIGN_OR_RETURN(
      Statement select,
      db_->Prepare("SELECT payload FROM log WHERE actor = ? AND last_seq > ? ORDER BY first_seq"));
  for (const auto& [actor, max_seq] : vv_) {
    const auto it = since.find(actor);
    const uint64_t from = it == since.end() ? 0 : it->second;
    if (max_seq <= from) continue;
    select.BindBlob(1, actor.AsBytes()).Bind(2, static_cast<int64_t>(from));
    std::deque<Change>& queue = pending[actor];
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      CAIRN_ASSIGN_OR_RETURN(std::vector<Change> run, DecodeChanges(select.ColumnBlob(0)));
      for (Change& change : run) {
        if (change.seq > from) queue.push_back(std::move(change));
      }
    }
    select.Reset();
  }
  // Emit each actor's longest runnable prefix in turn, so the receiver can apply the batch in
  // order and runs stay long.
  std::map<ActorId, uint64_t> emitted(since.begin(), since.end());
  std::vector<Change> out;
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto& [actor, queue] : pending) {
      while (!queue.empty()) {
        const Change& next = queue.front();
        const bool ready = std::all_of(next.deps.begin(), next.deps.end(), [&](const Dep& dep) {
          const auto it = emitted.find(dep.actor);
          return it != emitted.end() && it->second >= dep.seq;
        });
        if (!ready) break;
        emitted[actor] = next.seq;
        out.push_back(std::move(queue.front()));
        queue.pop_front();
        progress = true;
      }
    }
  }
  for (const auto& [actor, queue] : pending) {
    if (!queue.empty()) {
      return DataLoss("the change log of actor " + actor.ToString() +
                      " depends on changes the store does not hold");
    }
  }
  return out;
}

Result<std::optional<EntityData>> Replica::Impl::Get(const EntityId& id) {
  if (auto it = cache_.find(id); it != cache_.end()) {
    const EntityData& data = it->second.data;
    // An entity the cache only knows as absent (loaded for a check, never written).
    if (data.fields.empty() && data.sets.empty() && !data.deleted()) {
      return std::optional<EntityData>();
    }
    return std::optional<EntityData>(data);
  }
  return ReadRow(id);
}

Result<std::vector<EntityData>> Replica::Impl::ListByType(std::string_view type) {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(Statement select,
                         db_->Prepare("SELECT id, state FROM entities WHERE type = ? ORDER BY id"));
  select.BindText(1, type);
  std::vector<EntityData> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    EntityData& entity = out.emplace_back();
    entity.id = Id128::FromBytes(select.ColumnBlob(0));
    CAIRN_RETURN_IF_ERROR(merge::ParseEntity(select.ColumnBlob(1), &entity));
  }
  return out;
}

Result<std::vector<Conflict>> Replica::Impl::Conflicts() {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(
      Statement select,
      db_->Prepare("SELECT id, state FROM entities WHERE conflicted != 0 ORDER BY id"));
  std::vector<Conflict> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    EntityData entity;
    entity.id = Id128::FromBytes(select.ColumnBlob(0));
    CAIRN_RETURN_IF_ERROR(merge::ParseEntity(select.ColumnBlob(1), &entity));
    const std::string type = TypeOfEntity(entity);
    for (const auto& [name, reg] : entity.fields) {
      if (reg.size() < 2 || TypeOf(reg.back().value) != ValueType::kText) continue;
      if (options_.schema != nullptr && !options_.schema->IsFreeText(type, name)) continue;
      out.push_back(Conflict{entity.id, type, name, reg});
    }
  }
  return out;
}

Result<std::string> Replica::Impl::StateHash() {
  CAIRN_RETURN_IF_ERROR(Checkpoint());
  CAIRN_ASSIGN_OR_RETURN(Statement select,
                         db_->Prepare("SELECT id, state FROM entities ORDER BY id"));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("cannot start SHA-256");
  }
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    const std::string_view id = select.ColumnBlob(0);
    const std::string_view state = select.ColumnBlob(1);
    const uint64_t size = state.size();
    EVP_DigestUpdate(ctx.get(), id.data(), id.size());
    EVP_DigestUpdate(ctx.get(), &size, sizeof(size));
    EVP_DigestUpdate(ctx.get(), state.data(), state.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) return Internal("SHA-256 failed");
  return HexOf(digest, length);
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
  return impl_->ChangesSince(since);
}
Result<std::string> Replica::ExportSince(const VersionVector& since) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<Change> changes, impl_->ChangesSince(since));
  return EncodeChanges(changes);
}
VersionVector Replica::Version() const { return impl_->Version(); }
Result<std::optional<EntityData>> Replica::Get(const EntityId& id) { return impl_->Get(id); }
Result<std::vector<EntityData>> Replica::ListByType(std::string_view type) {
  return impl_->ListByType(type);
}
Result<std::vector<Conflict>> Replica::Conflicts() { return impl_->Conflicts(); }
Result<std::string> Replica::StateHash() { return impl_->StateHash(); }
uint64_t Replica::ChangeCount() const { return impl_->ChangeCount(); }

}  // namespace cairn
