// Tests of the credentials a device receives from the server (credentials.h): the entities the
// server writes in the educator's scope read back as records, finding one by what a teacher
// types, and the expiry reminders.
#include "cairn/credentials.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cairn/device.h"
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
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

constexpr int64_t kDay = 24LL * 60 * 60 * 1000;
constexpr int64_t kNow = 1'760'000'000'000;

constexpr char kOlder[] = "0190f3c2-7a1b-7c3d-8e4f-0123456789ab";
constexpr char kNewer[] = "0190f3c2-7a1b-7c3d-8e4f-fedcba987654";
constexpr char kStack[] = "5a5a5a5a-0000-4000-8000-000000000001";

struct Issued {
  std::string uuid = {};
  std::string kind = "micro_credential";
  std::string subject = "exit-tickets";
  std::optional<EntityId> submission = std::nullopt;
  int64_t issued_at_ms = kNow;
  int64_t valid_until_ms = 0;
  std::string status = "active";
  std::string reason = {};
};

// The ops of the server's change carrying one credential (the contract in credentials.h).
std::vector<Op> CredentialOps(const Issued& c) {
  const EntityId id = CredentialEntityIdFor(c.uuid);
  std::vector<Op> ops = {
      Op::Put(id, std::string(kTypeField), std::string(kCredentialType)),
      Op::Put(id, "credential_id", c.uuid),
      Op::Put(id, "kind", c.kind),
      Op::Put(id, "subject_id", c.subject),
      Op::Put(id, "title", "Exit Tickets " + c.uuid.substr(0, 4)),
      Op::Put(id, "json", "{\"id\":\"https://cairn.example/credentials/" + c.uuid + "\"}"),
      Op::Put(id, "jws", std::string("h.p.s")),
      Op::Put(id, "issued_at_ms", c.issued_at_ms),
      Op::Put(id, "valid_until_ms", c.valid_until_ms),
      Op::Put(id, "status", c.status),
      Op::Put(id, "revocation_reason", c.reason),
      Op::Put(id, "issuer_did_document", std::string("{\"id\":\"did:web:cairn.example\"}")),
      Op::Put(id, "issuer_jwks", std::string("{\"keys\":[]}")),
      Op::Put(id, "status_list", std::string("{\"id\":\"https://cairn.example/status\"}")),
      Op::Put(id, "status_checked_at_ms", c.issued_at_ms + 5),
  };
  if (c.submission) ops.push_back(Op::Put(id, "submission", *c.submission));
  return ops;
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Device>> device = Device::Open(dir_.File("device.db"), {&clock_, &rd_});
    ASSERT_THAT(device, IsOk());
    device_ = std::move(device).value();
    ReplicaOptions options;
    options.env = {&clock_, &rs_};
    options.schema = &CairnSchema();
    Result<std::unique_ptr<Replica>> server = Replica::Open(dir_.File("server.db"), options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
  }

  // The server issues a credential; the device syncs.
  void Issue(const Issued& credential) {
    ASSERT_THAT(server_->Commit(CredentialOps(credential)), IsOk());
    Deliver();
  }
  void Deliver() {
    Result<std::string> batch = server_->ExportSince(device_->replica().Version());
    ASSERT_THAT(batch, IsOk());
    ASSERT_THAT(device_->replica().ApplyEncoded(*batch), IsOk());
  }

  std::vector<std::string> ListedIds() {
    Result<std::vector<CredentialRecord>> all = device_->ListCredentials();
    EXPECT_THAT(all, IsOk());
    std::vector<std::string> out;
    if (all.ok()) {
      for (const CredentialRecord& r : *all) out.push_back(r.credential_id);
    }
    return out;
  }

  TempDir dir_;
  FakeClock clock_{kNow};
  SeededRandom rd_{1};
  SeededRandom rs_{2};
  std::unique_ptr<Device> device_;
  std::unique_ptr<Replica> server_;
};

TEST_F(CredentialsTest, NoCredentialsIsAnEmptyList) { EXPECT_THAT(ListedIds(), IsEmpty()); }

TEST_F(CredentialsTest, ServerWrittenCredentialIsReadWithEveryField) {
  const EntityId submission = NameBasedId("a submission");
  Issue({.uuid = kOlder, .submission = submission, .valid_until_ms = kNow + 400 * kDay});
  Result<std::vector<CredentialRecord>> all = device_->ListCredentials();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  const CredentialRecord& r = (*all)[0];
  EXPECT_EQ(r.entity, NameBasedId(std::string("cairn:credential:") + kOlder));
  EXPECT_EQ(r.credential_id, kOlder);
  EXPECT_EQ(r.kind, CredentialKind::kMicroCredential);
  EXPECT_EQ(r.subject_id, "exit-tickets");
  EXPECT_EQ(r.title, "Exit Tickets 0190");
  EXPECT_THAT(r.submission, Optional(submission));
  EXPECT_THAT(r.json, HasSubstr(kOlder));
  EXPECT_EQ(r.jws, "h.p.s");
  EXPECT_EQ(r.issued_at_ms, kNow);
  EXPECT_EQ(r.valid_until_ms, kNow + 400 * kDay);
  EXPECT_TRUE(r.expires());
  EXPECT_EQ(r.state, CredentialState::kActive);
  EXPECT_EQ(r.issuer_did_document, "{\"id\":\"did:web:cairn.example\"}");
  EXPECT_EQ(r.issuer_jwks, "{\"keys\":[]}");
  EXPECT_EQ(r.status_list, "{\"id\":\"https://cairn.example/status\"}");
  EXPECT_EQ(r.status_checked_at_ms, kNow + 5);
}

TEST_F(CredentialsTest, StackCredentialHasNoSubmissionAndNewestIsListedFirst) {
  Issue({.uuid = kOlder, .issued_at_ms = kNow - 10 * kDay});
  Issue({.uuid = kStack, .kind = "stack", .subject = "assessment-stack", .issued_at_ms = kNow});
  Issue({.uuid = kNewer, .issued_at_ms = kNow - kDay});
  EXPECT_THAT(ListedIds(), ElementsAre(kStack, kNewer, kOlder));
  Result<std::optional<CredentialRecord>> stack = device_->FindCredential(kStack);
  ASSERT_THAT(stack, IsOk());
  ASSERT_TRUE(stack->has_value());
  EXPECT_EQ((*stack)->kind, CredentialKind::kStack);
  EXPECT_EQ((*stack)->subject_id, "assessment-stack");
  EXPECT_EQ((*stack)->submission, std::nullopt);
  EXPECT_FALSE((*stack)->expires());
}

TEST_F(CredentialsTest, RevocationArrivesAsALaterServerChange) {
  Issue({.uuid = kOlder});
  const EntityId id = CredentialEntityIdFor(kOlder);
  ASSERT_THAT(server_->Commit({Op::Put(id, "status", std::string("revoked")),
                               Op::Put(id, "revocation_reason", std::string("issued in error"))}),
              IsOk());
  Deliver();
  Result<std::optional<CredentialRecord>> found = device_->FindCredential(kOlder);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_TRUE((*found)->revoked());
  EXPECT_EQ((*found)->revocation_reason, "issued in error");
}

TEST_F(CredentialsTest, UnknownKindOrStatusIsDataLossNamingTheCredential) {
  Issue({.uuid = kOlder, .kind = "diploma"});
  EXPECT_THAT(device_->ListCredentials(),
              StatusIs(Code::kDataLoss,
                       HasSubstr("credential " + std::string(kOlder) + " has kind 'diploma'")));
  ASSERT_THAT(server_->Commit(
                  {Op::Put(CredentialEntityIdFor(kOlder), "kind", std::string("micro_credential")),
                   Op::Put(CredentialEntityIdFor(kOlder), "status", std::string("paused"))}),
              IsOk());
  Deliver();
  EXPECT_THAT(device_->ListCredentials(),
              StatusIs(Code::kDataLoss, HasSubstr("has status 'paused'")));
}

TEST_F(CredentialsTest, SchemaRefusesWrongTypesAndDeletion) {
  Issue({.uuid = kOlder});
  const EntityId id = CredentialEntityIdFor(kOlder);
  EXPECT_THAT(device_->replica().Commit({Op::Put(id, "issued_at_ms", std::string("today"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("issued_at_ms")));
  EXPECT_THAT(device_->replica().Commit({Op::Put(id, "submission", std::string("x"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("submission")));
  EXPECT_THAT(device_->replica().Commit({Op::Delete(id)}),
              StatusIs(Code::kInvalidArgument, HasSubstr("credential")));
  EXPECT_FALSE(CairnSchema().IsFreeText(kCredentialType, "title"));
}

TEST_F(CredentialsTest, FindByIdPrefixUrlOrEntityId) {
  Issue({.uuid = kOlder});
  Issue({.uuid = kNewer});
  Issue({.uuid = kStack, .kind = "stack"});
  const auto found = [&](std::string_view query) -> std::string {
    Result<std::optional<CredentialRecord>> r = device_->FindCredential(query);
    EXPECT_THAT(r, IsOk()) << query;
    return r.ok() && r->has_value() ? (*r)->credential_id : std::string("(none)");
  };
  EXPECT_EQ(found(kOlder), kOlder);
  EXPECT_EQ(found("0190F3C2-7A1B-7C3D-8E4F-FEDC"), kNewer) << "prefix, either case";
  EXPECT_EQ(found("5a5a"), kStack);
  EXPECT_EQ(found(std::string("https://cairn.example/credentials/") + kNewer), kNewer);
  EXPECT_EQ(found(CredentialEntityIdFor(kStack).ToString()), kStack);
  EXPECT_EQ(found("ffff"), "(none)");

  EXPECT_THAT(device_->FindCredential("0190f3c2"),
              StatusIs(Code::kInvalidArgument, AllOf(HasSubstr("names 2 credentials"),
                                                     HasSubstr(kOlder), HasSubstr(kNewer))));
  EXPECT_THAT(device_->FindCredential("5a5"),
              StatusIs(Code::kInvalidArgument, HasSubstr("at least 4 characters")));
  EXPECT_THAT(device_->FindCredential(""), StatusIs(Code::kInvalidArgument, HasSubstr("no")));
}

TEST(CredentialExpiry, DaysLeftRoundUpAndNeverExpiringHasNone) {
  CredentialRecord r;
  EXPECT_EQ(DaysUntilExpiry(r, kNow), std::nullopt);
  r.valid_until_ms = kNow + 22 * kDay + 1;
  EXPECT_THAT(DaysUntilExpiry(r, kNow), Optional(23)) << "a part day counts as a day";
  r.valid_until_ms = kNow + 23 * kDay;
  EXPECT_THAT(DaysUntilExpiry(r, kNow), Optional(23));
  r.valid_until_ms = kNow;
  EXPECT_THAT(DaysUntilExpiry(r, kNow), Optional(0));
  r.valid_until_ms = kNow - kDay - 1;
  EXPECT_THAT(DaysUntilExpiry(r, kNow), Optional(-1));
}

TEST(CredentialExpiry, RemindersAreActiveUnexpiredWithinTheWindowSoonestFirst) {
  const auto record = [](std::string id, int64_t until, bool revoked = false) {
    CredentialRecord r;
    r.credential_id = std::move(id);
    r.valid_until_ms = until;
    r.state = revoked ? CredentialState::kRevoked : CredentialState::kActive;
    return r;
  };
  const std::vector<CredentialRecord> records = {
      record("later", kNow + 50 * kDay),
      record("never", 0),
      record("soon", kNow + 23 * kDay - 5),
      record("expired", kNow - 1),
      record("revoked", kNow + 3 * kDay, true),
      record("far", kNow + 61 * kDay),
      record("edge", kNow + kExpiryReminderDays * kDay),
  };
  const std::vector<ExpiryReminder> due = ExpiringWithin(records, kNow);
  std::vector<std::pair<std::string, int64_t>> got;
  for (const ExpiryReminder& r : due) got.emplace_back(r.credential_id, r.days_left);
  EXPECT_THAT(got, ElementsAre(std::pair<std::string, int64_t>("soon", 23),
                               std::pair<std::string, int64_t>("later", 50),
                               std::pair<std::string, int64_t>("edge", kExpiryReminderDays)));
  EXPECT_THAT(ExpiringWithin(records, kNow, 10), IsEmpty());
}

TEST_F(CredentialsTest, DeviceRemindersUseTheClock) {
  Issue({.uuid = kOlder, .valid_until_ms = kNow + 30 * kDay});
  Result<std::vector<ExpiryReminder>> due = device_->ExpiryReminders();
  ASSERT_THAT(due, IsOk());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].days_left, 30);
  clock_.Advance(31 * kDay);
  due = device_->ExpiryReminders();
  ASSERT_THAT(due, IsOk());
  EXPECT_THAT(*due, IsEmpty()) << "an expired credential is past renewing by reminder";
}

}  // namespace
}  // namespace cairn
