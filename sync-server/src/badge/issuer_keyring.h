// IssuerKeyring: each issuer's signing keys — one Ed25519 key for Data Integrity proofs and one
// RSA-2048 key for VC-JWTs — made with OpenSSL on first use, stored sealed (KeyVault) in the
// CredentialStore, and rotated on request (`cairn-server issuer rotate-key`). A rotation makes
// new keys and retires the old ones: retired keys never sign again but stay in the issuer's DID
// document and JWK Set, so every credential signed before keeps verifying.
//
// Key ids:
//   Ed25519: <issuer DID>#ed25519-<8 hex of the public key's SHA-256>  (a DID URL in the DID
//            document: what a Data Integrity proof's verificationMethod names)
//   RS256:   <issuer profile URL>/keys/rsa-<8 hex of the JWK thumbprint's SHA-256>  (an HTTPS
//            URL that answers the public JWK: what a VC-JWT's kid names)
//
// Thread-safety: any thread; key creation for one issuer is serialised by the caller (issuance
// runs on one thread; rotation is an administrator's command).
#ifndef CAIRN_SERVER_BADGE_ISSUER_KEYRING_H_
#define CAIRN_SERVER_BADGE_ISSUER_KEYRING_H_

#include <string>
#include <vector>

#include "badge/credential_builder.h"
#include "badge/key_vault.h"
#include "badge/signing_keys.h"
#include "cairn/status.h"
#include "store/credentials.h"

namespace cairn::server {

// The keys an issuer signs with now.
struct ActiveKeys {
  std::string ed25519_kid;
  PkeyPtr ed25519;
  std::string rsa_kid;
  PkeyPtr rsa;
};

class IssuerKeyring {
 public:
  // Both borrowed; they outlive this.
  IssuerKeyring(CredentialStore& store, const KeyVault& vault) : store_(store), vault_(vault) {}

  // The issuer's active keys, made (and stored) first if it has none.
  Result<ActiveKeys> Active(const IssuerUrls& urls, int64_t now_ms);
  // New active keys; the earlier ones are retired. Returns the new keys' ids.
  Result<std::vector<std::string>> Rotate(const IssuerUrls& urls, int64_t now_ms);

 private:
  Result<std::vector<IssuerKey>> MakeKeys(const IssuerUrls& urls, int64_t now_ms);

  CredentialStore& store_;
  const KeyVault& vault_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_ISSUER_KEYRING_H_
