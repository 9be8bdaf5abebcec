// The sync protocol end to end without sockets: real device stores (cairn::Device on SQLite),
// the real sync engine, the server's real Service and ServerStore, joined by an in-process
// transport. Covers convergence across two educators with two devices each, the authorisation
// matrix, retries after lost answers, equivocation, clock skew and malformed requests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "api/service.h"
#include "cairn/catalog_text.h"
#include "cairn/change_codec.h"
#include "cairn/device.h"
#include "cairn/sync.h"
#include "cairn/v1/sync.pb.h"
#include "catalog/publish.h"
#include "server/in_process_transport.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::InProcessTransport;
using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

v1::Catalog DemoCatalog() {
  // From the file, so that its badge image is read from beside it.
  Result<v1::Catalog> catalog = ParseCatalogFile(CAIRN_DEMO_CATALOG);
  EXPECT_THAT(catalog.status(), IsOk());
  return *catalog;
}

struct TestDevice {
  std::unique_ptr<SeededRandom> random;
  std::unique_ptr<Device> device;
  Replica& replica() { return device->replica(); }
};

class SyncServiceTest : public ::testing::Test {
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
  }

  std::string AddUser(const std::string& name, server::Role role) {
    Result<server::User> user = store_->AddUser(name, role);
    EXPECT_THAT(user.status(), IsOk());
    return user->id;
  }

  // A fresh device store enrolled for `user_id`.
  TestDevice NewDevice(const std::string& user_id, const std::string& name) {
    TestDevice d;
    d.random = std::make_unique<SeededRandom>(++seed_);
    Result<std::unique_ptr<Device>> device =
        Device::Open(dir_.File(name + ".db"), Env{&clock_, d.random.get()});
    EXPECT_THAT(device.status(), IsOk());
    d.device = std::move(*device);
    Result<std::string> code = store_->NewEnrolCode(user_id);
    EXPECT_THAT(code.status(), IsOk());
    SyncSettings server;
    server.server_url = "https://in-process";
    EXPECT_THAT(Enrol(d.replica(), *transport_, server, *code, name), IsOk());
    return d;
  }

  SyncReport Sync(TestDevice& d) {
    Result<SyncReport> report = RunSync(d.replica(), *transport_);
    EXPECT_THAT(report.status(), IsOk());
    return report.ok() ? *report : SyncReport{};
  }

  std::string Hash(TestDevice& d) {
    Result<std::string> hash = d.replica().StateHash();
    EXPECT_THAT(hash.status(), IsOk());
    return *hash;
  }

  // Pushes `changes` as the device would, returning the parsed answer.
  server::Response PushRaw(TestDevice& d, const std::vector<Change>& changes) {
    v1::PushRequest push;
    push.set_batch(EncodeChanges(changes));
    return service_->Handle({"POST", "/v1/push", "Bearer " + Token(d), "application/x-protobuf", "",
                             push.SerializeAsString()});
  }

  std::string Token(TestDevice& d) {
    Result<std::optional<SyncSettings>> settings = LoadSyncSettings(d.replica());
    EXPECT_THAT(settings.status(), IsOk());
    return (*settings)->token;
  }

  FakeClock clock_{1'790'000'000'000};
  SeededRandom server_random_{7};
  TempDir dir_;
  server::Metrics metrics_;
  std::unique_ptr<server::ServerStore> store_;
  std::unique_ptr<server::Service> service_;
  std::unique_ptr<InProcessTransport> transport_;
  uint64_t seed_ = 100;
};

v1::Error ErrorOf(const server::Response& response) {
  v1::Error error;
  EXPECT_TRUE(error.ParseFromString(response.body)) << response.body;
  return error;
}

TEST_F(SyncServiceTest, TwoEducatorsTwoDevicesEachConvergeWithConflictsKeptOnBoth) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  const std::string ben = AddUser("Ben", server::Role::kEducator);
  TestDevice ana_phone = NewDevice(ana, "ana-phone");
  TestDevice ana_laptop = NewDevice(ana, "ana-laptop");
  TestDevice ben_phone = NewDevice(ben, "ben-phone");
  TestDevice ben_laptop = NewDevice(ben, "ben-laptop");
  for (TestDevice* d : {&ana_phone, &ana_laptop, &ben_phone, &ben_laptop}) {
    EXPECT_GT(Sync(*d).pulled, 0u) << "the catalog reaches every device";
  }

  // Ana starts a pursuit on her phone; both of her devices then edit the reflection offline.
  Result<EntityId> pursuit = ana_phone.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  ASSERT_THAT(ana_phone.device->Answer(*pursuit, "context", "Grade 7 maths, 28 students."), IsOk());
  Sync(ana_phone);
  Sync(ana_laptop);
  ASSERT_THAT(ana_phone.device->Reflect(*pursuit, "Written on the phone."), IsOk());
  clock_.Advance(5);
  ASSERT_THAT(ana_laptop.device->Reflect(*pursuit, "Written on the laptop."), IsOk());
  // Ben works on his own pursuit meanwhile.
  Result<EntityId> ben_pursuit = ben_laptop.device->StartPursuit("exit-tickets");
  ASSERT_THAT(ben_pursuit.status(), IsOk());

  // Laptop first this time, then the phone, then everyone once more.
  Sync(ana_laptop);
  Sync(ana_phone);
  Sync(ben_laptop);
  for (TestDevice* d : {&ana_phone, &ana_laptop, &ben_phone, &ben_laptop}) Sync(*d);

  EXPECT_EQ(Hash(ana_phone), Hash(ana_laptop));
  EXPECT_EQ(Hash(ben_phone), Hash(ben_laptop));
  for (TestDevice* d : {&ana_phone, &ana_laptop}) {
    Result<std::vector<Conflict>> conflicts = d->device->Conflicts();
    ASSERT_THAT(conflicts.status(), IsOk());
    ASSERT_THAT(*conflicts, SizeIs(1)) << "the losing reflection is kept on both devices";
    EXPECT_EQ(conflicts->front().field, "reflection");
  }
  // Scopes: Ben's devices never see Ana's pursuit, and Ana's never see Ben's.
  Result<std::optional<EntityData>> leaked = ben_phone.replica().Get(*pursuit);
  ASSERT_THAT(leaked.status(), IsOk());
  EXPECT_FALSE(leaked->has_value());
  Result<std::optional<EntityData>> leaked_back = ana_phone.replica().Get(*ben_pursuit);
  ASSERT_THAT(leaked_back.status(), IsOk());
  EXPECT_FALSE(leaked_back->has_value());
  Result<std::optional<EntityData>> shared = ben_phone.replica().Get(*ben_pursuit);
  ASSERT_THAT(shared.status(), IsOk());
  EXPECT_TRUE(shared->has_value());
}

TEST_F(SyncServiceTest, EducatorCannotWriteAnotherEducatorsEntity) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  TestDevice ben = NewDevice(AddUser("Ben", server::Role::kEducator), "ben");
  Sync(ana);
  Sync(ben);
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  Sync(ana);
  // Ben's device forges a write to Ana's pursuit, knowing only its id.
  Result<Change> forged = ben.replica().Commit(
      {Op::Put(*pursuit, "type", "pursuit"), Op::Put(*pursuit, "reflection", "mine now")});
  ASSERT_THAT(forged.status(), IsOk());
  SyncReport report = Sync(ben);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_EQ(report.refused[0].code, Code::kPermissionDenied);
  EXPECT_THAT(report.refused[0].message, HasSubstr("belongs to another account"));
  EXPECT_EQ(report.pushed, 0u);
  Sync(ana);
  Result<std::optional<EntityData>> state = ana.replica().Get(*pursuit);
  ASSERT_THAT(state.status(), IsOk());
  EXPECT_EQ((*state)->GetText("reflection"), nullptr) << "the refused change was not applied";
}

TEST_F(SyncServiceTest, FieldsTheEntityTypeDoesNotNameAreRefusedNamingThoseItHas) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  Sync(ana);
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  Sync(ana);
  const uint64_t before = *store_->LastServerSeq();
  // Written past the device's API, as another client could.
  ASSERT_THAT(ana.replica().Commit({Op::Put(*pursuit, "is_admin", true)}).status(), IsOk());
  SyncReport report = Sync(ana);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_EQ(report.refused[0].code, Code::kInvalidArgument);
  EXPECT_THAT(report.refused[0].message,
              HasSubstr("entity type 'pursuit' has no field 'is_admin'; its fields are "
                        "micro_credential_id, micro_credential_version, started_at_ms, "
                        "answer:<id>, reflection, status"));
  EXPECT_EQ(*store_->LastServerSeq(), before);
}

TEST_F(SyncServiceTest, EducatorCannotWriteAssessmentsOrSubmissionStatusAndLaterChangesAreBlocked) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  Sync(ana);
  const EntityId assessment = ana.replica().NewEntityId();
  ASSERT_THAT(ana.replica()
                  .Commit({Op::Put(assessment, "type", "assessment"),
                           Op::Put(assessment, "decision", "award")})
                  .status(),
              IsOk());
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  SyncReport report = Sync(ana);
  ASSERT_THAT(report.refused, SizeIs(2));
  EXPECT_EQ(report.refused[0].code, Code::kPermissionDenied);
  EXPECT_THAT(report.refused[0].message, HasSubstr("may not write an assessment"));
  EXPECT_FALSE(report.refused[0].blocked);
  EXPECT_TRUE(report.refused[1].blocked) << "a later change cannot apply without the refused one";

  TestDevice bea = NewDevice(AddUser("Bea", server::Role::kEducator), "bea");
  Sync(bea);
  const EntityId submission = bea.replica().NewEntityId();
  ASSERT_THAT(bea.replica()
                  .Commit({Op::Put(submission, "type", "submission"),
                           Op::Put(submission, "status", "awarded")})
                  .status(),
              IsOk());
  report = Sync(bea);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_THAT(report.refused[0].message, HasSubstr("may not write 'status' of a submission"));

  TestDevice cy = NewDevice(AddUser("Cy", server::Role::kEducator), "cy");
  Sync(cy);
  Result<EntityId> own = cy.device->StartPursuit("exit-tickets");
  ASSERT_THAT(own.status(), IsOk());
  ASSERT_THAT(cy.replica().Commit({Op::Put(*own, "status", "awarded")}).status(), IsOk());
  report = Sync(cy);
  EXPECT_EQ(report.pushed, 1u);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_THAT(report.refused[0].message, HasSubstr("draft or submitted only"));
}

TEST_F(SyncServiceTest, NonEducatorDevicesReadTheCatalogAndWriteNothing) {
  TestDevice assessor = NewDevice(AddUser("Asa", server::Role::kAssessor), "asa");
  EXPECT_GT(Sync(assessor).pulled, 0u);
  const EntityId pursuit = assessor.replica().NewEntityId();
  ASSERT_THAT(assessor.replica().Commit({Op::Put(pursuit, "type", "pursuit")}).status(), IsOk());
  Result<SyncReport> report = RunSync(assessor.replica(), *transport_);
  EXPECT_THAT(report.status(),
              StatusIs(Code::kPermissionDenied, HasSubstr("role assessor writes nothing")));
}

TEST_F(SyncServiceTest, RevokedAndUnknownTokensGet401AndNoData) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  TestDevice phone = NewDevice(ana, "phone");
  Sync(phone);
  Result<std::vector<server::DeviceInfo>> devices = store_->ListDevices();
  ASSERT_THAT(devices.status(), IsOk());
  ASSERT_THAT(*devices, SizeIs(1));
  ASSERT_THAT(store_->RevokeDevice(devices->front().id), IsOk());
  EXPECT_THAT(RunSync(phone.replica(), *transport_).status(),
              StatusIs(Code::kUnauthenticated, HasSubstr("unknown or revoked")));

  v1::PullRequest pull;
  for (const std::string auth : {"", "Bearer ", "Bearer not-a-token", "Basic abc"}) {
    server::Response response = service_->Handle(
        {"POST", "/v1/pull", auth, "application/x-protobuf", "", pull.SerializeAsString()});
    EXPECT_EQ(response.status, 401) << auth;
    EXPECT_EQ(ErrorOf(response).code(), "unauthenticated");
  }
}

TEST_F(SyncServiceTest, EnrolmentCodesAreSingleUseAndExpire) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  Result<std::string> code = store_->NewEnrolCode(ana);
  ASSERT_THAT(code.status(), IsOk());
  SeededRandom random(1);
  ASSERT_THAT(store_->Enrol(*code, NewActorId(random), "one").status(), IsOk());
  EXPECT_THAT(store_->Enrol(*code, NewActorId(random), "two").status(),
              StatusIs(Code::kUnauthenticated, HasSubstr("unknown, used or expired")));
  Result<std::string> late = store_->NewEnrolCode(ana);
  ASSERT_THAT(late.status(), IsOk());
  clock_.Advance(25LL * 60 * 60 * 1000);
  EXPECT_THAT(store_->Enrol(*late, NewActorId(random), "late").status(),
              StatusIs(Code::kUnauthenticated, ::testing::_));
  // Codes are typed by people: case and dashes do not matter.
  Result<std::string> typed = store_->NewEnrolCode(ana);
  ASSERT_THAT(typed.status(), IsOk());
  std::string sloppy;
  for (const char c : *typed) {
    if (c != '-') sloppy.push_back(static_cast<char>(std::tolower(c)));
  }
  EXPECT_THAT(store_->Enrol(sloppy, NewActorId(random), "typed").status(), IsOk());
}

// docs/protocol.md "Enrolment": the answer to POST /v1/enrol can be lost like any other; the
// identical retry gets the same device and token back, within the code's lifetime, and leaves
// no second device behind. Another actor with the used code is still refused.
TEST_F(SyncServiceTest, LostEnrolAnswerIsRetriedForTheSameDevice) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  Result<std::string> code = store_->NewEnrolCode(ana);
  ASSERT_THAT(code.status(), IsOk());
  SeededRandom random(0x5eed0e4a);  // its own seed: the fixture's actors come from small ones
  const ActorId actor = NewActorId(random);
  v1::EnrolRequest request;
  request.set_code(*code);
  request.set_actor(std::string(actor.AsBytes()));
  request.set_device_name("ana-phone");
  const auto enrol = [&](const v1::EnrolRequest& body) {
    return service_->Handle(
        {"POST", "/v1/enrol", "", "application/x-protobuf", "", body.SerializeAsString()});
  };
  const server::Response first = enrol(request);
  ASSERT_EQ(first.status, 200) << first.body;
  v1::EnrolResponse answer;
  ASSERT_TRUE(answer.ParseFromString(first.body));

  clock_.Advance(60'000);
  const server::Response retry = enrol(request);
  ASSERT_EQ(retry.status, 200) << retry.body;
  v1::EnrolResponse again;
  ASSERT_TRUE(again.ParseFromString(retry.body));
  EXPECT_EQ(again.token(), answer.token());
  EXPECT_EQ(again.user_id(), ana);
  EXPECT_THAT(again.scopes(), ::testing::ElementsAreArray(answer.scopes()));
  Result<std::vector<server::DeviceInfo>> devices = store_->ListDevices();
  ASSERT_THAT(devices.status(), IsOk());
  EXPECT_THAT(*devices, SizeIs(1));
  EXPECT_THAT(store_->Authenticate(answer.token()).status(), IsOk());

  // The code is not a way in for anyone else, nor after it expires, nor once the device is
  // revoked.
  v1::EnrolRequest other = request;
  other.set_actor(std::string(NewActorId(random).AsBytes()));
  EXPECT_EQ(enrol(other).status, 401);
  ASSERT_THAT(store_->RevokeDevice(devices->front().id), IsOk());
  EXPECT_EQ(enrol(request).status, 401);
  Result<std::string> second = store_->NewEnrolCode(ana);
  ASSERT_THAT(second.status(), IsOk());
  request.set_code(*second);
  request.set_actor(std::string(NewActorId(random).AsBytes()));
  ASSERT_EQ(enrol(request).status, 200);
  clock_.Advance(25LL * 60 * 60 * 1000);
  EXPECT_EQ(enrol(request).status, 401);
}

TEST_F(SyncServiceTest, LostPushAnswerIsRetriedWithoutDuplicateOrLoss) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  TestDevice phone = NewDevice(ana, "phone");
  TestDevice laptop = NewDevice(ana, "laptop");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  ASSERT_THAT(phone.device->Reflect(*pursuit, "first"), IsOk());
  const uint64_t before = *store_->LastServerSeq();

  transport_->DropResponses(1);
  EXPECT_THAT(RunSync(phone.replica(), *transport_).status(),
              StatusIs(Code::kUnavailable, ::testing::_));
  EXPECT_EQ(*store_->LastServerSeq(), before + 2) << "the server committed the push";

  SyncReport retry = Sync(phone);
  EXPECT_EQ(retry.pushed, 0u);
  EXPECT_EQ(retry.duplicates, 2u);
  EXPECT_EQ(*store_->LastServerSeq(), before + 2) << "no duplicate in the log";
  Sync(laptop);
  EXPECT_EQ(Hash(phone), Hash(laptop));
}

TEST_F(SyncServiceTest, ContentTypeIsReadAsRfc9110SaysAndAMissingOneIsProtobuf) {
  TestDevice phone = NewDevice(AddUser("Ana", server::Role::kEducator), "ana-phone");
  const std::string auth = "Bearer " + Token(phone);
  v1::PullRequest pull;
  for (const std::string type :
       {"application/x-protobuf", "Application/X-Protobuf",
        "application/x-protobuf; charset=binary", " application/x-protobuf ;version=1", ""}) {
    const server::Response response =
        service_->Handle({"POST", "/v1/pull", auth, type, "", pull.SerializeAsString()});
    EXPECT_EQ(response.status, 200) << "'" << type << "': " << response.body;
    v1::PullResponse answer;
    EXPECT_TRUE(answer.ParseFromString(response.body)) << type;
  }
  for (const std::string type : {"application/json", "application/x-protobuf-foo", "text/plain"}) {
    const server::Response response =
        service_->Handle({"POST", "/v1/pull", auth, type, "", pull.SerializeAsString()});
    EXPECT_EQ(response.status, 400) << type;
    EXPECT_THAT(ErrorOf(response).message(), HasSubstr("must be application/x-protobuf")) << type;
  }
}

TEST_F(SyncServiceTest, LostPullAnswerIsPulledAgain) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  TestDevice phone = NewDevice(ana, "phone");
  transport_->DropResponses(1);
  EXPECT_THAT(RunSync(phone.replica(), *transport_).status(),
              StatusIs(Code::kUnavailable, ::testing::_));
  EXPECT_GT(Sync(phone).pulled, 0u);
  EXPECT_EQ(Sync(phone).pulled, 0u);
}

TEST_F(SyncServiceTest, ReplayedSeqWithOtherContentIsRefusedAsDataLoss) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  Sync(ana);
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  Sync(ana);
  Result<std::vector<Change>> sent = ana.replica().ChangesSince({});
  ASSERT_THAT(sent.status(), IsOk());
  std::vector<Change> own;
  for (const Change& c : *sent) {
    if (c.actor == ana.replica().actor()) own.push_back(c);
  }
  ASSERT_THAT(own, SizeIs(1));
  own[0].ops.push_back(Op::Put(*pursuit, "reflection", "restored from an old backup"));
  server::Response response = PushRaw(ana, own);
  ASSERT_EQ(response.status, 200);
  v1::PushResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response.body));
  ASSERT_EQ(answer.refused_size(), 1);
  EXPECT_EQ(answer.refused(0).error().code(), "data_loss");
  EXPECT_THAT(answer.refused(0).error().message(), HasSubstr("enrol it again"));
}

TEST_F(SyncServiceTest, ChangesStampedFarInTheFutureAreRefusedWithTheSkew) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  Sync(ana);
  clock_.Advance(60LL * 60 * 1000);  // the device's clock runs an hour fast...
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  clock_.Advance(-60LL * 60 * 1000);  // ...and the server's is right
  SyncReport report = Sync(ana);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_EQ(report.refused[0].code, Code::kFailedPrecondition);
  EXPECT_THAT(report.refused[0].message, AllOf(HasSubstr("3600 s ahead"), HasSubstr("clock")));
}

TEST_F(SyncServiceTest, MalformedRequestsGetPreciseErrorsAndChangeNothing) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  TestDevice ben = NewDevice(AddUser("Ben", server::Role::kEducator), "ben");
  Sync(ana);
  Sync(ben);
  Result<EntityId> pursuit = ana.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  Result<std::vector<Change>> all = ana.replica().ChangesSince({});
  ASSERT_THAT(all.status(), IsOk());
  std::vector<Change> own;
  for (const Change& c : *all) {
    if (c.actor == ana.replica().actor()) own.push_back(c);
  }
  const uint64_t before = *store_->LastServerSeq();
  const std::string auth = "Bearer " + Token(ana);
  struct Case {
    std::string name;
    server::Request request;
    int status;
    std::string code;
    std::string message;
  };
  v1::PushRequest truncated;
  truncated.set_batch(EncodeChanges(own));
  truncated.mutable_batch()->resize(truncated.batch().size() / 2);
  std::vector<Case> cases = {
      {"garbage body",
       {"POST", "/v1/push", auth, "", "", "\xff\xff\xff garbage"},
       400,
       "invalid_argument",
       "not a valid PushRequest"},
      {"truncated batch",
       {"POST", "/v1/push", auth, "", "", truncated.SerializeAsString()},
       400,
       "invalid_argument",
       "the pushed batch"},
      {"text body",
       {"POST", "/v1/pull", auth, "text/plain", "", ""},
       400,
       "invalid_argument",
       "must be application/x-protobuf"},
      {"a longer name that starts the same",
       {"POST", "/v1/pull", auth, "application/x-protobufs", "", ""},
       400,
       "invalid_argument",
       "must be application/x-protobuf"},
      {"path traversal",
       {"POST", "/v1/../../etc/passwd", auth, "", "", ""},
       404,
       "not_found",
       "no such endpoint"},
      {"wrong method",
       {"GET", "/v1/push", auth, "", "", ""},
       405,
       "invalid_argument",
       "takes POST"},
      {"not origin form",
       {"POST", "http://evil/v1/push", auth, "", "", ""},
       404,
       "not_found",
       "no such endpoint"},
  };
  // Ben's token with Ana's changes: a forged actor.
  v1::PushRequest forged;
  forged.set_batch(EncodeChanges(own));
  cases.push_back({"forged actor",
                   {"POST", "/v1/push", "Bearer " + Token(ben), "", "", forged.SerializeAsString()},
                   403,
                   "permission_denied",
                   "a device pushes its own changes only"});
  for (const Case& c : cases) {
    server::Response response = service_->Handle(c.request);
    EXPECT_EQ(response.status, c.status) << c.name;
    const v1::Error error = ErrorOf(response);
    EXPECT_EQ(error.code(), c.code) << c.name;
    EXPECT_THAT(error.message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_EQ(*store_->LastServerSeq(), before);

  // A gap in seqs is refused per change, naming where to resume.
  std::vector<Change> gap = own;
  gap[0].seq = 5;
  server::Response response = PushRaw(ana, gap);
  v1::PushResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response.body));
  ASSERT_EQ(answer.refused_size(), 1);
  EXPECT_THAT(answer.refused(0).error().message(), HasSubstr("leaves a gap"));
  EXPECT_EQ(*store_->LastServerSeq(), before);

  // curl users get JSON errors when they ask for them.
  response = service_->Handle({"POST", "/v1/pull", "", "", "application/json", ""});
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_THAT(response.body, HasSubstr("\"code\":\"unauthenticated\""));
}

TEST_F(SyncServiceTest, PullMovesInBoundedBatchesWithMore) {
  const std::string ana = AddUser("Ana", server::Role::kEducator);
  TestDevice phone = NewDevice(ana, "phone");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit("exit-tickets");
  ASSERT_THAT(pursuit.status(), IsOk());
  for (int i = 0; i < 4500; ++i) {
    ASSERT_THAT(phone.device->Reflect(*pursuit, "draft " + std::to_string(i)), IsOk());
  }
  SyncReport pushed = Sync(phone);
  EXPECT_EQ(pushed.pushed, 4501u);
  EXPECT_EQ(pushed.push_requests, 3u) << "2000 changes per push";
  TestDevice laptop = NewDevice(ana, "laptop");
  SyncReport pulled = Sync(laptop);
  EXPECT_GE(pulled.pull_requests, 3u) << "2000 changes per pull";
  EXPECT_EQ(Hash(phone), Hash(laptop));
}

}  // namespace
}  // namespace cairn

namespace cairn {
namespace {

TEST_F(SyncServiceTest, DevicesCannotSquatCatalogIdsOrRewriteSubmissions) {
  TestDevice ana = NewDevice(AddUser("Ana", server::Role::kEducator), "ana");
  Sync(ana);
  // A name-based id is predictable (a catalog entry's id for a future commit): refused.
  v1::Catalog next = DemoCatalog();
  next.set_commit("demo-0002");
  const EntityId future = CatalogEntryId(kMicroCredentialType, "exit-tickets", "demo-0002");
  ASSERT_THAT(ana.replica().Commit({Op::Put(future, "type", "pursuit")}).status(), IsOk());
  SyncReport report = Sync(ana);
  ASSERT_THAT(report.refused, SizeIs(1));
  EXPECT_THAT(report.refused[0].message, HasSubstr("is not a UUIDv7"));
  v1::MicroCredential& revised = *next.mutable_micro_credentials(0);
  revised.set_title(revised.title() + ", revised");
  Result<CatalogPublication> published = server::PublishCatalog(*store_, next, clock_.NowMillis());
  ASSERT_THAT(published.status(), IsOk());
  EXPECT_EQ(published->micro_credentials.published, 1u)
      << "the new catalog version is published whatever devices did";

  TestDevice bea = NewDevice(AddUser("Bea", server::Role::kEducator), "bea");
  Sync(bea);
  const EntityId submission = bea.replica().NewEntityId();
  ASSERT_THAT(bea.replica()
                  .Commit({Op::Put(submission, "type", "submission"),
                           Op::Put(submission, "attempt", int64_t{1})})
                  .status(),
              IsOk());
  EXPECT_EQ(Sync(bea).pushed, 1u);
  // A second write to the snapshot's fields, which every device would refuse to apply.
  Change rewrite;
  rewrite.actor = bea.replica().actor();
  rewrite.seq = 2;
  rewrite.hlc = MakeHlc(clock_.NowMillis() + 10, 0);
  rewrite.ops = {Op::Put(submission, "attempt", int64_t{7})};
  server::Response response = PushRaw(bea, {rewrite});
  v1::PushResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response.body));
  ASSERT_EQ(answer.refused_size(), 1);
  EXPECT_THAT(answer.refused(0).error().message(), HasSubstr("written once"));
}

}  // namespace
}  // namespace cairn
