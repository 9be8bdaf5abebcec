// Issuers in the server store: ids are the catalog's slugs, targets are checked, the API token
// is handed out once and works until it is replaced, and issuers survive reopening.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/server_store.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn::server {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class IssuerStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerStore> Open() {
    ServerStoreOptions options;
    options.env = Env{&clock_, &random_};
    Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(dir_.File("s.db"), options);
    EXPECT_THAT(store.status(), IsOk());
    return store.ok() ? std::move(*store) : nullptr;
  }

  static IssuerSpec Webhook(std::string id, std::string url) {
    IssuerSpec spec;
    spec.id = std::move(id);
    spec.name = "Cairn Demo Institute";
    spec.target_kind = TargetKind::kWebhook;
    spec.target = std::move(url);
    return spec;
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{11};
};

TEST_F(IssuerStoreTest, TokenAuthenticatesUntilReplacedAndSurvivesReopening) {
  std::string token;
  {
    std::unique_ptr<ServerStore> store = Open();
    Result<IssuerCredentials> added =
        store->AddIssuer(Webhook("cairn-demo-institute", "https://issuer.example.org/hook"));
    ASSERT_THAT(added.status(), IsOk());
    EXPECT_THAT(added->issuer.webhook_secret.size(), ::testing::Ge(32u));
    token = added->api_token;
  }
  std::unique_ptr<ServerStore> store = Open();
  Result<IssuerInfo> caller = store->AuthenticateIssuer(token);
  ASSERT_THAT(caller.status(), IsOk());
  EXPECT_EQ(caller->id, "cairn-demo-institute");
  EXPECT_EQ(caller->target, "https://issuer.example.org/hook");

  Result<std::string> fresh = store->RotateIssuerToken("cairn-demo-institute");
  ASSERT_THAT(fresh.status(), IsOk());
  EXPECT_NE(*fresh, token);
  EXPECT_EQ(store->AuthenticateIssuer(token).status().code(), Code::kUnauthenticated);
  EXPECT_THAT(store->AuthenticateIssuer(*fresh).status(), IsOk());
  EXPECT_EQ(store->AuthenticateIssuer("").status().code(), Code::kUnauthenticated);
}

TEST_F(IssuerStoreTest, RefusesBadIdsTargetsAndDuplicates) {
  std::unique_ptr<ServerStore> store = Open();
  Status bad_id = store->AddIssuer(Webhook("Demo Institute", "https://x.example.org")).status();
  EXPECT_EQ(bad_id.code(), Code::kInvalidArgument);
  EXPECT_THAT(bad_id.message(), HasSubstr("not a slug"));

  Status clear_text = store->AddIssuer(Webhook("demo", "http://issuer.example.org/h")).status();
  EXPECT_EQ(clear_text.code(), Code::kInvalidArgument);
  EXPECT_THAT(clear_text.message(), HasSubstr("https://"));
  EXPECT_THAT(store->AddIssuer(Webhook("demo", "http://127.0.0.1:8080/h")).status(), IsOk());

  Status twice = store->AddIssuer(Webhook("demo", "https://x.example.org")).status();
  EXPECT_EQ(twice.code(), Code::kAlreadyExists);

  IssuerSpec no_attempts = Webhook("other", "https://x.example.org");
  no_attempts.max_attempts = 0;
  EXPECT_EQ(store->AddIssuer(no_attempts).status().code(), Code::kInvalidArgument);

  Result<std::vector<IssuerInfo>> all = store->ListIssuers();
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_THAT(*all, SizeIs(1));
  EXPECT_EQ(store->GetIssuer("missing").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cairn::server
