// Signed verification packs for the offline-verification tests, made the way Cairn's server
// makes them but without its code: an Ed25519 Data Integrity proof signed with OpenSSL EVP over
// EddsaRdfc2022HashData, and an RS256 VC-JWT signed by hand (jose_test_util.h's SignRaw). An
// issuer is a did:web DID document with one Multikey and a JWKS with one RSA key.
//
// Header-only (the badge test target compiles *_test.cc); every function is inline. Keys are
// made once per process. Thread-safety: test-only, call from the test thread.
#ifndef CAIRN_TESTS_BADGE_VERIFY_FIXTURE_H_
#define CAIRN_TESTS_BADGE_VERIFY_FIXTURE_H_

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "badge/jose_test_util.h"
#include "cairn/badge/bitstring_status.h"
#include "cairn/badge/data_integrity.h"
#include "cairn/badge/multibase.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/badge/verify.h"
#include "cairn/base64.h"

namespace cairn::badge::testing {

namespace json = boost::json;

inline constexpr std::string_view kIssuerDid = "did:web:badges.cairn.example:issuers:district-17";
inline constexpr std::string_view kOtherDid = "did:web:badges.cairn.example:issuers:elsewhere";
inline constexpr std::string_view kStatusListUrl =
    "https://badges.cairn.example/issuers/district-17/status/revocation";
inline constexpr std::string_view kCredentialUrl =
    "https://badges.cairn.example/credentials/7f3c2a1e-5b7d-4c1a-9e2f-0d8b6a4c3e21";
inline constexpr uint64_t kStatusIndex = 11;
// The fixture is valid from 2025-03-01T09:00:00Z until 2030-03-01T09:00:00Z; kNowMs (2026) is
// inside. The evidence file's bytes:
inline constexpr std::string_view kEvidenceBytes = "a lesson video, pretend";

struct Ed25519Key {
  EVP_PKEY* key = nullptr;  // never freed: one per process
  std::array<uint8_t, 32> public_key{};
};

inline Ed25519Key MakeEd25519Key() {
  Ed25519Key out;
  out.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  size_t length = out.public_key.size();
  EVP_PKEY_get_raw_public_key(out.key, out.public_key.data(), &length);
  return out;
}
inline const Ed25519Key& IssuerEdKey() {
  static const Ed25519Key key = MakeEd25519Key();
  return key;
}
inline const Ed25519Key& OtherEdKey() {
  static const Ed25519Key key = MakeEd25519Key();
  return key;
}

inline std::string MethodId(std::string_view did) { return std::string(did) + "#key-1"; }
inline std::string RsaKid(std::string_view did) { return std::string(did) + "#rsa-1"; }

// A DID document for `did` listing `key` as Multikey `did#key-1`, controlled by `controller`.
inline json::object DidDocument(std::string_view did, const Ed25519Key& key,
                                std::string_view controller) {
  return json::object{
      {"@context",
       json::array{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"}},
      {"id", did},
      {"verificationMethod",
       json::array{json::object{{"id", MethodId(did)},
                                {"type", "Multikey"},
                                {"controller", controller},
                                {"publicKeyMultibase", EncodeEd25519Multikey(key.public_key)}}}},
      {"assertionMethod", json::array{MethodId(did)}}};
}

// `document` with an eddsa-rdfc-2022 proof by `key` naming `method`, as a one-element array.
inline json::object SignDataIntegrity(json::object document, const Ed25519Key& key,
                                      const std::string& method) {
  document.erase("proof");
  json::object options{{"type", "DataIntegrityProof"},
                       {"cryptosuite", "eddsa-rdfc-2022"},
                       {"created", "2025-03-01T09:00:00Z"},
                       {"verificationMethod", method},
                       {"proofPurpose", "assertionMethod"}};
  Result<std::array<uint8_t, 64>> hash = EddsaRdfc2022HashData(document, options);
  EXPECT_TRUE(hash.ok()) << hash.status();
  if (!hash.ok()) return document;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::array<uint8_t, 64> signature{};
  size_t length = signature.size();
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key.key);
  EVP_DigestSign(ctx, signature.data(), &length, hash->data(), hash->size());
  EVP_MD_CTX_free(ctx);
  options["proofValue"] = MultibaseBase58BtcEncode(signature);
  document["proof"] = json::array{std::move(options)};
  return document;
}

// The credential's VC-JWT: the credential without proof plus iss, jti, sub, nbf, exp, RS256.
inline std::string SignVcJwtByHand(json::object credential, EVP_PKEY* rsa, std::string_view kid) {
  credential.erase("proof");
  json::object payload = credential;
  payload["iss"] = credential["issuer"].as_object()["id"];
  payload["jti"] = credential["id"];
  payload["sub"] = credential["credentialSubject"].as_object()["id"];
  payload["nbf"] = ParseRfc3339(credential["validFrom"].as_string()).value() / 1000;
  if (credential.contains("validUntil")) {
    payload["exp"] = ParseRfc3339(credential["validUntil"].as_string()).value() / 1000;
  }
  const json::object header{{"alg", "RS256"}, {"kid", kid}, {"typ", "JWT"}};
  return SignRaw(json::serialize(header), json::serialize(payload), rsa);
}

inline std::string GzipForTest(std::string_view bytes) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// "u" + base64url(gzip(bits)) of a list of `entries` bits with `revoked` set (MSB first).
inline std::string EncodedList(const std::vector<uint64_t>& revoked,
                               uint64_t entries = kMinStatusListEntries) {
  std::string bits(entries / 8, '\0');
  for (const uint64_t i : revoked) {
    bits[i / 8] = static_cast<char>(static_cast<unsigned char>(bits[i / 8]) | (0x80U >> (i % 8)));
  }
  return "u" + Base64UrlEncode(GzipForTest(bits));
}

inline json::object StatusList(const std::vector<uint64_t>& revoked) {
  json::object list{
      {"@context", json::array{"https://www.w3.org/ns/credentials/v2"}},
      {"id", kStatusListUrl},
      {"type", json::array{"VerifiableCredential", "BitstringStatusListCredential"}},
      {"issuer", kIssuerDid},
      {"validFrom", "2025-12-31T00:00:00Z"},
      {"credentialSubject", json::object{{"id", std::string(kStatusListUrl) + "#list"},
                                         {"type", "BitstringStatusList"},
                                         {"statusPurpose", "revocation"},
                                         {"encodedList", EncodedList(revoked)}}}};
  return SignDataIntegrity(std::move(list), IssuerEdKey(), MethodId(kIssuerDid));
}

inline Sha256Digest HashForTest(std::string_view bytes) {
  Sha256Digest digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

// The evidence id of `bytes`: ni:///sha-256;<base64url>?ct=video/mp4.
inline std::string NiUri(std::string_view bytes) {
  const Sha256Digest digest = HashForTest(bytes);
  return "ni:///sha-256;" +
         Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 32)) +
         "?ct=video/mp4";
}

// An unsigned OpenBadgeCredential shaped like the server's (credential_builder.cc).
inline json::object UnsignedCredential() {
  return json::object{
      {"@context", json::array{"https://www.w3.org/ns/credentials/v2",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                               "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"}},
      {"id", kCredentialUrl},
      {"type", json::array{"VerifiableCredential", "OpenBadgeCredential"}},
      {"name", "Exit Tickets for Formative Assessment"},
      {"description", "Uses exit tickets to check for understanding."},
      {"issuer", json::object{{"id", kIssuerDid},
                              {"type", json::array{"Profile"}},
                              {"name", "District 17 Professional Learning"},
                              {"url", "https://district17.example/"}}},
      {"validFrom", "2025-03-01T09:00:00Z"},
      {"validUntil", "2030-03-01T09:00:00Z"},
      {"credentialSubject",
       json::object{
           {"id", "urn:uuid:2f6b1c9e-8d4a-4e7b-b1c3-5a9d0e7f6c21"},
           {"type", json::array{"AchievementSubject"}},
           {"achievement",
            json::object{{"id", "https://badges.cairn.example/achievements/exit-tickets/c0ffee1"},
                         {"type", json::array{"Achievement"}},
                         {"achievementType", "Badge"},
                         {"name", "Exit Tickets for Formative Assessment"},
                         {"description", "Design, give and analyse exit tickets."},
                         {"criteria", json::object{{"narrative", "Submit the evidence."}}}}}}},
      {"credentialSchema",
       json::array{json::object{{"id",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                                 "ob_v3p0_achievementcredential_schema.json"},
                                {"type", "1EdTechJsonSchemaValidator2019"}}}},
      {"credentialStatus",
       json::object{{"id", std::string(kStatusListUrl) + "#" + std::to_string(kStatusIndex)},
                    {"type", "BitstringStatusListEntry"},
                    {"statusPurpose", "revocation"},
                    {"statusListIndex", std::to_string(kStatusIndex)},
                    {"statusListCredential", kStatusListUrl}}},
      {"evidence", json::array{json::object{{"id", NiUri(kEvidenceBytes)},
                                            {"type", json::array{"Evidence"}},
                                            {"name", "Lesson video"},
                                            {"genre", "Video"}}}}};
}

// A whole valid pack: `credential` signed by the issuer both ways, its documents, the status
// list with `revoked` bits set, checked at kNowMs.
inline VerificationPack SignedPack(const json::object& credential = UnsignedCredential(),
                                   const std::vector<uint64_t>& revoked = {}) {
  VerificationPack pack;
  pack.credential = SignDataIntegrity(credential, IssuerEdKey(), MethodId(kIssuerDid));
  pack.jws = SignVcJwtByHand(credential, IssuerKey(), RsaKid(kIssuerDid));
  pack.did_document = DidDocument(kIssuerDid, IssuerEdKey(), kIssuerDid);
  pack.jwks = json::parse(JwksJson(IssuerKey(), RsaKid(kIssuerDid))).as_object();
  pack.status_list = StatusList(revoked);
  pack.status_checked_at_ms = kNowMs;
  return pack;
}

}  // namespace cairn::badge::testing

#endif  // CAIRN_TESTS_BADGE_VERIFY_FIXTURE_H_
