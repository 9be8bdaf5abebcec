// Badge issuance through the Service, in process (decision 0015): an award confirmed through the
// issuer API becomes a signed Open Badges 3.0 credential at once, exactly once; its content
// comes from the assessed catalog version; both proofs verify with the core's own verifiers
// against the hosted DID document and JWK Set; it reaches the educator's device through sync;
// the public routes answer it in every form; revocation and key rotation behave as documented.
#include "cairn/badge/baking.h"
#include "cairn/base64.h"
#include "server/badge_fixture.h"

namespace cairn {
namespace {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names

TEST_F(BadgeIssuanceTest, AnAwardIsIssuedAtItsDecisionFromTheAssessedVersion) {
  const EntityId submission = SubmitComplete();
  const json::object decided = Award(submission);
  const json::object& issued = decided.at("credential").as_object();
  ASSERT_EQ(issued.at("state").as_string(), "issued") << json::serialize(decided);
  const std::string url(issued.at("url").as_string());
  EXPECT_TRUE(url.starts_with("https://badges.example.org/credentials/")) << url;

  const json::object credential = PublicJson(PathOf(url) + ".json");
  EXPECT_EQ(credential.at("id").as_string(), url);
  EXPECT_EQ(json::serialize(credential.at("@context")),
            R"(["https://www.w3.org/ns/credentials/v2",)"
            R"("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",)"
            R"("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"])");
  EXPECT_EQ(json::serialize(credential.at("type")),
            R"(["VerifiableCredential","OpenBadgeCredential"])");
  const json::object& issuer = credential.at("issuer").as_object();
  EXPECT_EQ(issuer.at("id").as_string(),
            "did:web:badges.example.org:issuers:northbridge-institute");
  EXPECT_EQ(json::serialize(issuer.at("type")), R"(["Profile"])");

  // The achievement is the pinned version's: its competency, one result description per
  // rubric criterion, the level the assessor gave each.
  const v1::Catalog catalog = DemoCatalog();
  const v1::MicroCredential& mc = catalog.micro_credentials(0);
  const json::object& subject = credential.at("credentialSubject").as_object();
  const json::object& achievement = subject.at("achievement").as_object();
  EXPECT_EQ(achievement.at("name").as_string(), mc.title());
  EXPECT_EQ(achievement.at("description").as_string(), mc.competency());
  EXPECT_THAT(std::string(achievement.at("criteria").at("narrative").as_string()),
              HasSubstr(mc.key_method()));
  char hours[64];
  std::snprintf(hours, sizeof hours, "About %g hours of", mc.estimated_hours());
  ASSERT_GT(mc.estimated_hours(), 1);
  EXPECT_THAT(std::string(achievement.at("criteria").at("narrative").as_string()),
              HasSubstr(hours));
  const json::array& descriptions = achievement.at("resultDescription").as_array();
  ASSERT_THAT(descriptions, SizeIs(mc.rubric().criteria_size()));
  const json::array& results = subject.at("result").as_array();
  ASSERT_THAT(results, SizeIs(mc.rubric().criteria_size()));
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].at("resultDescription"), descriptions[i].at("id"));
    EXPECT_TRUE(std::string(results[i].at("achievedLevel").as_string()).ends_with("-level-pass"));
  }
  EXPECT_TRUE(std::string(subject.at("id").as_string()).starts_with("urn:uuid:"));

  // Each piece of evidence carries its file's SHA-256, never the file.
  const json::array& evidence = credential.at("evidence").as_array();
  ASSERT_THAT(evidence, SizeIs(evidence_.size()));
  for (size_t i = 0; i < evidence_.size(); ++i) {
    EXPECT_EQ(evidence[i].at("id").as_string(), "ni:///sha-256;" +
                                                    Base64UrlEncode(RawSha(evidence_[i].bytes)) +
                                                    "?ct=" + evidence_[i].media_type);
    EXPECT_EQ(evidence[i].at("narrative").as_string(), "caption of " + evidence_[i].requirement);
  }
  EXPECT_EQ(credential.at("credentialStatus").at("statusListIndex").as_string(), "0");
}

TEST_F(BadgeIssuanceTest, BothProofsVerifyWithTheHostedKeysAndTamperingIsFound) {
  const EntityId submission = SubmitComplete();
  const std::string url(Award(submission).at("credential").at("url").as_string());
  const json::object credential = PublicJson(PathOf(url) + ".json");
  ASSERT_THAT(VerifyProof(credential), IsOk());

  const server::Response jws = Public(PathOf(url) + ".jws");
  ASSERT_EQ(jws.status, 200);
  EXPECT_EQ(jws.content_type, "text/plain; charset=utf-8");
  Result<json::object> carried = VerifyJwt(jws.body);
  ASSERT_THAT(carried.status(), IsOk());
  json::object without_proof = credential;
  without_proof.erase("proof");
  EXPECT_EQ(*carried, without_proof);

  json::object tampered = credential;
  tampered["credentialSubject"].as_object()["achievement"].as_object()["name"] = "Something else";
  EXPECT_FALSE(VerifyProof(tampered).ok());
  std::string flipped = jws.body;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyJwt(flipped).ok());
}

TEST_F(BadgeIssuanceTest, IssuedExactlyOnceAndCarriedToTheEducatorsDevice) {
  const EntityId submission = SubmitComplete();
  const std::string url(Award(submission).at("credential").at("url").as_string());
  // Another pass (the server's periodic one, or a restart) finds nothing left to issue.
  Result<std::vector<server::IssuanceOutcome>> again = badges_->IssuePending();
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_THAT(*again, SizeIs(0));
  Result<std::vector<server::IssuedCredential>> all =
      badges_->credentials().List(std::nullopt, std::nullopt);
  ASSERT_THAT(all.status(), IsOk());
  ASSERT_THAT(*all, SizeIs(1));

  Sync();
  const std::vector<EntityData> held = DeviceCredentials();
  ASSERT_THAT(held, SizeIs(1));
  const EntityData& entity = held.front();
  ASSERT_NE(entity.GetText("json"), nullptr);
  EXPECT_EQ(*entity.GetText("json"), all->front().json);
  EXPECT_EQ(*entity.GetText("jws"), all->front().jws);
  EXPECT_EQ(*entity.GetText("status"), "active");
  EXPECT_EQ(*entity.GetText("kind"), "micro_credential");
  EXPECT_EQ(*entity.GetText("subject_id"), "exit-tickets");
  ASSERT_NE(entity.GetText("issuer_did_document"), nullptr);
  EXPECT_THAT(*entity.GetText("issuer_did_document"), HasSubstr("Multikey"));
  ASSERT_NE(entity.GetText("status_list"), nullptr);
  EXPECT_THAT(*entity.GetText("status_list"), HasSubstr("BitstringStatusListCredential"));
  EXPECT_TRUE(url.ends_with(*entity.GetText("credential_id")));
}

// A crash between the decision's commit and the credential's leaves the award pending with no
// credential: exactly the state of a server deciding without issuance. The next server issues
// it once, with the id and dates it would have had.
class BadgeAfterCrashTest : public BadgeIssuanceTest {
 protected:
  BadgeAfterCrashTest() { with_badges_ = false; }
};

TEST_F(BadgeAfterCrashTest, AnAwardLeftPendingIsIssuedOnceByTheNextServer) {
  const EntityId submission = SubmitComplete();
  const json::object decided = Award(submission);
  EXPECT_FALSE(decided.contains("credential"));
  Result<std::vector<server::PendingAward>> pending =
      server::AssessmentStore(*store_).PendingAwards();
  ASSERT_THAT(pending.status(), IsOk());
  ASSERT_THAT(*pending, SizeIs(1));

  // The next server: the store reopened, issuance at its start.
  badges_.reset();
  service_.reset();
  store_.reset();
  server::ServerStoreOptions options;
  options.env = Env{&clock_, &server_random_};
  Result<std::unique_ptr<server::ServerStore>> reopened =
      server::ServerStore::Open(dir_.File("server.db"), options);
  ASSERT_THAT(reopened.status(), IsOk());
  store_ = std::move(*reopened);
  server::IssuanceOptions badge_options;
  badge_options.public_url = "https://badges.example.org";
  badge_options.env = options.env;
  badges_ = std::make_unique<server::BadgeIssuance>(*store_, *vault_, badge_options);
  service_ = std::make_unique<server::Service>(*store_, metrics_, badges_.get());
  transport_ = std::make_unique<InProcessTransport>(*service_);
  clock_.Advance(3'600'000);  // an hour later

  Result<std::vector<server::IssuanceOutcome>> first = badges_->IssuePending();
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT(*first, SizeIs(1));
  ASSERT_THAT(first->front().status, IsOk());
  ASSERT_THAT(first->front().credentials, SizeIs(1));
  const server::IssuedCredential& issued = first->front().credentials.front();
  // Dated at the decision, not at the late issuance.
  EXPECT_EQ(issued.issued_ms, pending->front().created_ms / 1000 * 1000);
  Result<std::vector<server::IssuanceOutcome>> second = badges_->IssuePending();
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_THAT(*second, SizeIs(0));
  Sync();
  EXPECT_THAT(DeviceCredentials(), SizeIs(1));
  EXPECT_THAT(
      VerifyProof(PublicJson(PathOf(badges_->UrlsOf(kIssuer).Credential(issued.id)) + ".json")),
      IsOk());
}

TEST_F(BadgeIssuanceTest, PublicRoutesAnswerEveryFormAndNothingElse) {
  const EntityId submission = SubmitComplete();
  const std::string path =
      PathOf(std::string(Award(submission).at("credential").at("url").as_string()));
  const server::Response page = Public(path, "text/html,application/xhtml+xml,*/*;q=0.8");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("<meta property=\"og:title\""));
  EXPECT_THAT(page.body, HasSubstr("Valid. Issued"));
  EXPECT_THAT(page.body, HasSubstr("linkedin.com/profile/add"));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("<script>")));  // no inline script (CSP)
  EXPECT_EQ(Public(path, "text/plain").body, Public(path + ".jws").body);
  EXPECT_EQ(Public(path, "application/ld+json").body, Public(path + ".json").body);

  const server::Response png = Public(path + ".png");
  ASSERT_EQ(png.status, 200) << png.body;
  EXPECT_EQ(png.content_type, "image/png");
  Result<std::string> baked = badge::ExtractPng(png.body);
  ASSERT_THAT(baked.status(), IsOk());
  EXPECT_EQ(*baked, Public(path + ".json").body);
  const server::Response svg = Public(path + ".svg");
  ASSERT_EQ(svg.status, 200) << svg.body;
  Result<std::string> baked_svg = badge::ExtractSvg(svg.body);
  ASSERT_THAT(baked_svg.status(), IsOk());

  EXPECT_EQ(Public("/credentials/01890000-0000-7000-8000-000000000000").status, 404);
  EXPECT_EQ(Public("/credentials/not-a-uuid").status, 404);
  EXPECT_EQ(Public("/issuers/no-such-issuer/did.json").status, 404);
  server::Request post{"POST", path, "", "", "", ""};
  EXPECT_EQ(service_->Handle(post).status, 405);
  const std::string issuer = "/issuers/" + std::string(kIssuer);
  EXPECT_EQ(PublicJson(issuer).at("name").as_string(), DemoCatalog().issuers(0).name());
  const json::object jwks = PublicJson(issuer + "/jwks.json");
  const std::string kid(jwks.at("keys").at(0).at("kid").as_string());
  ASSERT_TRUE(kid.starts_with("https://badges.example.org" + issuer + "/keys/")) << kid;
  EXPECT_EQ(PublicJson(kid.substr(std::string_view("https://badges.example.org").size())),
            jwks.at("keys").at(0).as_object());
}

TEST_F(BadgeIssuanceTest, RevocationReachesTheStatusListsAndTheDevice) {
  const EntityId submission = SubmitComplete();
  const std::string url(Award(submission).at("credential").at("url").as_string());
  const std::string id = url.substr(url.rfind('/') + 1);
  const std::string status = "/issuers/" + std::string(kIssuer) + "/status/revocation";
  const json::object before = PublicJson(status);
  ASSERT_THAT(VerifyProof(before), IsOk());
  Sync();

  clock_.Advance(60'000);
  Result<server::IssuedCredential> revoked = badges_->Revoke(id, "issued in error");
  ASSERT_THAT(revoked.status(), IsOk());
  EXPECT_EQ(badges_->Revoke(id, "again").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(badges_->Revoke("01890000-0000-7000-8000-000000000000", "x").status().code(),
            Code::kNotFound);

  const json::object after = PublicJson(status);
  ASSERT_THAT(VerifyProof(after), IsOk());
  EXPECT_NE(after.at("credentialSubject").at("encodedList"),
            before.at("credentialSubject").at("encodedList"));
  const json::object list =
      PublicJson("/issuers/" + std::string(kIssuer) + "/status/revocations.json");
  ASSERT_THAT(list.at("revokedCredential").as_array(), SizeIs(1));
  EXPECT_EQ(list.at("revokedCredential").at(0).at("id").as_string(), url);
  EXPECT_EQ(list.at("revokedCredential").at(0).at("revocationReason").as_string(),
            "issued in error");
  EXPECT_THAT(Public(PathOf(url), "text/html").body, HasSubstr("Revoked by the issuer"));

  Sync();
  const std::vector<EntityData> held = DeviceCredentials();
  ASSERT_THAT(held, SizeIs(1));
  EXPECT_EQ(*held.front().GetText("status"), "revoked");
  EXPECT_EQ(*held.front().GetText("revocation_reason"), "issued in error");
  // The device's dated snapshot is the list the server now hosts.
  EXPECT_EQ(*held.front().GetText("status_list"), json::serialize(after));
}

TEST_F(BadgeIssuanceTest, TheIssuerRevokesItsOwnCredentialsThroughItsApi) {
  const std::string url(Award(SubmitComplete()).at("credential").at("url").as_string());
  const std::string id = url.substr(url.rfind('/') + 1);
  const std::string target = "/v1/issuer/credentials/" + id + "/revocation";

  EXPECT_EQ(Issuer("POST", target, R"({})").status, 400);
  EXPECT_EQ(Issuer("POST", target, R"({"reason":""})").status, 400);
  EXPECT_EQ(Issuer("POST", target, R"({"reason":"x","why":"y"})").status, 400);
  EXPECT_EQ(Issuer("GET", target).status, 405);
  EXPECT_EQ(Call("", "POST", target, R"({"reason":"x"})").status, 401);
  // Another issuer's credential is not there for it.
  EXPECT_EQ(Call(other_token_, "POST", target, R"({"reason":"x"})").status, 404);
  EXPECT_EQ(Issuer("POST", "/v1/issuer/credentials/01890000-0000-7000-8000-000000000000/revocation",
                   R"({"reason":"x"})")
                .status,
            404);

  const server::Response revoked = Issuer("POST", target, R"({"reason":"plagiarised evidence"})");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  const json::object answer = Json(revoked).as_object();
  EXPECT_EQ(answer.at("state").as_string(), "revoked");
  EXPECT_EQ(answer.at("url").as_string(), url);
  EXPECT_EQ(answer.at("reason").as_string(), "plagiarised evidence");
  EXPECT_EQ(Issuer("POST", target, R"({"reason":"again"})").status, 409);
  EXPECT_THAT(Public(PathOf(url), "text/html").body, HasSubstr("plagiarised evidence"));
}

TEST_F(BadgeIssuanceTest, RotatedKeysSignNewCredentialsAndOldOnesStillVerify) {
  const EntityId first = SubmitComplete();
  const std::string first_url(Award(first).at("credential").at("url").as_string());
  Result<std::vector<std::string>> kids = badges_->RotateKeys(kIssuer);
  ASSERT_THAT(kids.status(), IsOk());
  ASSERT_THAT(*kids, SizeIs(2));

  const json::object old_credential = PublicJson(PathOf(first_url) + ".json");
  EXPECT_THAT(VerifyProof(old_credential), IsOk());
  EXPECT_THAT(VerifyJwt(Public(PathOf(first_url) + ".jws").body).status(), IsOk());
  const json::object did = PublicJson("/issuers/" + std::string(kIssuer) + "/did.json");
  EXPECT_THAT(did.at("verificationMethod").as_array(), SizeIs(2));
  EXPECT_THAT(PublicJson("/issuers/" + std::string(kIssuer) + "/jwks.json").at("keys").as_array(),
              SizeIs(2));
  EXPECT_EQ(badges_->RotateKeys("no-such-issuer").status().code(), Code::kNotFound);
}

// A stack of one micro-credential: its award completes the stack, whose credential and CLR
// follow in the same issuance.
class StackIssuanceTest : public BadgeIssuanceTest {
 protected:
  v1::Catalog Catalog() override {
    v1::Catalog catalog = DemoCatalog();
    v1::Stack* stack = catalog.add_stacks();
    stack->set_id("formative-assessment");
    stack->set_title("Formative Assessment");
    stack->set_issuer_id(kIssuer);
    stack->set_description("Checks for understanding, and instruction that follows them.");
    stack->add_micro_credential_ids(catalog.micro_credentials(0).id());
    *stack->mutable_image() = catalog.micro_credentials(0).image();
    catalog.mutable_micro_credentials(0)->add_stack_ids(stack->id());
    return catalog;
  }
};

TEST_F(StackIssuanceTest, CompletingAStackIssuesItsCredentialAndClr) {
  const EntityId submission = SubmitComplete();
  Award(submission);
  Result<std::vector<server::IssuedCredential>> all =
      badges_->credentials().List(std::nullopt, std::nullopt);
  ASSERT_THAT(all.status(), IsOk());
  ASSERT_THAT(*all, SizeIs(2));
  const bool stack_first = (*all)[0].kind == server::CredentialKind::kStack;
  const server::IssuedCredential& component = (*all)[stack_first ? 1 : 0];
  const server::IssuedCredential& stack = (*all)[stack_first ? 0 : 1];
  EXPECT_EQ(stack.kind, server::CredentialKind::kStack);
  EXPECT_EQ(component.kind, server::CredentialKind::kMicroCredential);
  EXPECT_EQ(stack.subject_id, "formative-assessment");
  EXPECT_EQ(stack.status_index, 1u);

  const server::IssuerUrls urls = badges_->UrlsOf(kIssuer);
  const json::object credential = PublicJson(PathOf(urls.Credential(stack.id)) + ".json");
  EXPECT_THAT(VerifyProof(credential), IsOk());
  EXPECT_EQ(credential.at("credentialSubject").at("achievement").at("name").as_string(),
            "Formative Assessment");
  // It names its component credential.
  ASSERT_THAT(credential.at("evidence").as_array(), SizeIs(1));
  EXPECT_EQ(credential.at("evidence").at(0).at("id").as_string(), urls.Credential(component.id));

  // The CLR bundles both signed credentials, and an association from the stack to its part.
  const json::object clr = PublicJson(PathOf(urls.Credential(stack.id)) + "/clr");
  EXPECT_THAT(VerifyProof(clr), IsOk());
  EXPECT_EQ(json::serialize(clr.at("type")), R"(["VerifiableCredential","ClrCredential"])");
  const json::object& subject = clr.at("credentialSubject").as_object();
  ASSERT_THAT(subject.at("verifiableCredential").as_array(), SizeIs(2));
  for (const json::value& embedded : subject.at("verifiableCredential").as_array()) {
    EXPECT_THAT(VerifyProof(embedded.as_object()), IsOk());
  }
  ASSERT_THAT(subject.at("association").as_array(), SizeIs(1));
  const json::object& association = subject.at("association").at(0).as_object();
  EXPECT_EQ(association.at("associationType").as_string(), "isParentOf");
  EXPECT_EQ(association.at("sourceId"),
            credential.at("credentialSubject").at("achievement").at("id"));

  // Issued once: another pass finds the stack held already.
  Result<std::vector<server::IssuanceOutcome>> again = badges_->IssuePending();
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_THAT(*again, SizeIs(0));
  Sync();
  EXPECT_THAT(DeviceCredentials(), SizeIs(2));
}

// The independent verifiers of the OB 3.0 reference kit (scripts/ob3-kit.sh sets them up):
// verify-di (Digital Bazaar's Data Integrity libraries, as the Learner Credential Wallet uses)
// and verify-ob3 (jose + ajv: the VC-JWT and the OB JSON Schema).
class NodeBadgeVerifiersTest : public BadgeIssuanceTest {
 protected:
  void SetUp() override {
    BadgeIssuanceTest::SetUp();
    RequireKit();
  }
};

TEST_F(NodeBadgeVerifiersTest, IssuedCredentialPassesBothIndependentVerifiers) {
  // With the hashed e-mail identifier, the fullest subject Cairn issues.
  ASSERT_THAT(store_->SetUserEmail(ana_id_, "ana.teacher@example.org"), IsOk());
  const EntityId submission = SubmitComplete();
  const std::string path =
      PathOf(std::string(Award(submission).at("credential").at("url").as_string()));
  const std::string issuer = "/issuers/" + std::string(kIssuer);
  const std::string credential = Write("credential.json", Public(path + ".json").body);
  const std::string did = Write("did.json", Public(issuer + "/did.json").body);
  const std::string jwks = Write("jwks.json", Public(issuer + "/jwks.json").body);
  const std::string jws = Write("credential.jws", Public(path + ".jws").body);

  auto [di_code, di] = Run("node " + kit_ + "/verify-di/verify-di.mjs " + credential + " --doc " +
                           did + " --now " + Now());
  EXPECT_EQ(di_code, 0) << json::serialize(di);
  EXPECT_EQ(di["verdict"], "valid") << json::serialize(di);
  EXPECT_EQ(di["schema"], "valid") << json::serialize(di);

  auto [jwt_code, jwt] =
      Run("node " + kit_ + "/verify/verify-ob3.mjs " + jws + " " + jwks + " --now " + Now());
  EXPECT_EQ(jwt_code, 0) << json::serialize(jwt);
  EXPECT_EQ(jwt["verdict"], "valid") << json::serialize(jwt);

  // The baked PNG holds the credential JSON, which the reference extractor reads back whole.
  const std::string png = Write("badge.png", Public(path + ".png").body);
  auto [png_code, png_check] = Run("pngcheck -v " + png + " | grep -c openbadgecredential");
  (void)png_check;
  EXPECT_EQ(png_code, 0);
  auto [baked_code, baked] =
      Run("python3 " + kit_ + "/tools/png_itxt.py extract " + png + " > " +
          dir_.File("baked.json") + " && node " + kit_ + "/verify-di/verify-di.mjs " +
          dir_.File("baked.json") + " --doc " + did + " --now " + Now());
  EXPECT_EQ(baked_code, 0) << json::serialize(baked);
  EXPECT_EQ(baked["verdict"], "valid") << json::serialize(baked);

  // The status list is a signed credential too.
  const std::string list = Write("status.json", Public(issuer + "/status/revocation").body);
  auto [list_code, list_verdict] = Run("node " + kit_ + "/verify-di/verify-di.mjs " + list +
                                       " --doc " + did + " --no-schema --now " + Now());
  EXPECT_EQ(list_code, 0) << json::serialize(list_verdict);

  // One changed byte of the signed document: both verifiers refuse it.
  std::string edited = Public(path + ".json").body;
  const size_t at = edited.find("\"name\":\"") + 8;
  edited[at] = edited[at] == 'X' ? 'Y' : 'X';
  auto [bad_code, bad] = Run("node " + kit_ + "/verify-di/verify-di.mjs " +
                             Write("edited.json", edited) + " --doc " + did + " --now " + Now());
  EXPECT_EQ(bad_code, 1) << json::serialize(bad);
}

class NodeStackVerifiersTest : public StackIssuanceTest {
 protected:
  void SetUp() override {
    StackIssuanceTest::SetUp();
    RequireKit();
  }
};

TEST_F(NodeStackVerifiersTest, StackCredentialAndClrPassTheDataIntegrityVerifier) {
  Award(SubmitComplete());
  Result<std::vector<server::IssuedCredential>> all =
      badges_->credentials().List(std::nullopt, std::nullopt);
  ASSERT_THAT(all.status(), IsOk());
  const std::string did =
      Write("did.json", Public("/issuers/" + std::string(kIssuer) + "/did.json").body);
  for (const server::IssuedCredential& credential : *all) {
    if (credential.kind != server::CredentialKind::kStack) continue;
    const std::string path = PathOf(badges_->UrlsOf(kIssuer).Credential(credential.id));
    auto [code, verdict] =
        Run("node " + kit_ + "/verify-di/verify-di.mjs " +
            Write("stack.json", Public(path + ".json").body) + " --doc " + did + " --now " + Now());
    EXPECT_EQ(code, 0) << json::serialize(verdict);
    EXPECT_EQ(verdict["schema"], "valid") << json::serialize(verdict);
    // No official CLR 2.0 schema is public: the proof and the OB rules, not a schema.
    auto [clr_code, clr] = Run("node " + kit_ + "/verify-di/verify-di.mjs " +
                               Write("clr.json", Public(path + "/clr").body) + " --doc " + did +
                               " --no-schema --now " + Now());
    EXPECT_EQ(clr_code, 0) << json::serialize(clr);
    EXPECT_EQ(clr["signature"], "valid") << json::serialize(clr);
  }
}

}  // namespace
}  // namespace cairn
