// AssessmentStore: the issuer's side of the workflow (DESIGN.md §1 step 4, §6; decision 0014).
//
// An issuer sees the complete submissions of the micro-credentials its catalog entries name it
// the issuer of, and nothing else: a submission of another issuer is as absent as one that does
// not exist. Assessing is two steps, as issuers work:
//   1. an assessor posts a level and a comment for every rubric criterion of the version the
//      submission pins, and overall feedback; the store checks them against that rubric,
//      computes the decision the award rule recommends, and the submission is "in_review".
//      Posting again replaces the assessment until it is confirmed.
//   2. the issuer confirms a decision (award or not yet). A decision other than the
//      recommendation needs a reason. Confirming writes, in one transaction, the assessment row,
//      ONE server-authored change in the educator's scope (the assessment entity, the
//      submission's status and, for the pursuit's latest attempt, the pursuit's status), and for
//      an award a row in `awards` that badge issuance takes (the seam for the next step). A
//      confirmed decision never changes.
//
// Thread-safety: as ServerStore (any thread).
#ifndef CAIRN_SERVER_STORE_ASSESSMENTS_H_
#define CAIRN_SERVER_STORE_ASSESSMENTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/ids.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "cairn/v1/model.pb.h"
#include "store/server_store.h"

namespace cairn::server {

// Where a complete submission stands for its issuer.
enum class ReviewState : uint8_t {
  kComplete,  // nobody has assessed it yet
  kInReview,  // assessed, waiting for the issuer's confirmation
  kDecided,   // the issuer confirmed a decision
};

// "complete", "in_review", "decided".
std::string_view ReviewStateName(ReviewState state);
Result<ReviewState> ParseReviewState(std::string_view name);

// "award", "not_yet" (the API's and the assessment entity's words for model.proto Decision).
std::string_view DecisionName(v1::Decision decision);
Result<v1::Decision> ParseDecision(std::string_view name);

struct IssuerSubmissionSummary {
  EntityId id;
  std::string micro_credential_id;
  std::string micro_credential_version;
  std::string title;
  int64_t attempt = 0;
  std::string educator_id;  // the user id
  std::string educator_name;
  int64_t completed_ms = 0;
  ReviewState state = ReviewState::kComplete;
};

struct ScoreSpec {
  std::string criterion_id;
  std::string level_id;
  std::string comment;
};

// Step 1: what an assessor posts.
struct AssessmentSpec {
  std::string assessor;
  std::vector<ScoreSpec> scores;
  std::string feedback;
};

// Step 2: the issuer's confirmation.
struct DecisionSpec {
  v1::Decision decision = v1::DECISION_UNSPECIFIED;
  std::string confirmed_by;
  // Required when `decision` is not the recommended one; kept with the assessment.
  std::string reason;
};

struct AssessmentRecord {
  std::string assessor;
  std::vector<ScoreSpec> scores;  // in rubric order
  std::string feedback;
  v1::Decision recommended = v1::DECISION_UNSPECIFIED;
  int64_t assessed_ms = 0;
  // Set once the issuer confirmed.
  v1::Decision decision = v1::DECISION_UNSPECIFIED;
  std::string confirmed_by;
  std::string reason;
  int64_t decided_ms = 0;
  std::optional<EntityId> entity;  // the assessment entity the educator's devices receive
};

// A complete submission as its issuer fetches it.
struct IssuerSubmission {
  IssuerSubmissionSummary summary;
  v1::SubmissionSnapshot snapshot;
  // The version the snapshot pins: its requirements and rubric.
  v1::MicroCredential micro_credential;
  std::optional<AssessmentRecord> assessment;
};

// An award waiting for its badge (the `awards` table).
struct PendingAward {
  EntityId submission;
  std::string issuer_id;
  std::string micro_credential_id;
  std::string micro_credential_version;
  EntityId assessment;
  int64_t created_ms = 0;
};

// Checks `scores` against `rubric` — every criterion scored exactly once, at one of the
// rubric's levels, no criterion it does not have — and returns the decision its award rule
// gives. InvalidArgument naming the criterion or level, and listing the valid ones, otherwise.
// Returns the scores in rubric order through `ordered` when it is not null.
Result<v1::Decision> RecommendDecision(const v1::Rubric& rubric,
                                       const std::vector<ScoreSpec>& scores,
                                       std::vector<ScoreSpec>* ordered = nullptr);

// The assessment entity of a submission: one per submission, named after it, so that it is the
// same entity wherever it is computed.
EntityId AssessmentEntityId(const EntityId& submission);

class AssessmentStore {
 public:
  // Borrowed; outlives this.
  explicit AssessmentStore(ServerStore& store) : store_(store) {}

  // The issuer's complete submissions, oldest completion first; only those in `state` if set.
  Result<std::vector<IssuerSubmissionSummary>> List(const IssuerInfo& issuer,
                                                    std::optional<ReviewState> state);
  // NotFound for a submission that is not complete or not the issuer's.
  Result<IssuerSubmission> Get(const IssuerInfo& issuer, const EntityId& submission);
  // The file of a blob the submission names; NotFound for any other blob.
  Result<BlobLocation> LocateEvidence(const IssuerInfo& issuer, const EntityId& submission,
                                      std::string_view sha256);
  // Step 1. FailedPrecondition once the decision is confirmed.
  Result<AssessmentRecord> Assess(const IssuerInfo& issuer, const EntityId& submission,
                                  const AssessmentSpec& spec);
  // Step 2. FailedPrecondition without an assessment; AlreadyExists once decided.
  Result<AssessmentRecord> Decide(const IssuerInfo& issuer, const EntityId& submission,
                                  const DecisionSpec& spec);

  // Awards whose badge is not issued yet, oldest first: what badge issuance takes.
  Result<std::vector<PendingAward>> PendingAwards();

 private:
  ServerStore& store_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_ASSESSMENTS_H_
