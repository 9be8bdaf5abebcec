// VC-JWT signing (server) and verification (core): round trips, OB's header and claim rules,
// tampering, keys, and time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "badge/jose_test_util.h"
#include "badge/vc_jwt_signer.h"
#include "cairn/badge/jws.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/base64.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using cairn::testing::IsOk;
using cairn::testing::StatusIs;
using testing::Credential;
using ::testing::HasSubstr;
using testing::IssuerKey;
using testing::kNowMs;
using testing::kTestKid;
using testing::OtherKey;
using testing::ParsedJwks;
using testing::SignedFixture;
using testing::SignRaw;

const std::string kHeader =
    R"({"alg":"RS256","kid":"https://badges.cairn.example/issuers/district-17/keys/1","typ":"JWT"})";

// The payload SignVcJwt makes for the fixture, as an object to edit.
boost::json::object FixturePayload() {
  const std::string jws = SignedFixture();
  const size_t a = jws.find('.');
  const size_t b = jws.find('.', a + 1);
  return boost::json::parse(Base64UrlDecode(jws.substr(a + 1, b - a - 1)).value()).as_object();
}

Result<boost::json::object> VerifyPayload(const boost::json::object& payload,
                                          const std::string& header = kHeader) {
  return VerifyVcJwt(SignRaw(header, boost::json::serialize(payload), IssuerKey()),
                     ParsedJwks(IssuerKey()), kNowMs);
}

Result<boost::json::object> VerifyHeader(const std::string& header) {
  return VerifyPayload(FixturePayload(), header);
}

TEST(VcJwtTest, SignedCredentialVerifiesAndComesBackUnchanged) {
  const std::string jws = SignedFixture();
  auto credential = VerifyVcJwt(jws, ParsedJwks(IssuerKey()), kNowMs);
  ASSERT_THAT(credential, IsOk());
  EXPECT_EQ(*credential, Credential());
}

TEST(VcJwtTest, HeaderAndClaimsAreWhatObRequires) {
  const std::string jws = SignedFixture();
  EXPECT_EQ(Base64UrlDecode(jws.substr(0, jws.find('.'))).value(), kHeader);
  const boost::json::object payload = FixturePayload();
  EXPECT_EQ(payload.at("iss"), "https://badges.cairn.example/issuers/district-17");
  EXPECT_EQ(payload.at("jti"), Credential().at("id"));
  EXPECT_EQ(payload.at("sub"), "urn:uuid:2f6b1c9e-8d4a-4e7b-b1c3-5a9d0e7f6c21");
  EXPECT_EQ(payload.at("nbf"), 1740819600);  // 2025-03-01T09:00:00Z
  EXPECT_EQ(payload.at("exp"), 1898586000);  // 2030-03-01T09:00:00Z
  EXPECT_FALSE(payload.contains("vc"));
}

TEST(VcJwtTest, EverySingleCharacterChangeIsRefused) {
  const std::string jws = SignedFixture();
  const Jwks jwks = ParsedJwks(IssuerKey());
  for (size_t i = 0; i < jws.size(); ++i) {
    if (jws[i] == '.') continue;
    std::string tampered = jws;
    tampered[i] = jws[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyVcJwt(tampered, jwks, kNowMs).ok()) << "changed character " << i;
  }
}

TEST(VcJwtTest, EverySingleByteChangeOfTheDecodedPartsIsRefused) {
  const std::string jws = SignedFixture();
  const Jwks jwks = ParsedJwks(IssuerKey());
  const size_t a = jws.find('.');
  const size_t b = jws.find('.', a + 1);
  const std::string parts[3] = {jws.substr(0, a), jws.substr(a + 1, b - a - 1), jws.substr(b + 1)};
  for (int part = 0; part < 3; ++part) {
    const std::string bytes = Base64UrlDecode(parts[part]).value();
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string changed = bytes;
      changed[i] = static_cast<char>(changed[i] ^ 0x01);
      std::string rebuilt[3] = {parts[0], parts[1], parts[2]};
      rebuilt[part] = Base64UrlEncode(changed);
      const auto result =
          VerifyVcJwt(rebuilt[0] + "." + rebuilt[1] + "." + rebuilt[2], jwks, kNowMs);
      EXPECT_FALSE(result.ok()) << "part " << part << " byte " << i;
    }
  }
}

TEST(VcJwtTest, SignatureOverOtherDataNamesTheKey) {
  const std::string jws = SignedFixture();
  const std::string other = testing::SignRaw(kHeader, "{}", IssuerKey());
  const std::string spliced = jws.substr(0, jws.rfind('.')) + other.substr(other.rfind('.'));
  EXPECT_THAT(
      VerifyVcJwt(spliced, ParsedJwks(IssuerKey()), kNowMs),
      StatusIs(Code::kUnauthenticated,
               HasSubstr("the JWS signature does not verify with key " + std::string(kTestKid))));
}

TEST(VcJwtTest, WrongKidIsRefused) {
  const std::string jws = SignedFixture();
  EXPECT_THAT(
      VerifyVcJwt(jws, ParsedJwks(IssuerKey(), "https://badges.cairn.example/keys/2"), kNowMs),
      StatusIs(Code::kUnauthenticated, HasSubstr("is not in the issuer's JWKS")));
}

TEST(VcJwtTest, KeyOfAnotherIssuerUnderTheSameKidIsRefused) {
  EXPECT_THAT(VerifyVcJwt(SignedFixture(), ParsedJwks(OtherKey()), kNowMs),
              StatusIs(Code::kUnauthenticated, HasSubstr("does not verify with key")));
}

TEST(VcJwtTest, NotYetValidAndExpiredAreRefused) {
  const std::string jws = SignedFixture();
  const Jwks jwks = ParsedJwks(IssuerKey());
  EXPECT_THAT(VerifyVcJwt(jws, jwks, ParseRfc3339("2025-03-01T08:59:59Z").value()),
              StatusIs(Code::kFailedPrecondition,
                       HasSubstr("not yet valid: validFrom 2025-03-01T09:00:00Z is after now "
                                 "(2025-03-01T08:59:59Z)")));
  EXPECT_THAT(VerifyVcJwt(jws, jwks, ParseRfc3339("2025-03-01T09:00:00Z").value()), IsOk());
  EXPECT_THAT(VerifyVcJwt(jws, jwks, ParseRfc3339("2030-03-01T09:00:00Z").value()), IsOk());
  EXPECT_THAT(
      VerifyVcJwt(jws, jwks, ParseRfc3339("2030-03-01T09:00:00.001Z").value()),
      StatusIs(Code::kFailedPrecondition, HasSubstr("expired: validUntil 2030-03-01T09:00:00Z")));
}

TEST(VcJwtTest, HeaderRulesAreEnforced) {
  const std::string kid = R"("kid":"https://badges.cairn.example/issuers/district-17/keys/1")";
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256",)" + kid + R"(,"typ":"JWT","cty":"vc"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("header: member \"cty\" is not allowed")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256",)" + kid + R"(,"typ":"vc+jwt"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("typ \"vc+jwt\" is not allowed")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"HS256",)" + kid + "}"),
              StatusIs(Code::kInvalidArgument, HasSubstr("alg \"HS256\" is not supported")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"none",)" + kid + "}"),
              StatusIs(Code::kInvalidArgument, HasSubstr("alg \"none\"")));
  EXPECT_THAT(VerifyHeader(R"({)" + kid + "}"),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"alg\" is missing")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256","kid":"keys/1"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("kid \"keys/1\" is not an absolute URI")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("neither \"kid\" nor \"jwk\"")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256",)" + kid + R"(,"alg":"RS256"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("header: member \"alg\" appears twice")));
  EXPECT_THAT(VerifyHeader(R"(["alg"])"),
              StatusIs(Code::kInvalidArgument, HasSubstr("header: not a JSON object")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256",)" + kid +
                           R"(,"jwk":{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("private member \"d\"")));
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256","jwk":{"kty":"OKP","crv":"Ed25519","x":"AQAB"}})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("jwk has kty \"OKP\"")));
  // Without typ is fine too.
  EXPECT_THAT(VerifyHeader(R"({"alg":"RS256",)" + kid + "}"), IsOk());
}

TEST(VcJwtTest, EmbeddedJwkCountsOnlyWhenTheIssuerListsIt) {
  const boost::json::object jwk = server::RsaPublicJwk(IssuerKey(), kTestKid).value();
  const std::string header =
      R"({"alg":"RS256","jwk":)" + boost::json::serialize(jwk) + R"(,"typ":"JWT"})";
  EXPECT_THAT(VerifyHeader(header), IsOk());
  const std::string jws = SignRaw(header, boost::json::serialize(FixturePayload()), IssuerKey());
  EXPECT_THAT(VerifyVcJwt(jws, ParsedJwks(OtherKey()), kNowMs),
              StatusIs(Code::kUnauthenticated, HasSubstr("is not in the issuer's JWKS")));
  const std::string with_other =
      R"({"alg":"RS256","kid":")" + std::string(kTestKid) + R"(","jwk":)" +
      boost::json::serialize(server::RsaPublicJwk(OtherKey(), kTestKid).value()) + "}";
  EXPECT_THAT(VerifyHeader(with_other),
              StatusIs(Code::kUnauthenticated, HasSubstr("jwk differs from the JWKS key")));
}

TEST(VcJwtTest, ClaimsMustMatchTheCredential) {
  auto with = [](std::string_view name, boost::json::value value) {
    boost::json::object payload = FixturePayload();
    payload[name] = std::move(value);
    return VerifyPayload(payload);
  };
  auto without = [](std::string_view name) {
    boost::json::object payload = FixturePayload();
    payload.erase(name);
    return VerifyPayload(payload);
  };
  EXPECT_THAT(with("iss", "https://evil.example/"),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("payload: iss \"https://evil.example/\" does not equal issuer.id "
                                 "\"https://badges.cairn.example/issuers/district-17\"")));
  EXPECT_THAT(
      with("jti", "urn:uuid:other"),
      StatusIs(Code::kInvalidArgument, HasSubstr("jti \"urn:uuid:other\" does not equal id")));
  EXPECT_THAT(with("sub", "did:example:someone-else"),
              StatusIs(Code::kInvalidArgument, HasSubstr("does not equal credentialSubject.id")));
  EXPECT_THAT(without("sub"), StatusIs(Code::kInvalidArgument, HasSubstr("claim sub")));
  EXPECT_THAT(
      with("nbf", 1700000000),
      StatusIs(Code::kInvalidArgument, HasSubstr("payload: nbf 1700000000 does not equal validFrom "
                                                 "2025-03-01T09:00:00Z (1740819600)")));
  EXPECT_THAT(
      with("nbf", "1740819600"),
      StatusIs(Code::kInvalidArgument, HasSubstr("nbf \"1740819600\" is not a NumericDate")));
  EXPECT_THAT(without("nbf"), StatusIs(Code::kInvalidArgument, HasSubstr("claim nbf is missing")));
  EXPECT_THAT(
      with("exp", 1898672401),
      StatusIs(Code::kInvalidArgument, HasSubstr("exp 1898672401 does not equal validUntil")));
  EXPECT_THAT(without("exp"),
              StatusIs(Code::kInvalidArgument, HasSubstr("claim exp is missing (required when")));
  EXPECT_THAT(with("vc", boost::json::object{}),
              StatusIs(Code::kInvalidArgument, HasSubstr("has a \"vc\" claim")));
  EXPECT_THAT(with("@context", boost::json::array{"https://www.w3.org/2018/credentials/v1"}),
              StatusIs(Code::kInvalidArgument, HasSubstr("@context must be an array starting")));
  EXPECT_THAT(with("validFrom", "2025-03-01"),
              StatusIs(Code::kInvalidArgument, HasSubstr("payload: validFrom")));
  EXPECT_THAT(with("exp", 9223372036854775807),
              StatusIs(Code::kInvalidArgument, HasSubstr("is not a NumericDate")));
  EXPECT_THAT(with("nbf", -1e300),
              StatusIs(Code::kInvalidArgument, HasSubstr("is not a NumericDate")));
  // nbf given as a float with a fraction still names the same second.
  EXPECT_THAT(with("nbf", 1740819600.5), IsOk());
}

TEST(VcJwtTest, SubjectWithoutIdHasNoSub) {
  boost::json::object credential = Credential();
  credential["credentialSubject"].as_object().erase("id");
  const std::string jws = server::SignVcJwt(credential, IssuerKey(), kTestKid).value();
  ASSERT_THAT(VerifyVcJwt(jws, ParsedJwks(IssuerKey()), kNowMs), IsOk());
  boost::json::object payload = FixturePayload();
  payload["credentialSubject"].as_object().erase("id");
  EXPECT_THAT(VerifyPayload(payload),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("sub is present but credentialSubject.id is absent")));
}

TEST(VcJwtTest, DuplicateClaimsAndBrokenPayloadsAreRefused) {
  const Jwks jwks = ParsedJwks(IssuerKey());
  const std::string payload = boost::json::serialize(FixturePayload());
  const std::string twice =
      payload.substr(0, payload.size() - 1) + R"(,"iss":"https://evil.example/"})";
  EXPECT_THAT(VerifyVcJwt(SignRaw(kHeader, twice, IssuerKey()), jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("payload: member \"iss\" appears twice")));
  EXPECT_THAT(VerifyVcJwt(SignRaw(kHeader, "{\"a\":", IssuerKey()), jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("payload: not JSON")));
  EXPECT_THAT(VerifyVcJwt(SignRaw(kHeader, "{\"a\":\"\xff\"}", IssuerKey()), jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("payload: not JSON")));
}

TEST(VcJwtTest, MalformedCompactSerializationsAreRefused) {
  const Jwks jwks = ParsedJwks(IssuerKey());
  const std::string jws = SignedFixture();
  EXPECT_THAT(VerifyVcJwt("abc.def", jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("three base64url parts")));
  EXPECT_THAT(VerifyVcJwt(jws + ".x", jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("three base64url parts")));
  EXPECT_THAT(VerifyVcJwt(jws + "\n", jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("signature: base64url")));
  EXPECT_THAT(VerifyVcJwt(jws.substr(0, jws.rfind('.') + 1), jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("signature: empty")));
  EXPECT_THAT(VerifyVcJwt("e30=." + jws.substr(jws.find('.') + 1), jwks, kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("header: base64url")));
}

TEST(VcJwtTest, SignerRefusesWhatItCannotSignFaithfully) {
  boost::json::object credential = Credential();
  EXPECT_THAT(server::SignVcJwt(credential, IssuerKey(), "keys/1"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an absolute URI")));
  credential["jti"] = "urn:uuid:other";
  EXPECT_THAT(server::SignVcJwt(credential, IssuerKey(), kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("member \"jti\" that differs")));
  credential = Credential();
  credential["validFrom"] = "yesterday";
  EXPECT_THAT(server::SignVcJwt(credential, IssuerKey(), kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("validFrom")));
  credential = Credential();
  credential["vc"] = boost::json::object{};
  EXPECT_THAT(server::SignVcJwt(credential, IssuerKey(), kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"vc\"")));
  auto ed = server::GenerateEd25519Key();
  ASSERT_THAT(ed, IsOk());
  EXPECT_THAT(server::SignVcJwt(Credential(), ed->get(), kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("RS256 needs an RSA key")));
  EXPECT_THAT(server::RsaPublicJwk(ed->get(), kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an RSA key")));
}

TEST(JwkTest, ThumbprintMatchesRfc7638Example) {
  boost::json::object json;
  json["kty"] = "RSA";
  json["n"] =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
      "BJECPeb"
      "WKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
      "FDW2QvzqY368"
      "QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
      "bFTWhAI4vMQFh6WeZu0fM4lF"
      "d2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  json["e"] = "AQAB";
  json["alg"] = "RS256";
  json["kid"] = "2011-04-29";
  auto jwk = ParseJwk(json);
  ASSERT_THAT(jwk, IsOk());
  EXPECT_EQ(JwkThumbprint(*jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(JwkToJson(*jwk), json);
}

TEST(JwkTest, JwksParsingIsStrict) {
  const std::string good = testing::JwksJson(IssuerKey());
  ASSERT_THAT(ParseJwks(good), IsOk());
  EXPECT_EQ(ParseJwks(good)->keys.size(), 1U);
  EXPECT_NE(ParseJwks(good)->FindByKid(kTestKid), nullptr);
  EXPECT_EQ(ParseJwks(good)->FindByKid("https://badges.cairn.example/"), nullptr);
  EXPECT_THAT(ParseJwks(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB","kid":"k"}]})"),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("keys[0]: JWK \"k\" has the private member \"d\"")));
  EXPECT_THAT(ParseJwks(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB","kid":"k"},)"
                        R"({"kty":"RSA","n":"AQAC","e":"AQAB","kid":"k"}]})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("kid \"k\" appears twice")));
  EXPECT_THAT(ParseJwks(R"({"kty":"RSA"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"keys\" is missing")));
  EXPECT_THAT(ParseJwks(R"({"keys":[{"kty":"RSA","n":"AAEC","e":"AQAB"}]})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("leading zero byte")));
  EXPECT_THAT(ParseJwks(R"({"keys":[{"kty":"RSA","e":"AQAB"}]})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"n\" is missing")));
  EXPECT_THAT(ParseJwks("not json"), StatusIs(Code::kInvalidArgument, HasSubstr("JWKS: not JSON")));
  // Keys of other types load, so that a mixed set still works for its RSA keys.
  EXPECT_THAT(ParseJwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"AQAB"}]})"), IsOk());
}

TEST(JwkTest, ShortRsaKeysAreRefused) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* small = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
  ASSERT_EQ(EVP_PKEY_generate(ctx, &small), 1);
  EVP_PKEY_CTX_free(ctx);
  const std::string jws = SignRaw(kHeader, boost::json::serialize(FixturePayload()), small);
  boost::json::object set;
  set["keys"] = boost::json::array{server::RsaPublicJwk(small, kTestKid).value()};
  EXPECT_THAT(VerifyVcJwt(jws, ParseJwks(boost::json::serialize(set)).value(), kNowMs),
              StatusIs(Code::kInvalidArgument, HasSubstr("1024 bits; RS256 needs at least 2048")));
  EXPECT_THAT(server::SignVcJwt(Credential(), small, kTestKid),
              StatusIs(Code::kInvalidArgument, HasSubstr("at least 2048")));
  EVP_PKEY_free(small);
}

}  // namespace
}  // namespace cairn::badge
