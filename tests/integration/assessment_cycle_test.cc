// The whole assessment cycle with real processes (issue 5): a real `cairn-server serve` on
// loopback, a teacher's device that is a home of the real `cairn` CLI, and an issuer calling the
// issuer API over TLS with the server's pinned certificate (BeastTransport). Submit -> not yet
// with feedback -> revise -> resubmit (no evidence uploaded again) -> award; the device shows
// each step after sync.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr const char* kCriteria[] = {"context-described", "ticket-aligned", "ticket-given",
                                     "range-of-understanding", "instruction-adjusted"};

std::string Words(int n, std::string_view word) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + std::string(word);
  return out;
}

std::string AssessmentBody(const std::vector<std::string>& not_yet, const std::string& feedback) {
  json::array scores;
  for (const char* criterion : kCriteria) {
    const bool failed = std::find(not_yet.begin(), not_yet.end(), criterion) != not_yet.end();
    scores.push_back(json::object{{"criterion_id", criterion},
                                  {"level_id", failed ? "not-yet" : "pass"},
                                  {"comment", std::string("Comment on ") + criterion}});
  }
  return json::serialize(
      json::object{{"assessor", "Rosa Assessor"}, {"scores", scores}, {"feedback", feedback}});
}

class AssessmentCycleTest : public EvidenceTransferTest {
 protected:
  // The pursuit's entry of `cairn status --json`.
  json::object PursuitStatus(const std::string& home) {
    const ProgramResult status = Cli(home, {"status", "--json"});
    boost::system::error_code error;
    json::value value = json::parse(status.out, error);
    EXPECT_FALSE(error) << status.out;
    if (error) return {};
    const json::array& pursuits = value.at("pursuits").as_array();
    EXPECT_THAT(pursuits, SizeIs(1));
    return pursuits.empty() ? json::object() : pursuits[0].as_object();
  }
};

TEST_F(AssessmentCycleTest, NotYetWithFeedbackThenResubmissionWithoutUploadsThenAward) {
  AddIssuer();
  const Result<std::string> user = server_->AddUser("Ana");
  ASSERT_THAT(user.status(), IsOk());
  const std::string phone = NewHome("phone", *user, server_->url());

  // Pursue, answer, reflect, capture, submit, sync.
  const std::string pursuit = LastLineOf(Cli(phone, {"pursue", std::string(kMicroCredential)}).out);
  Cli(phone, {"answer", pursuit, "context", Words(25, "context")});
  Cli(phone, {"answer", pursuit, "design", Words(30, "design")});
  Cli(phone, {"reflect", pursuit, Words(40, "reflection")});
  const std::string video = dir_.File("lesson.mp4");
  WriteVideo(video, 300000, 3);
  Cli(phone, {"capture", video, "--pursuit", pursuit, "--requirement",
              std::string(kVideoRequirement), "--caption", "The lesson"});
  for (int i = 0; i < 2; ++i) {
    const std::string ticket = dir_.File("ticket" + std::to_string(i) + ".pdf");
    std::ofstream(ticket) << "%PDF-1.4\nexit ticket " << i << "\n%%EOF\n";
    Cli(phone, {"capture", ticket, "--pursuit", pursuit, "--requirement", "student-work",
                "--caption", "Ticket " + std::to_string(i)});
  }
  Cli(phone, {"submit", pursuit});
  const ProgramResult first_sync = Cli(phone, {"sync", "--json"});
  EXPECT_EQ(JsonNumber(first_sync.out, "uploaded"), 3u) << first_sync.out;
  const uint64_t received_after_first = Metric("cairn_blob_bytes_received_total");
  EXPECT_GE(received_after_first, 300000u);

  // The issuer lists it, fetches it and a range of its video.
  json::value list = IssuerJson("GET", "/v1/issuer/submissions?state=complete");
  ASSERT_THAT(list.at("submissions").as_array(), SizeIs(1));
  const std::string first = std::string(list.at("submissions").at(0).at("id").as_string());
  EXPECT_EQ(list.at("submissions").at(0).at("educator").at("name").as_string(), "Ana");
  const json::value submission = IssuerJson("GET", "/v1/issuer/submissions/" + first);
  std::string video_url;
  for (const json::value& e : submission.at("evidence").as_array()) {
    if (e.at("requirement_id").as_string() == kVideoRequirement) {
      video_url = std::string(e.at("url").as_string());
      EXPECT_EQ(e.at("sha256").as_string(), FileSha256Hex(video));
    }
  }
  ASSERT_FALSE(video_url.empty()) << json::serialize(submission);
  const HttpResponse range = Issuer("GET", video_url, "", "bytes=1000-1999");
  ASSERT_EQ(range.status, 206) << range.body;
  std::ifstream file(video, std::ios::binary);
  std::string expected(1000, '\0');
  file.seekg(1000);
  file.read(expected.data(), 1000);
  EXPECT_EQ(range.body, expected);

  // Not yet, with feedback, confirmed.
  const std::string feedback = "Tie each question to the objective and resubmit.";
  const json::value assessed = IssuerJson("POST", "/v1/issuer/submissions/" + first + "/assessment",
                                          AssessmentBody({"ticket-aligned"}, feedback));
  EXPECT_EQ(assessed.at("recommended_decision").as_string(), "not_yet");
  IssuerJson("POST", "/v1/issuer/submissions/" + first + "/decision",
             R"({"decision":"not_yet","confirmed_by":"Lee Issuer"})");
  EXPECT_EQ(Issuer("POST", "/v1/issuer/submissions/" + first + "/decision",
                   R"({"decision":"not_yet","confirmed_by":"Lee Issuer"})")
                .status,
            409);

  // The device shows it after sync: the status, the feedback, each criterion's comment.
  Cli(phone, {"sync"});
  json::object shown = PursuitStatus(phone);
  EXPECT_EQ(shown.at("status").as_string(), "not_yet");
  ASSERT_THAT(shown.at("decisions").as_array(), SizeIs(1));
  const json::value& decision = shown.at("decisions").at(0);
  EXPECT_EQ(decision.at("decision").as_string(), "not_yet");
  EXPECT_EQ(decision.at("feedback").as_string(), feedback);
  EXPECT_EQ(decision.at("scores").at(1).at("level_id").as_string(), "not-yet");
  EXPECT_EQ(decision.at("scores").at(1).at("comment").as_string(), "Comment on ticket-aligned");
  const ProgramResult text = Cli(phone, {"status"});
  EXPECT_THAT(text.out, HasSubstr("not yet"));
  EXPECT_THAT(text.out, HasSubstr(feedback));
  EXPECT_THAT(text.out, HasSubstr("Comment on ticket-aligned"));

  // Revise and resubmit: the same evidence, so the sync uploads nothing.
  Cli(phone, {"answer", pursuit, "design", Words(35, "aligned")});
  Cli(phone, {"submit", pursuit});
  const ProgramResult second_sync = Cli(phone, {"sync", "--json"});
  EXPECT_EQ(JsonNumber(second_sync.out, "chunk_bytes_sent"), 0u) << second_sync.out;
  EXPECT_EQ(Metric("cairn_blob_bytes_received_total"), received_after_first);

  list = IssuerJson("GET", "/v1/issuer/submissions?state=complete");
  ASSERT_THAT(list.at("submissions").as_array(), SizeIs(1));
  const std::string second = std::string(list.at("submissions").at(0).at("id").as_string());
  EXPECT_NE(second, first);
  EXPECT_EQ(list.at("submissions").at(0).at("attempt").as_int64(), 2);

  // Award.
  const json::value passed =
      IssuerJson("POST", "/v1/issuer/submissions/" + second + "/assessment",
                 AssessmentBody({}, "Every question now checks the objective. Well done."));
  EXPECT_EQ(passed.at("recommended_decision").as_string(), "award");
  IssuerJson("POST", "/v1/issuer/submissions/" + second + "/decision",
             R"({"decision":"award","confirmed_by":"Lee Issuer"})");

  Cli(phone, {"sync"});
  shown = PursuitStatus(phone);
  EXPECT_EQ(shown.at("status").as_string(), "awarded");
  ASSERT_THAT(shown.at("decisions").as_array(), SizeIs(2));
  EXPECT_EQ(shown.at("decisions").at(1).at("decision").as_string(), "award");
  EXPECT_EQ(shown.at("decisions").at(1).at("attempt").as_int64(), 2);
}

}  // namespace
}  // namespace cairn::testing
