// The public documents of an issuer that verifiers fetch (docs/badges.md "Hosting"): its DID
// document (did:web, the Ed25519 verification methods as Multikeys), its JWK Set (the RS256 keys
// VC-JWTs name by kid) and its Open Badges Profile. Built from the keys' public halves only;
// retired keys stay listed, so credentials signed before a rotation keep verifying.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_BADGE_ISSUER_DOCUMENTS_H_
#define CAIRN_SERVER_BADGE_ISSUER_DOCUMENTS_H_

#include <boost/json.hpp>
#include <vector>

#include "badge/credential_builder.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "store/credentials.h"

namespace cairn::server {

// {"@context":[DID v1, Multikey v1], "id": did, "verificationMethod":[…], "assertionMethod":[…]}
boost::json::object DidDocument(const IssuerUrls& urls, const std::vector<IssuerKey>& keys);

// {"keys":[…]}: each RS256 key's public JWK. DataLoss for a stored JWK that does not parse.
Result<boost::json::object> IssuerJwks(const std::vector<IssuerKey>& keys);

// The issuer's OB 3.0 Profile, as the credential's `issuer` holds it, with its own @context.
boost::json::object IssuerProfile(const IssuerUrls& urls, const v1::Issuer& issuer);

// The `issuer` member of a credential: the Profile without @context.
boost::json::object IssuerProfileMember(const IssuerUrls& urls, const v1::Issuer& issuer);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_ISSUER_DOCUMENTS_H_
