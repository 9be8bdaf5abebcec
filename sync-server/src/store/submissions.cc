// Submission completeness (DESIGN.md §4): which snapshots the server holds, which blobs each
// names, and the one place a submission becomes complete (MarkCompleteIfReady).
#include <string>
#include <vector>

#include "cairn/device.h"
#include "cairn/schema.h"
#include "cairn/v1/model.pb.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"

namespace cairn::server {

Result<std::vector<SnapshotRecord>> SubmissionSnapshotsOf(
    const Change& change, const std::function<Result<std::string>(const EntityId&)>& type_of) {
  std::vector<SnapshotRecord> records;
  for (const Op& op : change.ops) {
    if (op.kind != OpKind::kPut || op.field != "snapshot") continue;
    const auto* blob = std::get_if<Blob>(&op.value);
    if (blob == nullptr) continue;  // the schema check refuses it
    CAIRN_ASSIGN_OR_RETURN(const std::string type, type_of(op.entity));
    if (type != kSubmissionType) continue;
    const std::string where = "change " + std::to_string(change.seq) + " of actor " +
                              change.actor.ToString() + ": the snapshot of submission " +
                              op.entity.ToString();
    v1::SubmissionSnapshot snapshot;
    if (!snapshot.ParseFromString(blob->data)) {
      return InvalidArgument(where + " is not a SubmissionSnapshot (schemas/cairn/v1/model.proto)");
    }
    SnapshotRecord record;
    record.submission = op.entity;
    if (snapshot.pursuit().size() == 16) record.pursuit = EntityId::FromBytes(snapshot.pursuit());
    record.attempt = snapshot.attempt();
    record.micro_credential_id = snapshot.micro_credential_id();
    record.micro_credential_version = snapshot.micro_credential_version();
    record.snapshot = blob->data;
    for (int i = 0; i < snapshot.evidence_size(); ++i) {
      const v1::EvidenceRef& ref = snapshot.evidence(i).blob();
      if (ref.sha256().size() != 32) {
        return InvalidArgument(where + " names evidence " + std::to_string(i) +
                               " by a SHA-256 of " + std::to_string(ref.sha256().size()) +
                               " bytes, not 32");
      }
      record.blobs.push_back({ref.sha256(), ref.size(), ref.media_type()});
    }
    records.push_back(std::move(record));
  }
  return records;
}

Result<bool> RecordSubmission(store::Database& db, const SnapshotRecord& record, int64_t scope,
                              int64_t now_ms) {
  // A submission is immutable: the device writes its snapshot once. Should a second one arrive
  // (a concurrent write the device could not see), the first one received stays the record.
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement insert,
      db.Prepare("INSERT OR IGNORE INTO submissions(id, scope_id, snapshot_ms, pursuit, attempt, "
                 "micro_credential_id, micro_credential_version, snapshot) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  insert.BindBlob(1, record.submission.AsBytes()).Bind(2, scope).Bind(3, now_ms);
  if (record.pursuit) {
    insert.BindBlob(4, record.pursuit->AsBytes());
  } else {
    insert.BindNull(4);
  }
  insert.Bind(5, record.attempt).BindText(6, record.micro_credential_id);
  insert.BindText(7, record.micro_credential_version).BindBlob(8, record.snapshot);
  CAIRN_RETURN_IF_ERROR(insert.Run());
  if (sqlite3_changes(db.handle()) == 0) return false;
  CAIRN_ASSIGN_OR_RETURN(store::Statement name,
                         db.Prepare("INSERT INTO submission_blobs(submission_id, position, sha256, "
                                    "size, media_type) VALUES(?1, ?2, ?3, ?4, ?5)"));
  for (size_t i = 0; i < record.blobs.size(); ++i) {
    const SnapshotRecord::Blob& blob = record.blobs[i];
    name.Reset();
    name.BindBlob(1, record.submission.AsBytes()).Bind(2, static_cast<int64_t>(i));
    name.BindBlob(3, blob.sha256).Bind(4, static_cast<int64_t>(blob.size));
    name.BindText(5, blob.media_type);
    CAIRN_RETURN_IF_ERROR(name.Run());
  }
  CAIRN_RETURN_IF_ERROR(MarkCompleteIfReady(db, record.submission, now_ms).status());
  return true;
}

Result<bool> MarkCompleteIfReady(store::Database& db, const EntityId& submission, int64_t now_ms) {
  // Complete = snapshot held, not marked yet, and no named blob missing from its scope.
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement mark,
      db.Prepare("UPDATE submissions SET completed_ms = ?2 "
                 "WHERE id = ?1 AND completed_ms IS NULL AND NOT EXISTS ("
                 "  SELECT 1 FROM submission_blobs n WHERE n.submission_id = submissions.id "
                 "  AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.scope_id = submissions.scope_id "
                 "                  AND b.sha256 = n.sha256 AND b.state = 3))"));
  mark.BindBlob(1, submission.AsBytes()).Bind(2, now_ms);
  CAIRN_RETURN_IF_ERROR(mark.Run());
  const bool completed = sqlite3_changes(db.handle()) > 0;
  // The transactional outbox: the row commits with the completion or not at all.
  if (completed) CAIRN_RETURN_IF_ERROR(EnqueueDelivery(db, submission, now_ms));
  return completed;
}

Status MarkSubmissionsNamingBlob(store::Database& db, int64_t scope, std::string_view sha256,
                                 int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement waiting,
      db.Prepare("SELECT DISTINCT s.id FROM submission_blobs n JOIN submissions s "
                 "ON s.id = n.submission_id WHERE n.sha256 = ?1 AND s.scope_id = ?2 "
                 "AND s.completed_ms IS NULL"));
  waiting.BindBlob(1, sha256).Bind(2, scope);
  std::vector<EntityId> ids;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, waiting.Step());
    if (!row) break;
    ids.push_back(EntityId::FromBytes(waiting.ColumnBlob(0)));
  }
  for (const EntityId& id : ids)
    CAIRN_RETURN_IF_ERROR(MarkCompleteIfReady(db, id, now_ms).status());
  return {};
}

}  // namespace cairn::server
