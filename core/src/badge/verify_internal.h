// Pieces of VerifyPack (verify.h) shared between its files: one function per check, each
// returning the check it ran, and the small JSON readers they have in common.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SRC_BADGE_VERIFY_INTERNAL_H_
#define CAIRN_SRC_BADGE_VERIFY_INTERNAL_H_

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/badge/verify.h"
#include "cairn/status.h"

namespace cairn::badge::verify_internal {

// The issuer's id: `issuer` itself when a string, else issuer.id; empty when neither.
std::string IssuerIdOf(const boost::json::object& credential);
// The string member `name`, or empty.
std::string StringMember(const boost::json::object& object, std::string_view name);

VerificationCheck Passed(std::string name, std::string detail);
VerificationCheck Failed(std::string name, std::string detail);
VerificationCheck Skipped(std::string name, std::string detail);

// `document`'s one embedded DataIntegrityProof (eddsa-rdfc-2022, assertionMethod) verifies
// with a key of `did_document` that `expected_controller` controls. `what` names the document in
// messages ("credential", "statusList"). The verification method's id, or the reason, starting
// with where it is.
Result<std::string> VerifyEmbeddedProof(const boost::json::object& document,
                                        const boost::json::object& did_document,
                                        std::string_view expected_controller,
                                        std::string_view what);

// "status": the credential's BitstringStatusListEntry against the pack's status list snapshot.
// Sets `*revoked_as_of_ms` when the snapshot says revoked.
VerificationCheck CheckStatus(const VerificationPack& pack, int64_t now_ms,
                              std::optional<int64_t>* revoked_as_of_ms);

// One "evidence[N]" check per entry of the credential's `evidence`.
std::vector<VerificationCheck> CheckEvidence(const boost::json::object& credential,
                                             const EvidenceLookup& lookup);

}  // namespace cairn::badge::verify_internal

#endif  // CAIRN_SRC_BADGE_VERIFY_INTERNAL_H_
