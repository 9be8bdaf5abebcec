// IssuerApi: the issuer's HTTP API (docs/issuer-api.md, docs/issuer-api.yaml, decision 0014), a
// pure function of (request, stored state) like Service, which routes /v1/issuer/ here.
//
//   GET  /v1/issuer/submissions[?state=complete|in_review|decided]   the issuer's list
//   GET  /v1/issuer/submissions/{id}                  the snapshot, its evidence and the rubric
//   GET  /v1/issuer/submissions/{id}/evidence/{sha256} a blob it names (Range: bytes=a-b -> 206)
//   POST /v1/issuer/submissions/{id}/assessment       scores per criterion -> recommendation
//   POST /v1/issuer/submissions/{id}/decision         the issuer's confirmation (final); an
//                                                     award is issued as a credential at once
//   POST /v1/issuer/credentials/{id}/revocation       {"reason":…}: revokes one of the
//                                                     issuer's credentials (409 if revoked)
//
// Every call carries the issuer's API token (`Authorization: Bearer <token>`; 401 otherwise).
// An issuer sees only submissions of its own micro-credentials: another issuer's is 404, as a
// submission that does not exist. Bodies and answers are JSON; errors are JSON too, with 400
// for a body that is not what the API takes (saying where), 422 for a well-formed assessment
// the rubric refuses, 409 for a decision that is final.
//
// Thread-safety: Handle() may be called from any number of threads at once.
#ifndef CAIRN_SERVER_API_ISSUER_API_H_
#define CAIRN_SERVER_API_ISSUER_API_H_

#include <string_view>

#include "api/service.h"
#include "badge/issuance.h"
#include "store/assessments.h"
#include "store/server_store.h"

namespace cairn::server {

inline constexpr std::string_view kIssuerApiPrefix = "/v1/issuer/";

class IssuerApi {
 public:
  // Borrowed; outlive this. `badges` may be null (awards then wait in their outbox).
  IssuerApi(ServerStore& store, BadgeIssuance* badges)
      : store_(store), assessments_(store), badges_(badges) {}

  // REQUIRES: the request's path starts with kIssuerApiPrefix.
  Response Handle(const Request& request);

 private:
  Response List(const IssuerInfo& issuer, std::string_view query);
  Response Get(const IssuerInfo& issuer, const EntityId& id);
  Response Evidence(const Request& request, const IssuerInfo& issuer, const EntityId& id,
                    std::string_view sha_hex);
  Response Assess(const Request& request, const IssuerInfo& issuer, const EntityId& id);
  Response Decide(const Request& request, const IssuerInfo& issuer, const EntityId& id);
  Response Revoke(const Request& request, const IssuerInfo& issuer, std::string_view credential_id);

  ServerStore& store_;
  AssessmentStore assessments_;
  BadgeIssuance* badges_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_ISSUER_API_H_
