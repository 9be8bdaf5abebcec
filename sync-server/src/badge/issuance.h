// BadgeIssuance: turns confirmed awards into signed Open Badges 3.0 credentials, and carries
// them (and later revocations) to the educator's devices (DESIGN.md §7, decision 0015).
//
// An award row (written in the transaction of the issuer's decision, decision 0014) is the
// outbox: IssuePending() takes each pending award, builds the credential from the catalog
// version the submission pins (credential_builder.h), signs it both ways (credential_signer.h)
// and commits it with the change for the educator's scope and the award marked issued — one
// transaction (CredentialStore::Commit). The credential's id is derived from the submission, so
// a crash at any point issues it exactly once: before the commit nothing happened and the award
// is still pending; after it the award is issued. When an award completes every
// micro-credential of a stack, the stack's credential follows in the same pass.
//
// Thread-safety: any thread; one issuance or revocation runs at a time (status-list indexes are
// handed out in order).
#ifndef CAIRN_SERVER_BADGE_ISSUANCE_H_
#define CAIRN_SERVER_BADGE_ISSUANCE_H_

#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "badge/credential_builder.h"
#include "badge/credential_signer.h"
#include "badge/issuer_keyring.h"
#include "badge/key_vault.h"
#include "cairn/status.h"
#include "store/assessments.h"
#include "store/credentials.h"
#include "store/server_store.h"

namespace cairn::server {

struct IssuanceOptions {
  std::string public_url;  // https://HOST[:PORT]: every id in a credential is under it
  Env env = SystemEnv();
};

// What one award's issuance came to.
struct IssuanceOutcome {
  EntityId submission;
  Status status;                              // why it failed, if it did
  std::vector<IssuedCredential> credentials;  // the award's, then any stack's it completed
};

class BadgeIssuance {
 public:
  // `store` and `vault` are borrowed and outlive this.
  BadgeIssuance(ServerStore& store, const KeyVault& vault, IssuanceOptions options);

  // Issues every pending award, oldest first. An award that fails stays pending (its outcome
  // says why) and does not stop the others.
  Result<std::vector<IssuanceOutcome>> IssuePending();

  // Revokes a credential: its bit in the issuer's status list is set, and the educator's
  // devices are told on their next sync. NotFound, or FailedPrecondition when revoked already.
  Result<IssuedCredential> Revoke(std::string_view credential_id, std::string_view reason);

  // New signing keys for the issuer; the old ones are retired and keep verifying.
  Result<std::vector<std::string>> RotateKeys(std::string_view issuer_slug);

  // The public documents (badge_hosting.h serves them).
  IssuerUrls UrlsOf(std::string_view issuer_slug) const;
  Result<boost::json::object> DidDocumentOf(std::string_view issuer_slug);
  Result<boost::json::object> JwksOf(std::string_view issuer_slug);
  // The signed BitstringStatusListCredential, as of the issuer's latest revocation.
  Result<boost::json::object> StatusListOf(std::string_view issuer_slug);
  Result<boost::json::object> RevocationListOf(std::string_view issuer_slug);

  // Where the server turned out to listen, when no public URL was configured. Before the
  // server takes requests.
  void SetPublicUrl(std::string public_url) { options_.public_url = std::move(public_url); }

  CredentialStore& credentials() { return credentials_; }
  const IssuanceOptions& options() const { return options_; }

 private:
  Result<std::vector<IssuedCredential>> IssueAward(const PendingAward& award);
  Result<std::optional<IssuedCredential>> IssueStackIfComplete(const std::string& user_id,
                                                               const v1::Stack& stack);
  // Commits `credential` in its signed forms; nullopt when it was committed before (the
  // award issued already).
  Result<std::optional<IssuedCredential>> Commit(IssuedCredential credential,
                                                 const SignedCredential& signed_credential);
  // The ops of the credential entity on the educator's devices.
  Result<std::vector<Op>> EntityOps(const IssuedCredential& credential);
  Result<boost::json::object> StatusListLocked(std::string_view issuer_slug);

  ServerStore& store_;
  CredentialStore credentials_;
  AssessmentStore assessments_;
  IssuerKeyring keyring_;
  IssuanceOptions options_;
  std::mutex mutex_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_ISSUANCE_H_
