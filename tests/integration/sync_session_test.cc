// SyncSession (cairn/sync_session.h) against a real `cairn-server` on loopback TLS: a device
// store in the test process enrols, syncs its changes and uploads its evidence in one session,
// over the Beast transport or a transport that loses answers; the session's waits, states and
// outcome are what a phone's driver sees through the bridge.
#include "cairn/sync_session.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "beast_transport.h"
#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FixedKey final : public KeyProvider {
 public:
  Result<BlobKeyBytes> BlobKey() override { return BlobKeyBytes{7, 7, 7}; }
};

// Hands requests to `inner` and, for the request numbers in `lose`, throws the answer away
// after the server handled it: what a phone sees when the radio drops at the wrong moment.
class LosingTransport final : public Transport {
 public:
  LosingTransport(Transport& inner, std::set<int> lose) : inner_(inner), lose_(std::move(lose)) {}

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    return Lose(inner_.RoundTrip(request));
  }
  bool StreamsBodies() const override { return inner_.StreamsBodies(); }
  Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                         BodySource& body) override {
    return Lose(inner_.RoundTripStreamed(head, body_size, body));
  }

  std::vector<std::string> targets;

 private:
  Result<HttpResponse> Lose(Result<HttpResponse> response) {
    if (lose_.contains(requests_++) && response.ok()) {
      return Unavailable("the connection was cut before the answer arrived");
    }
    return response;
  }

  Transport& inner_;
  std::set<int> lose_;
  int requests_ = 0;
};

class SyncSessionTest : public EvidenceTransferTest {
 protected:
  struct Phone {
    std::unique_ptr<Device> device;
    std::unique_ptr<BlobStore> blobs;
  };

  Phone NewPhone(const std::string& name) {
    Phone phone;
    Result<std::unique_ptr<Device>> device = Device::Open(dir_.File(name + ".db"));
    EXPECT_THAT(device.status(), IsOk());
    phone.device = std::move(*device);
    Result<std::unique_ptr<BlobStore>> blobs = BlobStore::Open(dir_.File(name + "-blobs"), key_);
    EXPECT_THAT(blobs.status(), IsOk());
    phone.blobs = std::move(*blobs);
    return phone;
  }

  std::unique_ptr<BeastTransport> Beast(const std::string& url) {
    TransportOptions options;
    options.server_url = url;
    options.pin_sha256 = server_->fingerprint();
    Result<std::unique_ptr<BeastTransport>> transport = BeastTransport::Create(options);
    EXPECT_THAT(transport.status(), IsOk());
    return std::move(*transport);
  }

  SyncSettings Server() const {
    SyncSettings server;
    server.server_url = server_->url();
    server.pin_sha256 = server_->fingerprint();
    return server;
  }

  // A pursuit of the demo catalog's exit tickets with a `size`-byte classroom video.
  void CaptureVideo(Phone& phone, uint64_t size) {
    Result<EntityId> pursuit = phone.device->StartPursuit(kMicroCredential);
    ASSERT_THAT(pursuit.status(), IsOk());
    const std::string video = dir_.File("video.mp4");
    WriteVideo(video, size, /*seed=*/size);
    Result<EvidenceRef> ref = phone.blobs->Capture(video);
    ASSERT_THAT(ref.status(), IsOk());
    ASSERT_THAT(phone.device->AddEvidence(*pursuit, kVideoRequirement, *ref, "my class").status(),
                IsOk());
  }

  // Runs `session` to its end, recording every wait and every state it passes through.
  Status Run(SyncSession& session, Transport& transport) {
    session.set_observer([this](const SyncSession& s) {
      if (states_.empty() || states_.back() != SyncStateName(s.state())) {
        states_.emplace_back(SyncStateName(s.state()));
      }
    });
    return RunSyncSession(session, transport,
                          [this](std::chrono::milliseconds wait) { waits_.push_back(wait); });
  }

  FixedKey key_;
  std::vector<std::string> states_;
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(SyncSessionTest, EnrolsSyncsTheCatalogThenUploadsEvidenceStreamed) {
  Phone phone = NewPhone("phone");
  Result<std::string> user = server_->AddUser("maria");
  ASSERT_THAT(user.status(), IsOk());
  Result<std::string> code = server_->EnrolCode("maria");
  ASSERT_THAT(code.status(), IsOk());
  std::unique_ptr<BeastTransport> transport = Beast(server_->url());
  SyncSessionOptions options;
  options.max_streamed_batch_chunks = BlobUploader::kMaxStreamedBatchChunks;

  Result<SyncSession> enrol = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", options);
  ASSERT_THAT(enrol.status(), IsOk());
  ASSERT_THAT(Run(*enrol, *transport), IsOk());
  EXPECT_THAT(states_, ElementsAre("enrolling", "changes", "done"))
      << "no evidence yet: the evidence stage has nothing to send";
  EXPECT_GT(enrol->changes().pulled, 0U) << "the catalog comes down in the same session";
  ASSERT_THAT(phone.device->ListMicroCredentials().status(), IsOk());
  EXPECT_THAT(server_->DeviceIdByName("Maria's phone").status(), IsOk());

  ASSERT_NO_FATAL_FAILURE(CaptureVideo(phone, 9 * kBlobChunkBytes + 77));
  states_.clear();
  Result<SyncSession> sync =
      SyncSession::Start(phone.device->replica(), phone.blobs.get(), options);
  ASSERT_THAT(sync.status(), IsOk());
  ASSERT_THAT(Run(*sync, *transport), IsOk());
  EXPECT_THAT(states_, ElementsAre("changes", "evidence", "done"));
  EXPECT_GT(sync->changes().pushed, 0U);
  EXPECT_EQ(sync->evidence().uploaded, 1U);
  EXPECT_EQ(sync->evidence().chunk_bytes_sent, 9 * kBlobChunkBytes + 77);
  EXPECT_EQ(sync->evidence_progress().done_bytes, 9 * kBlobChunkBytes + 77);
  EXPECT_TRUE(waits_.empty());
  EXPECT_EQ(Metric("cairn_blobs_completed_total"), 1U);
}

TEST_F(SyncSessionTest, LostAnswersAreRetriedAfterAWaitForTheSameDeviceAndChunks) {
  Phone phone = NewPhone("phone");
  ASSERT_THAT(server_->AddUser("maria").status(), IsOk());
  Result<std::string> code = server_->EnrolCode("maria");
  ASSERT_THAT(code.status(), IsOk());
  std::unique_ptr<BeastTransport> beast = Beast(server_->url());
  // The enrolment's answer and the first pull's answer are lost.
  LosingTransport losing(*beast, {0, 2});
  Result<SyncSession> enrol = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", {});
  ASSERT_THAT(enrol.status(), IsOk());
  ASSERT_THAT(Run(*enrol, losing), IsOk());
  EXPECT_THAT(waits_, ElementsAre(std::chrono::milliseconds(250), std::chrono::milliseconds(250)))
      << "each loss waits once, and a success resets the backoff";
  EXPECT_THAT(states_, ElementsAre("enrolling", "waiting", "enrolling", "changes", "waiting",
                                   "changes", "done"));
  EXPECT_THAT(phone.device->ListMicroCredentials().status(), IsOk());

  // Evidence with gathered bodies (an app's HTTP stack that wants whole bodies), its first
  // chunk request's answer lost: the session asks where to resume and sends only the rest.
  ASSERT_NO_FATAL_FAILURE(CaptureVideo(phone, 40 * kBlobChunkBytes));
  waits_.clear();
  std::unique_ptr<BeastTransport> beast2 = Beast(server_->url());
  // 0: push, 1: pull, 2: offer, 3: the first 16 chunks (lost).
  LosingTransport losing2(*beast2, {3});
  Result<SyncSession> sync = SyncSession::Start(phone.device->replica(), phone.blobs.get(), {});
  ASSERT_THAT(sync.status(), IsOk());
  ASSERT_THAT(Run(*sync, losing2), IsOk());
  EXPECT_THAT(waits_, ElementsAre(std::chrono::milliseconds(250)));
  EXPECT_EQ(sync->evidence().uploaded, 1U);
  EXPECT_EQ(sync->evidence().chunk_bytes_sent, 40 * kBlobChunkBytes)
      << "the lost request's chunks arrived; the status said so and none went twice";
  EXPECT_EQ(sync->evidence().failed_requests, 1U);
}

TEST_F(SyncSessionTest, AnUnreachableServerEndsUnavailableAfterTheBackoffSchedule) {
  Phone phone = NewPhone("phone");
  ASSERT_THAT(server_->AddUser("maria").status(), IsOk());
  Result<std::string> code = server_->EnrolCode("maria");
  ASSERT_THAT(code.status(), IsOk());
  const std::string url = server_->url();
  ASSERT_THAT(server_->Stop(), IsOk());
  std::unique_ptr<BeastTransport> transport = Beast(url);
  Result<SyncSession> enrol = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", {});
  ASSERT_THAT(enrol.status(), IsOk());
  const Status outcome = Run(*enrol, *transport);
  EXPECT_THAT(outcome, StatusIs(Code::kUnavailable, HasSubstr("after 8 tries")));
  using std::chrono::milliseconds;
  EXPECT_THAT(waits_, ElementsAre(milliseconds(250), milliseconds(500), milliseconds(1000),
                                  milliseconds(2000), milliseconds(4000), milliseconds(8000),
                                  milliseconds(8000)));
  EXPECT_EQ(enrol->state(), SyncState::kDone);
  EXPECT_EQ(enrol->outcome().code(), Code::kUnavailable);
  // Not enrolled: the same code works once the server is back.
  Result<std::optional<SyncSettings>> settings = LoadSyncSettings(phone.device->replica());
  ASSERT_THAT(settings.status(), IsOk());
  EXPECT_FALSE(settings->has_value());
  ASSERT_THAT(server_->Start(), IsOk());
  waits_.clear();
  Result<SyncSession> again = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", {});
  ASSERT_THAT(again.status(), IsOk());
  std::unique_ptr<BeastTransport> fresh = Beast(server_->url());
  EXPECT_THAT(Run(*again, *fresh), IsOk());
}

TEST_F(SyncSessionTest, PauseCutsAStreamedUploadAndTheNextSessionSendsOnlyTheRest) {
  Phone phone = NewPhone("phone");
  ASSERT_THAT(server_->AddUser("maria").status(), IsOk());
  Result<std::string> code = server_->EnrolCode("maria");
  ASSERT_THAT(code.status(), IsOk());
  std::unique_ptr<BeastTransport> transport = Beast(server_->url());
  SyncSessionOptions options;
  options.max_streamed_batch_chunks = BlobUploader::kMaxStreamedBatchChunks;
  Result<SyncSession> enrol = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", options);
  ASSERT_THAT(enrol.status(), IsOk());
  ASSERT_THAT(Run(*enrol, *transport), IsOk());
  const uint64_t size = 64 * kBlobChunkBytes;
  ASSERT_NO_FATAL_FAILURE(CaptureVideo(phone, size));

  Result<SyncSession> sync =
      SyncSession::Start(phone.device->replica(), phone.blobs.get(), options);
  ASSERT_THAT(sync.status(), IsOk());
  // The teacher taps "pause" once 20 MiB have gone out: the streamed request is cut there.
  sync->set_observer([](const SyncSession& s) {
    const UploadProgress& p = s.evidence_progress();
    if (p.current < p.blobs.size() && p.blobs[p.current].sending_bytes >= 20 * kBlobChunkBytes) {
      const_cast<SyncSession&>(s).control().pause.store(true);
    }
  });
  const Status paused = RunSyncSession(*sync, *transport, [](std::chrono::milliseconds) {});
  EXPECT_THAT(paused, StatusIs(Code::kAborted, HasSubstr("paused")));
  EXPECT_TRUE(sync->evidence().paused);
  EXPECT_EQ(sync->evidence().uploaded, 0U);
  const uint64_t sent_before = sync->evidence().chunk_bytes_sent;
  EXPECT_LT(sent_before, size);

  Result<SyncSession> resume =
      SyncSession::Start(phone.device->replica(), phone.blobs.get(), options);
  ASSERT_THAT(resume.status(), IsOk());
  std::unique_ptr<BeastTransport> fresh = Beast(server_->url());
  ASSERT_THAT(Run(*resume, *fresh), IsOk());
  EXPECT_EQ(resume->evidence().uploaded, 1U);
  EXPECT_LE(sent_before + resume->evidence().chunk_bytes_sent, size + kBlobChunkBytes)
      << "at most the chunk that was cut goes twice";
  EXPECT_EQ(Metric("cairn_blobs_completed_total"), 1U);
}

TEST_F(SyncSessionTest, ACancelledSessionSendsNothingAndSaysSo) {
  Phone phone = NewPhone("phone");
  ASSERT_THAT(server_->AddUser("maria").status(), IsOk());
  Result<std::string> code = server_->EnrolCode("maria");
  ASSERT_THAT(code.status(), IsOk());
  Result<SyncSession> enrol = SyncSession::Enrol(phone.device->replica(), phone.blobs.get(),
                                                 Server(), *code, "Maria's phone", {});
  ASSERT_THAT(enrol.status(), IsOk());
  enrol->control().cancel.store(true);
  const SyncStep step = enrol->Next();
  EXPECT_EQ(step.kind, SyncStep::Kind::kDone);
  EXPECT_THAT(enrol->outcome(), StatusIs(Code::kAborted, HasSubstr("cancelled")));
  EXPECT_THAT(enrol->Answer(HttpResponse{200, "", ""}),
              StatusIs(Code::kFailedPrecondition, HasSubstr("no request in flight")));
  EXPECT_EQ(enrol->Next().kind, SyncStep::Kind::kDone) << "an ended session stays ended";
}

}  // namespace
}  // namespace cairn::testing
