// The server log: push (validate, authorise, append), pull (read from a cursor) and the server's
// own changes.
#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "cairn/change_codec.h"
#include "cairn/device.h"
#include "cairn/hlc.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"
#include "sync/authorization.h"

namespace cairn::server {
namespace {

constexpr size_t kDigestBytes = 16;

std::string Digest(std::string_view payload) {
  const auto sha = Sha256(payload);
  return {reinterpret_cast<const char*>(sha.data()), kDigestBytes};
}

std::string Where(const Change& change) {
  return "change " + std::to_string(change.seq) + " of actor " + change.actor.ToString();
}

struct EntityInfo {
  int64_t scope = 0;
  std::string type;
};

struct ActorState {
  int64_t scope = 0;  // 0 = writes nothing
  uint64_t max_seq = 0;
  Hlc max_hlc = 0;
};

// One write transaction's view of the log: the statements it needs, and what earlier changes of
// the same transaction created, so that later ones see it.
class LogWriter {
 public:
  explicit LogWriter(store::Database& db) : db_(db) {}

  Status Prepare() {
    CAIRN_ASSIGN_OR_RETURN(actor_, db_.Prepare("SELECT scope_id, max_seq, max_hlc FROM actors "
                                               "WHERE id = ?1"));
    CAIRN_ASSIGN_OR_RETURN(entity_, db_.Prepare("SELECT scope_id, type FROM entities "
                                                "WHERE id = ?1"));
    CAIRN_ASSIGN_OR_RETURN(digest_, db_.Prepare("SELECT digest FROM changes "
                                                "WHERE actor = ?1 AND seq = ?2"));
    CAIRN_ASSIGN_OR_RETURN(insert_change_,
                           db_.Prepare("INSERT INTO changes(scope_id, actor, seq, digest, "
                                       "payload) VALUES(?1, ?2, ?3, ?4, ?5)"));
    CAIRN_ASSIGN_OR_RETURN(insert_entity_, db_.Prepare("INSERT INTO entities(id, scope_id, type) "
                                                       "VALUES(?1, ?2, ?3)"));
    CAIRN_ASSIGN_OR_RETURN(update_actor_, db_.Prepare("UPDATE actors SET max_seq = ?2, "
                                                      "max_hlc = ?3 WHERE id = ?1"));
    return {};
  }

  Result<std::optional<ActorState>> Actor(const ActorId& id) {
    if (auto it = actors_.find(id); it != actors_.end()) {
      return std::optional<ActorState>(it->second);
    }
    actor_.Reset();
    actor_.BindBlob(1, id.AsBytes());
    CAIRN_ASSIGN_OR_RETURN(const bool found, actor_.Step());
    if (!found) return std::optional<ActorState>();
    ActorState state{actor_.ColumnIsNull(0) ? 0 : actor_.ColumnInt(0),
                     static_cast<uint64_t>(actor_.ColumnInt(1)),
                     static_cast<Hlc>(actor_.ColumnInt(2))};
    actors_.emplace(id, state);
    return std::optional<ActorState>(state);
  }

  Result<std::optional<EntityInfo>> Entity(const EntityId& id) {
    if (auto it = entities_.find(id); it != entities_.end()) {
      return std::optional<EntityInfo>(it->second);
    }
    entity_.Reset();
    entity_.BindBlob(1, id.AsBytes());
    CAIRN_ASSIGN_OR_RETURN(const bool found, entity_.Step());
    if (!found) return std::optional<EntityInfo>();
    EntityInfo info{entity_.ColumnInt(0), std::string(entity_.ColumnText(1))};
    entities_.emplace(id, info);
    return std::optional<EntityInfo>(info);
  }

  // The digest the log holds for (actor, seq).
  Result<std::string> StoredDigest(const ActorId& actor, uint64_t seq) {
    digest_.Reset();
    digest_.BindBlob(1, actor.AsBytes()).Bind(2, static_cast<int64_t>(seq));
    CAIRN_ASSIGN_OR_RETURN(const bool found, digest_.Step());
    if (!found)
      return Internal("the log lost (" + actor.ToString() + ", " + std::to_string(seq) +
                      ") below the actor's max_seq");
    return std::string(digest_.ColumnBlob(0));
  }

  // Checks every op's entity against ownership, the role's rights and the schema, recording
  // entities the change creates. `role` nullopt = the server itself.
  Status CheckOps(const Change& change, int64_t scope, std::optional<Role> role) {
    std::unordered_map<EntityId, EntityInfo, Id128Hash> created;
    for (const Op& op : change.ops) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<EntityInfo> info, Entity(op.entity));
      if (!info) {
        if (auto it = created.find(op.entity); it != created.end()) info = it->second;
      }
      const std::string entity = "entity " + op.entity.ToString();
      if (!info) {
        const auto* type = std::get_if<std::string>(&op.value);
        if (op.kind != OpKind::kPut || op.field != kTypeField || type == nullptr) {
          return InvalidArgument(Where(change) + ": " + entity +
                                 " is new to the server and has no type; the change that "
                                 "creates an entity puts its 'type' first");
        }
        if (!CairnSchema().HasType(*type)) {
          return InvalidArgument(Where(change) + ": unknown entity type '" + *type + "'");
        }
        // Devices make entity ids as UUIDv7. Name-based ids (version 8) are the catalog's,
        // predictable from public data: a device creating one first could squat a catalog
        // entry before it is published.
        if (role && (op.entity.bytes[6] >> 4) != 7) {
          return InvalidArgument(Where(change) + ": " + entity +
                                 " is not a UUIDv7; entities made on a device have random "
                                 "time-ordered ids");
        }
        info = EntityInfo{scope, *type};
        created.emplace(op.entity, *info);
      } else if (info->scope != scope) {
        return PermissionDenied(Where(change) + ": " + entity +
                                " belongs to another account's data; a device writes only "
                                "its own account's entities");
      } else if (op.kind == OpKind::kPut && op.field == kTypeField &&
                 (TypeOf(op.value) != ValueType::kText ||
                  std::get<std::string>(op.value) != info->type)) {
        return InvalidArgument(Where(change) + ": " + entity + " is a " + info->type +
                               "; its type cannot change");
      }
      // A submission is an immutable snapshot (write-once fields): a device writes it only in
      // the change that makes it. Devices refuse a second write, so accepting one here would
      // hand every other device of the account a change it cannot apply.
      if (role && info->type == kSubmissionType && !created.contains(op.entity)) {
        return PermissionDenied(Where(change) + ": " + entity +
                                " is a submission, written once in the change that makes it; "
                                "submit again to make a new one");
      }
      if (role) {
        Status allowed = AuthorizeOp(*role, info->type, op);
        if (!allowed.ok()) return allowed.Annotate(Where(change));
        if (op.kind != OpKind::kDelete) {
          Status known = CairnSchema().CheckKnownField(info->type, op.field);
          if (!known.ok()) return known.Annotate(Where(change) + ", " + entity);
        }
      }
      if (!(op.kind == OpKind::kPut && op.field == kTypeField)) {
        // Write-once rules need the current value, which the server does not materialise;
        // devices enforce them, and a concurrent second write only loses the merge.
        Status s = CairnSchema().Check(info->type, op, /*current=*/nullptr);
        if (!s.ok()) return s.Annotate(Where(change) + ", " + entity);
      }
    }
    for (auto& [id, info] : created) pending_entities_.emplace(id, info);
    return {};
  }

  // Every dep names a change the server holds, of an actor in `scope` or the catalog.
  Status CheckDeps(const Change& change, int64_t scope, int64_t catalog_scope) {
    for (const Dep& dep : change.deps) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<ActorState> other, Actor(dep.actor));
      if (!other || (other->scope != scope && other->scope != catalog_scope)) {
        return PermissionDenied(Where(change) + " depends on actor " + dep.actor.ToString() +
                                ", whose changes are outside this account's data");
      }
      if (other->max_seq < dep.seq) {
        return FailedPrecondition(Where(change) + " depends on change " + std::to_string(dep.seq) +
                                  " of actor " + dep.actor.ToString() +
                                  ", which the server does not hold yet; push that first");
      }
    }
    return {};
  }

  Status Append(const Change& change, int64_t scope, const std::string& payload) {
    for (auto& [id, info] : pending_entities_) {
      insert_entity_.Reset();
      insert_entity_.BindBlob(1, id.AsBytes()).Bind(2, info.scope).BindText(3, info.type);
      CAIRN_RETURN_IF_ERROR(insert_entity_.Run());
      entities_.emplace(id, std::move(info));
    }
    pending_entities_.clear();
    insert_change_.Reset();
    const std::string digest = Digest(payload);
    insert_change_.Bind(1, scope).BindBlob(2, change.actor.AsBytes());
    insert_change_.Bind(3, static_cast<int64_t>(change.seq)).BindBlob(4, digest);
    insert_change_.BindBlob(5, payload);
    CAIRN_RETURN_IF_ERROR(insert_change_.Run());
    ActorState& state = actors_[change.actor];
    state.max_seq = change.seq;
    state.max_hlc = change.hlc;
    dirty_actors_.insert(change.actor);
    return {};
  }

  void DropPending() { pending_entities_.clear(); }

  // The type of an entity the log holds or the change being checked creates; empty if neither.
  Result<std::string> EntityType(const EntityId& id) {
    if (auto it = pending_entities_.find(id); it != pending_entities_.end()) {
      return it->second.type;
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<EntityInfo> info, Entity(id));
    return info ? info->type : std::string();
  }

  Status Flush() {
    for (const ActorId& id : dirty_actors_) {
      const ActorState& state = actors_.at(id);
      update_actor_.Reset();
      update_actor_.BindBlob(1, id.AsBytes()).Bind(2, static_cast<int64_t>(state.max_seq));
      update_actor_.Bind(3, static_cast<int64_t>(state.max_hlc));
      CAIRN_RETURN_IF_ERROR(update_actor_.Run());
    }
    return {};
  }

 private:
  store::Database& db_;
  store::Statement actor_, entity_, digest_, insert_change_, insert_entity_, update_actor_;
  std::unordered_map<ActorId, ActorState, Id128Hash> actors_;
  std::unordered_map<EntityId, EntityInfo, Id128Hash> entities_;
  std::unordered_map<EntityId, EntityInfo, Id128Hash> pending_entities_;
  std::set<ActorId> dirty_actors_;
};

Status ValidateClock(const Change& change, const ActorState& author, int64_t now_ms,
                     int64_t max_skew_ms) {
  const int64_t stamped = HlcMillis(change.hlc);
  if (stamped > now_ms + max_skew_ms) {
    return FailedPrecondition(
        Where(change) + " is stamped " + std::to_string((stamped - now_ms) / 1000) +
        " s ahead of the server's clock (at most " + std::to_string(max_skew_ms / 1000) +
        " s allowed); set the device's date and time right, then sync again");
  }
  if (change.hlc <= author.max_hlc) {
    return InvalidArgument(Where(change) +
                           " is stamped no later than the actor's previous change; "
                           "an actor's stamps only grow");
  }
  return {};
}

}  // namespace

// The server keeps one fact of a device's entities beside the log: the latest public name of
// each educator (their profiles' `public_name`, by HLC), which the hosted credential pages show.
template <typename Log>
Status RecordPublicName(store::Database& db, const Change& change, std::string_view user_id,
                        Log& log) {
  for (const Op& op : change.ops) {
    if (op.kind != OpKind::kPut || op.field != "public_name") continue;
    CAIRN_ASSIGN_OR_RETURN(const std::string type, log.EntityType(op.entity));
    const auto* name = std::get_if<std::string>(&op.value);
    if (type != kProfileType || name == nullptr) continue;
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement upsert,
        db.Prepare("INSERT INTO earner_names(user_id, public_name, hlc) VALUES(?1, ?2, ?3) "
                   "ON CONFLICT(user_id) DO UPDATE SET public_name = excluded.public_name, "
                   "hlc = excluded.hlc WHERE excluded.hlc > earner_names.hlc"));
    upsert.BindText(1, user_id).BindText(2, *name).Bind(3, static_cast<int64_t>(change.hlc));
    CAIRN_RETURN_IF_ERROR(upsert.Run());
  }
  return {};
}

Result<PushResult> ServerStore::Push(const Principal& principal, std::span<const Change> changes) {
  for (const Change& change : changes) {
    if (change.actor != principal.actor) {
      return PermissionDenied("the batch carries changes of actor " + change.actor.ToString() +
                              ", but this device is actor " + principal.actor.ToString() +
                              "; a device pushes its own changes only");
    }
  }
  if (principal.write_scope == 0 && !changes.empty()) {
    return PermissionDenied("a device of a user with role " +
                            std::string(RoleName(principal.role)) + " writes nothing through sync");
  }
  std::vector<const Change*> ordered;
  ordered.reserve(changes.size());
  for (const Change& change : changes) ordered.push_back(&change);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Change* a, const Change* b) { return a->seq < b->seq; });

  PushResult result;
  const int64_t now = impl_->options.env.clock->NowMillis();
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  const Status written = InTransaction(db, [&]() -> Status {
    result = PushResult{};
    CAIRN_ASSIGN_OR_RETURN(const int64_t catalog, impl_->ScopeId(kCatalogScope, false));
    LogWriter log(db);
    CAIRN_RETURN_IF_ERROR(log.Prepare());
    CAIRN_ASSIGN_OR_RETURN(std::optional<ActorState> author, log.Actor(principal.actor));
    if (!author) return Internal("enrolled actor " + principal.actor.ToString() + " is missing");
    uint64_t refused_at = 0;         // the seq of the first refused change, 0 = none
    std::vector<EntityId> received;  // submissions whose snapshot this push brought
    for (const Change* change : ordered) {
      if (refused_at != 0) {
        result.refused.push_back(
            {change->seq,
             FailedPrecondition("blocked: it follows change " + std::to_string(refused_at) +
                                ", which was refused"),
             /*blocked=*/true});
        continue;
      }
      const std::string payload = EncodeChanges(std::span(change, 1));
      Status verdict;
      if (change->seq <= author->max_seq) {
        CAIRN_ASSIGN_OR_RETURN(const std::string stored,
                               log.StoredDigest(change->actor, change->seq));
        if (stored == Digest(payload)) {
          ++result.duplicates;
          continue;
        }
        verdict = DataLoss(Where(*change) +
                           " differs from the change the server holds under that number: the "
                           "device store was restored from an older copy; enrol it again as a "
                           "new device");
      } else if (change->seq != author->max_seq + 1) {
        verdict = FailedPrecondition(Where(*change) + " leaves a gap: the server holds up to " +
                                     std::to_string(author->max_seq) + "; push from " +
                                     std::to_string(author->max_seq + 1));
      } else {
        verdict = ValidateChangeShape(*change);
        if (verdict.ok()) {
          verdict = ValidateClock(*change, *author, now, impl_->options.max_future_skew_ms);
        }
        if (verdict.ok()) verdict = log.CheckDeps(*change, principal.write_scope, catalog);
        if (verdict.ok()) verdict = log.CheckOps(*change, principal.write_scope, principal.role);
      }
      // Submission snapshots are checked before the change is accepted and recorded with it.
      Result<std::vector<SnapshotRecord>> snapshots = std::vector<SnapshotRecord>();
      if (verdict.ok()) {
        snapshots = SubmissionSnapshotsOf(
            *change, [&log](const EntityId& id) { return log.EntityType(id); });
        verdict = snapshots.status();
      }
      if (!verdict.ok()) {
        log.DropPending();
        refused_at = change->seq;
        result.refused.push_back({change->seq, std::move(verdict), /*blocked=*/false});
        continue;
      }
      CAIRN_RETURN_IF_ERROR(log.Append(*change, principal.write_scope, payload));
      CAIRN_RETURN_IF_ERROR(RecordPublicName(db, *change, principal.user_id, log));
      for (const SnapshotRecord& snapshot : *snapshots) {
        CAIRN_ASSIGN_OR_RETURN(const bool is_new,
                               RecordSubmission(db, snapshot, principal.write_scope, now));
        if (is_new) received.push_back(snapshot.submission);
      }
      author->max_seq = change->seq;
      author->max_hlc = change->hlc;
      impl_->clock.Observe(change->hlc);
      ++result.accepted;
    }
    result.acknowledged_seq = author->max_seq;
    CAIRN_RETURN_IF_ERROR(log.Flush());
    // After the flush: the status change names the device's changes up to this push as deps.
    for (const EntityId& id : received) {
      CAIRN_RETURN_IF_ERROR(PublishWorkflowStatus(*impl_, db, id, kStatusReceived));
    }
    CAIRN_ASSIGN_OR_RETURN(store::Statement seen,
                           db.Prepare("UPDATE devices SET last_seen_ms = ?2 WHERE id = ?1"));
    seen.BindText(1, principal.device_id).Bind(2, now);
    return seen.Run();
  });
  if (!written.ok()) return written;
  return result;
}

Result<PullResult> ServerStore::Pull(const Principal& principal, uint64_t cursor,
                                     uint32_t max_changes, uint64_t max_bytes) {
  max_changes = std::max<uint32_t>(max_changes, 1);
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  // One index range per scope, merged by server seq: the cost is the rows after the cursor in
  // the caller's own scopes, whatever the other scopes hold.
  CAIRN_ASSIGN_OR_RETURN(store::Statement select, reader->Prepare(kSelectPullSql));
  struct Row {
    uint64_t server_seq;
    bool own;
    uint64_t size;
  };
  std::vector<Row> rows;
  bool more = false;
  // Read in one transaction so the scopes are seen at one point in time.
  CAIRN_RETURN_IF_ERROR(reader->Exec("BEGIN"));
  for (const int64_t scope : principal.read_scopes) {
    select.Reset();
    // Server seqs are SQLite integers (below 2^63): a larger cursor is past every one of them,
    // not the negative number its bits would make.
    select.Bind(1, scope).Bind(
        2, static_cast<int64_t>(std::min<uint64_t>(cursor, std::numeric_limits<int64_t>::max())));
    select.Bind(3, static_cast<int64_t>(max_changes) + 1);
    uint32_t n = 0;
    while (true) {
      Result<bool> row = select.Step();
      if (!row.ok()) {
        (void)reader->Exec("ROLLBACK");
        return row.status();
      }
      if (!*row) break;
      if (++n > max_changes) {
        more = true;
        break;
      }
      rows.push_back({static_cast<uint64_t>(select.ColumnInt(0)),
                      ActorId::FromBytes(select.ColumnBlob(1)) == principal.actor,
                      static_cast<uint64_t>(select.ColumnInt(2))});
    }
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.server_seq < b.server_seq; });

  // Only the payloads that go out are read, so memory is bounded by max_bytes (plus one
  // change), not by what the index ranges hold.
  Result<store::Statement> payload =
      reader->Prepare("SELECT payload FROM changes WHERE server_seq = ?1");
  if (!payload.ok()) {
    (void)reader->Exec("ROLLBACK");
    return payload.status();
  }
  PullResult result;
  result.cursor = cursor;
  uint64_t bytes = 0;
  size_t taken = 0;
  Status read;
  for (const Row& row : rows) {
    if (taken == max_changes || (bytes >= max_bytes && taken > 0)) break;
    ++taken;
    result.cursor = row.server_seq;
    if (row.own) continue;
    bytes += row.size;
    payload->Reset();
    payload->Bind(1, static_cast<int64_t>(row.server_seq));
    Result<bool> found = payload->Step();
    if (!found.ok() || !*found) {
      read = found.ok() ? Internal("the log lost server seq " + std::to_string(row.server_seq))
                        : found.status();
      break;
    }
    Result<std::vector<Change>> decoded = DecodeChanges(payload->ColumnBlob(0));
    if (!decoded.ok()) {
      read = decoded.status();
      break;
    }
    for (Change& change : *decoded) result.changes.push_back(std::move(change));
  }
  (void)reader->Exec("COMMIT");
  if (!read.ok()) return read;
  result.more = more || taken < rows.size();
  return result;
}

Result<Change> AppendServerChange(ServerStore::Impl& impl, store::Database& db,
                                  std::string_view scope_name, std::vector<Op> ops) {
  Change change;
  CAIRN_ASSIGN_OR_RETURN(const int64_t scope, impl.ScopeId(scope_name, /*create=*/true));
  CAIRN_ASSIGN_OR_RETURN(const int64_t catalog, impl.ScopeId(kCatalogScope, false));
  CAIRN_ASSIGN_OR_RETURN(store::Statement scope_actor,
                         db.Prepare("SELECT actor FROM scopes WHERE id = ?1"));
  scope_actor.Bind(1, scope);
  CAIRN_ASSIGN_OR_RETURN(const bool found, scope_actor.Step());
  if (!found) return Internal("scope " + std::to_string(scope) + " lost its actor");
  change.actor = ActorId::FromBytes(scope_actor.ColumnBlob(0));

  LogWriter log(db);
  CAIRN_RETURN_IF_ERROR(log.Prepare());
  CAIRN_ASSIGN_OR_RETURN(std::optional<ActorState> author, log.Actor(change.actor));
  if (!author) return Internal("scope actor " + change.actor.ToString() + " is missing");
  change.seq = author->max_seq + 1;
  impl.clock.Observe(author->max_hlc);
  change.hlc = impl.clock.Tick();
  // The scope actor has seen every change of its scope and the catalog (decision 0007); it
  // names them all, so a device applies this change only after them.
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement knowledge,
      db.Prepare("SELECT id, max_seq FROM actors WHERE scope_id IN (?1, ?2) AND max_seq > 0 "
                 "AND id != ?3 ORDER BY id"));
  knowledge.Bind(1, scope).Bind(2, catalog).BindBlob(3, change.actor.AsBytes());
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, knowledge.Step());
    if (!row) break;
    change.deps.push_back({ActorId::FromBytes(knowledge.ColumnBlob(0)),
                           static_cast<uint64_t>(knowledge.ColumnInt(1))});
  }
  change.ops = std::move(ops);
  CAIRN_RETURN_IF_ERROR(ValidateChangeShape(change));
  CAIRN_RETURN_IF_ERROR(log.CheckOps(change, scope, std::nullopt));
  CAIRN_RETURN_IF_ERROR(log.Append(change, scope, EncodeChanges(std::span(&change, 1))));
  CAIRN_RETURN_IF_ERROR(log.Flush());
  return change;
}

Result<Change> ServerStore::CommitServerChange(std::string_view scope_name, std::vector<Op> ops) {
  std::lock_guard lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  Change change;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(change, AppendServerChange(*impl_, db, scope_name, std::move(ops)));
    return {};
  });
  if (!written.ok()) return written;
  return change;
}

}  // namespace cairn::server
