// The error table (status_codes.def) and the HTTP face derived from it: every code survives the
// trip through an error answer in both body forms, a server's verdict on retrying is kept, an
// answer without a Cairn body is read sensibly, and docs/protocol.md says what the table says.
#include "cairn/error_answer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/status.h"
#include "cairn/v1/sync.pb.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(ErrorTableTest, EveryCodeHasOneRowNamedOnceWithItsNumber) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < AllCodes().size(); ++i) {
    const CodeInfo& info = AllCodes()[i];
    EXPECT_EQ(static_cast<size_t>(info.code), i);
    EXPECT_TRUE(names.insert(info.name).second) << info.name << " twice";
    EXPECT_EQ(CodeFromName(info.name), info.code);
    EXPECT_EQ(&InfoOf(info.code), &info);
    EXPECT_FALSE(info.action.empty()) << info.name;
    // Retry-After belongs to retryable codes only.
    if (info.retry_after_seconds > 0) {
      EXPECT_TRUE(info.retryable) << info.name;
    }
  }
  EXPECT_EQ(CodeFromName("no_such_code"), std::nullopt);
  // A number from a newer peer reads as internal rather than past the table.
  EXPECT_EQ(InfoOf(static_cast<Code>(999)).code, Code::kInternal);
  // The facts issue 13 settled: too large is final; a quota or rate waits and retries.
  EXPECT_EQ(InfoOf(Code::kTooLarge).http_status, 413);
  EXPECT_FALSE(InfoOf(Code::kTooLarge).retryable);
  EXPECT_EQ(InfoOf(Code::kResourceExhausted).http_status, 429);
  EXPECT_TRUE(InfoOf(Code::kResourceExhausted).retryable);
  EXPECT_GT(InfoOf(Code::kResourceExhausted).retry_after_seconds, 0);
}

TEST(ErrorAnswerTest, EveryCodeSurvivesBothBodiesWithItsStatusAndRetryable) {
  for (const CodeInfo& info : AllCodes()) {
    if (info.code == Code::kOk) continue;
    for (const bool json : {false, true}) {
      const Status sent(info.code, "what went wrong: \"quoted\"\n");
      const Status read = StatusFromErrorAnswer(
          HttpStatusOf(info.code), json ? "application/json" : "", ErrorBody(sent, json));
      EXPECT_EQ(read.code(), info.code) << info.name << (json ? " json" : " protobuf");
      EXPECT_EQ(read.message(), sent.message());
      EXPECT_EQ(read.retryable(), info.retryable);
    }
  }
}

TEST(ErrorAnswerTest, TheAnswersRetryableWinsOverTheTable) {
  for (const bool json : {false, true}) {
    const std::string type = json ? "application/json; charset=utf-8" : "application/x-protobuf";
    const Status final_unavailable(Code::kUnavailable, "retired", false);
    EXPECT_FALSE(StatusFromErrorAnswer(503, type, ErrorBody(final_unavailable, json)).retryable());
    const Status transient_internal(Code::kInternal, "restarting", true);
    EXPECT_TRUE(StatusFromErrorAnswer(500, type, ErrorBody(transient_internal, json)).retryable());
  }
  // Annotating keeps the verdict.
  EXPECT_TRUE(Status(Code::kInternal, "x", true).Annotate("uploading").retryable());
}

TEST(ErrorAnswerTest, ACodeNewerThanThisBuildIsInternalNamedInTheMessageAndKeepsRetryable) {
  v1::Error error;
  error.set_code("quota_of_tomorrow");
  error.set_message("come back later");
  error.set_retryable(true);
  const Status read =
      StatusFromErrorAnswer(429, "application/x-protobuf", error.SerializeAsString());
  EXPECT_THAT(read, StatusIs(Code::kInternal, HasSubstr("'quota_of_tomorrow' is newer")));
  EXPECT_THAT(read.message(), HasSubstr("come back later"));
  EXPECT_TRUE(read.retryable());
  EXPECT_THAT(StatusFromErrorAnswer(400, "application/json",
                                    R"({"code":"unknown_thing","message":"m","retryable":false})"),
              StatusIs(Code::kInternal, HasSubstr("unknown_thing")));
}

TEST(ErrorAnswerTest, AnAnswerWithoutACairnBodyIsReadFromItsStatus) {
  struct Case {
    int http;
    std::string content_type;
    std::string body;
    Code code;
    bool retryable;
  };
  const std::vector<Case> cases = {
      {502, "text/html", "<h1>Bad Gateway</h1>", Code::kUnavailable, true},
      {504, "", "", Code::kUnavailable, true},
      {408, "text/plain", "timeout", Code::kUnavailable, true},
      {503, "text/html", "<p>maintenance</p>", Code::kUnavailable, true},
      {429, "", "", Code::kResourceExhausted, true},
      {413, "text/html", "too big", Code::kTooLarge, false},
      {431, "", "", Code::kTooLarge, false},
      {404, "text/html", "<h1>Not Found</h1>", Code::kNotFound, false},
      {401, "", "", Code::kUnauthenticated, false},
      {403, "", "", Code::kPermissionDenied, false},
      {405, "", "", Code::kInvalidArgument, false},
      {416, "", "", Code::kOutOfRange, false},
      {409, "", "", Code::kFailedPrecondition, false},
      {418, "", "", Code::kInvalidArgument, false},
      {500, "text/html", "oops", Code::kInternal, false},
      {599, "", "", Code::kInternal, false},
      // JSON that is not an Error, and protobuf bytes that are not one, are no Cairn body.
      {503, "application/json", R"({"status":"down"})", Code::kUnavailable, true},
      {503, "application/x-protobuf", "\xff\xff\xff", Code::kUnavailable, true},
  };
  for (const Case& c : cases) {
    const Status read = StatusFromErrorAnswer(c.http, c.content_type, c.body);
    EXPECT_EQ(read.code(), c.code) << c.http << " " << c.body;
    EXPECT_EQ(read.retryable(), c.retryable) << c.http;
    EXPECT_THAT(read.message(), HasSubstr("HTTP " + std::to_string(c.http)));
    EXPECT_THAT(read.message(), HasSubstr(std::string(InfoOf(c.code).action)));
  }
}

TEST(ErrorAnswerTest, RefinementsApplyOnlyToTheCodeTheyRefine) {
  EXPECT_EQ(HttpStatusOf(Code::kInvalidArgument, HttpRefinement::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatusOf(Code::kInvalidArgument, HttpRefinement::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatusOf(Code::kOutOfRange, HttpRefinement::kRangeNotSatisfiable), 416);
  EXPECT_EQ(HttpStatusOf(Code::kInvalidArgument, HttpRefinement::kUnprocessableContent), 422);
  EXPECT_EQ(HttpStatusOf(Code::kTooLarge, HttpRefinement::kHeaderFieldsTooLarge), 431);
  // A refusal of another kind keeps its own status: a 422 route that finds nothing says 404.
  EXPECT_EQ(HttpStatusOf(Code::kNotFound, HttpRefinement::kUnprocessableContent), 404);
  EXPECT_EQ(HttpStatusOf(Code::kInvalidArgument, HttpRefinement::kHeaderFieldsTooLarge), 400);
  EXPECT_EQ(HttpStatusOf(Code::kUnavailable), 503);
  for (const HttpRefinement r :
       {HttpRefinement::kMethodNotAllowed, HttpRefinement::kUnsupportedMediaType,
        HttpRefinement::kRangeNotSatisfiable, HttpRefinement::kUnprocessableContent,
        HttpRefinement::kHeaderFieldsTooLarge}) {
    EXPECT_EQ(CodeOfHttpStatus(HttpStatusOf(RefinedCode(r), r)), RefinedCode(r));
  }
}

TEST(ErrorAnswerTest, AMessageThatIsNotUtf8StaysReadableInBothBodies) {
  const Status sent = InvalidArgument("no such file '\xc3\x28.jpg'");
  for (const bool json : {false, true}) {
    const std::string body = ErrorBody(sent, json);
    const Status read = StatusFromErrorAnswer(400, json ? "application/json" : "", body);
    EXPECT_THAT(read, StatusIs(Code::kInvalidArgument, HasSubstr("\xef\xbf\xbd(.jpg")))
        << (json ? "json" : "protobuf");
  }
}

// docs/protocol.md "Error codes" is the integrator's copy of the table: one row per code, in
// order, with the same name, HTTP status, retryable and Retry-After.
TEST(ErrorTableTest, TheProtocolDocumentListsExactlyTheTable) {
  std::ifstream in(std::string(CAIRN_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(in) << "docs/protocol.md";
  std::string line;
  bool in_section = false;
  std::vector<std::string> rows;
  while (std::getline(in, line)) {
    if (line.starts_with("#")) in_section = line == "### Error codes";
    if (in_section && line.starts_with("| ") && !line.starts_with("| #") &&
        !line.starts_with("| ---")) {
      rows.push_back(line);
    }
  }
  ASSERT_EQ(rows.size(), AllCodes().size()) << "rows in docs/protocol.md \"### Error codes\"";
  for (size_t i = 0; i < rows.size(); ++i) {
    const CodeInfo& info = AllCodes()[i];
    std::ostringstream expected;
    expected << "| " << i << " | `" << info.name << "` | " << info.http_status << " | "
             << (info.retryable ? "yes" : "no") << " | "
             << (info.retry_after_seconds > 0 ? std::to_string(info.retry_after_seconds) : "")
             << " | ";
    EXPECT_EQ(rows[i], expected.str() + std::string(info.action) + " |");
  }
}

}  // namespace
}  // namespace cairn
