// The hosted page of a credential, for people (docs/badges.md "Hosting"): what a district's HR
// office or a teacher's future employer opens from a shared link. It shows the badge image, the
// achievement, the issuer, the dates, the criteria, the rubric results and the live status, and
// offers a "verify" button (assets/badge-verify.js checks the signature through POST
// /v1/verify), downloads of every form, "add to LinkedIn profile" and "add to a wallet" (a QR
// code and deep links, badge/wallet_exchange.h; not for a revoked one). Open Graph tags make a
// shared link preview the badge. Nothing of the evidence is shown but its kind and caption; the
// earner's name only when they chose to make it public.
//
// The page holds no inline script or style (the server's Content-Security-Policy forbids them).
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_BADGE_CREDENTIAL_PAGE_H_
#define CAIRN_SERVER_BADGE_CREDENTIAL_PAGE_H_

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "store/credentials.h"

namespace cairn::server {

struct CredentialPageFacts {
  const boost::json::object* credential = nullptr;  // the signed credential JSON
  const IssuedCredential* issued = nullptr;         // its row: status, dates
  std::optional<std::string> earner_name;           // only when the earner made it public
  int64_t now_ms = 0;                               // for "expired"
};

// The whole HTML document.
std::string CredentialPage(const CredentialPageFacts& facts);

// The LinkedIn "add to profile" URL of a credential (certification form).
std::string LinkedInAddUrl(const boost::json::object& credential, int64_t issued_ms);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_CREDENTIAL_PAGE_H_
