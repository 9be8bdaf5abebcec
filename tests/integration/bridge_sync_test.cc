// Sync through the mobile bridge's C ABI (cairn.h) against a real `cairn-server` on loopback
// TLS: driven step by step by a stand-in for the app's HTTP stack (PlatformHttp), which sends
// each HttpExchange exactly as given, and whole by cairn_sync_run's built-in transport. What a
// phone app sees: the enrolment, the catalog, evidence uploaded from bytes or from body files,
// retries after WAIT steps, pause, and clear refusals of misuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cairn.h"
#include "cairn/blob_sync.h"
#include "cairn/v1/bridge.pb.h"
#include "integration/evidence_fixture.h"
#include "integration/platform_http.h"

namespace cairn::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

cairn_code Keys(void* /*user_data*/, uint8_t* key, size_t key_len) {
  for (size_t i = 0; i < key_len; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  return CAIRN_OK;
}

// A cairn_error owned by the test, with its message as text.
struct Error {
  cairn_code code = CAIRN_OK;
  std::string message;
  bool retryable = false;
};

Error Take(cairn_code code, cairn_error* error) {
  Error out{code, error != nullptr ? std::string(error->message, error->message_len) : "",
            error != nullptr && error->retryable != 0};
  cairn_error_free(error);
  return out;
}

// Runs `call(cairn_error**)` and takes its error.
template <typename Call>
Error Calling(Call&& call) {
  cairn_error* error = nullptr;
  const cairn_code code = call(&error);
  return Take(code, error);
}

// The observer: every SyncReport the bridge hands over.
void Observe(void* user_data, const uint8_t* report, size_t report_len) {
  auto* reports = static_cast<std::vector<v1::SyncReport>*>(user_data);
  v1::SyncReport parsed;
  EXPECT_TRUE(parsed.ParseFromArray(report, static_cast<int>(report_len)));
  reports->push_back(parsed);
}

class BridgeSyncTest : public EvidenceTransferTest {
 protected:
  void SetUp() override {
    EvidenceTransferTest::SetUp();
    ASSERT_THAT(server_->AddUser("maria").status(), IsOk());
    Result<std::string> code = server_->EnrolCode("maria");
    ASSERT_THAT(code.status(), IsOk());
    code_ = *code;
    store_dir_ = dir_.File("phone");
    cairn_error* error = nullptr;
    ASSERT_EQ(
        cairn_store_open(store_dir_.data(), store_dir_.size(), Keys, nullptr, &store_, &error),
        CAIRN_OK);
  }

  void TearDown() override {
    cairn_store_free(store_);
    EvidenceTransferTest::TearDown();
  }

  cairn_sync_options Options(bool body_files = false) {
    cairn_sync_options options{};
    options.body_files = body_files ? 1 : 0;
    options.observer = Observe;
    options.observer_data = &reports_;
    return options;
  }

  cairn_sync* BeginEnrol(const cairn_sync_options& options) {
    const std::string url = server_->url();
    const std::string pin = server_->fingerprint();
    const std::string name = "Maria's phone";
    cairn_sync* sync = nullptr;
    cairn_error* error = nullptr;
    const cairn_code code =
        cairn_enrol_begin(store_, url.data(), url.size(), pin.data(), pin.size(), code_.data(),
                          code_.size(), name.data(), name.size(), &options, &sync, &error);
    EXPECT_EQ(code, CAIRN_OK) << Take(code, error).message;
    return sync;
  }

  cairn_sync* Begin(const cairn_sync_options& options) {
    cairn_sync* sync = nullptr;
    cairn_error* error = nullptr;
    const cairn_code code = cairn_sync_begin(store_, &options, &sync, &error);
    EXPECT_EQ(code, CAIRN_OK) << Take(code, error).message;
    return sync;
  }

  // Drives `sync` step by step through `http` until DONE; the requests numbered in `lose`
  // get no answer (cairn_sync_fail). Returns the outcome.
  Error Drive(cairn_sync* sync, PlatformHttp& http, const std::set<int>& lose = {}) {
    for (int request = 0;;) {
      cairn_buffer out{};
      cairn_error* error = nullptr;
      const cairn_code code = cairn_sync_next(sync, &out, &error);
      v1::SyncStep step;
      EXPECT_TRUE(step.ParseFromArray(out.data, static_cast<int>(out.len)));
      cairn_buffer_free(&out);
      if (step.kind() == v1::SyncStep::DONE) return Take(code, error);
      EXPECT_EQ(code, CAIRN_OK) << Take(code, error).message;
      if (code != CAIRN_OK) return {code, "next failed", false};
      if (step.kind() == v1::SyncStep::WAIT) {
        waits_.push_back(step.wait_ms());
        continue;
      }
      EXPECT_EQ(step.kind(), v1::SyncStep::SEND);
      Result<v1::HttpAnswer> answer = http.Send(step.request());
      cairn_code told;
      if (lose.contains(request++) || !answer.ok()) {
        const std::string why = answer.ok() ? "the radio dropped" : answer.status().message();
        told = cairn_sync_fail(sync, why.data(), why.size(), &error);
      } else {
        const std::string bytes = answer->SerializeAsString();
        told = cairn_sync_answer(sync, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                 &error);
      }
      EXPECT_EQ(told, CAIRN_OK) << Take(told, error).message;
    }
  }

  v1::SyncReport Report(cairn_sync* sync) {
    cairn_buffer out{};
    EXPECT_EQ(cairn_sync_report(sync, &out, nullptr), CAIRN_OK);
    v1::SyncReport report;
    EXPECT_TRUE(report.ParseFromArray(out.data, static_cast<int>(out.len)));
    cairn_buffer_free(&out);
    return report;
  }

  // A pursuit of the exit tickets with a video of `size` bytes captured as a stream.
  void CaptureVideo(uint64_t size) {
    cairn_buffer pursuit{};
    ASSERT_EQ(cairn_pursuit_start(store_, kMicroCredential.data(), kMicroCredential.size(),
                                  &pursuit, nullptr),
              CAIRN_OK);
    const std::string video = dir_.File("video.mp4");
    WriteVideo(video, size, size);
    cairn_capture* capture = nullptr;
    ASSERT_EQ(cairn_capture_begin(store_, reinterpret_cast<const char*>(pursuit.data), pursuit.len,
                                  kVideoRequirement.data(), kVideoRequirement.size(), "my class", 8,
                                  &capture, nullptr),
              CAIRN_OK);
    cairn_buffer_free(&pursuit);
    std::ifstream file(video, std::ios::binary);
    std::string piece(1 << 20, '\0');
    while (file) {
      file.read(piece.data(), static_cast<std::streamsize>(piece.size()));
      ASSERT_EQ(cairn_capture_write(capture, reinterpret_cast<const uint8_t*>(piece.data()),
                                    static_cast<size_t>(file.gcount()), nullptr),
                CAIRN_OK);
    }
    cairn_buffer id{};
    ASSERT_EQ(cairn_capture_finish(capture, &id, nullptr), CAIRN_OK);
    cairn_buffer_free(&id);
    cairn_capture_free(capture);
  }

  std::vector<v1::SyncReport::State> States() const {
    std::vector<v1::SyncReport::State> states;
    for (const v1::SyncReport& report : reports_) {
      if (states.empty() || states.back() != report.state()) states.push_back(report.state());
    }
    return states;
  }

  std::string code_;
  std::string store_dir_;
  cairn_store* store_ = nullptr;
  std::vector<v1::SyncReport> reports_;
  std::vector<uint64_t> waits_;
};

TEST_F(BridgeSyncTest, TheAppsHttpStackEnrolsPullsTheCatalogAndUploadsEvidenceAsBytes) {
  PlatformHttp http;
  cairn_sync* enrol = BeginEnrol(Options());
  ASSERT_NE(enrol, nullptr);
  // The enrolment's answer is lost once: a WAIT, then the same request again.
  const Error enrolled = Drive(enrol, http, {0});
  EXPECT_EQ(enrolled.code, CAIRN_OK) << enrolled.message;
  EXPECT_THAT(waits_, ElementsAre(250U));
  EXPECT_THAT(States(), ElementsAre(v1::SyncReport::ENROLLING, v1::SyncReport::WAITING,
                                    v1::SyncReport::ENROLLING, v1::SyncReport::CHANGES,
                                    v1::SyncReport::DONE));
  EXPECT_EQ(reports_.back().outcome().code(), "ok");
  ASSERT_GE(http.sent.size(), 3U);
  EXPECT_EQ(http.sent[0].url(), server_->url() + "/v1/enrol");
  EXPECT_EQ(http.sent[1].SerializeAsString(), http.sent[0].SerializeAsString())
      << "the retry is the same request";
  EXPECT_EQ(http.sent[0].pin_sha256(), server_->fingerprint());
  // The catalog came down zstd-compressed and the bridge decoded it.
  EXPECT_THAT(http.answer_encodings, Contains("zstd"));
  cairn_sync_free(enrol);
  cairn_buffer list{};
  ASSERT_EQ(cairn_catalog_list(store_, &list, nullptr), CAIRN_OK);
  v1::MicroCredentialList catalog;
  ASSERT_TRUE(catalog.ParseFromArray(list.data, static_cast<int>(list.len)));
  cairn_buffer_free(&list);
  EXPECT_GT(catalog.micro_credentials_size(), 0);

  ASSERT_NO_FATAL_FAILURE(CaptureVideo(20 * kBlobChunkBytes + 5));
  reports_.clear();
  http.sent.clear();
  cairn_sync* sync = Begin(Options());
  const Error synced = Drive(sync, http);
  EXPECT_EQ(synced.code, CAIRN_OK) << synced.message;
  const v1::SyncReport report = Report(sync);
  EXPECT_EQ(report.state(), v1::SyncReport::DONE);
  EXPECT_GT(report.pushed(), 0U);
  EXPECT_EQ(report.evidence_uploaded(), 1U);
  EXPECT_EQ(report.evidence_done_bytes(), 20 * kBlobChunkBytes + 5);
  EXPECT_EQ(report.evidence_total_bytes(), 20 * kBlobChunkBytes + 5);
  EXPECT_THAT(States(),
              ElementsAre(v1::SyncReport::CHANGES, v1::SyncReport::EVIDENCE, v1::SyncReport::DONE));
  bool saw_caption = false;
  for (const v1::SyncReport& r : reports_) saw_caption |= r.current_caption() == "my class";
  EXPECT_TRUE(saw_caption) << "the observer names the evidence being sent";
  for (const v1::HttpExchange& exchange : http.sent) {
    EXPECT_FALSE(exchange.has_body_file());
    EXPECT_LE(exchange.body().size(), BlobUploader::kMaxBatchChunks * kBlobChunkBytes);
  }
  cairn_sync_free(sync);
  EXPECT_EQ(Metric("cairn_blobs_completed_total"), 1U);
}

TEST_F(BridgeSyncTest, BodyFilesCarryEvidenceForBackgroundUploadsAndAreRemovedAfter) {
  PlatformHttp http;
  cairn_sync* enrol = BeginEnrol(Options(/*body_files=*/true));
  ASSERT_EQ(Drive(enrol, http).code, CAIRN_OK);
  cairn_sync_free(enrol);
  const uint64_t size = 70 * kBlobChunkBytes;
  ASSERT_NO_FATAL_FAILURE(CaptureVideo(size));
  http.sent.clear();
  cairn_sync* sync = Begin(Options(/*body_files=*/true));
  const Error synced = Drive(sync, http);
  EXPECT_EQ(synced.code, CAIRN_OK) << synced.message;
  uint64_t file_bytes = 0;
  for (const v1::HttpExchange& exchange : http.sent) {
    if (!exchange.has_body_file()) continue;
    EXPECT_EQ(exchange.body_file().path(), store_dir_ + "/outgoing.body");
    EXPECT_TRUE(exchange.body().empty());
    file_bytes += exchange.body_file().length();
  }
  EXPECT_EQ(file_bytes, size) << "every chunk went once, through the body file";
  EXPECT_EQ(Report(sync).evidence_uploaded(), 1U);
  EXPECT_TRUE(std::filesystem::exists(store_dir_ + "/outgoing.body"));
  cairn_sync_free(sync);
  EXPECT_FALSE(std::filesystem::exists(store_dir_ + "/outgoing.body"))
      << "the unsealed body file does not outlive its sync";
}

TEST_F(BridgeSyncTest, TheBuiltInTransportRunsTheSyncAndPauseFromTheObserverStopsIt) {
  cairn_sync_options options = Options();
  cairn_sync* enrol = BeginEnrol(options);
  cairn_error* error = nullptr;
  cairn_code code = cairn_sync_run(enrol, &error);
  ASSERT_EQ(code, CAIRN_OK) << Take(code, error).message;
  cairn_sync_free(enrol);
  const uint64_t size = 48 * kBlobChunkBytes;
  ASSERT_NO_FATAL_FAILURE(CaptureVideo(size));

  // The teacher taps "pause" once 8 MiB have gone out.
  struct Pauser {
    cairn_sync* sync = nullptr;
    uint64_t seen = 0;
  } pauser;
  options.observer = [](void* user_data, const uint8_t* bytes, size_t len) {
    auto* p = static_cast<Pauser*>(user_data);
    v1::SyncReport report;
    ASSERT_TRUE(report.ParseFromArray(bytes, static_cast<int>(len)));
    p->seen = std::max<uint64_t>(p->seen, report.current_done_bytes());
    if (report.current_done_bytes() >= 8 * kBlobChunkBytes) cairn_sync_pause(p->sync);
  };
  options.observer_data = &pauser;
  pauser.sync = Begin(options);
  code = cairn_sync_run(pauser.sync, &error);
  const Error paused = Take(code, error);
  EXPECT_EQ(paused.code, CAIRN_ABORTED);
  EXPECT_THAT(paused.message, HasSubstr("paused"));
  const v1::SyncReport report = Report(pauser.sync);
  EXPECT_EQ(report.outcome().code(), "aborted");
  EXPECT_EQ(report.evidence_uploaded(), 0U);
  EXPECT_LT(report.evidence_done_bytes(), size);
  cairn_sync_free(pauser.sync);

  cairn_sync* resume = Begin(Options());
  code = cairn_sync_run(resume, &error);
  EXPECT_EQ(code, CAIRN_OK) << Take(code, error).message;
  EXPECT_EQ(Report(resume).evidence_uploaded(), 1U);
  cairn_sync_free(resume);
  EXPECT_EQ(Metric("cairn_blobs_completed_total"), 1U);
}

TEST_F(BridgeSyncTest, MisuseIsRefusedWithWhatToDoAndAnUnreachableServerEndsUnavailable) {
  cairn_sync* sync = nullptr;
  // Not enrolled yet.
  Error e =
      Calling([&](cairn_error** err) { return cairn_sync_begin(store_, nullptr, &sync, err); });
  EXPECT_EQ(e.code, CAIRN_FAILED_PRECONDITION);
  EXPECT_THAT(e.message, HasSubstr("cairn_enrol_begin"));
  EXPECT_EQ(sync, nullptr);
  // A URL the transport cannot use.
  const std::string bad = "http://127.0.0.1:1";
  e = Calling([&](cairn_error** err) {
    return cairn_enrol_begin(store_, bad.data(), bad.size(), nullptr, 0, code_.data(), code_.size(),
                             "p", 1, nullptr, &sync, err);
  });
  EXPECT_EQ(e.code, CAIRN_INVALID_ARGUMENT);
  EXPECT_THAT(e.message, HasSubstr("http://127.0.0.1:1"));

  PlatformHttp http;
  sync = BeginEnrol(Options());
  ASSERT_NE(sync, nullptr);
  e = Calling([&](cairn_error** err) { return cairn_sync_answer(sync, nullptr, 0, err); });
  EXPECT_EQ(e.code, CAIRN_INVALID_ARGUMENT) << "an empty answer has no status";
  const uint8_t garbage[] = {0xff, 0xff, 0xff};
  e = Calling(
      [&](cairn_error** err) { return cairn_sync_answer(sync, garbage, sizeof garbage, err); });
  EXPECT_EQ(e.code, CAIRN_INVALID_ARGUMENT);
  EXPECT_THAT(e.message, HasSubstr("HttpAnswer"));
  v1::HttpAnswer ok;
  ok.set_status(200);
  const std::string ok_bytes = ok.SerializeAsString();
  e = Calling([&](cairn_error** err) {
    return cairn_sync_answer(sync, reinterpret_cast<const uint8_t*>(ok_bytes.data()),
                             ok_bytes.size(), err);
  });
  EXPECT_EQ(e.code, CAIRN_FAILED_PRECONDITION) << "no request is waiting for an answer";
  EXPECT_THAT(e.message, HasSubstr("ask for the next step first"));

  // Step by step, then every request fails: eight tries, then Unavailable.
  std::set<int> all;
  for (int i = 0; i < 20; ++i) all.insert(i);
  const Error outcome = Drive(sync, http, all);
  EXPECT_EQ(outcome.code, CAIRN_UNAVAILABLE);
  EXPECT_TRUE(outcome.retryable);
  EXPECT_THAT(outcome.message, HasSubstr("after 8 tries (the radio dropped)"));
  EXPECT_THAT(waits_, ElementsAre(250U, 500U, 1000U, 2000U, 4000U, 8000U, 8000U));
  e = Calling([&](cairn_error** err) { return cairn_sync_run(sync, err); });
  EXPECT_EQ(e.code, CAIRN_FAILED_PRECONDITION);
  EXPECT_THAT(e.message, HasSubstr("driven one way only"));
  cairn_sync_free(sync);

  // A sync outliving its store finds it closed.
  sync = BeginEnrol(Options());
  ASSERT_EQ(cairn_store_close(store_, nullptr), CAIRN_OK);
  cairn_buffer out{};
  e = Calling([&](cairn_error** err) { return cairn_sync_next(sync, &out, err); });
  EXPECT_EQ(e.code, CAIRN_FAILED_PRECONDITION);
  EXPECT_THAT(e.message, HasSubstr("closed"));
  cairn_sync_pause(sync);
  cairn_sync_cancel(nullptr);
  cairn_sync_free(sync);
  cairn_sync_free(nullptr);
}

}  // namespace
}  // namespace cairn::testing
