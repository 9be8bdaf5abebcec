// The signed fixtures tests/cli/cli_test.sh verifies with `cairn badges` (no server needed):
//   tests/cli/testdata/badge_pack.json          a valid verification pack
//   tests/cli/testdata/badge_revoked_pack.json  the same credential, revoked in the snapshot
//   tests/cli/testdata/badge_changes.batch      a ChangeBatch carrying the credential entity as
//                                              the server writes it (`cairn import` applies it)
// They are made by the DISABLED_ test below with fresh keys; run it after a change that makes
// the check here fail:
//   cairn_badge_tests --gtest_also_run_disabled_tests --gtest_filter='CliBadgeFixtures.*'
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "badge/jsonld_shipped.h"
#include "badge/verify_fixture.h"
#include "cairn/device.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

namespace json = boost::json;
using ::cairn::testing::IsOk;

std::string Testdata(const std::string& name) {
  return std::string(CAIRN_SOURCE_DIR) + "/tests/cli/testdata/" + name;
}

void Write(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

VerificationPack WithContexts(VerificationPack pack) {
  for (const json::object* document : {&pack.credential, &pack.status_list}) {
    for (const json::value& url : document->at("@context").as_array()) {
      Result<const json::object*> context = jsonld_internal::ShippedContext(url.as_string());
      EXPECT_THAT(context, IsOk());
      if (context.ok()) pack.contexts.emplace(std::string(url.as_string()), **context);
    }
  }
  return pack;
}

// The server's change for `pack`'s credential (the contract in credentials.h).
std::vector<Op> CredentialOps(const VerificationPack& pack) {
  const std::string uuid = "7f3c2a1e-5b7d-4c1a-9e2f-0d8b6a4c3e21";
  const EntityId id = CredentialEntityIdFor(uuid);
  return {
      Op::Put(id, std::string(kTypeField), std::string(kCredentialType)),
      Op::Put(id, "credential_id", uuid),
      Op::Put(id, "kind", std::string("micro_credential")),
      Op::Put(id, "subject_id", std::string("exit-tickets")),
      Op::Put(id, "title", std::string("Exit Tickets for Formative Assessment")),
      Op::Put(id, "json", json::serialize(pack.credential)),
      Op::Put(id, "jws", pack.jws),
      Op::Put(id, "issued_at_ms", ParseRfc3339("2025-03-01T09:00:00Z").value()),
      Op::Put(id, "valid_until_ms", ParseRfc3339("2030-03-01T09:00:00Z").value()),
      Op::Put(id, "status", std::string("active")),
      Op::Put(id, "revocation_reason", std::string()),
      Op::Put(id, "issuer_did_document", json::serialize(pack.did_document)),
      Op::Put(id, "issuer_jwks", json::serialize(pack.jwks)),
      Op::Put(id, "status_list", json::serialize(pack.status_list)),
      Op::Put(id, "status_checked_at_ms", pack.status_checked_at_ms),
  };
}

TEST(CliBadgeFixtures, PacksStillVerifyAsTheCliTestExpects) {
  for (const auto& [name, valid] :
       {std::pair{"badge_pack.json", true}, std::pair{"badge_revoked_pack.json", false}}) {
    std::ifstream in(Testdata(name), std::ios::binary);
    ASSERT_TRUE(in.good()) << Testdata(name) << " is missing; regenerate it (see the top)";
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    Result<VerificationPack> pack = ParseVerificationPack(text);
    ASSERT_THAT(pack, IsOk()) << name;
    Result<Verdict> verdict = VerifyPack(*pack, testing::kNowMs);
    ASSERT_THAT(verdict, IsOk());
    EXPECT_EQ(verdict->valid, valid)
        << name << ": " << ::testing::PrintToString(verdict->Reasons());
  }
}

TEST(CliBadgeFixtures, DISABLED_Regenerate) {
  const VerificationPack pack = WithContexts(testing::SignedPack());
  Write(Testdata("badge_pack.json"), SerializeVerificationPack(pack));
  const VerificationPack revoked =
      WithContexts(testing::SignedPack(testing::UnsignedCredential(), {testing::kStatusIndex}));
  Write(Testdata("badge_revoked_pack.json"), SerializeVerificationPack(revoked));

  ::cairn::testing::TempDir dir;
  ::cairn::testing::FakeClock clock(testing::kNowMs);
  ::cairn::testing::SeededRandom random(17);
  ReplicaOptions options;
  options.env = {&clock, &random};
  options.schema = &CairnSchema();
  Result<std::unique_ptr<Replica>> server = Replica::Open(dir.File("server.db"), options);
  ASSERT_THAT(server, IsOk());
  ASSERT_THAT((*server)->Commit(CredentialOps(pack)), IsOk());
  Result<std::string> batch = (*server)->ExportSince({});
  ASSERT_THAT(batch, IsOk());
  Write(Testdata("badge_changes.batch"), *batch);
}

}  // namespace
}  // namespace cairn::badge
