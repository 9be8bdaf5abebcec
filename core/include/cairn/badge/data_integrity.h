// The `eddsa-rdfc-2022` Data Integrity cryptosuite (W3C vc-di-eddsa §3.3) for embedded proofs
// on Open Badges 3.0 credentials: the hash data Ed25519 signs and verification of a proof.
//
// Signing is not here: the server signs with its own key store, over EddsaRdfc2022HashData.
// Functions take JSON values and return values; canonicalization uses only the shipped JSON-LD
// contexts (see jsonld.h). Thread-safety: pure functions, safe from any thread.
#ifndef CAIRN_BADGE_DATA_INTEGRITY_H_
#define CAIRN_BADGE_DATA_INTEGRITY_H_

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <span>

#include "cairn/status.h"

namespace cairn::badge {

// SHA-256(canonical proof configuration) ‖ SHA-256(canonical document): the 64 bytes an
// eddsa-rdfc-2022 proof signs. `proof_options` is the proof without proofValue; the proof
// configuration gets the document's @context. A "proof" entry of the document is ignored.
// REQUIRES: proof_options type "DataIntegrityProof" and cryptosuite "eddsa-rdfc-2022".
Result<std::array<uint8_t, 64>> EddsaRdfc2022HashData(const boost::json::object& unsecured_document,
                                                      const boost::json::object& proof_options);

// Verifies one proof of `secured_document` (usually an element of its "proof") with an Ed25519
// public key: checks type DataIntegrityProof, cryptosuite eddsa-rdfc-2022, proofPurpose
// assertionMethod, a multibase proofValue of 64 bytes, then the signature over the hash data of
// the document without "proof". Unauthenticated for a signature that does not verify;
// InvalidArgument (what and where) for a malformed proof or document.
Status VerifyEddsaRdfc2022(const boost::json::object& secured_document,
                           const boost::json::object& proof,
                           std::span<const uint8_t, 32> public_key);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_DATA_INTEGRITY_H_
