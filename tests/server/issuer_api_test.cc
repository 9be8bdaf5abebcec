// The issuer API through the Service, in process, over a real server store and real device
// stores (decision 0014): every route, who may call it (the issuer's token, never a device's;
// an issuer sees only its own micro-credentials' submissions), assessments checked against the
// rubric the submission pins, the two-step decision, and the decision reaching the educator's
// device through Pull as one change carrying the assessment and the statuses.
#include "server/issuer_fixture.h"

namespace cairn {
namespace {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names

class IssuerApiTest : public IssuerFixture {
 protected:
  IssuerApiTest() { with_badges_ = false; }
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
