// Signing a credential the two ways verifiers take (DESIGN.md §7, docs/badges.md "Proofs"):
//   * an embedded Data Integrity proof, cryptosuite eddsa-rdfc-2022 (the credential canonicalized
//     with RDFC-1.0 over the shipped JSON-LD contexts, hashed, signed with the issuer's Ed25519
//     key) — what wallets verify;
//   * a VC-JWT (RS256, the issuer's RSA key) of the same credential without that proof.
// The verifying code is the core's own (cairn/badge/data_integrity.h, jws.h), never this.
//
// Thread-safety: safe from any thread.
#ifndef CAIRN_SERVER_BADGE_CREDENTIAL_SIGNER_H_
#define CAIRN_SERVER_BADGE_CREDENTIAL_SIGNER_H_

#include <boost/json.hpp>
#include <string>

#include "badge/issuer_keyring.h"
#include "cairn/status.h"

namespace cairn::server {

struct SignedCredential {
  boost::json::object with_proof;  // the credential and its `proof` array
  std::string jws;                 // the VC-JWT of the unsigned credential
};

// `created_ms` is the proof's `created` time.
Result<boost::json::object> AddDataIntegrityProof(boost::json::object credential,
                                                  const ActiveKeys& keys, int64_t created_ms);

// Both forms of `credential` (which has no proof yet).
Result<SignedCredential> SignCredential(const boost::json::object& credential,
                                        const ActiveKeys& keys, int64_t created_ms);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_CREDENTIAL_SIGNER_H_
