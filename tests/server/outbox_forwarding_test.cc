// The forwarding outbox and the workflow status, in process over a real store (decision 0013):
// the outbox row is written exactly when a submission completes, whichever of its snapshot and
// blobs arrives last, and never for an incomplete one; failed deliveries back off, grow, and die
// after the issuer's max attempts; an operator's retry revives them; "received" and "forwarded"
// reach the educator's device through Pull, and an old attempt's status never overwrites the
// pursuit's newer one. Devices may not write those statuses themselves.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cairn/catalog_publish.h"
#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "cairn/v1/catalog.pb.h"
#include "cairn/v1/model.pb.h"
#include "forward/backoff.h"
#include "forward/delivery_worker.h"
#include "forward/envelope.h"
#include "forward/git_target.h"
#include "forward/webhook.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/sha256.h"
#include "support/status_matchers.h"

namespace cairn::server {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::IsOk;
using ::cairn::testing::RawSha;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;

constexpr std::string_view kCredential = "exit-tickets";
constexpr std::string_view kVersion = "c0ffee";
constexpr std::string_view kIssuer = "northwind";

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.env = Env{&clock_, &random_};
    Result<std::unique_ptr<ServerStore>> store =
        ServerStore::Open(dir_.File("server.db"), options_);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    PublishCredential();
    Result<User> user = store_->AddUser("Ana", Role::kEducator);
    ASSERT_THAT(user.status(), IsOk());
    Result<std::string> code = store_->NewEnrolCode(user->id);
    ASSERT_THAT(code.status(), IsOk());
    Result<Enrolment> enrolment = store_->Enrol(*code, NewActorId(random_), "ana-phone");
    ASSERT_THAT(enrolment.status(), IsOk());
    ana_ = *enrolment;
  }

  // The catalog entry submissions pin, naming kIssuer.
  void PublishCredential() {
    v1::MicroCredential definition;
    definition.set_id(std::string(kCredential));
    definition.set_version(std::string(kVersion));
    definition.set_title("Exit Tickets for Formative Assessment");
    definition.set_issuer_id(std::string(kIssuer));
    const EntityId entry = CatalogEntryId(kMicroCredentialType, kCredential, kVersion);
    ASSERT_THAT(
        store_
            ->CommitServerChange(
                "catalog", {Op::Put(entry, "type", std::string(kMicroCredentialType)),
                            Op::Put(entry, "slug", std::string(kCredential)),
                            Op::Put(entry, "version", std::string(kVersion)),
                            Op::Put(entry, "definition", Blob{definition.SerializeAsString()})})
            .status(),
        IsOk());
  }

  Result<PushResult> PushOps(std::vector<Op> ops) {
    const uint64_t seq = ++seq_;
    Change change{ana_.principal.actor,
                  seq,
                  MakeHlc(clock_.NowMillis(), static_cast<uint16_t>(seq)),
                  {},
                  std::move(ops)};
    return store_->Push(ana_.principal, std::span(&change, 1));
  }

  EntityId NewPursuit() {
    const EntityId id = IdGenerator(options_.env).Next();
    Result<PushResult> pushed =
        PushOps({Op::Put(id, "type", std::string("pursuit")),
                 Op::Put(id, "micro_credential_id", std::string(kCredential)),
                 Op::Put(id, "status", std::string("draft"))});
    EXPECT_THAT(pushed.status(), IsOk());
    EXPECT_EQ(pushed->accepted, 1u);
    return id;
  }

  // Pushes a submission of `pursuit` (attempt `attempt`) whose snapshot names `blobs`.
  EntityId Submit(const std::vector<std::string>& blobs,
                  std::optional<EntityId> pursuit = std::nullopt, int64_t attempt = 1) {
    v1::SubmissionSnapshot snapshot;
    snapshot.set_micro_credential_id(std::string(kCredential));
    snapshot.set_micro_credential_version(std::string(kVersion));
    snapshot.set_attempt(attempt);
    snapshot.set_submitted_at_ms(clock_.NowMillis());
    snapshot.set_reflection("It went \"well\".");
    if (pursuit) snapshot.set_pursuit(std::string(pursuit->AsBytes()));
    for (const std::string& data : blobs) {
      auto* evidence = snapshot.add_evidence();
      evidence->set_requirement_id("classroom-video");
      evidence->mutable_blob()->set_sha256(RawSha(data));
      evidence->mutable_blob()->set_size(data.size());
      evidence->mutable_blob()->set_media_type("video/mp4");
    }
    const EntityId id = IdGenerator(options_.env).Next();
    Result<PushResult> pushed =
        PushOps({Op::Put(id, "type", std::string("submission")),
                 Op::Put(id, "snapshot", Blob{snapshot.SerializeAsString()})});
    EXPECT_THAT(pushed.status(), IsOk());
    EXPECT_EQ(pushed->accepted, 1u)
        << (pushed->refused.empty() ? "" : pushed->refused[0].error.ToString());
    return id;
  }

  void Upload(std::string_view data) {
    BlobOfferSpec offer;
    offer.size = data.size();
    offer.media_type = "video/mp4";
    offer.chunk_size = kBlobChunkBytes;
    offer.chunk_sha256 = {RawSha(data)};
    const std::string sha = RawSha(data);
    ASSERT_THAT(store_->OfferBlob(ana_.principal, sha, offer).status(), IsOk());
    Result<std::unique_ptr<BlobWriter>> writer = store_->BeginBlobChunks(ana_.principal, sha, 0);
    ASSERT_THAT(writer.status(), IsOk());
    ASSERT_THAT((*writer)->Append(data), IsOk());
    Result<BlobInfo> done = (*writer)->Finish();
    ASSERT_THAT(done.status(), IsOk());
    ASSERT_EQ(done->state, BlobState::kPresent);
  }

  bool HasOutboxRow(const EntityId& submission) { return store_->GetOutboxEntry(submission).ok(); }

  // Every (entity, field) -> text the server's changes put, pulled as the device would.
  std::map<std::pair<EntityId, std::string>, std::string> PullStatuses() {
    std::map<std::pair<EntityId, std::string>, std::string> out;
    Result<PullResult> pulled = store_->Pull(ana_.principal, cursor_, 1000, 1 << 20);
    EXPECT_THAT(pulled.status(), IsOk());
    cursor_ = pulled->cursor;
    for (const Change& change : pulled->changes) {
      for (const Op& op : change.ops) {
        if (op.field != "status") continue;
        out[{op.entity, op.field}] = std::get<std::string>(op.value);
      }
    }
    return out;
  }

  ForwardOptions WorkerOptions() {
    ForwardOptions forward;
    forward.public_url = "https://cairn.example";
    forward.data_dir = dir_.path().string();
    forward.backoff = BackoffPolicy{1000, 60'000};
    forward.webhook.connect_timeout = std::chrono::milliseconds(2000);
    forward.env = options_.env;
    return forward;
  }

  FakeClock clock_{1'790'000'000'000};
  SeededRandom random_{5};
  TempDir dir_;
  ServerStoreOptions options_;
  std::unique_ptr<ServerStore> store_;
  Enrolment ana_;
  uint64_t seq_ = 0;
  uint64_t cursor_ = 0;
};

TEST_F(OutboxTest, RowIsWrittenWhenTheLastBlobArrivesAfterTheSnapshot) {
  const std::string video = "video bytes", photo = "photo bytes";
  const EntityId submission = Submit({video, photo});
  EXPECT_FALSE(HasOutboxRow(submission)) << "snapshot alone: incomplete";
  Upload(video);
  EXPECT_FALSE(HasOutboxRow(submission)) << "one blob of two: incomplete";
  clock_.Advance(500);
  Upload(photo);
  Result<OutboxEntry> entry = store_->GetOutboxEntry(submission);
  ASSERT_THAT(entry.status(), IsOk());
  EXPECT_EQ(entry->issuer_id, kIssuer) << "from the pinned catalog version";
  EXPECT_EQ(entry->state, DeliveryState::kPending);
  EXPECT_EQ(entry->attempts, 0u);
  EXPECT_EQ(entry->created_ms, clock_.NowMillis()) << "the completion's transaction";
  EXPECT_EQ(entry->next_attempt_ms, clock_.NowMillis()) << "due at once";
}

TEST_F(OutboxTest, RowIsWrittenWithTheSnapshotWhenTheBlobsCameFirst) {
  const std::string video = "video bytes";
  Upload(video);
  const EntityId submission = Submit({video});
  ASSERT_TRUE(HasOutboxRow(submission));
  const EntityId without_evidence = Submit({});
  EXPECT_TRUE(HasOutboxRow(without_evidence)) << "nothing to wait for";
}

TEST_F(OutboxTest, IncompleteSubmissionsAreNeverDue) {
  const std::string uploaded = "uploaded", missing = "never uploaded";
  Upload(uploaded);
  const EntityId submission = Submit({uploaded, missing});
  EXPECT_FALSE(HasOutboxRow(submission));
  clock_.Advance(int64_t{24} * 3600 * 1000);
  Result<std::vector<OutboxEntry>> due = store_->DueDeliveries(clock_.NowMillis(), 100);
  ASSERT_THAT(due.status(), IsOk());
  EXPECT_TRUE(due->empty());
  EXPECT_THAT(store_->GetOutboxEntry(submission).status(),
              StatusIs(Code::kNotFound, HasSubstr("outbox list")));
  Result<std::vector<OutboxEntry>> all = store_->ListOutbox(std::nullopt, 100);
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_TRUE(all->empty());
}

TEST_F(OutboxTest, ARepeatedSnapshotWritesNoSecondRow) {
  const EntityId submission = Submit({});
  ASSERT_TRUE(HasOutboxRow(submission));
  ASSERT_THAT(store_->RecordDelivered(submission), IsOk());
  // The blob of a later submission completing must not touch the delivered row.
  Upload("unrelated");
  Result<OutboxEntry> entry = store_->GetOutboxEntry(submission);
  ASSERT_THAT(entry.status(), IsOk());
  EXPECT_EQ(entry->state, DeliveryState::kDelivered);
}

TEST_F(OutboxTest, FailuresBackOffExponentiallyAndDieAtMaxAttemptsThenRetryRevives) {
  // A real connection failure: nothing listens on port 9 of loopback.
  IssuerSpec spec;
  spec.id = std::string(kIssuer);
  spec.name = "Northwind Educators";
  spec.target_kind = TargetKind::kWebhook;
  spec.target = "http://127.0.0.1:9/hooks/cairn";
  spec.max_attempts = 4;
  ASSERT_THAT(store_->AddIssuer(spec).status(), IsOk());
  const EntityId submission = Submit({});
  DeliveryWorker worker(*store_, WorkerOptions());

  int64_t previous_delay = 0;
  for (uint32_t attempt = 1; attempt <= 4; ++attempt) {
    Result<std::vector<OutboxEntry>> due = store_->DueDeliveries(clock_.NowMillis(), 10);
    ASSERT_THAT(due.status(), IsOk());
    ASSERT_EQ(due->size(), 1u) << "attempt " << attempt;
    Result<DeliveryOutcome> outcome = worker.Attempt(due->front());
    ASSERT_THAT(outcome.status(), IsOk());
    EXPECT_FALSE(outcome->delivered);
    EXPECT_THAT(outcome->error, StatusIs(Code::kUnavailable, HasSubstr("127.0.0.1:9")));
    EXPECT_EQ(outcome->entry.attempts, attempt);
    EXPECT_THAT(outcome->entry.last_error, HasSubstr("cannot connect"));
    if (attempt < 4) {
      ASSERT_EQ(outcome->entry.state, DeliveryState::kPending);
      const int64_t delay = outcome->entry.next_attempt_ms - clock_.NowMillis();
      const int64_t full = int64_t{1000} << (attempt - 1);
      EXPECT_GE(delay, full / 2) << "attempt " << attempt;
      EXPECT_LE(delay, full) << "attempt " << attempt;
      EXPECT_GT(delay, previous_delay / 2);
      previous_delay = delay;
      // Not due before its time.
      clock_.Advance(delay - 1);
      Result<std::vector<OutboxEntry>> early = store_->DueDeliveries(clock_.NowMillis(), 10);
      ASSERT_THAT(early.status(), IsOk());
      EXPECT_TRUE(early->empty());
      clock_.Advance(1);
    } else {
      EXPECT_EQ(outcome->entry.state, DeliveryState::kDead) << "max attempts used up";
    }
  }
  clock_.Advance(int64_t{10} * 24 * 3600 * 1000);
  Result<size_t> pass = worker.RunOnce();
  ASSERT_THAT(pass.status(), IsOk());
  EXPECT_EQ(*pass, 0u) << "a dead entry is never attempted again by itself";
  Result<std::vector<OutboxEntry>> dead = store_->ListOutbox(DeliveryState::kDead, 10);
  ASSERT_THAT(dead.status(), IsOk());
  ASSERT_EQ(dead->size(), 1u);

  Result<OutboxEntry> revived = store_->RetryDelivery(submission);
  ASSERT_THAT(revived.status(), IsOk());
  EXPECT_EQ(revived->state, DeliveryState::kPending);
  EXPECT_EQ(revived->attempts, 0u);
  EXPECT_EQ(revived->next_attempt_ms, clock_.NowMillis()) << "due now";
  EXPECT_THAT(revived->last_error, HasSubstr("cannot connect")) << "kept until the next attempt";
  pass = worker.RunOnce();
  ASSERT_THAT(pass.status(), IsOk());
  EXPECT_EQ(*pass, 1u);
}

TEST_F(OutboxTest, BackoffIsCappedAndJittered) {
  const BackoffPolicy policy{1000, 8000};
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) {
    const int64_t delay = RetryDelayMs(policy, 30, random_);
    EXPECT_GE(delay, 4000);
    EXPECT_LE(delay, 8000);
    seen.insert(delay);
  }
  EXPECT_GT(seen.size(), 10u) << "jitter spreads retries";
  EXPECT_LE(RetryDelayMs(policy, 1, random_), 1000);
}

TEST_F(OutboxTest, AnUnconfiguredIssuerUsesUpNoAttempts) {
  const EntityId submission = Submit({});
  DeliveryWorker worker(*store_, WorkerOptions());
  for (int i = 0; i < 3; ++i) {
    Result<OutboxEntry> entry = store_->GetOutboxEntry(submission);
    ASSERT_THAT(entry.status(), IsOk());
    Result<DeliveryOutcome> outcome = worker.Attempt(*entry);
    ASSERT_THAT(outcome.status(), IsOk());
    EXPECT_EQ(outcome->entry.state, DeliveryState::kPending);
    EXPECT_EQ(outcome->entry.attempts, 0u);
    EXPECT_THAT(outcome->entry.last_error, HasSubstr("cairn-server issuer add northwind"));
  }
}

TEST_F(OutboxTest, WorkflowStatusReachesTheDeviceThroughPull) {
  const EntityId pursuit = NewPursuit();
  const EntityId submission = Submit({}, pursuit);
  auto statuses = PullStatuses();
  EXPECT_EQ((statuses[{submission, "status"}]), "received");
  EXPECT_EQ((statuses[{pursuit, "status"}]), "received");

  ASSERT_THAT(store_->RecordDelivered(submission), IsOk());
  statuses = PullStatuses();
  EXPECT_EQ((statuses[{submission, "status"}]), "forwarded");
  EXPECT_EQ((statuses[{pursuit, "status"}]), "forwarded");

  // Recording the same delivery again (a retried delivery) publishes nothing new.
  ASSERT_THAT(store_->RecordDelivered(submission), IsOk());
  EXPECT_TRUE(PullStatuses().empty());
}

TEST_F(OutboxTest, AnOldAttemptsEventDoesNotOverwriteTheResubmissionsStatus) {
  const EntityId pursuit = NewPursuit();
  const EntityId first = Submit({"evidence one"}, pursuit, 1);  // waits for its blob
  const EntityId second = Submit({}, pursuit, 2);
  auto statuses = PullStatuses();
  EXPECT_EQ((statuses[{second, "status"}]), "received");
  EXPECT_EQ((statuses[{pursuit, "status"}]), "received");

  ASSERT_THAT(store_->RecordDelivered(second), IsOk());
  EXPECT_EQ((PullStatuses()[{pursuit, "status"}]), "forwarded");

  // The first attempt completes and is delivered late.
  Upload("evidence one");
  ASSERT_THAT(store_->RecordDelivered(first), IsOk());
  statuses = PullStatuses();
  EXPECT_EQ((statuses[{first, "status"}]), "forwarded");
  EXPECT_FALSE(statuses.contains({pursuit, "status"}))
      << "the pursuit keeps its latest attempt's status";
}

TEST_F(OutboxTest, ASnapshotNamingAnotherAccountsPursuitOnlyStatusesTheSubmission) {
  // A pursuit id the server never saw: the status goes on the submission alone, and the push
  // is accepted (the snapshot's pursuit is the device's word).
  const EntityId stranger = IdGenerator(options_.env).Next();
  const EntityId submission = Submit({}, stranger);
  auto statuses = PullStatuses();
  EXPECT_EQ((statuses[{submission, "status"}]), "received");
  EXPECT_FALSE(statuses.contains({stranger, "status"}));
}

TEST_F(OutboxTest, DevicesMayNotWriteWorkflowStatuses) {
  const EntityId submission = IdGenerator(options_.env).Next();
  Result<PushResult> pushed = PushOps({Op::Put(submission, "type", std::string("submission")),
                                       Op::Put(submission, "status", std::string("forwarded"))});
  ASSERT_THAT(pushed.status(), IsOk());
  ASSERT_EQ(pushed->refused.size(), 1u);
  EXPECT_THAT(pushed->refused[0].error,
              StatusIs(Code::kPermissionDenied, HasSubstr("may not write 'status'")));
  --seq_;  // a refused change's number is used again

  const EntityId pursuit = NewPursuit();
  for (const char* status : {"received", "forwarded", "awarded", "not_yet", "in_review"}) {
    pushed = PushOps({Op::Put(pursuit, "status", std::string(status))});
    ASSERT_THAT(pushed.status(), IsOk());
    ASSERT_EQ(pushed->refused.size(), 1u) << status;
    EXPECT_THAT(pushed->refused[0].error,
                StatusIs(Code::kPermissionDenied, HasSubstr("draft or submitted")))
        << status;
    --seq_;
  }
  pushed = PushOps({Op::Put(pursuit, "status", std::string("submitted"))});
  ASSERT_THAT(pushed.status(), IsOk());
  EXPECT_EQ(pushed->accepted, 1u);
}

// A crash between the push and its record makes the worker deliver again: the branch already
// holds the submission, so no second commit is made, even from a lost (deleted) mirror.
TEST(GitTargetTest, DeliveringAgainMakesNoNewCommit) {
  TempDir dir;
  const std::string remote = dir.File("remote.git");
  ASSERT_EQ(std::system(("git init --quiet --bare --initial-branch=main " + remote).c_str()), 0);
  const std::string evidence = dir.File("photo.png");
  {
    std::ofstream file(evidence, std::ios::binary);
    file << "\x89PNG student work";
  }
  GitDelivery delivery;
  delivery.remote = remote;
  delivery.mirror_dir = dir.File("mirror.git");
  delivery.submission_id = "019ac3a2-0000-7000-8000-000000000001";
  delivery.envelope = R"({"type":"cairn.submission.v1"})";
  delivery.completed_ms = 1'790'000'000'000;
  delivery.evidence = {{EvidenceTreePath("student/work", "ab12", "image/png"), evidence}};
  EXPECT_EQ(delivery.evidence[0].tree_path, "evidence/student_work/ab12.png")
      << "a requirement id never makes a path of its own";
  Result<bool> first = DeliverToGit(delivery);
  ASSERT_THAT(first.status(), IsOk());
  EXPECT_TRUE(*first);
  Result<bool> again = DeliverToGit(delivery);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_FALSE(*again);
  std::filesystem::remove_all(delivery.mirror_dir);
  Result<bool> from_new_mirror = DeliverToGit(delivery);
  ASSERT_THAT(from_new_mirror.status(), IsOk());
  EXPECT_FALSE(*from_new_mirror);

  delivery.remote = dir.File("no-such-remote.git");
  delivery.mirror_dir = dir.File("other-mirror.git");
  EXPECT_THAT(DeliverToGit(delivery).status(),
              StatusIs(Code::kUnavailable, HasSubstr("no-such-remote.git")));
}

TEST(WebhookSignatureTest, IsHmacSha256OfTimestampDotBody) {
  // Computed independently: hmac.new(b"whsec-test", b'1700000000.{"a":1}', sha256).
  EXPECT_EQ(WebhookSignature("whsec-test", 1700000000, R"({"a":1})"),
            "v1=fed7a1a6c799a6367d73724d76bc70c16678908a32a879cd1ded6565ac05cece");
}

TEST_F(OutboxTest, EnvelopeCarriesTheSubmissionAndEvidenceLinks) {
  const std::string video = "video bytes";
  Upload(video);
  const EntityId pursuit = NewPursuit();
  const EntityId submission = Submit({video}, pursuit);
  Result<Forwarding> forwarding = store_->LoadForwarding(submission);
  ASSERT_THAT(forwarding.status(), IsOk());
  EXPECT_EQ(forwarding->educator_name, "Ana");
  EXPECT_EQ(forwarding->micro_credential_title, "Exit Tickets for Formative Assessment");
  Result<std::string> envelope = BuildEnvelope(*forwarding, "https://cairn.example");
  ASSERT_THAT(envelope.status(), IsOk());
  const std::string id = submission.ToString();
  EXPECT_THAT(*envelope, HasSubstr(R"("submission_id":")" + id + "\""));
  EXPECT_THAT(*envelope, HasSubstr(R"("idempotency_key":")" + id + "\""));
  EXPECT_THAT(*envelope, HasSubstr(R"("name":"Ana")"));
  EXPECT_THAT(*envelope, HasSubstr(R"("reflection":"It went \"well\".")"));
  EXPECT_THAT(*envelope, HasSubstr("\"url\":\"https://cairn.example/v1/issuer/submissions/" + id +
                                   "/evidence/" + LowerHex(RawSha(video)) + "\""));
  EXPECT_THAT(*envelope, HasSubstr(R"("requirement_id":"classroom-video")"));
  Result<std::string> again = BuildEnvelope(*forwarding, "https://cairn.example");
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(*again, *envelope) << "deterministic";
}

}  // namespace
}  // namespace cairn::server
