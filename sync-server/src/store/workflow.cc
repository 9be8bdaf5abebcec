// Workflow status: what the teacher sees of a submission after it leaves the device (received,
// forwarded, in review, awarded, not yet), as server-authored changes in the educator's scope
// (decision 0013).
#include <string>
#include <vector>

#include "store/server_store_impl.h"

namespace cairn::server {

namespace {

// The order statuses come in. A late event (a webhook delivery that succeeds after the issuer
// has assessed) must not move what the teacher sees backwards.
Result<int64_t> StatusRank(std::string_view status) {
  if (status == kStatusReceived) return 1;
  if (status == kStatusForwarded) return 2;
  if (status == kStatusInReview) return 3;
  if (status == kStatusAwarded || status == kStatusNotYet) return 4;
  return InvalidArgument("unknown workflow status '" + std::string(status) + "'");
}

}  // namespace

Result<WorkflowOps> WorkflowStatusOps(store::Database& db, const EntityId& submission,
                                      std::string_view status) {
  CAIRN_ASSIGN_OR_RETURN(const int64_t rank, StatusRank(status));
  // The pursuit is written only if the log holds it as a pursuit of the same scope: the
  // snapshot's pursuit field is the device's word, and a change naming another scope's entity
  // would fail the caller's whole transaction.
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      db.Prepare("SELECT sc.name, s.pursuit, "
                 "  EXISTS (SELECT 1 FROM entities e WHERE e.id = s.pursuit "
                 "          AND e.scope_id = s.scope_id AND e.type = 'pursuit'), "
                 "  NOT EXISTS (SELECT 1 FROM submissions later WHERE later.scope_id = s.scope_id "
                 "              AND later.pursuit = s.pursuit AND later.attempt > s.attempt), "
                 "  s.workflow_rank "
                 "FROM submissions s JOIN scopes sc ON sc.id = s.scope_id WHERE s.id = ?1"));
  select.BindBlob(1, submission.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) {
    return NotFound("the server holds no snapshot of submission " + submission.ToString() +
                    "; a workflow status needs the submission first");
  }
  WorkflowOps out;
  out.scope_name = std::string(select.ColumnText(0));
  if (select.ColumnInt(4) >= rank) return out;  // said already, or overtaken
  out.ops.push_back(Op::Put(submission, "status", std::string(status)));
  const bool pursuit_known = !select.ColumnIsNull(1) && select.ColumnInt(2) != 0;
  const bool latest_attempt = select.ColumnInt(3) != 0;
  if (pursuit_known && latest_attempt) {
    out.ops.push_back(
        Op::Put(EntityId::FromBytes(select.ColumnBlob(1)), "status", std::string(status)));
  }
  CAIRN_ASSIGN_OR_RETURN(store::Statement update,
                         db.Prepare("UPDATE submissions SET workflow_rank = ?2 WHERE id = ?1"));
  update.BindBlob(1, submission.AsBytes()).Bind(2, rank);
  CAIRN_RETURN_IF_ERROR(update.Run());
  return out;
}

Status PublishWorkflowStatus(ServerStore::Impl& impl, store::Database& db,
                             const EntityId& submission, std::string_view status) {
  CAIRN_ASSIGN_OR_RETURN(WorkflowOps workflow, WorkflowStatusOps(db, submission, status));
  if (workflow.ops.empty()) return {};
  return AppendServerChange(impl, db, workflow.scope_name, std::move(workflow.ops)).status();
}

}  // namespace cairn::server
