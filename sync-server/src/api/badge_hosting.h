// BadgeHosting: the public, unauthenticated side of badges (docs/badges.md "Hosting"), a pure
// Handle(Request) -> Response like Service, which routes these paths here:
//
//   GET /credentials/{uuid}          by Accept: text/html -> the page for people; application/jwt
//                                    or text/plain -> the VC-JWT; anything else -> the JSON
//   GET /credentials/{uuid}.json     the credential with its embedded proof
//   GET /credentials/{uuid}.jws      the VC-JWT (text/plain)
//   GET /credentials/{uuid}.png|.svg the badge image baked with the credential JSON
//   GET /credentials/{uuid}/clr      a stack's CLR 2.0 ClrCredential (signed)
//   POST /credentials/{uuid}/exchange  a wallet's VC-API exchange: the credential in a
//                                    verifiablePresentation (badge/wallet_exchange.h); GET: the
//                                    protocols it speaks
//   GET /issuers/{slug}              the issuer's Open Badges Profile (JSON)
//   GET /issuers/{slug}/did.json     its DID document (did:web)
//   GET /issuers/{slug}/jwks.json    its JWK Set; /issuers/{slug}/keys/{name}: one JWK
//   GET /issuers/{slug}/status/revocation       the signed BitstringStatusListCredential
//   GET /issuers/{slug}/status/revocations.json the 1EdTech Revocation List
//   GET /achievements/{id}/{version}  the Achievement of a micro-credential version
//   GET /badge-images/{sha256}.png    a badge image an issued credential names
//   GET /assets/...                   the pages' style and script
//
// Everything here is safe to put on the internet: credentials are public by design (the earner
// shares the link), evidence never is, and nothing here writes (the exchange's POST only reads).
// Unknown ids are 404.
//
// Thread-safety: Handle() may be called from any number of threads at once.
#ifndef CAIRN_SERVER_API_BADGE_HOSTING_H_
#define CAIRN_SERVER_API_BADGE_HOSTING_H_

#include <string_view>

#include "api/service.h"
#include "badge/issuance.h"
#include "store/server_store.h"

namespace cairn::server {

class BadgeHosting {
 public:
  // Both borrowed; they outlive this.
  BadgeHosting(ServerStore& store, BadgeIssuance& badges) : store_(store), badges_(badges) {}

  // Whether `path` is one of the routes above.
  static bool Serves(std::string_view path);

  // REQUIRES: Serves(path of request.target).
  Response Handle(const Request& request);

 private:
  Response Credential(const Request& request, std::string_view rest);
  Response Exchange(const Request& request, std::string_view uuid);
  Response Issuer(const Request& request, std::string_view rest);
  Response Achievement(const Request& request, std::string_view rest);
  Response Image(const Request& request, std::string_view rest);

  ServerStore& store_;
  BadgeIssuance& badges_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_BADGE_HOSTING_H_
