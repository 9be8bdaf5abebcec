// The issuer's side of the workflow: listing and fetching complete submissions, assessments
// against the pinned rubric, and the confirmed decision as one server-authored change
// (assessments.h, decision 0014).
#include "store/assessments.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cairn/catalog_publish.h"
#include "cairn/device.h"
#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kReviewStateNames[] = {"complete", "in_review", "decided"};

// The same answer for a submission that does not exist, is not complete yet, or is another
// issuer's: an issuer cannot learn what others receive.
Status NoSuchSubmission(const EntityId& id) {
  return NotFound("no complete submission " + id.ToString() +
                  " for this issuer; GET /v1/issuer/submissions lists them");
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A submission row as the issuer API reads it.
struct SubmissionRow {
  EntityId id;
  int64_t scope = 0;
  std::string scope_name;
  int64_t attempt = 0;
  std::string micro_credential_id;
  std::string micro_credential_version;
  std::string snapshot;
  int64_t completed_ms = 0;
  std::string educator_id;
  std::string educator_name;
  bool assessed = false;
  bool decided = false;
};

// Complete submissions only; the educator from the scope's name ("educator:<user id>").
constexpr const char* kSelectSubmissions =
    "SELECT s.id, s.scope_id, sc.name, s.attempt, s.micro_credential_id, "
    "  s.micro_credential_version, s.snapshot, s.completed_ms, u.id, u.name, "
    "  a.submission_id IS NOT NULL, a.decision IS NOT NULL "
    "FROM submissions s JOIN scopes sc ON sc.id = s.scope_id "
    "LEFT JOIN users u ON u.id = substr(sc.name, 10) "
    "LEFT JOIN assessments a ON a.submission_id = s.id "
    "WHERE s.completed_ms IS NOT NULL ";

SubmissionRow ReadSubmissionRow(const store::Statement& select) {
  SubmissionRow row;
  row.id = EntityId::FromBytes(select.ColumnBlob(0));
  row.scope = select.ColumnInt(1);
  row.scope_name = std::string(select.ColumnText(2));
  row.attempt = select.ColumnInt(3);
  row.micro_credential_id = std::string(select.ColumnText(4));
  row.micro_credential_version = std::string(select.ColumnText(5));
  row.snapshot = std::string(select.ColumnBlob(6));
  row.completed_ms = select.ColumnInt(7);
  row.educator_id = std::string(select.ColumnText(8));
  row.educator_name = std::string(select.ColumnText(9));
  row.assessed = select.ColumnInt(10) != 0;
  row.decided = select.ColumnInt(11) != 0;
  return row;
}

ReviewState StateOf(const SubmissionRow& row) {
  if (row.decided) return ReviewState::kDecided;
  return row.assessed ? ReviewState::kInReview : ReviewState::kComplete;
}

Result<std::optional<SubmissionRow>> FindSubmission(store::Database& db, const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         db.Prepare(std::string(kSelectSubmissions) + "AND s.id = ?1"));
  select.BindBlob(1, id.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return std::optional<SubmissionRow>();
  return std::optional<SubmissionRow>(ReadSubmissionRow(select));
}

// The micro-credential version a submission pins, from the catalog scope; nullopt when the
// catalog does not hold it (then no issuer can claim the submission).
Result<std::optional<v1::MicroCredential>> PinnedVersion(const PublishedCatalog& catalog,
                                                         const SubmissionRow& row) {
  const std::string* definition = catalog.DefinitionOf(
      CatalogEntryId(kMicroCredentialType, row.micro_credential_id, row.micro_credential_version));
  if (definition == nullptr) return std::optional<v1::MicroCredential>();
  v1::MicroCredential mc;
  if (!mc.ParseFromString(*definition)) {
    return DataLoss("the catalog entry of '" + row.micro_credential_id + "' version " +
                    row.micro_credential_version + " is damaged");
  }
  return std::optional<v1::MicroCredential>(std::move(mc));
}

IssuerSubmissionSummary Summarise(const SubmissionRow& row, const v1::MicroCredential& mc) {
  IssuerSubmissionSummary out;
  out.id = row.id;
  out.micro_credential_id = row.micro_credential_id;
  out.micro_credential_version = row.micro_credential_version;
  out.title = mc.title();
  out.attempt = row.attempt;
  out.educator_id = row.educator_id;
  out.educator_name = row.educator_name;
  out.completed_ms = row.completed_ms;
  out.state = StateOf(row);
  return out;
}

Result<std::optional<AssessmentRecord>> ReadAssessment(store::Database& db, const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      db.Prepare("SELECT assessor, scores, recommended, assessed_ms, decision, confirmed_by, "
                 "reason, decided_ms, entity FROM assessments WHERE submission_id = ?1"));
  select.BindBlob(1, id.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return std::optional<AssessmentRecord>();
  AssessmentRecord record;
  record.assessor = std::string(select.ColumnText(0));
  v1::Assessment scored;
  if (!scored.ParseFromString(std::string(select.ColumnBlob(1)))) {
    return DataLoss("the stored assessment of submission " + id.ToString() + " is damaged");
  }
  for (const v1::CriterionScore& score : scored.scores()) {
    record.scores.push_back({score.criterion_id(), score.level_id(), score.comment()});
  }
  record.feedback = scored.feedback();
  record.recommended = static_cast<v1::Decision>(select.ColumnInt(2));
  record.assessed_ms = select.ColumnInt(3);
  if (!select.ColumnIsNull(4)) {
    record.decision = static_cast<v1::Decision>(select.ColumnInt(4));
    record.confirmed_by = std::string(select.ColumnText(5));
    record.reason = std::string(select.ColumnText(6));
    record.decided_ms = select.ColumnInt(7);
    record.entity = EntityId::FromBytes(select.ColumnBlob(8));
  }
  return std::optional<AssessmentRecord>(std::move(record));
}

v1::Assessment ToProto(const EntityId& submission, const AssessmentRecord& record) {
  v1::Assessment out;
  if (record.entity) out.set_id(std::string(record.entity->AsBytes()));
  out.set_submission(std::string(submission.AsBytes()));
  for (const ScoreSpec& score : record.scores) {
    v1::CriterionScore* s = out.add_scores();
    s->set_criterion_id(score.criterion_id);
    s->set_level_id(score.level_id);
    s->set_comment(score.comment);
  }
  out.set_feedback(record.feedback);
  out.set_decision(record.decision);
  out.set_decided_at_ms(record.decided_ms);
  return out;
}

}  // namespace

std::string_view ReviewStateName(ReviewState state) {
  return kReviewStateNames[static_cast<size_t>(state)];
}

Result<ReviewState> ParseReviewState(std::string_view name) {
  for (size_t i = 0; i < std::size(kReviewStateNames); ++i) {
    if (kReviewStateNames[i] == name) return static_cast<ReviewState>(i);
  }
  return InvalidArgument("unknown state '" + std::string(name) +
                         "'; use complete, in_review or decided");
}

std::string_view DecisionName(v1::Decision decision) {
  switch (decision) {
    case v1::DECISION_AWARD:
      return "award";
    case v1::DECISION_NOT_YET:
      return "not_yet";
    default:
      return "";
  }
}

Result<v1::Decision> ParseDecision(std::string_view name) {
  if (name == "award") return v1::DECISION_AWARD;
  if (name == "not_yet") return v1::DECISION_NOT_YET;
  return InvalidArgument("unknown decision '" + std::string(name) + "'; use award or not_yet");
}

EntityId AssessmentEntityId(const EntityId& submission) {
  return NameBasedId("cairn:assessment:" + submission.ToString());
}

Result<v1::Decision> RecommendDecision(const v1::Rubric& rubric,
                                       const std::vector<ScoreSpec>& scores,
                                       std::vector<ScoreSpec>* ordered) {
  std::map<std::string, bool, std::less<>> passing;  // level id -> passing
  std::vector<std::string> level_ids;
  for (const v1::RubricLevel& level : rubric.levels()) {
    passing[level.id()] = level.passing();
    level_ids.push_back(level.id());
  }
  std::vector<std::string> criterion_ids;
  for (const v1::RubricCriterion& criterion : rubric.criteria())
    criterion_ids.push_back(criterion.id());

  std::map<std::string, const ScoreSpec*, std::less<>> by_criterion;
  for (size_t i = 0; i < scores.size(); ++i) {
    const ScoreSpec& score = scores[i];
    const std::string where = "scores[" + std::to_string(i) + "]";
    if (std::find(criterion_ids.begin(), criterion_ids.end(), score.criterion_id) ==
        criterion_ids.end()) {
      return InvalidArgument(where + ": the rubric has no criterion '" + score.criterion_id +
                             "'; its criteria are: " + Join(criterion_ids));
    }
    if (!passing.contains(score.level_id)) {
      return InvalidArgument(
          where + ": criterion '" + score.criterion_id + "' is scored at level '" + score.level_id +
          "', which the rubric does not have; its levels are: " + Join(level_ids));
    }
    if (!by_criterion.emplace(score.criterion_id, &score).second) {
      return InvalidArgument(where + ": criterion '" + score.criterion_id +
                             "' is scored twice; score each criterion once");
    }
  }
  std::vector<std::string> missing;
  for (const std::string& id : criterion_ids) {
    if (!by_criterion.contains(id)) missing.push_back(id);
  }
  if (!missing.empty()) {
    return InvalidArgument("the assessment scores no level for criteri" +
                           std::string(missing.size() == 1 ? "on " : "a ") + Join(missing) +
                           "; score every criterion of the rubric");
  }
  uint32_t passed = 0;
  if (ordered != nullptr) ordered->clear();
  for (const std::string& id : criterion_ids) {
    const ScoreSpec& score = *by_criterion.find(id)->second;
    if (passing.find(score.level_id)->second) ++passed;
    if (ordered != nullptr) ordered->push_back(score);
  }
  const v1::AwardRule& rule = rubric.award_rule();
  bool award = false;
  switch (rule.kind()) {
    case v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING:
      award = passed == criterion_ids.size();
      break;
    case v1::AWARD_RULE_KIND_MIN_PASSING_CRITERIA:
      award = rule.min_passing() > 0 && passed >= rule.min_passing();
      break;
    default:
      return FailedPrecondition(
          "the rubric states no award rule; the catalog import refuses "
          "such a rubric, so the catalog on this server is damaged");
  }
  return award ? v1::DECISION_AWARD : v1::DECISION_NOT_YET;
}

Result<std::vector<IssuerSubmissionSummary>> AssessmentStore::List(
    const IssuerInfo& issuer, std::optional<ReviewState> state) {
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog catalog, store_.LoadPublishedCatalog());
  std::vector<SubmissionRow> rows;
  {
    CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement select,
        reader->Prepare(std::string(kSelectSubmissions) + "ORDER BY s.completed_ms, s.id"));
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      rows.push_back(ReadSubmissionRow(select));
    }
  }
  std::vector<IssuerSubmissionSummary> out;
  for (const SubmissionRow& row : rows) {
    if (state && StateOf(row) != *state) continue;
    CAIRN_ASSIGN_OR_RETURN(const std::optional<v1::MicroCredential> mc,
                           PinnedVersion(catalog, row));
    if (!mc || mc->issuer_id() != issuer.id) continue;
    out.push_back(Summarise(row, *mc));
  }
  return out;
}

Result<IssuerSubmission> AssessmentStore::Get(const IssuerInfo& issuer,
                                              const EntityId& submission) {
  std::optional<SubmissionRow> row;
  std::optional<AssessmentRecord> assessment;
  {
    CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
    CAIRN_RETURN_IF_ERROR(reader->Exec("BEGIN"));
    const Status read = [&]() -> Status {
      CAIRN_ASSIGN_OR_RETURN(row, FindSubmission(*reader, submission));
      if (row) {
        CAIRN_ASSIGN_OR_RETURN(assessment, ReadAssessment(*reader, submission));
      }
      return {};
    }();
    (void)reader->Exec("COMMIT");
    CAIRN_RETURN_IF_ERROR(read);
  }
  if (!row) return NoSuchSubmission(submission);
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog catalog, store_.LoadPublishedCatalog());
  CAIRN_ASSIGN_OR_RETURN(std::optional<v1::MicroCredential> mc, PinnedVersion(catalog, *row));
  if (!mc || mc->issuer_id() != issuer.id) return NoSuchSubmission(submission);
  IssuerSubmission out;
  out.summary = Summarise(*row, *mc);
  if (!out.snapshot.ParseFromString(row->snapshot)) {
    return DataLoss("the stored snapshot of submission " + submission.ToString() + " is damaged");
  }
  out.micro_credential = std::move(*mc);
  out.assessment = std::move(assessment);
  return out;
}

Result<BlobLocation> AssessmentStore::LocateEvidence(const IssuerInfo& issuer,
                                                     const EntityId& submission,
                                                     std::string_view sha256) {
  CAIRN_ASSIGN_OR_RETURN(const IssuerSubmission held, Get(issuer, submission));
  const auto& evidence = held.snapshot.evidence();
  const bool named = std::any_of(evidence.begin(), evidence.end(),
                                 [&](const auto& e) { return e.blob().sha256() == sha256; });
  if (!named) {
    return NotFound("submission " + submission.ToString() +
                    " names no such evidence; its evidence is listed in GET "
                    "/v1/issuer/submissions/" +
                    submission.ToString());
  }
  // The blob lives in the educator's scope; read it as that scope's writer would.
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement scope,
                         reader->Prepare("SELECT scope_id FROM submissions WHERE id = ?1"));
  scope.BindBlob(1, submission.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(const bool found, scope.Step());
  if (!found) return NoSuchSubmission(submission);
  Principal owner;
  owner.role = Role::kEducator;
  owner.write_scope = scope.ColumnInt(0);
  return store_.LocateBlob(owner, sha256);
}

Result<AssessmentRecord> AssessmentStore::Assess(const IssuerInfo& issuer,
                                                 const EntityId& submission,
                                                 const AssessmentSpec& spec) {
  if (spec.assessor.empty()) {
    return InvalidArgument("assessor: say who assessed the submission (a name or an id)");
  }
  CAIRN_ASSIGN_OR_RETURN(const IssuerSubmission held, Get(issuer, submission));
  AssessmentRecord record;
  record.assessor = spec.assessor;
  record.feedback = spec.feedback;
  CAIRN_ASSIGN_OR_RETURN(record.recommended, RecommendDecision(held.micro_credential.rubric(),
                                                               spec.scores, &record.scores));
  ServerStore::Impl& impl = *store_.impl_;
  record.assessed_ms = impl.options.env.clock->NowMillis();
  v1::Assessment scored = ToProto(submission, record);

  std::lock_guard lock(impl.write_mutex);
  store::Database& db = *impl.writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::optional<AssessmentRecord> before,
                           ReadAssessment(db, submission));
    if (before && before->entity) {
      return FailedPrecondition("submission " + submission.ToString() + " was decided (" +
                                std::string(DecisionName(before->decision)) +
                                "); a confirmed decision is final");
    }
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement upsert,
        db.Prepare("INSERT OR REPLACE INTO assessments(submission_id, issuer_id, assessor, "
                   "scores, recommended, assessed_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    const std::string scores = scored.SerializeAsString();
    upsert.BindBlob(1, submission.AsBytes()).BindText(2, issuer.id).BindText(3, record.assessor);
    upsert.BindBlob(4, scores).Bind(5, int64_t{record.recommended}).Bind(6, record.assessed_ms);
    CAIRN_RETURN_IF_ERROR(upsert.Run());
    // The teacher learns of the review once; a replaced assessment changes nothing they see.
    if (before) return {};
    return PublishWorkflowStatus(impl, db, submission, kStatusInReview);
  });
  if (!written.ok()) return written;
  return record;
}

Result<AssessmentRecord> AssessmentStore::Decide(const IssuerInfo& issuer,
                                                 const EntityId& submission,
                                                 const DecisionSpec& spec) {
  if (spec.decision != v1::DECISION_AWARD && spec.decision != v1::DECISION_NOT_YET) {
    return InvalidArgument("decision: use award or not_yet");
  }
  if (spec.confirmed_by.empty()) {
    return InvalidArgument("confirmed_by: say who confirms the decision for the issuer");
  }
  CAIRN_ASSIGN_OR_RETURN(const IssuerSubmission held, Get(issuer, submission));
  ServerStore::Impl& impl = *store_.impl_;
  const std::string_view status =
      spec.decision == v1::DECISION_AWARD ? kStatusAwarded : kStatusNotYet;
  AssessmentRecord record;

  std::lock_guard lock(impl.write_mutex);
  store::Database& db = *impl.writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<AssessmentRecord> before, ReadAssessment(db, submission));
    if (!before) {
      return FailedPrecondition("submission " + submission.ToString() +
                                " has no assessment to confirm; POST .../assessment first");
    }
    if (before->entity) {
      return AlreadyExists("submission " + submission.ToString() + " was decided already (" +
                           std::string(DecisionName(before->decision)) + ", by " +
                           before->confirmed_by + "); a confirmed decision is final");
    }
    if (spec.decision != before->recommended && spec.reason.empty()) {
      return InvalidArgument("decision: the assessment recommends " +
                             std::string(DecisionName(before->recommended)) + "; confirming " +
                             std::string(DecisionName(spec.decision)) + " instead needs a reason");
    }
    record = std::move(*before);
    record.decision = spec.decision;
    record.confirmed_by = spec.confirmed_by;
    record.reason = spec.reason;
    record.decided_ms = impl.options.env.clock->NowMillis();
    record.entity = AssessmentEntityId(submission);
    const v1::Assessment assessment = ToProto(submission, record);

    std::vector<Op> ops;
    const EntityId& entity = *record.entity;
    ops.push_back(Op::Put(entity, std::string(kTypeField), std::string(kAssessmentType)));
    ops.push_back(Op::Put(entity, "submission", submission));
    ops.push_back(Op::Put(entity, "decision", std::string(DecisionName(spec.decision))));
    ops.push_back(Op::Put(entity, "feedback", record.feedback));
    ops.push_back(Op::Put(entity, "scores", Blob{assessment.SerializeAsString()}));
    ops.push_back(Op::Put(entity, "decided_at_ms", record.decided_ms));
    CAIRN_ASSIGN_OR_RETURN(WorkflowOps workflow, WorkflowStatusOps(db, submission, status));
    for (Op& op : workflow.ops) ops.push_back(std::move(op));

    CAIRN_ASSIGN_OR_RETURN(store::Statement scope,
                           db.Prepare("SELECT sc.id, sc.name FROM submissions s JOIN scopes sc "
                                      "ON sc.id = s.scope_id WHERE s.id = ?1"));
    scope.BindBlob(1, submission.AsBytes());
    CAIRN_ASSIGN_OR_RETURN(const bool found, scope.Step());
    if (!found) return Internal("submission " + submission.ToString() + " lost its scope");
    const int64_t scope_id = scope.ColumnInt(0);
    const std::string scope_name(scope.ColumnText(1));
    CAIRN_RETURN_IF_ERROR(AppendServerChange(impl, db, scope_name, std::move(ops)).status());

    CAIRN_ASSIGN_OR_RETURN(
        store::Statement update,
        db.Prepare("UPDATE assessments SET decision = ?2, confirmed_by = ?3, reason = ?4, "
                   "decided_ms = ?5, entity = ?6 WHERE submission_id = ?1"));
    update.BindBlob(1, submission.AsBytes()).Bind(2, int64_t{record.decision});
    update.BindText(3, record.confirmed_by).BindText(4, record.reason);
    update.Bind(5, record.decided_ms).BindBlob(6, entity.AsBytes());
    CAIRN_RETURN_IF_ERROR(update.Run());
    if (spec.decision != v1::DECISION_AWARD) return {};
    // The seam for badge issuance: the award waits here, committed with the decision, until
    // the badge is issued (and survives any crash in between).
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement award,
        db.Prepare("INSERT INTO awards(submission_id, issuer_id, scope_id, micro_credential_id, "
                   "micro_credential_version, assessment, state, created_ms) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)"));
    award.BindBlob(1, submission.AsBytes()).BindText(2, issuer.id).Bind(3, scope_id);
    award.BindText(4, held.summary.micro_credential_id);
    award.BindText(5, held.summary.micro_credential_version).BindBlob(6, entity.AsBytes());
    award.Bind(7, record.decided_ms);
    return award.Run();
  });
  if (!written.ok()) return written;
  return record;
}

Result<std::vector<PendingAward>> AssessmentStore::PendingAwards() {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT submission_id, issuer_id, micro_credential_id, "
                      "micro_credential_version, assessment, created_ms FROM awards "
                      "WHERE state = 'pending' ORDER BY created_ms, submission_id"));
  std::vector<PendingAward> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    PendingAward award;
    award.submission = EntityId::FromBytes(select.ColumnBlob(0));
    award.issuer_id = std::string(select.ColumnText(1));
    award.micro_credential_id = std::string(select.ColumnText(2));
    award.micro_credential_version = std::string(select.ColumnText(3));
    award.assessment = EntityId::FromBytes(select.ColumnBlob(4));
    award.created_ms = select.ColumnInt(5);
    out.push_back(std::move(award));
  }
  return out;
}

}  // namespace cairn::server
