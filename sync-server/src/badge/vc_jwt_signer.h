// Signing Open Badges 3.0 credentials as VC-JWTs (OB §8.2) on the server, and publishing the
// matching public key as a JWK.
//
// The JWT is {"alg":"RS256","kid":<kid>,"typ":"JWT"} over the credential itself plus the claims
// iss = issuer.id, jti = id, nbf = validFrom (seconds), sub = credentialSubject.id (when it has
// one) and exp = validUntil (when present) — the form cairn::badge::VerifyVcJwt and the OB
// reference verifier accept.
//
// Ownership: borrows the EVP_PKEY for the call. Thread-safety: safe from any thread, also with
// one key shared between threads.
#ifndef CAIRN_SERVER_BADGE_VC_JWT_SIGNER_H_
#define CAIRN_SERVER_BADGE_VC_JWT_SIGNER_H_

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

// The compact JWS of `credential`. The credential needs a string id, an issuer (string or object
// with a string id), an RFC 3339 validFrom, a credentialSubject object, and no "vc" member; a
// member already named like one of the claims must hold the claim's value. `kid` must be an
// absolute URI that resolves to RsaPublicJwk(key, kid).
// REQUIRES: `rsa_private_key` is an RSA private key of at least 2048 bits.
Result<std::string> SignVcJwt(const boost::json::object& credential, EVP_PKEY* rsa_private_key,
                              std::string_view kid);

// The public half of an RSA key as a JWK: {"kty":"RSA","n","e","alg":"RS256","use":"sig","kid"}.
// InvalidArgument if `key` is not an RSA key.
Result<boost::json::object> RsaPublicJwk(EVP_PKEY* key, std::string_view kid);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_VC_JWT_SIGNER_H_
