// POST /v1/verify: the public verifier (docs/badges.md "Verifying a credential"), for whoever is
// handed a credential — a district's HR office, a recognizer, the hosted page's "verify" button.
// The body is a credential in any form an earner holds: JSON with its embedded proof, a VC-JWT,
// a baked PNG or SVG, or a verification pack (badge::ReadCredentialFile). The answer is the
// verdict as `cairn badges verify --json` prints it (badge::VerdictJson), every check with its
// reason, 200 whether the credential is valid or not; 400 only for a body that holds no
// credential at all, saying what was found.
//
// Whose keys: a credential this server issued is checked against this server's own documents
// — the issuer's DID document and JWKS (retired keys included) and its status list as of now —
// whatever the body brought along. A pack of a credential issued elsewhere is checked against
// the pack's own documents, and the verdict says the pack vouches for them; a bare credential
// issued elsewhere fails the "issuer" check, which says to post its pack instead. Nothing is
// fetched from the network: verification is the core's offline code path (badge/verify.h).
//
// Thread-safety: like Service, any number of threads at once.
#ifndef CAIRN_SERVER_API_PUBLIC_VERIFY_H_
#define CAIRN_SERVER_API_PUBLIC_VERIFY_H_

#include <string_view>

#include "api/service.h"
#include "badge/issuance.h"

namespace cairn::server {

inline constexpr std::string_view kPublicVerifyPath = "/v1/verify";

// REQUIRES: request.method is POST.
Response PublicVerify(const Request& request, BadgeIssuance& badges);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_PUBLIC_VERIFY_H_
