// BadgeIssuanceTest: the issuer fixture (issuer_fixture.h) with what the badge tests share —
// awarding a submission, fetching the public routes, verifying both proofs against the hosted
// documents with the core's own verifiers, and running the OB 3.0 reference verifiers.
#ifndef CAIRN_TESTS_SERVER_BADGE_FIXTURE_H_
#define CAIRN_TESTS_SERVER_BADGE_FIXTURE_H_

#include <sys/wait.h>

#include <cstdio>

#include "cairn/badge/data_integrity.h"
#include "cairn/badge/jws.h"
#include "cairn/badge/multibase.h"
#include "cairn/badge/rfc3339.h"
#include "server/issuer_fixture.h"

namespace cairn {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names

class BadgeIssuanceTest : public IssuerFixture {
 protected:
  // Assesses every criterion "pass" and confirms the award; returns the decision's answer.
  json::object Award(const EntityId& submission) {
    EXPECT_EQ(Issuer("POST", Path(submission, "/assessment"), AssessmentBody()).status, 200);
    const server::Response decided =
        Issuer("POST", Path(submission, "/decision"),
               R"({"decision":"award","confirmed_by":"Dana Director"})");
    EXPECT_EQ(decided.status, 200) << decided.body;
    return Json(decided).as_object();
  }

  server::Response Public(const std::string& target, const std::string& accept = "*/*") {
    server::Request request{"GET", target, "", "", accept, ""};
    return service_->Handle(request);
  }

  json::object PublicJson(const std::string& target) {
    const server::Response response = Public(target, "application/json");
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    return Json(response).as_object();
  }

  // The credential's path on the server, from its URL.
  static std::string PathOf(std::string_view url) {
    return std::string(url.substr(url.find("/credentials/")));
  }

  // The Ed25519 key a proof names, from the hosted DID document.
  std::array<uint8_t, 32> ProofKey(const json::object& credential) {
    const json::object& proof = credential.at("proof").as_array().at(0).as_object();
    const std::string method(proof.at("verificationMethod").as_string());
    const json::object did = PublicJson("/issuers/" + std::string(kIssuer) + "/did.json");
    for (const json::value& vm : did.at("verificationMethod").as_array()) {
      if (vm.at("id").as_string() != method) continue;
      const json::value& issuer = credential.at("issuer");
      EXPECT_EQ(vm.at("controller"), issuer.is_object() ? issuer.at("id") : issuer);
      Result<std::array<uint8_t, 32>> key =
          badge::ParseEd25519Multikey(vm.at("publicKeyMultibase").as_string());
      EXPECT_THAT(key.status(), IsOk());
      return key.ok() ? *key : std::array<uint8_t, 32>{};
    }
    ADD_FAILURE() << method << " is not in the DID document " << json::serialize(did);
    return {};
  }

  Status VerifyProof(const json::object& credential) {
    json::object unsecured = credential;
    const json::object proof = unsecured.at("proof").as_array().at(0).as_object();
    unsecured.erase("proof");
    return badge::VerifyEddsaRdfc2022(unsecured, proof, ProofKey(credential));
  }

  Result<json::object> VerifyJwt(const std::string& jws) {
    const server::Response jwks = Public("/issuers/" + std::string(kIssuer) + "/jwks.json");
    EXPECT_EQ(jwks.status, 200);
    CAIRN_ASSIGN_OR_RETURN(const badge::Jwks keys, badge::ParseJwks(jwks.body));
    return badge::VerifyVcJwt(jws, keys, clock_.NowMillis());
  }

  // Runs a verifier; its one JSON line and exit code.
  std::pair<int, json::object> Run(const std::string& command) {
    std::string out;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return {-1, {}};
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    const int status = pclose(pipe);
    boost::system::error_code error;
    json::value line = json::parse(out.substr(0, out.find('\n')), error);
    EXPECT_FALSE(error) << command << ":\n" << out;
    return {WEXITSTATUS(status), line.is_object() ? line.get_object() : json::object()};
  }

  std::string Write(const std::string& name, std::string_view body) {
    const std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << body;
    return path;
  }

  std::string Now() { return badge::FormatRfc3339(clock_.NowMillis() + 60'000); }

  // The OB 3.0 reference kit (scripts/ob3-kit.sh), for the Node* tests.
  static void RequireKit() {
    ASSERT_TRUE(
        std::ifstream(std::string(CAIRN_OB3_KIT) + "/verify-di/node_modules/jsonld/package.json")
            .good())
        << "the OB 3.0 reference kit is not set up in " << CAIRN_OB3_KIT
        << ": run `bash scripts/ob3-kit.sh " << CAIRN_OB3_KIT << "`";
  }
  const std::string kit_ = CAIRN_OB3_KIT;

  std::vector<EntityData> DeviceCredentials() {
    Result<std::vector<EntityData>> entities = device_->replica().ListByType("credential");
    EXPECT_THAT(entities.status(), IsOk());
    return entities.ok() ? *entities : std::vector<EntityData>{};
  }
};

}  // namespace cairn

#endif  // CAIRN_TESTS_SERVER_BADGE_FIXTURE_H_
