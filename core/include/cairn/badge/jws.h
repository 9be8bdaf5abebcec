// VC-JWT verification for Open Badges 3.0 (OB §8.2): compact JWS parsing under OB's header
// rules, public JWKs and JWK Sets, RFC 7638 thumbprints, RS256 signature checks and the claim
// checks that tie a JWT to the credential it carries.
//
// This is the offline verifier the apps run; it holds no private keys (a JWK with private members
// is refused). Signing lives on the server (sync-server/src/badge/vc_jwt_signer.h).
//
// Only RS256 is accepted: it is what OB 3.0 requires every verifier to support and what Cairn's
// server signs with. Other algorithms are refused with a message that says so.
//
// Ownership: values; nothing refers to the input text after a call returns.
// Thread-safety: pure functions on values; safe from any thread.
#ifndef CAIRN_BADGE_JWS_H_
#define CAIRN_BADGE_JWS_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge {

// A public JSON Web Key (RFC 7517). Only kty "RSA" keys are usable; others parse (so that a
// JWKS that also lists them still loads) but cannot verify.
struct Jwk {
  std::string kty;
  std::string kid;  // empty when absent
  std::string alg;  // empty when absent
  std::string use;  // empty when absent
  // RSA: big-endian modulus and exponent bytes, leading zeros stripped.
  std::string n;
  std::string e;
};

// Reads one public JWK. Refuses private members (d, p, q, dp, dq, qi, oth, k), a missing or
// non-string kty, and for RSA a missing or non-canonical n or e.
Result<Jwk> ParseJwk(const boost::json::object& json);

// The JWK as JSON: kty, n, e and whichever of kid, alg, use are set.
boost::json::object JwkToJson(const Jwk& jwk);

// RFC 7638 thumbprint: base64url(SHA-256({"e":…,"kty":"RSA","n":…})).
// REQUIRES: jwk.kty == "RSA".
std::string JwkThumbprint(const Jwk& jwk);

// A JWK Set, {"keys":[…]}. Keys' kids are unique.
struct Jwks {
  std::vector<Jwk> keys;

  // The key whose kid equals `kid` exactly; nullptr if none.
  const Jwk* FindByKid(std::string_view kid) const;
};

// Parses {"keys":[…]}; each key as ParseJwk does. Duplicate kids are refused (the kid would not
// name one key).
Result<Jwks> ParseJwks(std::string_view json);

// The protected header, after OB's rules: alg, kid and/or jwk, typ; nothing else.
struct JoseHeader {
  std::string alg;
  std::optional<std::string> kid;
  std::optional<Jwk> jwk;
  std::optional<std::string> typ;
};

// A compact JWS split and decoded. Nothing here is verified yet except the header's form.
struct CompactJws {
  JoseHeader header;
  std::string signing_input;  // "<header b64url>.<payload b64url>": the bytes signed
  std::string payload;        // decoded payload bytes
  std::string signature;      // decoded signature bytes
};

// Splits "h.p.s", decodes each part strictly, and checks the header: a JSON object without
// duplicate members, alg a string, kid an absolute URI, jwk a public JWK, typ "JWT" if present,
// and no other members.
Result<CompactJws> ParseCompactJws(std::string_view jws);

// Whether kid is an absolute URI (scheme ":" something, no whitespace), as OB requires.
bool IsAbsoluteUri(std::string_view text);

// Checks jws.signature over jws.signing_input with `key` under RS256 (RSASSA-PKCS1-v1_5 with
// SHA-256). The key must be an RSA key of at least 2048 bits (RFC 7518 §3.3).
Status VerifyJwsSignature(const CompactJws& jws, const Jwk& key);

// Verifies an OB 3.0 VC-JWT and returns the credential it carries (the payload without the JWT
// claims iss, sub, jti, nbf, exp, iat).
//
// Checks, in order: the header (ParseCompactJws); the key — by exact kid in `jwks`, or a header
// jwk whose thumbprint matches a key in `jwks`; the RS256 signature; the payload is a JSON object
// without duplicate members and without a "vc" claim; @context starts with the VCDM 2.0 context;
// iss == issuer.id; jti == id; sub == credentialSubject.id (both present or both absent);
// nbf == validFrom in seconds and neither in the future; exp == validUntil when validUntil is
// present, and neither in the past. `now_ms` is milliseconds since the Unix epoch.
//
// Errors: InvalidArgument for a malformed token, Unauthenticated for a signature or key that does
// not match, FailedPrecondition for a credential not yet valid or expired. Each message says what
// and where ("header: …", "payload: …").
// Not checked: JSON Schema, credentialStatus, embedded proofs.
Result<boost::json::object> VerifyVcJwt(std::string_view jws, const Jwks& jwks, int64_t now_ms);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_JWS_H_
