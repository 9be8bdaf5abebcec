// An issuer's revocation status, in the two forms verifiers read (docs/badges.md "Revocation"):
//   * a BitstringStatusListCredential (W3C Bitstring Status List v1.0) — what the Learner
//     Credential Wallet and the 1EdTech validator check. Each credential names its bit by
//     `statusListIndex`; a set bit means revoked. The list is signed like a credential (its
//     proof added by credential_signer.h);
//   * the 1EdTech Revocation List (VCRL 1.0) that OB 3.0 names: the revoked credentials' ids
//     and reasons, unsigned.
// Both are pure functions of the revoked set and the time of the last change, so the same state
// always gives the same bytes (and the same Ed25519 signature): they can be made on every fetch.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_BADGE_STATUS_LIST_H_
#define CAIRN_SERVER_BADGE_STATUS_LIST_H_

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "badge/credential_builder.h"
#include "cairn/status.h"
#include "store/credentials.h"

namespace cairn::server {

// The smallest list the specification allows (16 KiB of bits): a short list would tell an
// observer how many credentials the issuer has issued.
inline constexpr uint64_t kMinStatusListBits = 131072;

// "u" + base64url(GZIP(bitstring)), bit i being the (i mod 8)-th most significant bit of byte
// i / 8. The bitstring has max(kMinStatusListBits, assigned rounded up to a multiple of it)
// bits. InvalidArgument for an index at or past `assigned`.
Result<std::string> EncodeStatusList(uint64_t assigned, const std::vector<uint64_t>& revoked);

// The unsigned BitstringStatusListCredential of an issuer; `valid_from_ms` is the time of the
// list's last change.
Result<boost::json::object> StatusListCredential(const IssuerUrls& urls,
                                                 const CredentialStore::StatusBits& bits,
                                                 int64_t valid_from_ms);

// The 1EdTech Revocation List: {"id", "issuer", "revokedCredential":[{id, revoked, reason}]}.
boost::json::object RevocationList(const IssuerUrls& urls, const CredentialStore::StatusBits& bits);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_STATUS_LIST_H_
