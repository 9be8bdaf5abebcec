// Offline verification of an Open Badges 3.0 credential from a verification pack: everything a
// verifier would otherwise fetch (the issuer's DID document and JWKS, a signed snapshot of its
// revocation status list, the JSON-LD contexts), in one JSON file, so that a credential can be
// checked on a device without a network — and so that a teacher can hand the same file to a
// recognizer.
//
//   {"type":"CairnVerificationPack","version":1,
//    "credential":{… with "proof" …},      the OpenBadgeCredential with its Data Integrity proof
//    "jws":"…",                            the same credential (without the proof) as a VC-JWT
//    "didDocument":{…}, "jwks":{"keys":[…]},
//    "statusList":{…},                     the signed BitstringStatusListCredential
//    "statusCheckedAt":"2026-01-01T00:00:00Z",
//    "contexts":{"https://…": {…}, …}}     the contexts the credential and status list name
//
// This is the verifier's own code path: it shares nothing with the server's signing code, only
// the public libraries in cairn/badge (jws.h, data_integrity.h, multibase.h, jsonld.h).
//
// What a verdict means: the credential is authentic *for the keys in the pack*, within its
// dates at `now`, and not revoked *as of statusCheckedAt*. Whoever built the pack vouches for the
// keys; a device building it from a credential it received through sync vouches with the sync
// channel (BuildVerificationPack). JSON-LD contexts are never taken from the pack: verification
// uses the contexts Cairn ships, and the pack's copies must equal them.
//
// Ownership: values in, values out; the evidence callback is called during VerifyPack only.
// Thread-safety: pure functions (the callback's own safety aside).
#ifndef CAIRN_BADGE_VERIFY_H_
#define CAIRN_BADGE_VERIFY_H_

#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/credentials.h"
#include "cairn/status.h"

namespace cairn {
class BlobStore;
}  // namespace cairn

namespace cairn::badge {

inline constexpr std::string_view kVerificationPackType = "CairnVerificationPack";
inline constexpr int64_t kVerificationPackVersion = 1;

struct VerificationPack {
  boost::json::object credential;  // with its embedded proof
  std::string jws;
  boost::json::object did_document;
  boost::json::object jwks;
  boost::json::object status_list;
  int64_t status_checked_at_ms = 0;
  // Context URL -> the context document (the whole file, with its "@context").
  std::map<std::string, boost::json::object, std::less<>> contexts;
};

// The pack of a credential this device received. FailedPrecondition when the record lacks a
// document the pack needs (it has not fully synced); DataLoss when a stored document is not
// JSON; InvalidArgument when the credential names a context Cairn does not ship.
Result<VerificationPack> BuildVerificationPack(const CredentialRecord& record);

// The pack as JSON text, members in the order shown above.
std::string SerializeVerificationPack(const VerificationPack& pack);

// Reads a pack. InvalidArgument naming the member and what is wrong with it: not JSON, a
// duplicate member, another "type", a newer "version", a missing or mistyped member, an
// unknown member, a statusCheckedAt that is not RFC 3339.
Result<VerificationPack> ParseVerificationPack(std::string_view text);

using Sha256Digest = std::array<uint8_t, 32>;

// Looks up an evidence file by the SHA-256 its Evidence id names. nullopt: the file is not on
// this device (the check is skipped). Otherwise the SHA-256 of the bytes the device holds,
// computed from reading them — not the name they are stored under. An error fails the check.
// The callback hashes, rather than returning the bytes, so that a video need not fit in memory.
using EvidenceLookup =
    std::function<Result<std::optional<Sha256Digest>>(const Sha256Digest& named)>;

// The lookup over this device's evidence store: a held file is decrypted and hashed chunk by
// chunk. `store` is borrowed and must outlive the lookup.
EvidenceLookup EvidenceInBlobStore(const BlobStore& store);

// One check of a verdict. `name` is stable, for scripts: "contexts", "proof", "vc-jwt",
// "same-credential", "dates", "status", "evidence[N]". `detail` says what was found, and for a
// failure what is wrong and where ("proof.verificationMethod: …").
struct VerificationCheck {
  std::string name;
  bool ok = false;
  // Nothing to check here (no such evidence on this device): ok, but not a finding.
  bool skipped = false;
  std::string detail;
};

struct Verdict {
  // Every check passed (skipped ones count as passed).
  bool valid = false;
  std::vector<VerificationCheck> checks;
  // From the credential, for display; empty when missing.
  std::string credential_id;
  std::string issuer_id;
  std::string name;
  // Set when the status list snapshot marks the credential revoked: the snapshot's time.
  std::optional<int64_t> revoked_as_of_ms;

  // "<name>: <detail>" of each failed check, in order.
  std::vector<std::string> Reasons() const;
};

// Runs every check of the pack (each one runs even when an earlier one failed, so that the
// verdict lists every problem). `now_ms` is milliseconds since the Unix epoch; `evidence` may be
// empty (no evidence on this device). The Status is not OK only for an internal failure;
// everything wrong with the credential is in the verdict.
Result<Verdict> VerifyPack(const VerificationPack& pack, int64_t now_ms,
                           const EvidenceLookup& evidence = {});

// The verdict as JSON, the one form `cairn badges verify --json` prints and the server's
// `POST /v1/verify` answers: {"valid", "credential", "name", "issuer", "keys_from" (whose word
// the keys are), "checked_at", "revoked_as_of" (null unless revoked), "checks":[{"name", "ok",
// "skipped", "detail"}]}.
boost::json::object VerdictJson(const Verdict& verdict, std::string_view keys_from, int64_t now_ms);

// An Evidence id as OB writes hashes: RFC 6920 "ni:///sha-256;<base64url digest>?ct=<type>"
// (an authority between "//" and "/" is allowed and ignored).
struct NamedInformation {
  std::string algorithm;     // "sha-256", lower-cased
  std::string digest;        // decoded bytes
  std::string content_type;  // the ct= query parameter, or empty
};
// nullopt when `uri` is not an ni: URI at all; InvalidArgument when it is one but malformed.
Result<std::optional<NamedInformation>> ParseNiUri(std::string_view uri);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_VERIFY_H_
