// POST /v1/verify, in process: a credential this server issued verifies in each of the forms an
// earner holds (JSON, VC-JWT, baked PNG and SVG, verification pack) against this server's own
// keys and live status; a changed byte, a revocation, a credential from elsewhere and a body
// that holds no credential each get their precise answer.
#include "cairn/badge/verify.h"
#include "server/badge_fixture.h"

namespace cairn {
namespace {

using namespace ::cairn::testing;  // NOLINT(google-build-using-namespace): the fixture's names

class PublicVerifyTest : public BadgeIssuanceTest {
 protected:
  void SetUp() override {
    BadgeIssuanceTest::SetUp();
    const std::string url(Award(SubmitComplete()).at("credential").at("url").as_string());
    path_ = PathOf(url);
    url_ = url;
  }

  server::Response Post(std::string body, const std::string& content_type = "application/json") {
    server::Request request{"POST",       "/v1/verify",       "",
                            content_type, "application/json", std::move(body)};
    return service_->Handle(request);
  }

  // The verdict for `body`, which must be answered 200.
  json::object Verdict(std::string body) {
    const server::Response response = Post(std::move(body));
    EXPECT_EQ(response.status, 200) << response.body;
    return Json(response).as_object();
  }

  // The check named `name` of a verdict (an empty object when there is none).
  static json::object Check(const json::object& verdict, std::string_view name) {
    for (const json::value& check : verdict.at("checks").as_array()) {
      if (check.at("name").as_string() == name) return check.as_object();
    }
    ADD_FAILURE() << "no check " << name << " in " << json::serialize(verdict);
    return {};
  }

  std::string path_;
  std::string url_;
};

TEST_F(PublicVerifyTest, EveryFormOfAnIssuedCredentialVerifiesAgainstTheServersKeys) {
  Sync();
  Result<std::vector<CredentialRecord>> held = device_->ListCredentials();
  ASSERT_THAT(held.status(), IsOk());
  ASSERT_THAT(*held, SizeIs(1));
  Result<badge::VerificationPack> pack = badge::BuildVerificationPack(held->front());
  ASSERT_THAT(pack.status(), IsOk());

  for (const auto& [form, body] : {std::pair{"json", Public(path_ + ".json").body},
                                   std::pair{"jws", Public(path_ + ".jws").body},
                                   std::pair{"png", Public(path_ + ".png").body},
                                   std::pair{"svg", Public(path_ + ".svg").body},
                                   std::pair{"pack", badge::SerializeVerificationPack(*pack)}}) {
    SCOPED_TRACE(form);
    const json::object verdict = Verdict(body);
    EXPECT_TRUE(verdict.at("valid").as_bool()) << json::serialize(verdict);
    EXPECT_EQ(verdict.at("credential").as_string(), url_);
    EXPECT_EQ(verdict.at("keys_from").as_string(), "this server, the issuer's host");
    EXPECT_TRUE(Check(verdict, "proof").at("ok").as_bool());
    EXPECT_TRUE(Check(verdict, "vc-jwt").at("ok").as_bool());
    EXPECT_TRUE(Check(verdict, "status").at("ok").as_bool());
    EXPECT_TRUE(verdict.at("revoked_as_of").is_null());
  }
}

TEST_F(PublicVerifyTest, AChangedCredentialFailsWithTheCheckThatFoundIt) {
  std::string json_text = Public(path_ + ".json").body;
  const size_t at = json_text.find("\"name\":\"");
  ASSERT_NE(at, std::string::npos);
  json_text.insert(at + 8, "Forged ");
  const json::object verdict = Verdict(json_text);
  EXPECT_FALSE(verdict.at("valid").as_bool());
  EXPECT_FALSE(Check(verdict, "proof").at("ok").as_bool());
  EXPECT_FALSE(Check(verdict, "same-credential").at("ok").as_bool());

  // One changed character of the VC-JWT's signature: its first, whose six bits all count (the
  // last one's low bits are padding, and changing those makes non-canonical base64url instead).
  std::string jws = Public(path_ + ".jws").body;
  const size_t signature = jws.rfind('.') + 1;
  ASSERT_LT(signature, jws.size());
  jws[signature] = jws[signature] == 'A' ? 'B' : 'A';
  const json::object jws_verdict = Verdict(jws);
  EXPECT_FALSE(jws_verdict.at("valid").as_bool());
  EXPECT_THAT(std::string(Check(jws_verdict, "vc-jwt").at("detail").as_string()),
              HasSubstr("signature"));
}

TEST_F(PublicVerifyTest, ARevokedCredentialIsRevokedAsOfNow) {
  clock_.Advance(60'000);
  ASSERT_THAT(badges_->Revoke(url_.substr(url_.rfind('/') + 1), "issued in error").status(),
              IsOk());
  const json::object verdict = Verdict(Public(path_ + ".json").body);
  EXPECT_FALSE(verdict.at("valid").as_bool());
  EXPECT_FALSE(Check(verdict, "status").at("ok").as_bool());
  EXPECT_EQ(verdict.at("revoked_as_of").as_string(), badge::FormatRfc3339(clock_.NowMillis()));
}

TEST_F(PublicVerifyTest, ACredentialFromElsewhereNeedsItsPack) {
  std::string json_text = Public(path_ + ".json").body;
  const std::string own = url_.substr(0, url_.find("/credentials/"));
  for (size_t at = json_text.find(own); at != std::string::npos; at = json_text.find(own)) {
    json_text.replace(at, own.size(), "https://elsewhere.example");
  }
  const json::object verdict = Verdict(json_text);
  EXPECT_FALSE(verdict.at("valid").as_bool());
  EXPECT_THAT(std::string(Check(verdict, "issuer").at("detail").as_string()),
              HasSubstr("post its verification pack"));
}

TEST_F(PublicVerifyTest, ABodyWithoutACredentialIsRefusedSayingWhatWasFound) {
  const server::Response empty = Post("");
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(empty.body, HasSubstr("POST the credential to verify"));
  const server::Response prose = Post("hello, is this badge real?", "text/plain");
  EXPECT_EQ(prose.status, 400);
  EXPECT_THAT(prose.body, HasSubstr("the request body is neither a credential"));
  const server::Response unsigned_json = Post(R"({"id":"urn:x","type":"VerifiableCredential"})");
  EXPECT_EQ(unsigned_json.status, 400);
  EXPECT_THAT(unsigned_json.body, HasSubstr("without an embedded proof"));
  const server::Response image = Post(std::string("\x89PNG\r\n\x1a\n", 8) + "truncated");
  EXPECT_EQ(image.status, 400);
  EXPECT_THAT(image.body, HasSubstr("the request body (a PNG)"));

  server::Request get{"GET", "/v1/verify", "", "", "application/json", ""};
  EXPECT_EQ(service_->Handle(get).status, 405);
}

}  // namespace
}  // namespace cairn
