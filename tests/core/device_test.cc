// Tests of the educator's domain API (cairn::Device): catalog, pursuits, answers, evidence,
// validation against the submission requirements, submission snapshots, schema enforcement and
// conflicts between two devices of one teacher.
#include "cairn/device.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cairn/entity.h"
#include "cairn/schema.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr char kMc[] = "exit-tickets";
constexpr char kTitle[] = "Exit Tickets for Formative Assessment";
constexpr char kCommit[] = "c0ffee1";
constexpr char kNewCommit[] = "d00dfee";

// The catalog an issuer would publish: one micro-credential with two overview questions, two
// artifacts and a reflection.
v1::MicroCredential ExitTickets(std::string_view title = kTitle) {
  v1::MicroCredential mc;
  mc.set_id(kMc);
  mc.set_title(std::string(title));
  mc.set_issuer_id("teach-forward");
  mc.set_competency(
      "The educator uses exit tickets to check for understanding and adjusts "
      "instruction.");
  mc.set_key_method("Design, give and analyse a short exit ticket at the end of a lesson.");
  mc.set_summary("Use exit tickets to see what students learned today.");
  mc.set_estimated_hours(15.0);
  mc.add_topics("formative assessment");
  mc.add_grade_bands(v1::GRADE_BAND_GRADES_6_8);

  v1::SubmissionRequirements* req = mc.mutable_requirements();
  v1::OverviewQuestion* context = req->add_overview_questions();
  context->set_id("context");
  context->set_prompt("Describe your students and the lesson.");
  context->set_word_limit(50);
  context->set_min_words(5);
  v1::OverviewQuestion* goals = req->add_overview_questions();
  goals->set_id("goals");
  goals->set_prompt("What did you want the exit ticket to reveal?");
  goals->set_word_limit(10);

  v1::ArtifactRequirement* video = req->add_artifacts();
  video->set_id("lesson-video");
  video->set_title("Lesson video");
  video->set_description("A video of you giving the exit ticket; blur students' faces.");
  video->add_media_types("video/*");
  video->set_min_count(1);
  video->set_max_count(1);
  v1::ArtifactRequirement* work = req->add_artifacts();
  work->set_id("student-work");
  work->set_title("Student exit tickets");
  work->set_description("Completed exit tickets; remove students' names.");
  work->add_media_types("image/*");
  work->add_media_types("application/pdf");
  work->set_min_count(1);
  work->set_max_count(3);

  v1::ReflectionPrompt* reflection = req->mutable_reflection();
  reflection->set_id("reflection");
  reflection->set_prompt("What did the tickets reveal, and what did you change?");
  reflection->set_word_limit(20);

  v1::Rubric* rubric = mc.mutable_rubric();
  v1::RubricLevel* pass = rubric->add_levels();
  pass->set_id("pass");
  pass->set_label("Pass");
  pass->set_passing(true);
  v1::RubricLevel* not_yet = rubric->add_levels();
  not_yet->set_id("not-yet");
  not_yet->set_label("Not yet");
  for (const char* requirement :
       {"context", "goals", "lesson-video", "student-work", "reflection"}) {
    v1::RubricCriterion* criterion = rubric->add_criteria();
    criterion->set_id(std::string(requirement) + "-criterion");
    criterion->set_requirement_id(requirement);
    criterion->set_description("The evidence for this requirement is complete and clear.");
    for (const char* level : {"pass", "not-yet"}) {
      v1::LevelDescriptor* descriptor = criterion->add_descriptors();
      descriptor->set_level_id(level);
      descriptor->set_text(std::string("Evidence at level ") + level + ".");
    }
  }
  rubric->mutable_award_rule()->set_kind(v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING);
  return mc;
}

v1::Catalog ExitTicketsCatalog(std::string_view commit = kCommit, std::string_view title = kTitle) {
  v1::Catalog catalog;
  v1::Issuer* issuer = catalog.add_issuers();
  issuer->set_id("teach-forward");
  issuer->set_name("Teach Forward");
  issuer->set_url("https://teachforward.example.org");
  *catalog.add_micro_credentials() = ExitTickets(title);
  catalog.set_commit(std::string(commit));
  return catalog;
}

// An evidence blob already in the blob store: `tag` fills the hash so that blobs differ.
EvidenceRef Media(uint8_t tag, std::string media_type, uint64_t size = 1000) {
  EvidenceRef ref;
  ref.sha256.fill(tag);
  ref.size = size;
  ref.media_type = std::move(media_type);
  return ref;
}

std::string Sha(uint8_t tag) { return std::string(32, static_cast<char>(tag)); }

std::string Bytes(const EntityId& id) { return std::string(id.AsBytes()); }

// `count` words separated by `separator`.
std::string Words(int count, std::string_view separator = " ") {
  std::string out;
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += separator;
    out += "word" + std::to_string(i + 1);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Issues(
    const std::vector<ValidationIssue>& issues) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ValidationIssue& issue : issues) out.emplace_back(issue.requirement_id, issue.message);
  return out;
}

std::map<std::string, std::string> AnswersOf(const v1::Pursuit& pursuit) {
  return {pursuit.answers().begin(), pursuit.answers().end()};
}

// The value of a Result, or a default value after recording a test failure.
template <typename T>
T Must(Result<T> result) {
  EXPECT_THAT(result, IsOk());
  return result.ok() ? std::move(result).value() : T{};
}

std::unique_ptr<Device> OpenDevice(const std::string& path, Clock* clock, Random* random) {
  Result<std::unique_ptr<Device>> opened = Device::Open(path, Env{clock, random});
  EXPECT_THAT(opened, IsOk());
  return opened.ok() ? std::move(opened).value() : nullptr;
}

// Texts that meet every requirement of ExitTickets().
constexpr char kContext[] = "Grade 7 science, twenty eight students, mixed readers";  // 8 words
constexpr char kGoals[] = "Whether students can compare two rates";                   // 6 words
constexpr char kReflection[] = "Most students confused rates with totals, so I retaught.";  // 9

struct ReadyEvidence {
  EntityId video;
  EntityId photo;
  EntityId pdf;
};

class DeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    device_ = OpenDevice(dir_.File("device.db"), &clock_, &random_);
    ASSERT_NE(device_, nullptr);
  }

  Device& device() { return *device_; }
  uint64_t Changes() { return device_->replica().ChangeCount(); }

  EntityId PublishAndStart() {
    EXPECT_THAT(device_->PublishCatalog(ExitTicketsCatalog()), IsOk());
    return Must(device_->StartPursuit(kMc));
  }

  // Answers, reflects and attaches evidence so that `pursuit` meets every requirement.
  ReadyEvidence MakeReady(const EntityId& pursuit) {
    EXPECT_THAT(device_->Answer(pursuit, "goals", kGoals), IsOk());
    EXPECT_THAT(device_->Answer(pursuit, "context", kContext), IsOk());
    EXPECT_THAT(device_->Reflect(pursuit, kReflection), IsOk());
    ReadyEvidence evidence;
    // Student work first, so that the snapshot's (requirement_id, id) order differs from the
    // order the evidence was captured in.
    evidence.photo = Must(device_->AddEvidence(pursuit, "student-work",
                                               Media(2, "image/jpeg", 2'000'000), "Table 3"));
    evidence.pdf = Must(device_->AddEvidence(pursuit, "student-work",
                                             Media(3, "application/pdf", 300'000), "Scans"));
    evidence.video = Must(device_->AddEvidence(pursuit, "lesson-video",
                                               Media(1, "video/mp4", 50'000'000), "Exit routine"));
    return evidence;
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{42};
  std::unique_ptr<Device> device_;
};

using DeviceCatalog = DeviceTest;
using DevicePursuit = DeviceTest;
using DeviceEvidence = DeviceTest;
using DeviceValidate = DeviceTest;
using DeviceSubmit = DeviceTest;
using DeviceSchema = DeviceTest;

// ---------------------------------------------------------------------------------------------
// Catalog

TEST_F(DeviceCatalog, PublishedMicroCredentialIsPinnedToCatalogCommit) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));

  v1::MicroCredential expected = ExitTickets();
  expected.set_version(kCommit);
  const std::vector<v1::MicroCredential> all = Must(device().ListMicroCredentials());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].DebugString(), expected.DebugString());

  const v1::MicroCredential newest = Must(device().GetMicroCredential(kMc));
  EXPECT_EQ(newest.version(), kCommit);
  EXPECT_EQ(newest.DebugString(), expected.DebugString());
  const v1::MicroCredential pinned = Must(device().GetMicroCredential(kMc, kCommit));
  EXPECT_EQ(pinned.DebugString(), expected.DebugString());
}

TEST_F(DeviceCatalog, NewCommitBecomesNewestAndOldVersionStaysReadable) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  clock_.Advance(24 * 3600 * 1000);
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog(kNewCommit, "Exit Tickets, 2nd ed.")));
  EXPECT_EQ(Changes(), 2U);

  const std::vector<v1::MicroCredential> all = Must(device().ListMicroCredentials());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].version(), kNewCommit);
  EXPECT_EQ(all[0].title(), "Exit Tickets, 2nd ed.");

  const v1::MicroCredential newest = Must(device().GetMicroCredential(kMc));
  EXPECT_EQ(newest.version(), kNewCommit);
  EXPECT_EQ(newest.title(), "Exit Tickets, 2nd ed.");

  const v1::MicroCredential old = Must(device().GetMicroCredential(kMc, kCommit));
  EXPECT_EQ(old.version(), kCommit);
  EXPECT_EQ(old.title(), kTitle);

  EXPECT_THAT(device().GetMicroCredential(kMc, "0badc0de"),
              StatusIs(Code::kNotFound,
                       Eq("version 0badc0de of micro-credential 'exit-tickets' is not on this "
                          "device; sync the catalog")));
}

TEST_F(DeviceCatalog, RepublishingSameCommitWritesNoChangeAndNeverAltersTheVersion) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  ASSERT_EQ(Changes(), 1U);

  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  EXPECT_EQ(Changes(), 1U);

  // A version is immutable: the same commit with other content changes nothing either.
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog(kCommit, "Renamed behind our back")));
  EXPECT_EQ(Changes(), 1U);
  EXPECT_EQ(Must(device().GetMicroCredential(kMc)).title(), kTitle);
}

TEST_F(DeviceCatalog, CatalogWithoutCommitIsRefused) {
  EXPECT_THAT(device().PublishCatalog(ExitTicketsCatalog("")),
              StatusIs(Code::kInvalidArgument, HasSubstr("no commit id")));
  EXPECT_EQ(Changes(), 0U);
  EXPECT_THAT(Must(device().ListMicroCredentials()), IsEmpty());
}

TEST_F(DeviceCatalog, CatalogWithAMicroCredentialWithoutIdWritesNothing) {
  v1::Catalog catalog = ExitTicketsCatalog();
  catalog.add_micro_credentials()->set_title("Nameless");
  EXPECT_THAT(device().PublishCatalog(catalog),
              StatusIs(Code::kInvalidArgument, HasSubstr("has no id")));
  EXPECT_EQ(Changes(), 0U);
  EXPECT_THAT(device().GetMicroCredential(kMc), StatusIs(Code::kNotFound, HasSubstr(kMc)));
}

// The ops a server that did not check its catalog once published: `mc` at `commit`, as
// PlanCatalogPublication writes an entry, whatever its definition holds.
std::vector<Op> UncheckedEntry(const v1::MicroCredential& mc, std::string_view commit,
                               int64_t now_ms) {
  const EntityId entity = CatalogEntryId(kMicroCredentialType, mc.id(), commit);
  v1::MicroCredential pinned = mc;
  pinned.set_version(std::string(commit));
  return {Op::Put(entity, std::string(kTypeField), std::string(kMicroCredentialType)),
          Op::Put(entity, "slug", mc.id()),
          Op::Put(entity, "version", std::string(commit)),
          Op::Put(entity, "title", mc.title()),
          Op::Put(entity, "definition", Blob{pinned.SerializeAsString()}),
          Op::Put(entity, "published_at_ms", now_ms)};
}

TEST_F(DeviceCatalog, TextThatIsNotUtf8IsNeverPublished) {
  v1::Catalog catalog = ExitTicketsCatalog();
  catalog.mutable_micro_credentials(0)->add_topics("\xff\xfe");
  EXPECT_THAT(device().PublishCatalog(catalog),
              StatusIs(Code::kInvalidArgument,
                       AllOf(HasSubstr("micro_credential 'exit-tickets'"),
                             HasSubstr("not valid UTF-8"), HasSubstr("nothing was published"))));
  EXPECT_EQ(Changes(), 0U) << "a definition a device cannot read back must not be written";
}

TEST_F(DeviceCatalog, DamagedEntryIsSkippedAndNamedAndTheRestStaysUsable) {
  v1::Catalog catalog = ExitTicketsCatalog();
  *catalog.add_micro_credentials() = ExitTickets("Anchor Charts");
  catalog.mutable_micro_credentials(1)->set_id("anchor-charts");
  CAIRN_ASSERT_OK(device().PublishCatalog(catalog));
  std::vector<CatalogDamage> damage;
  device().set_catalog_damage_sink([&](const CatalogDamage& d) { damage.push_back(d); });

  // As an unchecked server published them: a newer version of exit tickets, and a new
  // micro-credential, each with a topic that is not UTF-8 (proto3 refuses to parse those).
  clock_.Advance(1000);
  v1::MicroCredential bad = ExitTickets("Exit Tickets, broken");
  bad.add_topics("\xff\xfe");
  std::vector<Op> ops = UncheckedEntry(bad, kNewCommit, clock_.NowMillis());
  bad.set_id("only-broken");
  for (Op& op : UncheckedEntry(bad, kNewCommit, clock_.NowMillis())) ops.push_back(std::move(op));
  CAIRN_ASSERT_OK(device().replica().Commit(std::move(ops)).status());

  // The list still works: exit tickets at its previous, readable version; the broken newcomer
  // left out. Each damaged entry is named once.
  const std::vector<v1::MicroCredential> all = Must(device().ListMicroCredentials());
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_EQ(all[0].id(), "anchor-charts");
  EXPECT_EQ(all[1].id(), kMc);
  EXPECT_EQ(all[1].version(), kCommit);
  ASSERT_THAT(damage, SizeIs(2));
  EXPECT_EQ(damage[0].id, kMc);
  EXPECT_EQ(damage[0].type, kMicroCredentialType);
  EXPECT_EQ(damage[0].version, kNewCommit);
  EXPECT_THAT(damage[0].message,
              AllOf(HasSubstr("micro-credential 'exit-tickets' (version d00dfee) is damaged"),
                    HasSubstr("its previous version is shown instead")));
  EXPECT_EQ(damage[1].id, "only-broken");
  EXPECT_THAT(damage[1].message, AllOf(HasSubstr("'only-broken'"), HasSubstr("was skipped"),
                                       ::testing::Not(HasSubstr("previous version"))));

  // Show and pursue work, on the readable version.
  EXPECT_EQ(Must(device().GetMicroCredential(kMc)).version(), kCommit);
  const EntityId pursuit = Must(device().StartPursuit(kMc));
  EXPECT_EQ(Must(device().GetPursuit(pursuit)).micro_credential_version(), kCommit);
  EXPECT_THAT(device().StartPursuit("only-broken"),
              StatusIs(Code::kNotFound, HasSubstr("no micro-credential 'only-broken'")));
  // Asking for the damaged version itself says so.
  EXPECT_THAT(device().GetMicroCredential(kMc, kNewCommit),
              StatusIs(Code::kDataLoss, HasSubstr("version d00dfee of micro-credential "
                                                  "'exit-tickets' is damaged")));
}

TEST_F(DeviceCatalog, ListsNewestOfEveryMicroCredentialByTitleFromOneChange) {
  v1::Catalog catalog = ExitTicketsCatalog();
  v1::MicroCredential* think = catalog.add_micro_credentials();
  *think = ExitTickets("Think-Pair-Share");
  think->set_id("think-pair-share");
  v1::MicroCredential* anchor = catalog.add_micro_credentials();
  *anchor = ExitTickets("Anchor Charts");
  anchor->set_id("anchor-charts");
  CAIRN_ASSERT_OK(device().PublishCatalog(catalog));
  EXPECT_EQ(Changes(), 1U);

  const std::vector<v1::MicroCredential> all = Must(device().ListMicroCredentials());
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_EQ(all[0].id(), "anchor-charts");
  EXPECT_EQ(all[1].id(), kMc);
  EXPECT_EQ(all[2].id(), "think-pair-share");
  for (const v1::MicroCredential& mc : all) EXPECT_EQ(mc.version(), kCommit) << mc.id();
}

// ---------------------------------------------------------------------------------------------
// Pursuits, answers and the reflection

TEST_F(DevicePursuit, StartingUnknownMicroCredentialIsNotFoundWithHelpfulMessage) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  const uint64_t before = Changes();
  EXPECT_THAT(device().StartPursuit("exit-ticket"),
              StatusIs(Code::kNotFound, AllOf(HasSubstr("no micro-credential 'exit-ticket'"),
                                              HasSubstr("sync"), HasSubstr("cairn catalog list"))));
  EXPECT_EQ(Changes(), before);
  EXPECT_THAT(Must(device().ListPursuits()), IsEmpty());
}

TEST_F(DevicePursuit, NewPursuitIsDraftPinnedToNewestVersionAtAttemptOne) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  // A new commit makes a new version only of what changed (catalog_publish.h).
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog(kNewCommit, "Exit Tickets, 2nd ed.")));
  clock_.Advance(5000);
  const EntityId id = Must(device().StartPursuit(kMc));

  const v1::Pursuit pursuit = Must(device().GetPursuit(id));
  EXPECT_EQ(pursuit.id(), Bytes(id));
  EXPECT_EQ(pursuit.micro_credential_id(), kMc);
  EXPECT_EQ(pursuit.micro_credential_version(), kNewCommit);
  EXPECT_EQ(pursuit.status(), v1::PURSUIT_STATUS_DRAFT);
  EXPECT_EQ(pursuit.attempt(), 1);
  EXPECT_EQ(pursuit.started_at_ms(), clock_.NowMillis());
  EXPECT_THAT(pursuit.answers(), IsEmpty());
  EXPECT_EQ(pursuit.reflection(), "");

  const std::vector<v1::Pursuit> all = Must(device().ListPursuits());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_EQ(all[0].id(), Bytes(id));
}

TEST_F(DevicePursuit, PursuitKeepsItsVersionWhenCatalogIsRepublished) {
  const EntityId old_pursuit = PublishAndStart();
  CAIRN_ASSERT_OK(device().Answer(old_pursuit, "goals", Words(8)));

  // The new version tightens the word limit of "goals" from 10 to 5.
  v1::Catalog revised = ExitTicketsCatalog(kNewCommit);
  revised.mutable_micro_credentials(0)
      ->mutable_requirements()
      ->mutable_overview_questions(1)
      ->set_word_limit(5);
  CAIRN_ASSERT_OK(device().PublishCatalog(revised));
  const EntityId new_pursuit = Must(device().StartPursuit(kMc));
  CAIRN_ASSERT_OK(device().Answer(new_pursuit, "goals", Words(8)));

  EXPECT_EQ(Must(device().GetPursuit(old_pursuit)).micro_credential_version(), kCommit);
  EXPECT_EQ(Must(device().GetPursuit(new_pursuit)).micro_credential_version(), kNewCommit);
  const auto goals_issues = [&](const EntityId& pursuit) {
    std::vector<std::string> out;
    for (const ValidationIssue& issue : Must(device().Validate(pursuit))) {
      if (issue.requirement_id == "goals") out.push_back(issue.message);
    }
    return out;
  };
  EXPECT_THAT(goals_issues(old_pursuit), IsEmpty());
  EXPECT_THAT(goals_issues(new_pursuit),
              ElementsAre("Your answer to question 2 has 8 words; the limit is 5. Cut 3 words."));
}

TEST_F(DevicePursuit, AnswerToUnknownQuestionListsTheRealQuestionIds) {
  const EntityId pursuit = PublishAndStart();
  const uint64_t before = Changes();
  EXPECT_THAT(device().Answer(pursuit, "goal", "typo in the question id"),
              StatusIs(Code::kInvalidArgument,
                       Eq("'Exit Tickets for Formative Assessment' has no question 'goal'; its "
                          "questions are: context, goals")));
  EXPECT_EQ(Changes(), before);
  EXPECT_THAT(Must(device().GetPursuit(pursuit)).answers(), IsEmpty());
}

TEST_F(DevicePursuit, AnswersAndReflectionAreReadBackLastWriteWins) {
  const EntityId pursuit = PublishAndStart();
  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", "first draft"));
  CAIRN_ASSERT_OK(device().Answer(pursuit, "context", kContext));
  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", kGoals));
  CAIRN_ASSERT_OK(device().Reflect(pursuit, "early thoughts"));
  CAIRN_ASSERT_OK(device().Reflect(pursuit, kReflection));

  const v1::Pursuit read = Must(device().GetPursuit(pursuit));
  EXPECT_THAT(AnswersOf(read), ElementsAre(Pair("context", kContext), Pair("goals", kGoals)));
  EXPECT_EQ(read.reflection(), kReflection);
  EXPECT_EQ(read.status(), v1::PURSUIT_STATUS_DRAFT);
}

TEST_F(DevicePursuit, WritingToAnUnknownPursuitIsNotFound) {
  CAIRN_ASSERT_OK(device().PublishCatalog(ExitTicketsCatalog()));
  const EntityId missing = device().replica().NewEntityId();
  const uint64_t before = Changes();
  EXPECT_THAT(device().Reflect(missing, "text"),
              StatusIs(Code::kNotFound, HasSubstr("no pursuit " + missing.ToString())));
  EXPECT_THAT(device().Answer(missing, "goals", "text"),
              StatusIs(Code::kNotFound, HasSubstr("no pursuit")));
  EXPECT_THAT(device().GetPursuit(missing), StatusIs(Code::kNotFound, HasSubstr("no pursuit")));
  EXPECT_EQ(Changes(), before);
}

// ---------------------------------------------------------------------------------------------
// Evidence

TEST_F(DeviceEvidence, EvidenceForUnknownArtifactIsRefusedListingTheArtifacts) {
  const EntityId pursuit = PublishAndStart();
  const uint64_t before = Changes();
  EXPECT_THAT(device().AddEvidence(pursuit, "lesson-plan", Media(1, "application/pdf"), "Plan"),
              StatusIs(Code::kInvalidArgument,
                       Eq("'Exit Tickets for Formative Assessment' asks for no artifact "
                          "'lesson-plan'; its artifacts are: lesson-video, student-work")));
  EXPECT_EQ(Changes(), before);
  EXPECT_THAT(Must(device().ListEvidence(pursuit)), IsEmpty());
}

TEST_F(DeviceEvidence, EvidenceWithoutMediaTypeIsRefused) {
  const EntityId pursuit = PublishAndStart();
  EXPECT_THAT(device().AddEvidence(pursuit, "student-work", Media(1, ""), "Mystery"),
              StatusIs(Code::kInvalidArgument, HasSubstr("no media type")));
  EXPECT_THAT(Must(device().ListEvidence(pursuit)), IsEmpty());
}

TEST_F(DeviceEvidence, ListEvidenceReturnsOnlyThatPursuitsEvidence) {
  const EntityId first = PublishAndStart();
  const EntityId second = Must(device().StartPursuit(kMc));
  clock_.Advance(1234);
  const EntityId photo = Must(
      device().AddEvidence(first, "student-work", Media(7, "image/png", 4096), "Table 2 tickets"));
  const EntityId video =
      Must(device().AddEvidence(second, "lesson-video", Media(8, "video/mp4", 9999), ""));

  const std::vector<v1::EvidenceItem> of_first = Must(device().ListEvidence(first));
  ASSERT_THAT(of_first, SizeIs(1));
  EXPECT_EQ(of_first[0].id(), Bytes(photo));
  EXPECT_EQ(of_first[0].pursuit(), Bytes(first));
  EXPECT_EQ(of_first[0].requirement_id(), "student-work");
  EXPECT_EQ(of_first[0].blob().sha256(), Sha(7));
  EXPECT_EQ(of_first[0].blob().size(), 4096U);
  EXPECT_EQ(of_first[0].blob().media_type(), "image/png");
  EXPECT_EQ(of_first[0].caption(), "Table 2 tickets");
  EXPECT_EQ(of_first[0].captured_at_ms(), clock_.NowMillis());

  const std::vector<v1::EvidenceItem> of_second = Must(device().ListEvidence(second));
  ASSERT_THAT(of_second, SizeIs(1));
  EXPECT_EQ(of_second[0].id(), Bytes(video));
  EXPECT_EQ(of_second[0].pursuit(), Bytes(second));
  EXPECT_EQ(of_second[0].blob().sha256(), Sha(8));
  EXPECT_EQ(of_second[0].caption(), "");
}

TEST_F(DeviceEvidence, RemovedEvidenceDisappearsAndCannotBeRemovedTwice) {
  const EntityId pursuit = PublishAndStart();
  const EntityId kept =
      Must(device().AddEvidence(pursuit, "student-work", Media(1, "image/jpeg"), "Kept"));
  const EntityId removed =
      Must(device().AddEvidence(pursuit, "student-work", Media(2, "image/jpeg"), "Blurry"));
  ASSERT_THAT(Must(device().ListEvidence(pursuit)), SizeIs(2));

  CAIRN_ASSERT_OK(device().RemoveEvidence(removed));
  const std::vector<v1::EvidenceItem> left = Must(device().ListEvidence(pursuit));
  ASSERT_THAT(left, SizeIs(1));
  EXPECT_EQ(left[0].id(), Bytes(kept));

  const uint64_t before = Changes();
  EXPECT_THAT(device().RemoveEvidence(removed), StatusIs(Code::kNotFound, HasSubstr("evidence")));
  EXPECT_THAT(device().RemoveEvidence(pursuit),
              StatusIs(Code::kInvalidArgument, HasSubstr(pursuit.ToString() + " is not a")));
  EXPECT_EQ(Changes(), before);
}

// ---------------------------------------------------------------------------------------------
// Validation

TEST_F(DeviceValidate, FreshPursuitListsEveryMissingRequirement) {
  const EntityId pursuit = PublishAndStart();
  EXPECT_THAT(
      Issues(Must(device().Validate(pursuit))),
      ElementsAre(
          Pair("context", "Your answer to question 1 has no answer yet."),
          Pair("goals", "Your answer to question 2 has no answer yet."),
          Pair("lesson-video", "Artifact 1 ('Lesson video') needs 1 item; you attached 0."),
          Pair("student-work", "Artifact 2 ('Student exit tickets') needs 1 item; you attached 0."),
          Pair("reflection", "Your reflection has no answer yet.")));
}

TEST_F(DeviceValidate, ReadyPursuitHasNoIssues) {
  const EntityId pursuit = PublishAndStart();
  const ReadyEvidence evidence = MakeReady(pursuit);
  EXPECT_THAT(Must(device().Validate(pursuit)), IsEmpty());

  // Removing the only video brings the requirement back.
  CAIRN_ASSERT_OK(device().RemoveEvidence(evidence.video));
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("lesson-video",
                               "Artifact 1 ('Lesson video') needs 1 item; you attached 0.")));
}

TEST_F(DeviceValidate, VideoArtifactRejectsPhotoWithTeacherMessage) {
  const EntityId pursuit = PublishAndStart();
  const ReadyEvidence evidence = MakeReady(pursuit);
  CAIRN_ASSERT_OK(device().RemoveEvidence(evidence.video));
  ASSERT_THAT(device().AddEvidence(pursuit, "lesson-video", Media(9, "image/jpeg"), "Oops"),
              IsOk());

  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("lesson-video",
                               "Artifact 1 ('Lesson video') needs a video; you attached a photo "
                               "(image/jpeg).")));
}

TEST_F(DeviceValidate, StudentWorkAcceptsPhotosAndPdfsButNotAudio) {
  const EntityId pursuit = PublishAndStart();
  const ReadyEvidence evidence = MakeReady(pursuit);
  CAIRN_ASSERT_OK(device().RemoveEvidence(evidence.pdf));
  // Media types are matched without case or parameters.
  ASSERT_THAT(device().AddEvidence(pursuit, "student-work",
                                   Media(4, "Application/PDF; version=1.7"), "Scan"),
              IsOk());
  ASSERT_THAT(Must(device().Validate(pursuit)), IsEmpty());

  CAIRN_ASSERT_OK(device().RemoveEvidence(evidence.photo));
  ASSERT_THAT(device().AddEvidence(pursuit, "student-work", Media(5, "audio/mpeg"), "Recap"),
              IsOk());
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("student-work",
                               "Artifact 2 ('Student exit tickets') needs a photo or a PDF; you "
                               "attached an audio recording (audio/mpeg).")));
}

TEST_F(DeviceValidate, AnswerOverWordLimitSaysHowManyWordsToCut) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);

  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", Words(10)));  // the limit is inclusive
  EXPECT_THAT(Must(device().Validate(pursuit)), IsEmpty());

  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", Words(13)));
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("goals",
                               "Your answer to question 2 has 13 words; the limit is "
                               "10. Cut 3 words.")));
}

TEST_F(DeviceValidate, AnswerUnderMinWordsAsksForMore) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);

  CAIRN_ASSERT_OK(device().Answer(pursuit, "context", "Grade 7 science"));
  EXPECT_THAT(
      Issues(Must(device().Validate(pursuit))),
      ElementsAre(Pair("context", "Your answer to question 1 has 3 words; write at least 5.")));

  CAIRN_ASSERT_OK(device().Answer(pursuit, "context", Words(4)));
  EXPECT_THAT(
      Issues(Must(device().Validate(pursuit))),
      ElementsAre(Pair("context", "Your answer to question 1 has 4 words; write at least 5.")));

  CAIRN_ASSERT_OK(device().Answer(pursuit, "context", Words(5)));  // the minimum is inclusive
  EXPECT_THAT(Must(device().Validate(pursuit)), IsEmpty());
}

TEST_F(DeviceValidate, ReflectionOverWordLimitSaysHowManyWordsToCut) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);

  CAIRN_ASSERT_OK(device().Reflect(pursuit, Words(20)));
  EXPECT_THAT(Must(device().Validate(pursuit)), IsEmpty());

  CAIRN_ASSERT_OK(device().Reflect(pursuit, Words(25, "\n")));
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("reflection",
                               "Your reflection has 25 words; the limit is 20. Cut 5 words.")));
}

TEST_F(DeviceValidate, BlankAnswerCountsAsMissing) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);
  CAIRN_ASSERT_OK(device().Reflect(pursuit, " \n\t "));
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("reflection", "Your reflection has no answer yet.")));
}

TEST_F(DeviceValidate, TooManyArtifactsSaysHowManyToRemove) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);
  ASSERT_THAT(device().AddEvidence(pursuit, "lesson-video", Media(10, "video/quicktime"), "Take 2"),
              IsOk());
  ASSERT_THAT(device().AddEvidence(pursuit, "student-work", Media(11, "image/png"), "More"),
              IsOk());
  ASSERT_THAT(device().AddEvidence(pursuit, "student-work", Media(12, "image/png"), "Even more"),
              IsOk());

  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("lesson-video",
                               "Artifact 1 ('Lesson video') takes at most 1; you attached 2. "
                               "Remove 1."),
                          Pair("student-work",
                               "Artifact 2 ('Student exit tickets') takes at most 3; you attached "
                               "4. Remove 1.")));
}

// catalog.proto: "a word is a maximal run of characters that are not Unicode White_Space".
// Text pasted from a word processor often separates words with U+00A0 NO-BREAK SPACE.
TEST_F(DeviceValidate, WordLimitCountsWordsSeparatedByNoBreakSpaces) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);
  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", Words(12, "\u00A0")));
  EXPECT_THAT(Issues(Must(device().Validate(pursuit))),
              ElementsAre(Pair("goals",
                               "Your answer to question 2 has 12 words; the limit is "
                               "10. Cut 2 words.")));
}

// ---------------------------------------------------------------------------------------------
// Submission

TEST_F(DeviceSubmit, NotReadyPursuitIsRefusedWithEveryIssueAndNothingIsWritten) {
  const EntityId pursuit = PublishAndStart();
  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", Words(12)));
  const uint64_t before = Changes();

  EXPECT_THAT(
      device().Submit(pursuit),
      StatusIs(Code::kFailedPrecondition,
               Eq("the pursuit is not ready to submit:"
                  "\n  - Your answer to question 1 has no answer yet."
                  "\n  - Your answer to question 2 has 12 words; the limit is 10. Cut 2 words."
                  "\n  - Artifact 1 ('Lesson video') needs 1 item; you attached 0."
                  "\n  - Artifact 2 ('Student exit tickets') needs 1 item; you attached 0."
                  "\n  - Your reflection has no answer yet.")));
  EXPECT_EQ(Changes(), before);
  EXPECT_THAT(Must(device().ListSubmissions(pursuit)), IsEmpty());
  const v1::Pursuit after = Must(device().GetPursuit(pursuit));
  EXPECT_EQ(after.status(), v1::PURSUIT_STATUS_DRAFT);
  EXPECT_EQ(after.attempt(), 1);
}

TEST_F(DeviceSubmit, SnapshotPinsVersionAnswersReflectionAndEvidence) {
  const EntityId pursuit = PublishAndStart();
  const ReadyEvidence evidence = MakeReady(pursuit);
  clock_.Advance(60'000);
  const uint64_t before = Changes();

  const EntityId submission = Must(device().Submit(pursuit));
  EXPECT_EQ(Changes(), before + 1) << "a submission is one change";

  const std::vector<v1::Submission> submissions = Must(device().ListSubmissions(pursuit));
  ASSERT_THAT(submissions, SizeIs(1));
  EXPECT_EQ(submissions[0].id(), Bytes(submission));
  const v1::SubmissionSnapshot& snapshot = submissions[0].snapshot();
  EXPECT_EQ(snapshot.pursuit(), Bytes(pursuit));
  EXPECT_EQ(snapshot.micro_credential_id(), kMc);
  EXPECT_EQ(snapshot.micro_credential_version(), kCommit);
  EXPECT_EQ(snapshot.attempt(), 1);
  EXPECT_EQ(snapshot.submitted_at_ms(), clock_.NowMillis());

  // Answered "goals" first; the snapshot sorts by question id.
  ASSERT_THAT(snapshot.answers(), SizeIs(2));
  EXPECT_EQ(snapshot.answers(0).question_id(), "context");
  EXPECT_EQ(snapshot.answers(0).text(), kContext);
  EXPECT_EQ(snapshot.answers(1).question_id(), "goals");
  EXPECT_EQ(snapshot.answers(1).text(), kGoals);
  EXPECT_EQ(snapshot.reflection(), kReflection);

  // Sorted by (requirement_id, evidence id), not in capture order.
  ASSERT_THAT(snapshot.evidence(), SizeIs(3));
  const auto& video = snapshot.evidence(0);
  EXPECT_EQ(video.evidence_id(), Bytes(evidence.video));
  EXPECT_EQ(video.requirement_id(), "lesson-video");
  EXPECT_EQ(video.blob().sha256(), Sha(1));
  EXPECT_EQ(video.blob().size(), 50'000'000U);
  EXPECT_EQ(video.blob().media_type(), "video/mp4");
  EXPECT_EQ(video.caption(), "Exit routine");
  const auto& photo = snapshot.evidence(1);
  EXPECT_EQ(photo.evidence_id(), Bytes(evidence.photo));
  EXPECT_EQ(photo.requirement_id(), "student-work");
  EXPECT_EQ(photo.blob().sha256(), Sha(2));
  EXPECT_EQ(photo.blob().media_type(), "image/jpeg");
  EXPECT_EQ(photo.caption(), "Table 3");
  const auto& pdf = snapshot.evidence(2);
  EXPECT_EQ(pdf.evidence_id(), Bytes(evidence.pdf));
  EXPECT_EQ(pdf.requirement_id(), "student-work");
  EXPECT_EQ(pdf.blob().sha256(), Sha(3));
  EXPECT_EQ(pdf.blob().size(), 300'000U);
  EXPECT_EQ(pdf.blob().media_type(), "application/pdf");

  const v1::Pursuit after = Must(device().GetPursuit(pursuit));
  EXPECT_EQ(after.status(), v1::PURSUIT_STATUS_SUBMITTED);
  EXPECT_EQ(after.attempt(), 2) << "the attempt the next submission will be";
}

TEST_F(DeviceSubmit, ResubmissionGetsNextAttemptAndFirstSnapshotIsUnchanged) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);
  const EntityId first = Must(device().Submit(pursuit));
  const std::vector<v1::Submission> once = Must(device().ListSubmissions(pursuit));
  ASSERT_THAT(once, SizeIs(1));
  const std::string first_snapshot = once[0].snapshot().SerializeAsString();

  clock_.Advance(7 * 24 * 3600 * 1000);
  CAIRN_ASSERT_OK(device().Reflect(pursuit, "After feedback I grouped students by misconception."));
  CAIRN_ASSERT_OK(device().Answer(pursuit, "goals", "Whether students can compare unit rates"));
  ASSERT_THAT(device().AddEvidence(pursuit, "student-work", Media(20, "image/png"), "Regrouped"),
              IsOk());
  const EntityId second = Must(device().Submit(pursuit));
  EXPECT_NE(first, second);

  const std::vector<v1::Submission> twice = Must(device().ListSubmissions(pursuit));
  ASSERT_THAT(twice, SizeIs(2));
  EXPECT_EQ(twice[0].id(), Bytes(first));
  EXPECT_EQ(twice[0].snapshot().attempt(), 1);
  EXPECT_EQ(twice[0].snapshot().SerializeAsString(), first_snapshot);
  EXPECT_EQ(twice[0].snapshot().reflection(), kReflection);
  EXPECT_THAT(twice[0].snapshot().evidence(), SizeIs(3));

  EXPECT_EQ(twice[1].id(), Bytes(second));
  EXPECT_EQ(twice[1].snapshot().attempt(), 2);
  EXPECT_EQ(twice[1].snapshot().reflection(),
            "After feedback I grouped students by misconception.");
  EXPECT_EQ(twice[1].snapshot().answers(1).text(), "Whether students can compare unit rates");
  EXPECT_THAT(twice[1].snapshot().evidence(), SizeIs(4));
  EXPECT_EQ(twice[1].snapshot().submitted_at_ms(), clock_.NowMillis());
  EXPECT_EQ(Must(device().GetPursuit(pursuit)).attempt(), 3);
}

TEST_F(DeviceSubmit, SnapshotCannotBeOverwritten) {
  const EntityId pursuit = PublishAndStart();
  MakeReady(pursuit);
  const EntityId submission = Must(device().Submit(pursuit));
  const std::string stored =
      Must(device().ListSubmissions(pursuit))[0].snapshot().SerializeAsString();
  const uint64_t before = Changes();

  v1::SubmissionSnapshot forged;
  forged.set_reflection("A better reflection, written after the fact.");
  EXPECT_THAT(device().replica().Commit(
                  {Op::Put(submission, "snapshot", Blob{forged.SerializeAsString()})}),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("field 'snapshot' of a submission is written once and already "
                                 "set")));
  EXPECT_THAT(device().replica().Commit({Op::Put(submission, "attempt", int64_t{7})}),
              StatusIs(Code::kInvalidArgument, HasSubstr("field 'attempt'")));
  EXPECT_EQ(Changes(), before);

  const std::vector<v1::Submission> after = Must(device().ListSubmissions(pursuit));
  ASSERT_THAT(after, SizeIs(1));
  EXPECT_EQ(after[0].snapshot().SerializeAsString(), stored);
  EXPECT_EQ(after[0].snapshot().attempt(), 1);
}

// ---------------------------------------------------------------------------------------------
// Schema

TEST_F(DeviceSchema, IntegerReflectionIsRefusedNamingFieldAndTypes) {
  const EntityId pursuit = PublishAndStart();
  CAIRN_ASSERT_OK(device().Reflect(pursuit, kReflection));
  const uint64_t before = Changes();

  EXPECT_THAT(device().replica().Commit({Op::Put(pursuit, "reflection", int64_t{42})}),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("field 'reflection' of a pursuit holds text, not integer")));
  EXPECT_EQ(Changes(), before);
  EXPECT_EQ(Must(device().GetPursuit(pursuit)).reflection(), kReflection);
}

TEST_F(DeviceSchema, ChangeWithOneBadOpIsRefusedWhole) {
  const EntityId pursuit = PublishAndStart();
  const uint64_t before = Changes();
  EXPECT_THAT(device().replica().Commit({Op::Put(pursuit, "answer:goals", std::string("fine")),
                                         Op::Put(pursuit, "started_at_ms", std::string("now"))}),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("field 'started_at_ms' of a pursuit holds integer, not text")));
  EXPECT_EQ(Changes(), before);
  EXPECT_THAT(Must(device().GetPursuit(pursuit)).answers(), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Two devices of one teacher

class DeviceSync : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = OpenDevice(dir_.File("a.db"), &clock_, &random_a_);
    b_ = OpenDevice(dir_.File("b.db"), &clock_, &random_b_);
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    ASSERT_NE(a_->replica().actor(), b_->replica().actor());

    CAIRN_ASSERT_OK(a_->PublishCatalog(ExitTicketsCatalog()));
    const Result<std::string> everything = a_->replica().ExportSince({});
    ASSERT_THAT(everything, IsOk());
    ASSERT_THAT(b_->replica().ApplyEncoded(*everything), IsOk());
    EXPECT_EQ(Must(b_->GetMicroCredential(kMc)).version(), kCommit);

    pursuit_ = Must(a_->StartPursuit(kMc));
    ASSERT_NO_FATAL_FAILURE(Send(*a_, *b_));
    EXPECT_EQ(Must(b_->GetPursuit(pursuit_)).micro_credential_version(), kCommit);
  }

  // Sends `to` every change of `from` it lacks.
  static void Send(Device& from, Device& to) {
    const Result<std::string> batch = from.replica().ExportSince(to.replica().Version());
    ASSERT_THAT(batch, IsOk());
    ASSERT_THAT(to.replica().ApplyEncoded(*batch), IsOk());
  }

  // Both directions, each batch made before either is applied.
  void Exchange() {
    const Result<std::string> a_to_b = a_->replica().ExportSince(b_->replica().Version());
    const Result<std::string> b_to_a = b_->replica().ExportSince(a_->replica().Version());
    ASSERT_THAT(a_to_b, IsOk());
    ASSERT_THAT(b_to_a, IsOk());
    ASSERT_THAT(b_->replica().ApplyEncoded(*a_to_b), IsOk());
    ASSERT_THAT(a_->replica().ApplyEncoded(*b_to_a), IsOk());
  }

  static std::vector<std::string> Texts(const Conflict& conflict) {
    std::vector<std::string> out;
    for (const RegisterEntry& entry : conflict.values) {
      const auto* text = std::get_if<std::string>(&entry.value);
      out.push_back(text ? *text : "<not text>");
    }
    return out;
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_a_{1};
  SeededRandom random_b_{2};
  std::unique_ptr<Device> a_;
  std::unique_ptr<Device> b_;
  EntityId pursuit_;
};

TEST_F(DeviceSync, ConcurrentReflectionsConvergeKeepBothTextsAndResolve) {
  EXPECT_EQ(Must(a_->replica().StateHash()), Must(b_->replica().StateHash()));

  CAIRN_ASSERT_OK(a_->Reflect(pursuit_, "Written on the laptop."));
  clock_.Advance(1000);  // B writes later, so B's text wins on both
  CAIRN_ASSERT_OK(b_->Reflect(pursuit_, "Written on the phone."));
  ASSERT_NO_FATAL_FAILURE(Exchange());

  EXPECT_EQ(Must(a_->replica().StateHash()), Must(b_->replica().StateHash()));
  EXPECT_EQ(Must(a_->GetPursuit(pursuit_)).reflection(), "Written on the phone.");
  EXPECT_EQ(Must(b_->GetPursuit(pursuit_)).reflection(), "Written on the phone.");
  for (Device* device : {a_.get(), b_.get()}) {
    const std::vector<Conflict> conflicts = Must(device->Conflicts());
    ASSERT_THAT(conflicts, SizeIs(1));
    EXPECT_EQ(conflicts[0].entity, pursuit_);
    EXPECT_EQ(conflicts[0].type, kPursuitType);
    EXPECT_EQ(conflicts[0].field, "reflection");
    EXPECT_THAT(Texts(conflicts[0]), ElementsAre("Written on the laptop.", "Written on the phone."))
        << "every concurrent value, the winner last";
  }

  CAIRN_ASSERT_OK(a_->Resolve(pursuit_, "reflection", "Merged: laptop and phone."));
  ASSERT_NO_FATAL_FAILURE(Send(*a_, *b_));

  for (Device* device : {a_.get(), b_.get()}) {
    EXPECT_THAT(Must(device->Conflicts()), IsEmpty());
    EXPECT_EQ(Must(device->GetPursuit(pursuit_)).reflection(), "Merged: laptop and phone.");
  }
  EXPECT_EQ(Must(a_->replica().StateHash()), Must(b_->replica().StateHash()));
  EXPECT_THAT(b_->Resolve(pursuit_, "reflection", "again"),
              StatusIs(Code::kNotFound, HasSubstr("no conflict on field 'reflection'")));
}

TEST_F(DeviceSync, ConcurrentAnswersSurfaceAsConflictOnTheAnswerField) {
  CAIRN_ASSERT_OK(a_->Answer(pursuit_, "goals", "laptop goals"));
  CAIRN_ASSERT_OK(b_->Answer(pursuit_, "goals", "phone goals"));
  ASSERT_NO_FATAL_FAILURE(Exchange());

  EXPECT_EQ(Must(a_->replica().StateHash()), Must(b_->replica().StateHash()));
  const std::vector<Conflict> conflicts = Must(b_->Conflicts());
  ASSERT_THAT(conflicts, SizeIs(1));
  EXPECT_EQ(conflicts[0].field, "answer:goals");
  EXPECT_THAT(Texts(conflicts[0]), ::testing::UnorderedElementsAre("laptop goals", "phone goals"));
  EXPECT_EQ(AnswersOf(Must(a_->GetPursuit(pursuit_))), AnswersOf(Must(b_->GetPursuit(pursuit_))));
}

TEST_F(DeviceSync, ConcurrentStatusWritesNeverShowAsConflict) {
  CAIRN_ASSERT_OK(
      a_->replica().Commit({Op::Put(pursuit_, "status", std::string("submitted"))}).status());
  CAIRN_ASSERT_OK(a_->Reflect(pursuit_, "laptop"));
  clock_.Advance(1000);
  CAIRN_ASSERT_OK(
      b_->replica().Commit({Op::Put(pursuit_, "status", std::string("not_yet"))}).status());
  CAIRN_ASSERT_OK(b_->Reflect(pursuit_, "phone"));
  ASSERT_NO_FATAL_FAILURE(Exchange());

  // Both statuses are concurrent and kept in the register, yet only free text is a conflict.
  const std::optional<EntityData> entity = Must(a_->replica().Get(pursuit_));
  ASSERT_TRUE(entity.has_value());
  ASSERT_EQ(entity->fields.at("status").size(), 2U);
  for (Device* device : {a_.get(), b_.get()}) {
    const std::vector<Conflict> conflicts = Must(device->Conflicts());
    ASSERT_THAT(conflicts, SizeIs(1));
    EXPECT_EQ(conflicts[0].field, "reflection");
    EXPECT_EQ(Must(device->GetPursuit(pursuit_)).status(), v1::PURSUIT_STATUS_NOT_YET);
  }
  EXPECT_EQ(Must(a_->replica().StateHash()), Must(b_->replica().StateHash()));
}

// ---------------------------------------------------------------------------------------------
// Counting words

TEST(DeviceCountWords, EmptyAndBlankTextHaveNoWords) {
  EXPECT_EQ(CountWords(""), 0U);
  EXPECT_EQ(CountWords(" \t\n\r\f\v "), 0U);
}

TEST(DeviceCountWords, RunsOfAsciiWhitespaceSeparateWords) {
  EXPECT_EQ(CountWords("  one  two\nthree\t"), 3U);
  EXPECT_EQ(CountWords("one"), 1U);
  EXPECT_EQ(CountWords("don't stop-and-go, ok?"), 3U);
}

TEST(DeviceCountWords, MultiByteUtf8WordsCountOnce) {
  EXPECT_EQ(CountWords("café naïve 日本語 🙂"), 4U);
  EXPECT_EQ(CountWords("Ελληνικά\tрусский\nعربي"), 3U);
  EXPECT_EQ(CountWords("日本語の文章"), 1U);
  // U+00E0 is C3 A0 and U+0105 is C4 85: continuation bytes that look like NBSP/NEL in Latin-1.
  EXPECT_EQ(CountWords("à ą"), 2U);
}

// catalog.proto: "a word is a maximal run of characters that are not Unicode White_Space".
TEST(DeviceCountWords, UnicodeWhiteSpaceSeparatesWords) {
  EXPECT_EQ(CountWords("one\u00A0two"), 2U);              // NO-BREAK SPACE
  EXPECT_EQ(CountWords("one\u2003two\u2009three"), 3U);   // EM SPACE, THIN SPACE
  EXPECT_EQ(CountWords("一\u3000二"), 2U);                // IDEOGRAPHIC SPACE
  EXPECT_EQ(CountWords("line\u2028next\u0085last"), 3U);  // LINE SEPARATOR, NEXT LINE
}

}  // namespace
}  // namespace cairn
