#include "api/issuer_api.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/blob_file_response.h"
#include "api/issuer_json.h"
#include "api/paths.h"
#include "cairn/hex.h"
#include "cairn/media_type.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kSubmissions = "submissions";
constexpr std::string_view kCredentials = "credentials";

Response JsonError(const Status& status, HttpRefinement refinement = HttpRefinement::kNone) {
  return ErrorResponse(kJson, status, refinement);
}

// A refusal of the content of a well-formed body: 422, so that a client tells "fix the
// document" (400) from "fix the assessment" apart.
Response ContentError(const Status& status) {
  return JsonError(status, HttpRefinement::kUnprocessableContent);
}

Response JsonAnswer(const json::value& value, int http_status = 200) {
  Response response;
  response.status = http_status;
  response.content_type = "application/json";
  response.body = ToJson(value);
  response.body += '\n';
  // What an issuer reads shows children's work (DESIGN.md §8): no shared cache keeps it.
  response.headers.emplace_back("Cache-Control", "private, no-store");
  return response;
}

std::string SubmissionPath(const EntityId& id) {
  return std::string(kIssuerApiPrefix) + std::string(kSubmissions) + "/" + id.ToString();
}

json::object SummaryJson(const IssuerSubmissionSummary& s) {
  json::object out;
  out["id"] = s.id.ToString();
  out["micro_credential"] = json::object{
      {"id", s.micro_credential_id}, {"version", s.micro_credential_version}, {"title", s.title}};
  out["attempt"] = s.attempt;
  out["educator"] = json::object{{"id", s.educator_id}, {"name", s.educator_name}};
  out["completed_at_ms"] = s.completed_ms;
  out["state"] = ReviewStateName(s.state);
  out["url"] = SubmissionPath(s.id);
  return out;
}

json::object RubricJson(const v1::Rubric& rubric) {
  json::array levels;
  for (const v1::RubricLevel& level : rubric.levels()) {
    levels.push_back(
        json::object{{"id", level.id()}, {"label", level.label()}, {"passing", level.passing()}});
  }
  json::array criteria;
  for (const v1::RubricCriterion& criterion : rubric.criteria()) {
    json::array descriptors;
    for (const v1::LevelDescriptor& d : criterion.descriptors()) {
      descriptors.push_back(json::object{{"level_id", d.level_id()}, {"text", d.text()}});
    }
    criteria.push_back(json::object{{"id", criterion.id()},
                                    {"requirement_id", criterion.requirement_id()},
                                    {"description", criterion.description()},
                                    {"descriptors", std::move(descriptors)}});
  }
  json::object rule;
  switch (rubric.award_rule().kind()) {
    case v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING:
      rule["kind"] = "all_criteria_passing";
      break;
    case v1::AWARD_RULE_KIND_MIN_PASSING_CRITERIA:
      rule["kind"] = "min_passing_criteria";
      rule["min_passing"] = rubric.award_rule().min_passing();
      break;
    default:
      rule["kind"] = "unspecified";
  }
  return json::object{
      {"levels", std::move(levels)}, {"criteria", std::move(criteria)}, {"award_rule", rule}};
}

json::object AssessmentJson(const AssessmentRecord& a) {
  json::array scores;
  for (const ScoreSpec& s : a.scores) {
    scores.push_back(json::object{
        {"criterion_id", s.criterion_id}, {"level_id", s.level_id}, {"comment", s.comment}});
  }
  json::object out{{"assessor", a.assessor},
                   {"scores", std::move(scores)},
                   {"feedback", a.feedback},
                   {"recommended_decision", DecisionName(a.recommended)},
                   {"assessed_at_ms", a.assessed_ms}};
  if (a.entity) {
    out["decision"] = DecisionName(a.decision);
    out["confirmed_by"] = a.confirmed_by;
    if (!a.reason.empty()) out["reason"] = a.reason;
    out["decided_at_ms"] = a.decided_ms;
    out["assessment_id"] = a.entity->ToString();
  }
  return out;
}

json::object SubmissionJson(const IssuerSubmission& s) {
  json::object out = SummaryJson(s.summary);
  const v1::SubmissionSnapshot& snap = s.snapshot;
  out["submitted_at_ms"] = snap.submitted_at_ms();
  // Questions by id, so that each answer comes with the prompt it answers.
  json::array answers;
  for (const auto& answer : snap.answers()) {
    std::string prompt;
    for (const v1::OverviewQuestion& q : s.micro_credential.requirements().overview_questions()) {
      if (q.id() == answer.question_id()) prompt = q.prompt();
    }
    answers.push_back(json::object{
        {"question_id", answer.question_id()}, {"prompt", prompt}, {"text", answer.text()}});
  }
  out["answers"] = std::move(answers);
  out["reflection"] =
      json::object{{"prompt", s.micro_credential.requirements().reflection().prompt()},
                   {"text", snap.reflection()}};
  json::array evidence;
  for (const auto& e : snap.evidence()) {
    const std::string sha = LowerHex(e.blob().sha256());
    evidence.push_back(json::object{{"requirement_id", e.requirement_id()},
                                    {"caption", e.caption()},
                                    {"sha256", sha},
                                    {"size", e.blob().size()},
                                    {"media_type", e.blob().media_type()},
                                    {"url", SubmissionPath(s.summary.id) + "/evidence/" + sha}});
  }
  out["evidence"] = std::move(evidence);
  out["competency"] = s.micro_credential.competency();
  out["rubric"] = RubricJson(s.micro_credential.rubric());
  if (s.assessment) out["assessment"] = AssessmentJson(*s.assessment);
  return out;
}

Result<AssessmentSpec> ParseAssessment(std::string_view body) {
  CAIRN_ASSIGN_OR_RETURN(const json::object in, ParseJsonObject(body));
  CAIRN_RETURN_IF_ERROR(CheckKnownFields(in, "", {"assessor", "scores", "feedback"}));
  AssessmentSpec spec;
  CAIRN_ASSIGN_OR_RETURN(spec.assessor, StringField(in, "", "assessor", true));
  CAIRN_ASSIGN_OR_RETURN(spec.feedback, StringField(in, "", "feedback", true));
  const json::value* scores = in.if_contains("scores");
  if (scores == nullptr || !scores->is_array()) {
    return InvalidArgument(
        "scores: required, an array of {criterion_id, level_id, comment}, one per criterion");
  }
  const json::array& list = scores->get_array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = "scores[" + std::to_string(i) + "]";
    const json::object* item = list[i].if_object();
    if (item == nullptr) {
      return InvalidArgument(path + ": must be an object {criterion_id, level_id, comment}");
    }
    CAIRN_RETURN_IF_ERROR(CheckKnownFields(*item, path, {"criterion_id", "level_id", "comment"}));
    ScoreSpec score;
    CAIRN_ASSIGN_OR_RETURN(score.criterion_id, StringField(*item, path, "criterion_id", true));
    CAIRN_ASSIGN_OR_RETURN(score.level_id, StringField(*item, path, "level_id", true));
    CAIRN_ASSIGN_OR_RETURN(score.comment, StringField(*item, path, "comment", false));
    spec.scores.push_back(std::move(score));
  }
  return spec;
}

Result<DecisionSpec> ParseDecisionBody(std::string_view body) {
  CAIRN_ASSIGN_OR_RETURN(const json::object in, ParseJsonObject(body));
  CAIRN_RETURN_IF_ERROR(CheckKnownFields(in, "", {"decision", "confirmed_by", "reason"}));
  DecisionSpec spec;
  CAIRN_ASSIGN_OR_RETURN(const std::string decision, StringField(in, "", "decision", true));
  Result<v1::Decision> parsed = ParseDecision(decision);
  if (!parsed.ok()) return parsed.status().Annotate("decision");
  spec.decision = *parsed;
  CAIRN_ASSIGN_OR_RETURN(spec.confirmed_by, StringField(in, "", "confirmed_by", true));
  CAIRN_ASSIGN_OR_RETURN(spec.reason, StringField(in, "", "reason", false));
  return spec;
}

// {"reason": "…"}: why a credential is revoked, shown to whoever checks it.
Result<std::string> ParseRevocationBody(std::string_view body) {
  CAIRN_ASSIGN_OR_RETURN(const json::object in, ParseJsonObject(body));
  CAIRN_RETURN_IF_ERROR(CheckKnownFields(in, "", {"reason"}));
  CAIRN_ASSIGN_OR_RETURN(std::string reason, StringField(in, "", "reason", true));
  if (reason.empty()) {
    return InvalidArgument("reason: say why the credential is revoked; verifiers show it");
  }
  return reason;
}

Status CheckJsonContentType(const Request& request) {
  if (request.content_type.empty() || MediaTypeOf(request.content_type) == kJson) return {};
  return InvalidArgument("the body must be application/json, not '" + request.content_type + "'");
}

// Issues the award just decided (and whatever else is pending) and says where its credential
// is. The award is committed whatever happens here: a failure leaves it pending, and the
// server's issuance pass retries it.
json::object IssueAwardJson(BadgeIssuance& badges, const EntityId& submission) {
  Result<std::vector<IssuanceOutcome>> outcomes = badges.IssuePending();
  if (outcomes.ok()) {
    for (const IssuanceOutcome& outcome : *outcomes) {
      if (outcome.submission == submission && !outcome.status.ok()) {
        return json::object{{"state", "pending"}, {"error", outcome.status.message()}};
      }
    }
  }
  Result<std::optional<IssuedCredential>> issued = badges.credentials().ForSubmission(submission);
  if (!outcomes.ok() || !issued.ok() || !*issued) {
    const Status& why = !outcomes.ok() ? outcomes.status() : issued.status();
    return json::object{{"state", "pending"}, {"error", why.message()}};
  }
  return json::object{{"state", "issued"},
                      {"id", (*issued)->id},
                      {"url", badges.UrlsOf((*issued)->issuer_id).Credential((*issued)->id)}};
}

}  // namespace

Response IssuerApi::Handle(const Request& request) {
  const std::string_view path = PathOf(request.target);
  const std::string_view query = QueryOf(request.target);
  const std::vector<std::string_view> parts = Segments(path.substr(kIssuerApiPrefix.size()));

  // Route first (404/405), then the caller (401), then ids (400), then the data (404...).
  enum class Route : uint8_t { kList, kGet, kEvidence, kAssess, kDecide, kRevoke } route{};
  std::string_view allowed = "GET";
  const bool credentials = !parts.empty() && parts[0] == kCredentials;
  if (parts.empty() || (parts[0] != kSubmissions && !credentials)) {
    return JsonError(
        NotFound("no such endpoint; the issuer API is under /v1/issuer/submissions and "
                 "/v1/issuer/credentials (docs/issuer-api.md)"));
  }
  if (credentials) {
    if (parts.size() != 3 || parts[2] != "revocation") {
      return JsonError(
          NotFound("no such endpoint under /v1/issuer/credentials; there is "
                   "POST /v1/issuer/credentials/{id}/revocation (docs/issuer-api.md)"));
    }
    route = Route::kRevoke;
    allowed = "POST";
  } else if (parts.size() == 1) {
    route = Route::kList;
  } else if (parts.size() == 2) {
    route = Route::kGet;
  } else if (parts.size() == 4 && parts[2] == "evidence") {
    route = Route::kEvidence;
  } else if (parts.size() == 3 && parts[2] == "assessment") {
    route = Route::kAssess;
    allowed = "POST";
  } else if (parts.size() == 3 && parts[2] == "decision") {
    route = Route::kDecide;
    allowed = "POST";
  } else {
    return JsonError(
        NotFound("no such endpoint under /v1/issuer/submissions/{id}; there are "
                 "/evidence/{sha256}, /assessment and /decision "
                 "(docs/issuer-api.md)"));
  }
  if (request.method != allowed) return MethodNotAllowed(kJson, path, allowed, request.method);

  constexpr std::string_view kBearer = "Bearer ";
  if (!std::string_view(request.authorization).starts_with(kBearer)) {
    return JsonError(Unauthenticated(
        "the issuer API needs the issuer's API token: send 'Authorization: Bearer <token>' "
        "(cairn-server issuer add prints it)"));
  }
  Result<IssuerInfo> issuer =
      store_.AuthenticateIssuer(std::string_view(request.authorization).substr(kBearer.size()));
  if (!issuer.ok()) return JsonError(issuer.status());

  if (route == Route::kList) return List(*issuer, query);
  if (route == Route::kRevoke) return Revoke(request, *issuer, parts[1]);
  Result<EntityId> id = EntityId::Parse(parts[1]);
  if (!id.ok()) {
    return JsonError(InvalidArgument("'" + std::string(parts[1]) +
                                     "' is not a submission id (a UUID such as "
                                     "0190f5c2-7b1e-7c3a-9d4e-2f6a8b0c1d2e)"));
  }
  switch (route) {
    case Route::kGet:
      return Get(*issuer, *id);
    case Route::kEvidence:
      return Evidence(request, *issuer, *id, parts[3]);
    case Route::kAssess:
      return Assess(request, *issuer, *id);
    case Route::kDecide:
      return Decide(request, *issuer, *id);
    case Route::kList:
    case Route::kRevoke:
      break;
  }
  return JsonError(Internal("unrouted issuer API request"));
}

Response IssuerApi::List(const IssuerInfo& issuer, std::string_view query) {
  std::optional<ReviewState> state;
  if (!query.empty()) {
    constexpr std::string_view kState = "state=";
    if (!query.starts_with(kState) || query.find('&') != std::string_view::npos) {
      return JsonError(
          InvalidArgument("the list takes one query parameter, "
                          "state=complete|in_review|decided, not '" +
                          std::string(query) + "'"));
    }
    Result<ReviewState> parsed = ParseReviewState(query.substr(kState.size()));
    if (!parsed.ok()) return JsonError(parsed.status().Annotate("state"));
    state = *parsed;
  }
  Result<std::vector<IssuerSubmissionSummary>> list = assessments_.List(issuer, state);
  if (!list.ok()) return JsonError(list.status());
  json::array submissions;
  for (const IssuerSubmissionSummary& s : *list) submissions.push_back(SummaryJson(s));
  return JsonAnswer(json::object{{"issuer", issuer.id}, {"submissions", std::move(submissions)}});
}

Response IssuerApi::Get(const IssuerInfo& issuer, const EntityId& id) {
  Result<IssuerSubmission> submission = assessments_.Get(issuer, id);
  if (!submission.ok()) return JsonError(submission.status());
  return JsonAnswer(SubmissionJson(*submission));
}

Response IssuerApi::Evidence(const Request& request, const IssuerInfo& issuer, const EntityId& id,
                             std::string_view sha_hex) {
  Result<std::string> sha = ParseSha256(sha_hex, "an evidence id");
  if (!sha.ok()) return JsonError(sha.status());
  Result<BlobLocation> location = assessments_.LocateEvidence(issuer, id, *sha);
  if (!location.ok()) return JsonError(location.status());
  // The session layer streams the file range (http_server.cc), as for the blob API.
  Result<Response> file = BlobFileResponse(*location, request.range, LowerHex(*sha), "evidence");
  if (!file.ok()) return UnsatisfiableRange(kJson, file.status(), location->size);
  return *std::move(file);
}

Response IssuerApi::Assess(const Request& request, const IssuerInfo& issuer, const EntityId& id) {
  if (Status s = CheckJsonContentType(request); !s.ok()) return JsonError(s);
  Result<AssessmentSpec> spec = ParseAssessment(request.body);
  if (!spec.ok()) return JsonError(spec.status());
  Result<AssessmentRecord> record = assessments_.Assess(issuer, id, *spec);
  if (!record.ok()) return ContentError(record.status());
  json::object out{{"submission", id.ToString()},
                   {"state", ReviewStateName(ReviewState::kInReview)},
                   {"recommended_decision", DecisionName(record->recommended)},
                   {"assessment", AssessmentJson(*record)}};
  return JsonAnswer(out);
}

Response IssuerApi::Decide(const Request& request, const IssuerInfo& issuer, const EntityId& id) {
  if (Status s = CheckJsonContentType(request); !s.ok()) return JsonError(s);
  Result<DecisionSpec> spec = ParseDecisionBody(request.body);
  if (!spec.ok()) return JsonError(spec.status());
  Result<AssessmentRecord> record = assessments_.Decide(issuer, id, *spec);
  if (!record.ok()) return ContentError(record.status());
  json::object out{{"submission", id.ToString()},
                   {"state", ReviewStateName(ReviewState::kDecided)},
                   {"decision", DecisionName(record->decision)},
                   {"assessment", AssessmentJson(*record)}};
  if (record->decision == v1::DECISION_AWARD && badges_ != nullptr) {
    out["credential"] = IssueAwardJson(*badges_, id);
  }
  return JsonAnswer(out);
}

Response IssuerApi::Revoke(const Request& request, const IssuerInfo& issuer,
                           std::string_view credential_id) {
  if (badges_ == nullptr) {
    return JsonError(Unavailable("this server does not issue credentials"));
  }
  if (Status s = CheckJsonContentType(request); !s.ok()) return JsonError(s);
  Result<std::string> reason = ParseRevocationBody(request.body);
  if (!reason.ok()) return JsonError(reason.status());
  // Another issuer's credential is 404, as one that does not exist.
  Result<std::optional<IssuedCredential>> found = badges_->credentials().Get(credential_id);
  if (!found.ok()) return JsonError(found.status());
  if (!*found || (*found)->issuer_id != issuer.id) {
    return JsonError(
        NotFound("no credential '" + std::string(credential_id) + "' issued by " + issuer.id));
  }
  Result<IssuedCredential> revoked = badges_->Revoke(credential_id, *reason);
  if (!revoked.ok()) return JsonError(revoked.status());
  return JsonAnswer(
      json::object{{"id", revoked->id},
                   {"url", badges_->UrlsOf(revoked->issuer_id).Credential(revoked->id)},
                   {"state", "revoked"},
                   {"reason", revoked->revocation_reason},
                   {"revoked_at_ms", revoked->revoked_ms.value_or(0)}});
}

}  // namespace cairn::server
