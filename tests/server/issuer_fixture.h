// The issuer's side in process, for the issuer API and badge tests: a real server store with
// the demo catalog and two issuers, the Service (with badge issuance), and a real device store
// of one educator enrolled and synced through an in-process transport. SubmitComplete() makes a
// complete submission with evidence, as a teacher's phone would.
#ifndef CAIRN_TESTS_SERVER_ISSUER_FIXTURE_H_
#define CAIRN_TESTS_SERVER_ISSUER_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "api/service.h"
#include "badge/issuance.h"
#include "badge/key_vault.h"
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

namespace cairn::testing {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;

inline constexpr const char* kIssuer = "northbridge-institute";
inline constexpr const char* kCriteria[] = {"context-described", "ticket-aligned", "ticket-given",
                                            "range-of-understanding", "instruction-adjusted"};

inline v1::Catalog DemoCatalog() {
  // From the file, so that its badge image is read from beside it.
  Result<v1::Catalog> catalog = ParseCatalogFile(CAIRN_DEMO_CATALOG);
  EXPECT_THAT(catalog.status(), IsOk());
  return *catalog;
}

inline std::string Words(int n, std::string_view word) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? " " : "") + std::string(word);
  return out;
}

inline json::value Json(const server::Response& response) {
  boost::system::error_code error;
  json::value value = json::parse(response.body, error);
  EXPECT_FALSE(error) << response.body;
  return value;
}

inline std::string Message(const server::Response& response) {
  const json::value value = Json(response);
  const json::object* object = value.if_object();
  const json::value* message = object ? object->if_contains("message") : nullptr;
  return message && message->is_string() ? std::string(message->get_string()) : response.body;
}

// An assessment body scoring every criterion at `level` except those in `not_yet`.
inline std::string AssessmentBody(const std::vector<std::string>& not_yet = {},
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

class IssuerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    server::ServerStoreOptions options;
    options.env = Env{&clock_, &server_random_};
    Result<std::unique_ptr<server::ServerStore>> store =
        server::ServerStore::Open(dir_.File("server.db"), options);
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    Result<server::KeyVault> vault = server::KeyVault::OpenOrCreate(dir_.File("badge-keys.key"));
    ASSERT_THAT(vault.status(), IsOk());
    vault_.emplace(*vault);
    server::IssuanceOptions badge_options;
    badge_options.public_url = "https://badges.example.org";
    badge_options.env = options.env;
    badges_ = std::make_unique<server::BadgeIssuance>(*store_, *vault_, badge_options);
    service_ = std::make_unique<server::Service>(*store_, metrics_,
                                                 with_badges_ ? badges_.get() : nullptr);
    transport_ = std::make_unique<InProcessTransport>(*service_);
    ASSERT_THAT(server::PublishCatalog(*store_, Catalog(), clock_.NowMillis()).status(), IsOk());
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

  // The catalog SetUp publishes.
  virtual v1::Catalog Catalog() { return DemoCatalog(); }

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
  // Badge issuance at the decision; tests of awards without badges turn it off.
  bool with_badges_ = true;
  std::optional<server::KeyVault> vault_;
  std::unique_ptr<server::BadgeIssuance> badges_;
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

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SERVER_ISSUER_FIXTURE_H_
