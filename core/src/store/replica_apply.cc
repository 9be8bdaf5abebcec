// Replica::Impl: validation of incoming changes, the log, Apply and Commit (replica_impl.h).
#include <algorithm>

#include "cairn/change_codec.h"
#include "merge/entity_merge.h"
#include "store/replica_impl.h"

namespace cairn {

using store::ChangeName;
using store::TypeOfEntity;

Status Replica::Impl::CheckStamp(const Change& change, int64_t now) const {
  if (change.hlc >= kMaxRemoteHlc) {
    return InvalidArgument(ChangeName(change) + " is stamped past the year 3000; the author's " +
                           "clock is wrong");
  }
  const int64_t ahead = HlcMillis(change.hlc) - now;
  if (options_.max_future_skew_ms > 0 && ahead > options_.max_future_skew_ms) {
    return FailedPrecondition(ChangeName(change) + " is stamped " + std::to_string(ahead / 1000) +
                              " s ahead of this clock (at most " +
                              std::to_string(options_.max_future_skew_ms / 1000) +
                              " s allowed); set the device's clock right and sync again");
  }
  return {};
}

uint64_t Replica::Impl::Known(const Plan& plan, const ActorId& actor) const {
  if (auto it = plan.vv.find(actor); it != plan.vv.end()) return it->second;
  auto it = vv_.find(actor);
  return it == vv_.end() ? 0 : it->second;
}

Status Replica::Impl::CheckCausalOrder(std::span<const Change> changes, Plan& plan) const {
  const int64_t now = options_.env.clock->NowMillis();
  for (const Change& change : changes) {
    CAIRN_RETURN_IF_ERROR(ValidateChangeShape(change));
    if (change.actor != actor_) CAIRN_RETURN_IF_ERROR(CheckStamp(change, now));
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
      cached->exists = true;
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
  // The batch as it arrived is stored as is when it holds exactly the fresh changes, all of one
  // actor (a device's push, a delta); otherwise each run of consecutive changes of one actor is
  // re-encoded into its own row, so a log row only ever holds its own actor's changes.
  const bool store_as_is = !encoded.empty() && fresh.size() == plan.batch_size &&
                           std::all_of(fresh.begin(), fresh.end(), [&](const Change* c) {
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
    if (fresh[begin]->seq == 1) {  // an actor's first change: remember the actor
      insert_actor_.BindBlob(1, fresh[begin]->actor.AsBytes());
      CAIRN_RETURN_IF_ERROR(insert_actor_.Run());
    }
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

Result<ApplyStats> Replica::Impl::Apply(std::span<const Change> changes, std::string_view encoded) {
  // The write lock first, so that validation sees what other handles on the file committed.
  CAIRN_RETURN_IF_ERROR(BeginWrite());
  return ApplyLocked(changes, encoded);
}

Result<ApplyStats> Replica::Impl::ApplyLocked(std::span<const Change> changes,
                                              std::string_view encoded) {
  Plan plan;
  plan.batch_size = changes.size();
  Status s = CheckCausalOrder(changes, plan);
  if (s.ok() && !plan.fresh.empty()) s = CheckSchema(plan);
  if (!s.ok() || plan.fresh.empty()) {
    (void)db_->Exec("ROLLBACK");
    if (!s.ok()) return s;
    return ApplyStats{0, changes.size()};
  }

  // From here on only the store itself can fail (I/O, disk full); the cache is then rebuilt
  // from what is committed.
  s = WriteLog(plan, encoded);
  if (s.ok()) s = ApplyToCache(plan.fresh);
  // The version moves ahead of the commit so a checkpoint in this transaction marks the batch
  // materialised; a failed commit rebuilds it from the store.
  for (const auto& [actor, seq] : plan.vv) vv_[actor] = seq;
  const bool checkpoint =
      dirty_ > kMaxDirtyEntities || unmaterialized_ + plan.fresh.size() > kMaxUnmaterialized;
  if (s.ok() && checkpoint) s = FlushDirty();
  if (s.ok()) s = db_->Exec("COMMIT");
  if (!s.ok()) {
    (void)db_->Exec("ROLLBACK");
    Status recovered = Recover();
    return recovered.ok() ? s : recovered.Annotate("after " + s.ToString());
  }
  hlc_.Observe(plan.max_hlc);
  unmaterialized_ += plan.fresh.size();
  if (checkpoint) MarkCheckpointed();
  return ApplyStats{plan.fresh.size(), changes.size() - plan.fresh.size()};
}

Result<Change> Replica::Impl::Commit(std::vector<Op> ops) {
  // Seq, clock and deps are taken under the write lock: another handle may have committed as
  // this same actor.
  CAIRN_RETURN_IF_ERROR(BeginWrite());
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
  CAIRN_ASSIGN_OR_RETURN(const ApplyStats stats,
                         ApplyLocked(std::span<const Change>(&change, 1), {}));
  if (stats.applied != 1) return Internal("a local change was not applied");
  return change;
}

}  // namespace cairn
