// The issuer API through the Service, in process, over a real server store and real device
// stores (decision 0014): every route, who may call it (the issuer's token, never a device's;
// an issuer sees only its own micro-credentials' submissions), assessments checked against the
// rubric the submission pins, the two-step decision, and the decision reaching the educator's
// device through Pull as one change carrying the assessment and the statuses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/service.h"
#include "cairn/catalog_text.h"
#include "cairn/device.h"
#include "cairn/hex.h"
#include "cairn/sync.h"
#include "cairn/v1/blob.pb.h"
#include "catalog/publish.h"
#include "server/in_process_transport.h"
#include "store/assessments.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/sha256.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

namespace json = boost::json;
using ::cairn::testing::FakeClock;
using ::cairn::testing::InProcessTransport;
using ::cairn::testing::IsOk;
using ::cairn::testing::RawSha;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr const char* kIssuer = "northbridge-institute";
constexpr const char* kCriteria[] = {"context-described", "ticket-aligned", "ticket-given",
                                     "range-of-understanding", "instruction-adjusted"};

v1::Catalog DemoCatalog() {
  std::ifstream file(CAIRN_DEMO_CATALOG);
  std::stringstream text;
  text << file.rdbuf();
  Result<v1::Catalog> catalog = ParseCatalogText(text.str(), "demo_catalog.textproto");
  EXPECT_THAT(catalog.status(), IsOk());
  return *catalog;
}

std::string Words(int n, std::string_view word) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + std::string(word);
  return out;
}

json::value Json(const server::Response& response) {
  boost::system::error_code error;
  json::value value = json::parse(response.body, error);
  EXPECT_FALSE(error) << response.body;
  return value;
}

std::string Message(const server::Response& response) {
  const json::value value = Json(response);
  const json::object* object = value.if_object();
  const json::value* message = object ? object->if_contains("message") : nullptr;
  return message && message->is_string() ? std::string(message->get_string()) : response.body;
}

// An assessment body scoring every criterion at `level` except those in `not_yet`.
std::string AssessmentBody(const std::vector<std::string>& not_yet = {},
                           std::string feedback = "Clear objective; see the comments.") {
  json::array scores;
  for (const char* criterion : kCriteria) {
    const bool failed = std::find(not_yet.begin(), not_yet.end(), criterion) != not_yet.end();
    scores.push_back(json::object{{"criterion_id", criterion},
                                  {"level_id", failed ? "not-yet" : "pass"},
                                  {"comment", std::string("on ") + criterion}});
  }
  return json::serialize(json::object{
      {"assessor", "Rosa Assessor"}, {"scores", scores}, {"feedback", std::move(feedback)}});
}

struct Evidence {
  std::string requirement;
  std::string media_type;
  std::string bytes;
};

class IssuerApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerStoreOptions options;
    options.env = Env{&clock_, &server_random_};
    Result<std::unique_ptr<server::ServerStore>> store =
        server::ServerStore::Open(dir_.File("server.db"), options);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    service_ = std::make_unique<server::Service>(*store_, metrics_);
    transport_ = std::make_unique<InProcessTransport>(*service_);
    ASSERT_THAT(server::PublishCatalog(*store_, DemoCatalog(), clock_.NowMillis()).status(),
                IsOk());
    token_ = AddIssuer(kIssuer);
    other_token_ = AddIssuer("other-institute");

    Result<server::User> ana = store_->AddUser("Ana Teacher", server::Role::kEducator);
    ASSERT_THAT(ana.status(), IsOk());
    ana_id_ = ana->id;
    Result<std::unique_ptr<Device>> device =
        Device::Open(dir_.File("ana.db"), Env{&clock_, &device_random_});
    ASSERT_THAT(device.status(), IsOk());
    device_ = std::move(*device);
    Result<std::string> code = store_->NewEnrolCode(ana_id_);
    ASSERT_THAT(code.status(), IsOk());
    SyncSettings settings;
    settings.server_url = "https://in-process";
    ASSERT_THAT(Enrol(device_->replica(), *transport_, settings, *code, "ana-phone"), IsOk());
    Result<std::optional<SyncSettings>> saved = LoadSyncSettings(device_->replica());
    ASSERT_THAT(saved.status(), IsOk());
    device_token_ = (*saved)->token;
    Sync();  // the catalog
  }

  std::string AddIssuer(const std::string& id) {
    server::IssuerSpec spec;
    spec.id = id;
    spec.name = id;
    Result<server::IssuerCredentials> added = store_->AddIssuer(spec);
    EXPECT_THAT(added.status(), IsOk());
    return added->api_token;
  }

  SyncReport Sync() {
    Result<SyncReport> report = RunSync(device_->replica(), *transport_);
    EXPECT_THAT(report.status(), IsOk());
    return report.ok() ? *report : SyncReport{};
  }

  server::Response Call(const std::string& token, std::string method, std::string target,
                        std::string body = "", std::string range = "") {
    server::Request request{std::move(method),
                            std::move(target),
                            token.empty() ? "" : "Bearer " + token,
                            body.empty() ? "" : "application/json",
                            "application/json",
                            std::move(body)};
    request.range = std::move(range);
    return service_->Handle(request);
  }
  server::Response Issuer(std::string method, std::string target, std::string body = "",
                          std::string range = "") {
    return Call(token_, std::move(method), std::move(target), std::move(body), std::move(range));
  }

  // Uploads `data` as the device would (offer, then its one chunk).
  void Upload(const Evidence& e) {
    v1::BlobOffer offer;
    offer.set_size(e.bytes.size());
    offer.set_media_type(e.media_type);
    offer.set_chunk_size(server::kBlobChunkBytes);
    for (size_t at = 0; at < e.bytes.size(); at += server::kBlobChunkBytes) {
      offer.add_chunk_sha256(RawSha(e.bytes.substr(at, server::kBlobChunkBytes)));
    }
    const std::string name = "/v1/blobs/" + LowerHex(RawSha(e.bytes));
    server::Request put{"PUT", name, "Bearer " + device_token_, "", "", offer.SerializeAsString()};
    ASSERT_EQ(service_->Handle(put).status, 200);
    server::Request chunks{"POST", name + "/chunks/0", "Bearer " + device_token_, "", "", e.bytes};
    ASSERT_EQ(service_->Handle(chunks).status, 200);
  }

  // A pursuit of the demo micro-credential, answered, with evidence (uploaded), submitted and
  // synced: a complete submission on the server.
  EntityId SubmitComplete() {
    Result<EntityId> pursuit = device_->StartPursuit("exit-tickets");
    EXPECT_THAT(pursuit.status(), IsOk());
    pursuit_ = *pursuit;
    EXPECT_THAT(device_->Answer(pursuit_, "context", Words(25, "context")), IsOk());
    EXPECT_THAT(device_->Answer(pursuit_, "design", Words(30, "design")), IsOk());
    EXPECT_THAT(device_->Reflect(pursuit_, Words(40, "reflection")), IsOk());
    for (const Evidence& e : evidence_) {
      EvidenceRef ref;
      const std::string sha = RawSha(e.bytes);
      std::copy(sha.begin(), sha.end(), ref.sha256.begin());
      ref.size = e.bytes.size();
      ref.media_type = e.media_type;
      EXPECT_THAT(device_->AddEvidence(pursuit_, e.requirement, ref, "caption of " + e.requirement)
                      .status(),
                  IsOk());
      Upload(e);
    }
    Result<EntityId> submission = device_->Submit(pursuit_);
    EXPECT_THAT(submission.status(), IsOk());
    Sync();
    return *submission;
  }

  v1::PursuitStatus PursuitStatus() {
    Result<v1::Pursuit> pursuit = device_->GetPursuit(pursuit_);
    EXPECT_THAT(pursuit.status(), IsOk());
    return pursuit->status();
  }

  std::string Path(const EntityId& submission, std::string_view rest = "") {
    return "/v1/issuer/submissions/" + submission.ToString() + std::string(rest);
  }

  FakeClock clock_{1'790'000'000'000};
  SeededRandom server_random_{7};
  SeededRandom device_random_{11};
  TempDir dir_;
  server::Metrics metrics_;
  std::unique_ptr<server::ServerStore> store_;
  std::unique_ptr<server::Service> service_;
  std::unique_ptr<InProcessTransport> transport_;
  std::unique_ptr<Device> device_;
  std::string token_;
  std::string other_token_;
  std::string device_token_;
  std::string ana_id_;
  EntityId pursuit_;
  std::vector<Evidence> evidence_ = {
      {"classroom-video", "video/mp4", std::string(70000, 'v')},  // two chunks' worth of bytes
      {"student-work", "image/jpeg", "ticket one"},
      {"student-work", "application/pdf", "ticket two"},
  };
};

TEST_F(IssuerApiTest, ListsAndFetchesItsSubmissionWithEvidenceAndThePinnedRubric) {
  const EntityId submission = SubmitComplete();

  const server::Response list = Issuer("GET", "/v1/issuer/submissions");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.content_type, "application/json");
  const json::value items_json = Json(list);
  const json::array& items = items_json.at("submissions").as_array();
  ASSERT_THAT(items, SizeIs(1));
  const json::object& item = items[0].as_object();
  EXPECT_EQ(item.at("id").as_string(), submission.ToString());
  EXPECT_EQ(item.at("micro_credential").at("id").as_string(), "exit-tickets");
  EXPECT_FALSE(item.at("micro_credential").at("title").as_string().empty());
  EXPECT_EQ(item.at("attempt").as_int64(), 1);
  EXPECT_EQ(item.at("educator").at("name").as_string(), "Ana Teacher");
  EXPECT_EQ(item.at("educator").at("id").as_string(), ana_id_);
  EXPECT_EQ(item.at("state").as_string(), "complete");
  EXPECT_GT(item.at("completed_at_ms").as_int64(), 0);
  EXPECT_THAT(
      Json(Issuer("GET", "/v1/issuer/submissions?state=complete")).at("submissions").as_array(),
      SizeIs(1));
  EXPECT_THAT(
      Json(Issuer("GET", "/v1/issuer/submissions?state=decided")).at("submissions").as_array(),
      SizeIs(0));
  const server::Response bad_state = Issuer("GET", "/v1/issuer/submissions?state=done");
  EXPECT_EQ(bad_state.status, 400);
  EXPECT_THAT(Message(bad_state), HasSubstr("complete, in_review or decided"));

  const server::Response got = Issuer("GET", Path(submission));
  ASSERT_EQ(got.status, 200) << got.body;
  const json::object snapshot = Json(got).as_object();
  EXPECT_THAT(snapshot.at("answers").as_array(), SizeIs(2));
  EXPECT_EQ(snapshot.at("answers").at(0).at("question_id").as_string(), "context");
  EXPECT_FALSE(snapshot.at("answers").at(0).at("prompt").as_string().empty());
  EXPECT_EQ(snapshot.at("reflection").at("text").as_string(), Words(40, "reflection"));
  const json::array& evidence = snapshot.at("evidence").as_array();
  ASSERT_THAT(evidence, SizeIs(3));
  const json::array& criteria = snapshot.at("rubric").at("criteria").as_array();
  EXPECT_THAT(criteria, SizeIs(5));
  EXPECT_EQ(snapshot.at("rubric").at("award_rule").at("kind").as_string(), "all_criteria_passing");

  // The video, whole and as a range, from the URL the snapshot gives.
  const std::string& video = evidence_[0].bytes;
  std::string video_url;
  for (const json::value& e : evidence) {
    if (e.at("sha256").as_string() == LowerHex(RawSha(video))) {
      video_url = std::string(e.at("url").as_string());
      EXPECT_EQ(e.at("size").as_int64(), 70000);
      EXPECT_EQ(e.at("media_type").as_string(), "video/mp4");
      EXPECT_EQ(e.at("requirement_id").as_string(), "classroom-video");
      EXPECT_EQ(e.at("caption").as_string(), "caption of classroom-video");
    }
  }
  ASSERT_FALSE(video_url.empty());
  server::Response whole = Issuer("GET", video_url);
  ASSERT_EQ(whole.status, 200) << whole.body;
  ASSERT_THAT(server::LoadFileBody(whole), IsOk());
  EXPECT_EQ(whole.body, video);
  EXPECT_EQ(whole.content_type, "video/mp4");
  server::Response part = Issuer("GET", video_url, "", "bytes=65530-65545");
  ASSERT_EQ(part.status, 206);
  ASSERT_THAT(server::LoadFileBody(part), IsOk());
  EXPECT_EQ(part.body, video.substr(65530, 16));
  EXPECT_EQ(Issuer("GET", video_url, "", "bytes=70000-").status, 416);

  // A blob the educator holds but this submission does not name is not the issuer's to read.
  const Evidence stray{"student-work", "image/png", "not in the submission"};
  Upload(stray);
  EXPECT_EQ(Issuer("GET", Path(submission, "/evidence/" + LowerHex(RawSha(stray.bytes)))).status,
            404);
  EXPECT_EQ(Issuer("GET", Path(submission, "/evidence/xyz")).status, 400);
}

TEST_F(IssuerApiTest, CallersWithoutTheIssuersTokenLearnNothing) {
  const EntityId submission = SubmitComplete();
  const std::string video = Path(submission, "/evidence/" + LowerHex(RawSha(evidence_[0].bytes)));

  // No token, a wrong one, an educator's device token: 401 on every route.
  for (const std::string& token :
       {std::string(), std::string("cairn-issuer-wrong"), device_token_}) {
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/v1/issuer/submissions"},
             {"GET", Path(submission)},
             {"GET", video},
             {"POST", Path(submission, "/assessment")},
             {"POST", Path(submission, "/decision")}}) {
      const server::Response r = Call(token, method, target, AssessmentBody());
      EXPECT_EQ(r.status, 401) << method << " " << target << " with '" << token << "'";
      EXPECT_EQ(r.content_type, "application/json");
    }
  }

  // Another issuer: the submission does not exist for it, on every route.
  const server::Response list = Call(other_token_, "GET", "/v1/issuer/submissions");
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(Json(list).at("submissions").as_array(), SizeIs(0));
  const server::Response other = Call(other_token_, "GET", Path(submission));
  EXPECT_EQ(other.status, 404);
  const server::Response unknown = Issuer("GET", Path(EntityId::FromBytes(std::string(16, 'x'))));
  EXPECT_EQ(unknown.status, 404);
  // The same answer as for a submission that does not exist.
  EXPECT_THAT(Message(other), HasSubstr("no complete submission"));
  EXPECT_THAT(Message(unknown), HasSubstr("no complete submission"));
  EXPECT_EQ(Call(other_token_, "GET", video).status, 404);
  EXPECT_EQ(Call(other_token_, "POST", Path(submission, "/assessment"), AssessmentBody()).status,
            404);
  EXPECT_EQ(Call(other_token_, "POST", Path(submission, "/decision"),
                 R"({"decision":"award","confirmed_by":"x"})")
                .status,
            404);
  EXPECT_EQ(Json(Issuer("GET", Path(submission))).at("state").as_string(), "complete");

  // Routes and methods.
  EXPECT_EQ(Issuer("GET", "/v1/issuer/nothing").status, 404);
  EXPECT_EQ(Issuer("DELETE", Path(submission)).status, 405);
  EXPECT_EQ(Issuer("GET", Path(submission, "/assessment")).status, 405);
  EXPECT_EQ(Issuer("GET", "/v1/issuer/submissions/not-a-uuid").status, 400);
}

TEST_F(IssuerApiTest, AssessmentsTheRubricRefusesAre422NamingWhatToFixAndStoreNothing) {
  const EntityId submission = SubmitComplete();
  const std::string target = Path(submission, "/assessment");
  const auto post = [&](const std::string& body) { return Issuer("POST", target, body); };
  json::object good = json::parse(AssessmentBody()).as_object();

  json::object unknown = good;
  unknown["scores"].as_array()[1].as_object()["criterion_id"] = "creativity";
  server::Response r = post(json::serialize(unknown));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(Message(r), HasSubstr("scores[1]: the rubric has no criterion 'creativity'"));
  EXPECT_THAT(Message(r), HasSubstr("context-described, ticket-aligned"));

  json::object level = good;
  level["scores"].as_array()[2].as_object()["level_id"] = "excellent";
  r = post(json::serialize(level));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(Message(r), HasSubstr("level 'excellent', which the rubric does not have"));
  EXPECT_THAT(Message(r), HasSubstr("pass, not-yet"));

  json::object missing = good;
  missing["scores"].as_array().erase(missing["scores"].as_array().begin() + 4);
  r = post(json::serialize(missing));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(Message(r), HasSubstr("criterion instruction-adjusted"));

  json::object twice = good;
  twice["scores"].as_array()[4] = twice["scores"].as_array()[0];
  r = post(json::serialize(twice));
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(Message(r), HasSubstr("'context-described' is scored twice"));

  // Bodies that are not what the API takes: 400, saying where.
  r = post("{\"assessor\": \"Rosa\",\n \"scores\": [}");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Message(r), HasSubstr("the body is not JSON"));
  EXPECT_THAT(Message(r), HasSubstr("line 2, column"));
  EXPECT_EQ(post("[1, 2]").status, 400);
  json::object typo = good;
  typo["feedbak"] = "x";
  r = post(json::serialize(typo));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Message(r), HasSubstr("feedbak: unknown field"));
  json::object not_string = good;
  not_string["scores"].as_array()[0].as_object()["level_id"] = 3;
  r = post(json::serialize(not_string));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Message(r), HasSubstr("scores[0].level_id: must be a string"));
  json::object no_assessor = good;
  no_assessor.erase("assessor");
  EXPECT_THAT(Message(post(json::serialize(no_assessor))), HasSubstr("assessor: required"));
  server::Request xml{"POST", target, "Bearer " + token_, "text/xml", "", "<a/>"};
  EXPECT_EQ(service_->Handle(xml).status, 400);

  // Nothing was stored: the submission waits for its first assessment, and cannot be decided.
  EXPECT_EQ(Json(Issuer("GET", Path(submission))).at("state").as_string(), "complete");
  EXPECT_EQ(Json(Issuer("GET", Path(submission))).as_object().if_contains("assessment"), nullptr);
  r = Issuer("POST", Path(submission, "/decision"), R"({"decision":"award","confirmed_by":"Lee"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(Message(r), HasSubstr("no assessment to confirm"));
}

TEST_F(IssuerApiTest, NotYetThenResubmissionThenAwardReachTheDevice) {
  const EntityId first = SubmitComplete();
  EXPECT_EQ(PursuitStatus(), v1::PURSUIT_STATUS_RECEIVED);

  // Step 1: an assessment, recommended "not yet"; posting again replaces it.
  server::Response r =
      Issuer("POST", Path(first, "/assessment"), AssessmentBody({"ticket-aligned"}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("recommended_decision").as_string(), "not_yet");
  EXPECT_EQ(Json(r).at("state").as_string(), "in_review");
  r = Issuer("POST", Path(first, "/assessment"),
             AssessmentBody({"ticket-aligned", "instruction-adjusted"},
                            "Align every question with the objective, then try again."));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("recommended_decision").as_string(), "not_yet");
  EXPECT_THAT(
      Json(Issuer("GET", "/v1/issuer/submissions?state=in_review")).at("submissions").as_array(),
      SizeIs(1));
  Sync();
  EXPECT_EQ(PursuitStatus(), v1::PURSUIT_STATUS_IN_REVIEW);

  // Step 2: confirming other than the recommendation needs a reason.
  r = Issuer("POST", Path(first, "/decision"), R"({"decision":"award","confirmed_by":"Lee"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_THAT(Message(r), HasSubstr("recommends not_yet"));
  EXPECT_EQ(
      Issuer("POST", Path(first, "/decision"), R"({"decision":"maybe","confirmed_by":"L"})").status,
      400);

  Result<uint64_t> before = store_->LastServerSeq();
  ASSERT_THAT(before.status(), IsOk());
  r = Issuer("POST", Path(first, "/decision"), R"({"decision":"not_yet","confirmed_by":"Lee"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r).at("decision").as_string(), "not_yet");
  Result<uint64_t> after = store_->LastServerSeq();
  ASSERT_THAT(after.status(), IsOk());
  EXPECT_EQ(*after, *before + 1) << "the decision is one change";

  // Final: neither decided again nor re-assessed.
  r = Issuer("POST", Path(first, "/decision"), R"({"decision":"not_yet","confirmed_by":"Lee"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_THAT(Message(r), HasSubstr("decided already"));
  EXPECT_EQ(Issuer("POST", Path(first, "/assessment"), AssessmentBody()).status, 409);
  EXPECT_EQ(*store_->LastServerSeq(), *after);

  // The device receives it in one pulled change: status, feedback, every criterion.
  const SyncReport pulled = Sync();
  EXPECT_EQ(pulled.pulled, 1u);
  EXPECT_EQ(PursuitStatus(), v1::PURSUIT_STATUS_NOT_YET);
  Result<std::vector<v1::Assessment>> assessments = device_->ListAssessments(pursuit_);
  ASSERT_THAT(assessments.status(), IsOk());
  ASSERT_THAT(*assessments, SizeIs(1));
  const v1::Assessment& not_yet = (*assessments)[0];
  EXPECT_EQ(not_yet.decision(), v1::DECISION_NOT_YET);
  EXPECT_EQ(not_yet.submission(), std::string(first.AsBytes()));
  EXPECT_EQ(not_yet.feedback(), "Align every question with the objective, then try again.");
  ASSERT_EQ(not_yet.scores_size(), 5);
  EXPECT_EQ(not_yet.scores(1).criterion_id(), "ticket-aligned");
  EXPECT_EQ(not_yet.scores(1).level_id(), "not-yet");
  EXPECT_EQ(not_yet.scores(1).comment(), "on ticket-aligned");
  EXPECT_EQ(not_yet.decided_at_ms(), clock_.NowMillis());

  // Revise and resubmit: attempt 2, the same evidence, nothing to upload again.
  ASSERT_THAT(device_->Answer(pursuit_, "design", Words(35, "aligned")), IsOk());
  Result<EntityId> second = device_->Submit(pursuit_);
  ASSERT_THAT(second.status(), IsOk());
  Sync();
  const server::Response list = Issuer("GET", "/v1/issuer/submissions?state=complete");
  const json::value waiting_json = Json(list);
  const json::array& waiting = waiting_json.at("submissions").as_array();
  ASSERT_THAT(waiting, SizeIs(1)) << "complete at once: the server holds every blob it names";
  EXPECT_EQ(waiting[0].at("id").as_string(), second->ToString());
  EXPECT_EQ(waiting[0].at("attempt").as_int64(), 2);

  ASSERT_EQ(Issuer("POST", Path(*second, "/assessment"), AssessmentBody()).status, 200);
  r = Issuer("POST", Path(*second, "/decision"), R"({"decision":"award","confirmed_by":"Lee"})");
  ASSERT_EQ(r.status, 200) << r.body;

  // The award waits for its badge.
  server::AssessmentStore assessment_store(*store_);
  Result<std::vector<server::PendingAward>> awards = assessment_store.PendingAwards();
  ASSERT_THAT(awards.status(), IsOk());
  ASSERT_THAT(*awards, SizeIs(1));
  EXPECT_EQ((*awards)[0].submission, *second);
  EXPECT_EQ((*awards)[0].issuer_id, kIssuer);
  EXPECT_EQ((*awards)[0].assessment, server::AssessmentEntityId(*second));

  Sync();
  EXPECT_EQ(PursuitStatus(), v1::PURSUIT_STATUS_AWARDED);
  assessments = device_->ListAssessments(pursuit_);
  ASSERT_THAT(assessments.status(), IsOk());
  ASSERT_THAT(*assessments, SizeIs(2));
  EXPECT_EQ((*assessments)[0].decision(), v1::DECISION_NOT_YET);
  EXPECT_EQ((*assessments)[1].decision(), v1::DECISION_AWARD);
  EXPECT_THAT(
      Json(Issuer("GET", "/v1/issuer/submissions?state=decided")).at("submissions").as_array(),
      SizeIs(2));

  // A webhook delivery that succeeds only now does not move the status back to "forwarded".
  ASSERT_THAT(store_->RecordDelivered(*second), IsOk());
  EXPECT_EQ(Sync().pulled, 0u);
  EXPECT_EQ(PursuitStatus(), v1::PURSUIT_STATUS_AWARDED);
}

TEST_F(IssuerApiTest, AwardRuleOfTheRubric) {
  v1::Rubric rubric;
  for (const auto& [id, passing] : {std::pair{"pass", true}, std::pair{"no", false}}) {
    v1::RubricLevel* level = rubric.add_levels();
    level->set_id(id);
    level->set_passing(passing);
  }
  for (const char* id : {"a", "b", "c"}) rubric.add_criteria()->set_id(id);
  rubric.mutable_award_rule()->set_kind(v1::AWARD_RULE_KIND_MIN_PASSING_CRITERIA);
  rubric.mutable_award_rule()->set_min_passing(2);
  std::vector<server::ScoreSpec> scores = {{"c", "pass", ""}, {"a", "no", ""}, {"b", "pass", ""}};
  std::vector<server::ScoreSpec> ordered;
  Result<v1::Decision> decision = server::RecommendDecision(rubric, scores, &ordered);
  ASSERT_THAT(decision.status(), IsOk());
  EXPECT_EQ(*decision, v1::DECISION_AWARD);
  ASSERT_THAT(ordered, SizeIs(3));
  EXPECT_EQ(ordered[0].criterion_id, "a");  // rubric order
  scores[2].level_id = "no";
  EXPECT_EQ(*server::RecommendDecision(rubric, scores), v1::DECISION_NOT_YET);
  rubric.mutable_award_rule()->set_kind(v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING);
  rubric.mutable_award_rule()->set_min_passing(0);
  scores[1].level_id = "pass";
  scores[2].level_id = "pass";
  EXPECT_EQ(*server::RecommendDecision(rubric, scores), v1::DECISION_AWARD);
  scores[0].level_id = "no";
  EXPECT_EQ(*server::RecommendDecision(rubric, scores), v1::DECISION_NOT_YET);
}

}  // namespace
}  // namespace cairn
