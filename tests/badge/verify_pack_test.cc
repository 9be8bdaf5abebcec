// Offline verification of a credential from a verification pack (cairn/badge/verify.h): a
// signed pack verifies, and every way a credential can be forged, tampered with, outdated or
// revoked makes the verdict invalid with a reason that names the failing check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "badge/verify_fixture.h"
#include "badge/verify_internal.h"
#include "cairn/badge/verify.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

namespace json = boost::json;
using ::cairn::testing::IsOk;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace ::cairn::badge::testing;  // NOLINT(google-build-using-namespace): fixtures

constexpr int64_t kDay = 24LL * 60 * 60 * 1000;

Verdict Verify(const VerificationPack& pack, int64_t now_ms = kNowMs,
               const EvidenceLookup& evidence = {}) {
  Result<Verdict> verdict = VerifyPack(pack, now_ms, evidence);
  EXPECT_THAT(verdict, IsOk());
  return verdict.ok() ? *verdict : Verdict{};
}

const VerificationCheck& CheckOf(const Verdict& verdict, std::string_view name) {
  static const VerificationCheck kMissing{"(missing)", false, false, "no such check"};
  for (const VerificationCheck& check : verdict.checks) {
    if (check.name == name) return check;
  }
  ADD_FAILURE() << "the verdict has no check " << name;
  return kMissing;
}

std::vector<std::string> FailedNames(const Verdict& verdict) {
  std::vector<std::string> out;
  for (const VerificationCheck& check : verdict.checks) {
    if (!check.ok) out.push_back(check.name);
  }
  return out;
}

// The one signed pack most tests start from (signing is slow enough to do once).
const VerificationPack& Good() {
  static const VerificationPack* pack = new VerificationPack(SignedPack());
  return *pack;
}

json::object& ProofOf(json::object& document) {
  return document["proof"].as_array()[0].as_object();
}

// The compact JWS with one character of part `part` (0 header, 1 payload, 2 signature) at
// `offset` replaced by another base64url character.
std::string TamperJws(const std::string& jws, int part, size_t offset) {
  const size_t first = jws.find('.');
  const size_t second = jws.find('.', first + 1);
  const size_t begin = part == 0 ? 0 : part == 1 ? first + 1 : second + 1;
  std::string out = jws;
  char& c = out[begin + offset];
  c = c == 'A' ? 'B' : 'A';
  return out;
}

TEST(VerifyPack, SignedPackIsValidAndEveryCheckRan) {
  const Verdict verdict = Verify(Good());
  EXPECT_TRUE(verdict.valid) << ::testing::PrintToString(verdict.Reasons());
  std::vector<std::string> names;
  for (const VerificationCheck& check : verdict.checks) names.push_back(check.name);
  EXPECT_THAT(names, ElementsAre("credential", "contexts", "proof", "vc-jwt", "same-credential",
                                 "dates", "status", "evidence[0]"));
  EXPECT_THAT(verdict.Reasons(), IsEmpty());
  EXPECT_EQ(verdict.credential_id, kCredentialUrl);
  EXPECT_EQ(verdict.issuer_id, kIssuerDid);
  EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr(MethodId(kIssuerDid)));
  EXPECT_THAT(CheckOf(verdict, "status").detail,
              AllOf(HasSubstr("not revoked as of 2026-01-01T00:00:00Z"), HasSubstr("index 11")));
  EXPECT_TRUE(CheckOf(verdict, "evidence[0]").skipped) << "no evidence lookup was given";
  EXPECT_EQ(verdict.revoked_as_of_ms, std::nullopt);
}

TEST(VerifyPack, SurvivesSerializeAndParse) {
  Result<VerificationPack> parsed = ParseVerificationPack(SerializeVerificationPack(Good()));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(Verify(*parsed).valid);
  EXPECT_EQ(parsed->status_checked_at_ms, kNowMs);
}

// Calls `f` on every string in `value`, depth first, in member order.
void ForEachString(json::value& value, const std::function<void(json::value&)>& f) {
  if (value.is_object()) {
    for (auto& member : value.as_object()) ForEachString(member.value(), f);
  } else if (value.is_array()) {
    for (json::value& element : value.as_array()) ForEachString(element, f);
  } else if (value.is_string()) {
    f(value);
  }
}

// The same over the credential's members other than its proof.
void ForEachCredentialString(json::object& credential, const std::function<void(json::value&)>& f) {
  for (auto& member : credential) {
    if (member.key() != "proof") ForEachString(member.value(), f);
  }
}

TEST(VerifyPack, AnyTamperedCredentialValueIsNoticed) {
  json::object probe = Good().credential;
  size_t count = 0;
  ForEachCredentialString(probe, [&](json::value&) { ++count; });
  ASSERT_GT(count, 20u);
  for (size_t k = 0; k < count; ++k) {
    VerificationPack pack = Good();
    size_t seen = 0;
    std::string was;
    ForEachCredentialString(pack.credential, [&](json::value& v) {
      if (seen++ != k) return;
      std::string text(v.as_string());
      was = text;
      text.back() = text.back() == 'x' ? 'y' : 'x';
      v = text;
    });
    const Verdict verdict = Verify(pack);
    EXPECT_FALSE(verdict.valid) << "changing \"" << was << "\" went unnoticed";
    EXPECT_FALSE(CheckOf(verdict, "proof").ok) << "changing \"" << was << "\"";
  }
}

TEST(VerifyPack, TamperedNameFailsTheProofAndTheComparison) {
  VerificationPack pack = Good();
  pack.credential["name"] = "Exit Tickets for Formative Assessment (Distinction)";
  const Verdict verdict = Verify(pack);
  EXPECT_FALSE(verdict.valid);
  EXPECT_THAT(FailedNames(verdict), ElementsAre("proof", "same-credential"));
  EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("credential.proof"));
  EXPECT_THAT(CheckOf(verdict, "same-credential").detail, HasSubstr("differ in: name"));
}

TEST(VerifyPack, TamperedProofValueOrProofOptionsFail) {
  {
    VerificationPack pack = Good();
    json::object& proof = ProofOf(pack.credential);
    std::string value(proof["proofValue"].as_string());
    value[10] = value[10] == 'A' ? 'B' : 'A';
    proof["proofValue"] = value;
    EXPECT_THAT(FailedNames(Verify(pack)), ElementsAre("proof"));
  }
  {
    VerificationPack pack = Good();
    ProofOf(pack.credential)["created"] = "2025-03-02T09:00:00Z";
    EXPECT_THAT(FailedNames(Verify(pack)), ElementsAre("proof"));
  }
  {
    VerificationPack pack = Good();
    pack.credential.erase("proof");
    const Verdict verdict = Verify(pack);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("proof"));
    EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("no embedded proof"));
  }
}

TEST(VerifyPack, AnyTamperedJwsByteFails) {
  const std::string& jws = Good().jws;
  const size_t first = jws.find('.');
  const size_t second = jws.find('.', first + 1);
  const size_t lengths[] = {first, second - first - 1, jws.size() - second - 1};
  for (int part = 0; part < 3; ++part) {
    // Every 7th character is plenty to hit every JSON member of the payload.
    for (size_t offset = 0; offset < lengths[part]; offset += part == 1 ? 7 : 13) {
      VerificationPack pack = Good();
      pack.jws = TamperJws(jws, part, offset);
      const Verdict verdict = Verify(pack);
      EXPECT_FALSE(verdict.valid) << "part " << part << " offset " << offset;
      EXPECT_FALSE(CheckOf(verdict, "vc-jwt").ok) << "part " << part << " offset " << offset;
    }
  }
}

TEST(VerifyPack, JwtOfAnotherCredentialFailsTheComparison) {
  VerificationPack pack = Good();
  json::object other = UnsignedCredential();
  other["name"] = "Something else";
  pack.jws = SignVcJwtByHand(other, IssuerKey(), RsaKid(kIssuerDid));
  const Verdict verdict = Verify(pack);
  EXPECT_THAT(FailedNames(verdict), ElementsAre("same-credential"));
  EXPECT_THAT(CheckOf(verdict, "vc-jwt").detail, HasSubstr("verified"));
}

TEST(VerifyPack, WrongKidOrUnknownKeyFailsTheJwt) {
  {
    VerificationPack pack = Good();
    pack.jws = SignVcJwtByHand(UnsignedCredential(), IssuerKey(), RsaKid(kIssuerDid) + "x");
    const Verdict verdict = Verify(pack);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("vc-jwt"));
    EXPECT_THAT(CheckOf(verdict, "vc-jwt").detail, HasSubstr("is not in the issuer's JWKS"));
  }
  {
    // Signed by a key the issuer does not have, under the issuer's kid.
    VerificationPack pack = Good();
    pack.jws = SignVcJwtByHand(UnsignedCredential(), OtherKey(), RsaKid(kIssuerDid));
    EXPECT_THAT(FailedNames(Verify(pack)), ElementsAre("vc-jwt"));
  }
  {
    // The pack's JWKS swapped for another key under the same kid.
    VerificationPack pack = Good();
    pack.jwks = json::parse(JwksJson(OtherKey(), RsaKid(kIssuerDid))).as_object();
    EXPECT_THAT(FailedNames(Verify(pack)), ElementsAre("vc-jwt"));
  }
}

TEST(VerifyPack, KeyFromAnotherIssuersDidDocumentFails) {
  // The credential says it is the issuer's, but was signed with another issuer's key, and the
  // pack carries that issuer's DID document.
  {
    VerificationPack pack = Good();
    pack.credential = SignDataIntegrity(UnsignedCredential(), OtherEdKey(), MethodId(kOtherDid));
    pack.did_document = DidDocument(kOtherDid, OtherEdKey(), kOtherDid);
    const Verdict verdict = Verify(pack);
    EXPECT_THAT(FailedNames(verdict), Contains("proof"));
    EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("is not a key of the issuer"));
  }
  {
    // A DID document claiming the issuer's id but whose key is controlled by someone else.
    VerificationPack pack = Good();
    pack.credential = SignDataIntegrity(UnsignedCredential(), OtherEdKey(), MethodId(kIssuerDid));
    pack.did_document = DidDocument(kIssuerDid, OtherEdKey(), kOtherDid);
    const Verdict verdict = Verify(pack);
    EXPECT_THAT(FailedNames(verdict), Contains("proof"));
    EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("is controlled by"));
  }
  {
    // The right document, but the proof was made with another key under the issuer's method id.
    VerificationPack pack = Good();
    pack.credential = SignDataIntegrity(UnsignedCredential(), OtherEdKey(), MethodId(kIssuerDid));
    EXPECT_THAT(FailedNames(Verify(pack)), ElementsAre("proof"));
  }
  {
    // The other issuer's document in the pack, the credential untouched.
    VerificationPack pack = Good();
    pack.did_document = DidDocument(kOtherDid, OtherEdKey(), kOtherDid);
    const Verdict verdict = Verify(pack);
    EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("another issuer's keys"));
  }
}

TEST(VerifyPack, MethodNotListedForAssertionIsRefused) {
  VerificationPack pack = Good();
  pack.did_document["assertionMethod"] = json::array{};
  const Verdict verdict = Verify(pack);
  EXPECT_FALSE(verdict.valid);
  EXPECT_THAT(CheckOf(verdict, "proof").detail, HasSubstr("under assertionMethod"));
}

TEST(VerifyPack, NotYetValidAndExpiredFailTheDates) {
  const int64_t valid_from = ParseRfc3339("2025-03-01T09:00:00Z").value();
  const int64_t valid_until = ParseRfc3339("2030-03-01T09:00:00Z").value();
  {
    const Verdict verdict = Verify(Good(), valid_from - 1000);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("dates"));
    EXPECT_THAT(CheckOf(verdict, "dates").detail,
                HasSubstr("not yet valid: validFrom 2025-03-01T09:00:00Z"));
  }
  {
    const Verdict verdict = Verify(Good(), valid_until + kDay);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("dates"));
    EXPECT_THAT(CheckOf(verdict, "dates").detail,
                HasSubstr("expired: validUntil 2030-03-01T09:00:00Z"));
  }
  EXPECT_TRUE(Verify(Good(), valid_from).valid) << "valid from the very millisecond";
  EXPECT_TRUE(Verify(Good(), valid_until).valid) << "and up to the last";
}

TEST(VerifyPack, RevokedInTheSnapshotIsInvalidWithTheSnapshotDate) {
  static const VerificationPack* revoked =
      new VerificationPack(SignedPack(UnsignedCredential(), {kStatusIndex - 1, kStatusIndex}));
  const Verdict verdict = Verify(*revoked);
  EXPECT_FALSE(verdict.valid);
  EXPECT_THAT(FailedNames(verdict), ElementsAre("status"));
  EXPECT_THAT(CheckOf(verdict, "status").detail,
              AllOf(HasSubstr("revoked"), HasSubstr("2026-01-01T00:00:00Z")));
  EXPECT_EQ(verdict.revoked_as_of_ms, kNowMs);

  // Neighbouring bits do not count: index 10 and 12 set, 11 clear.
  const VerificationPack neighbours =
      SignedPack(UnsignedCredential(), {kStatusIndex - 1, kStatusIndex + 1});
  EXPECT_TRUE(Verify(neighbours).valid);
}

TEST(VerifyPack, StatusListMustBeTheIssuersAndSigned) {
  {
    // Someone clears the bit: the list's own proof breaks.
    VerificationPack pack = Good();
    pack.status_list["credentialSubject"].as_object()["encodedList"] = EncodedList({});
    VerificationPack revoked_pack = SignedPack(UnsignedCredential(), {kStatusIndex});
    revoked_pack.status_list["credentialSubject"].as_object()["encodedList"] = EncodedList({});
    const Verdict verdict = Verify(revoked_pack);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("status"));
    EXPECT_THAT(CheckOf(verdict, "status").detail, HasSubstr("statusList.proof"));
  }
  {
    VerificationPack pack = Good();
    pack.status_list["id"] = "https://elsewhere.example/status";
    EXPECT_THAT(CheckOf(Verify(pack), "status").detail, HasSubstr("is not the pack's status list"));
  }
  {
    VerificationPack pack = Good();
    pack.status_list["issuer"] = kOtherDid;
    EXPECT_THAT(CheckOf(Verify(pack), "status").detail,
                HasSubstr("is not the credential's issuer"));
  }
}

TEST(VerifyPack, EvidenceHashIsComparedWhenTheFileIsHere) {
  const Sha256Digest named = HashForTest(kEvidenceBytes);
  {
    const Verdict verdict = Verify(Good(), kNowMs, [&](const Sha256Digest& sha) {
      EXPECT_EQ(sha, named);
      return Result<std::optional<Sha256Digest>>(std::optional(HashForTest(kEvidenceBytes)));
    });
    EXPECT_TRUE(verdict.valid);
    EXPECT_FALSE(CheckOf(verdict, "evidence[0]").skipped);
    EXPECT_THAT(CheckOf(verdict, "evidence[0]").detail, HasSubstr("matches sha256"));
  }
  {
    const Verdict verdict = Verify(Good(), kNowMs, [](const Sha256Digest&) {
      return Result<std::optional<Sha256Digest>>(std::optional(HashForTest("edited video")));
    });
    EXPECT_FALSE(verdict.valid);
    EXPECT_THAT(FailedNames(verdict), ElementsAre("evidence[0]"));
    EXPECT_THAT(CheckOf(verdict, "evidence[0]").detail,
                AllOf(HasSubstr("Lesson video"), HasSubstr("but the credential names")));
  }
  {
    const Verdict verdict = Verify(Good(), kNowMs, [](const Sha256Digest&) {
      return Result<std::optional<Sha256Digest>>(std::optional<Sha256Digest>());
    });
    EXPECT_TRUE(verdict.valid);
    EXPECT_TRUE(CheckOf(verdict, "evidence[0]").skipped);
    EXPECT_THAT(CheckOf(verdict, "evidence[0]").detail, HasSubstr("not on this device"));
  }
  {
    const Verdict verdict = Verify(Good(), kNowMs, [](const Sha256Digest&) {
      return Result<std::optional<Sha256Digest>>(DataLoss("blob chunk 3 was altered"));
    });
    EXPECT_THAT(FailedNames(verdict), ElementsAre("evidence[0]"));
    EXPECT_THAT(CheckOf(verdict, "evidence[0]").detail, HasSubstr("chunk 3 was altered"));
  }
}

TEST(VerifyPack, AlteredContextCopyInThePackFails) {
  VerificationPack pack = Good();
  pack.contexts["https://www.w3.org/ns/credentials/v2"] =
      json::object{{"@context", json::object{{"name", "https://evil.example/name"}}}};
  const Verdict verdict = Verify(pack);
  EXPECT_THAT(FailedNames(verdict), ElementsAre("contexts"));
  EXPECT_THAT(CheckOf(verdict, "contexts").detail, HasSubstr("differs from the published"));
}

TEST(ParseNiUri, ReadsRfc6920Sha256AndRefusesMalformedOnes) {
  Result<std::optional<NamedInformation>> ni = ParseNiUri(NiUri("abc"));
  ASSERT_THAT(ni, IsOk());
  ASSERT_TRUE(ni->has_value());
  EXPECT_EQ((*ni)->algorithm, "sha-256");
  EXPECT_EQ((*ni)->digest.size(), 32u);
  EXPECT_EQ((*ni)->content_type, "video/mp4");
  ni = ParseNiUri("NI://example.org/SHA-256;" + Base64UrlEncode(std::string(32, 'a')));
  ASSERT_THAT(ni, IsOk());
  EXPECT_EQ((*ni)->algorithm, "sha-256") << "an authority is allowed, the name is lower-cased";
  ni = ParseNiUri("https://example.org/evidence/1");
  ASSERT_THAT(ni, IsOk());
  EXPECT_FALSE(ni->has_value());
  EXPECT_THAT(ParseNiUri("ni:///sha-256;not*base64"),
              ::cairn::testing::StatusIs(Code::kInvalidArgument, HasSubstr("not base64url")));
  EXPECT_THAT(ParseNiUri("ni:///;abc"),
              ::cairn::testing::StatusIs(Code::kInvalidArgument, HasSubstr("no hash algorithm")));
}

TEST(VerifyPack, MalformedEvidenceIdFailsAndTruncatedHashIsSkipped) {
  json::object credential = UnsignedCredential();
  json::array& evidence = credential["evidence"].as_array();
  evidence.push_back(json::object{{"id", "ni:///sha-256;***"}, {"type", json::array{"Evidence"}}});
  evidence.push_back(
      json::object{{"id", "ni:///sha-256-32;AAAAAA"}, {"type", json::array{"Evidence"}}});
  evidence.push_back(json::object{{"id", "ni:///sha-256;AAAA"}, {"type", json::array{"Evidence"}}});
  const auto held = [](const Sha256Digest& sha) {
    return Result<std::optional<Sha256Digest>>(std::optional(sha));
  };
  const std::vector<VerificationCheck> checks = verify_internal::CheckEvidence(credential, held);
  ASSERT_EQ(checks.size(), 4u);
  EXPECT_TRUE(checks[0].ok && !checks[0].skipped) << checks[0].detail;
  EXPECT_FALSE(checks[1].ok);
  EXPECT_THAT(checks[1].detail, HasSubstr("credential.evidence[1].id"));
  EXPECT_TRUE(checks[2].skipped) << checks[2].detail;
  EXPECT_FALSE(checks[3].ok);
  EXPECT_THAT(checks[3].detail, HasSubstr("32 bytes"));
}

}  // namespace
}  // namespace cairn::badge
