// The Open Badges 3.0 credential of an award, built from what the issuer assessed: the pinned
// catalog version, the submission's snapshot and the confirmed assessment (DESIGN.md §7,
// docs/badges.md "What is issued"). A pure function of its input: no clock, no keys, no store,
// so that the same award always yields the same unsigned credential, and tests read it field by
// field. Signing (credential_signer.h) adds the proofs.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_BADGE_CREDENTIAL_BUILDER_H_
#define CAIRN_SERVER_BADGE_CREDENTIAL_BUILDER_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "cairn/v1/model.pb.h"

namespace cairn::server {

// The JSON-LD contexts every Cairn credential names, in the order OB 3.0 requires.
inline constexpr std::string_view kVcContext = "https://www.w3.org/ns/credentials/v2";
inline constexpr std::string_view kObContext =
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
inline constexpr std::string_view kObExtensionsContext =
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";
inline constexpr std::string_view kObCredentialSchema =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json";

// Where the server publishes an issuer's things; every id in a credential is one of these.
// `public_url` is https://HOST[:PORT] without a trailing slash.
struct IssuerUrls {
  std::string public_url;
  std::string issuer_slug;  // the catalog's Issuer.id

  // did:web:HOST%3APORT:issuers:SLUG — the issuer's id, resolved at /issuers/SLUG/did.json.
  std::string Did() const;
  std::string DidDocument() const;     // .../issuers/SLUG/did.json
  std::string Jwks() const;            // .../issuers/SLUG/jwks.json
  std::string Profile() const;         // .../issuers/SLUG (the HTML/JSON profile page)
  std::string StatusList() const;      // .../issuers/SLUG/status/revocation (a credential)
  std::string RevocationList() const;  // .../issuers/SLUG/status/revocations.json (VCRL)
  std::string Credential(std::string_view uuid) const;  // .../credentials/UUID
  std::string Achievement(std::string_view micro_credential_id,
                          std::string_view version) const;  // .../achievements/ID/VERSION
  std::string Image(std::string_view sha256_hex) const;     // .../badge-images/SHA.png
};

// Who earned it. `subject_id` is a stable URN for the educator (never an e-mail or a name);
// when the account has an e-mail address, it is also given salted and hashed (OB 3.0
// IdentityObject), so that a recognizer who knows the address can match it.
struct Earner {
  std::string subject_id;
  std::optional<std::string> email;
  std::string salt;  // used only with `email`
};

// A credential's place in its issuer's revocation status list.
struct StatusSlot {
  uint64_t index = 0;
};

struct AwardFacts {
  IssuerUrls urls;
  v1::Issuer issuer;
  v1::MicroCredential micro_credential;  // the version the submission pins
  v1::SubmissionSnapshot snapshot;
  v1::Assessment assessment;  // the confirmed one: scores, decision
  std::string credential_uuid;
  Earner earner;
  int64_t valid_from_ms = 0;
  StatusSlot status;
};

// The OB 3.0 Achievement of a micro-credential version: what the credential's subject achieved,
// and what /achievements/ID/VERSION answers.
boost::json::object AchievementOf(const IssuerUrls& urls, const v1::Issuer& issuer,
                                  const v1::MicroCredential& micro_credential);

// The unsigned OpenBadgeCredential of an award. InvalidArgument when the facts cannot make a
// valid credential (an assessment that is not an award, a score naming a criterion the rubric
// lacks): issuance stops there with the reason rather than sign something wrong.
Result<boost::json::object> BuildAwardCredential(const AwardFacts& facts);

// A stack's credential: issued when every micro-credential of the stack is awarded, naming each
// component credential as its evidence.
struct StackFacts {
  IssuerUrls urls;
  v1::Issuer issuer;
  v1::Stack stack;
  struct Component {
    std::string credential_url;
    std::string title;
    std::string micro_credential_id;
  };
  std::vector<Component> components;  // in the stack's order
  std::string credential_uuid;
  Earner earner;
  int64_t valid_from_ms = 0;
  StatusSlot status;
};

Result<boost::json::object> BuildStackCredential(const StackFacts& facts);

// The CLR 2.0 ClrCredential of a stack for recognizers: the stack's credential and its
// component credentials (each with its own proof, verifiable alone), their achievements, and
// an association from the stack's achievement to each component's ("isParentOf"). Unsigned;
// its id is the stack credential's URL + "/clr".
struct ClrFacts {
  IssuerUrls urls;
  v1::Issuer issuer;
  std::string stack_credential_uuid;
  Earner earner;
  int64_t valid_from_ms = 0;
  boost::json::object stack_credential;                    // signed
  std::vector<boost::json::object> component_credentials;  // signed, in the stack's order
};

Result<boost::json::object> BuildClrCredential(const ClrFacts& facts);

inline constexpr std::string_view kClrContext =
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";

// The credential's expiry: `valid_from_ms` plus `years` calendar years (29 February becomes
// 28 February when the target year has none); nullopt for 0 years (no expiry).
std::optional<int64_t> ValidUntilMs(int64_t valid_from_ms, uint32_t years);

// OB 3.0 IdentityObject.identityHash: "sha256$" and the hex SHA-256 of value then salt.
std::string IdentityHash(std::string_view value, std::string_view salt);

// The Evidence id of a file: an RFC 6920 named-information URI of its SHA-256
// ("ni:///sha-256;<base64url>?ct=<media type>"), so the hash travels inside the signed
// credential without the evidence being public.
std::string EvidenceUri(std::string_view sha256_hex, std::string_view media_type);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_CREDENTIAL_BUILDER_H_
