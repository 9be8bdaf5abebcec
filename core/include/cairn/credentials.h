// The educator's Open Badges 3.0 credentials as the device holds them (DESIGN.md §7).
//
// The server issues a credential and sends it to the educator's devices as a server-authored
// change in the educator's scope: one entity of type "credential" per credential, named
// NameBasedId("cairn:credential:<uuid>"), whose fields carry everything needed to show,
// export and verify it offline — the signed credential twice (JSON with its Data Integrity
// proof, and a VC-JWT), the issuer's DID document and JWKS, and a signed snapshot of the
// issuer's revocation status list. Devices never write these entities (the server refuses it).
//
// CredentialRecord is the parsed entity; Device::ListCredentials and Device::FindCredential
// (device.h) read them. The expiry helpers below are pure functions of records and a time, so
// that every screen ("expires in 23 days — renew") says the same thing.
//
// Thread-safety: values and pure functions.
#ifndef CAIRN_CREDENTIALS_H_
#define CAIRN_CREDENTIALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/entity.h"
#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn {

inline constexpr std::string_view kCredentialType = "credential";

// Reminders start this many days before a credential's validUntil.
inline constexpr int64_t kExpiryReminderDays = 60;

// The entity a credential travels in: NameBasedId("cairn:credential:<credential_id>"), the same
// on the server and on every device.
EntityId CredentialEntityIdFor(std::string_view credential_id);

enum class CredentialKind : uint8_t { kMicroCredential, kStack };
enum class CredentialState : uint8_t { kActive, kRevoked };

// "micro_credential" / "stack", and "active" / "revoked": the words the change log uses.
std::string_view CredentialKindName(CredentialKind kind);
std::string_view CredentialStateName(CredentialState state);

struct CredentialRecord {
  EntityId entity;
  // The credential's UUID; its URL (the JSON's "id") ends in /credentials/<credential_id>.
  std::string credential_id;
  CredentialKind kind = CredentialKind::kMicroCredential;
  // The micro-credential's or the stack's catalog id.
  std::string subject_id;
  std::string title;
  // The awarded submission; absent for a stack's credential.
  std::optional<EntityId> submission;
  // The OpenBadgeCredential JSON with its embedded DataIntegrityProof (eddsa-rdfc-2022).
  std::string json;
  // The same credential without the proof, as a compact VC-JWT (RS256).
  std::string jws;
  int64_t issued_at_ms = 0;
  // 0 = the credential does not expire.
  int64_t valid_until_ms = 0;
  CredentialState state = CredentialState::kActive;
  std::string revocation_reason;
  // The issuer's did:web DID document, its JWKS and its signed BitstringStatusListCredential as
  // of status_checked_at_ms, all JSON text as the server wrote them.
  std::string issuer_did_document;
  std::string issuer_jwks;
  std::string status_list;
  int64_t status_checked_at_ms = 0;

  bool expires() const { return valid_until_ms != 0; }
  bool revoked() const { return state == CredentialState::kRevoked; }
};

// Whole days left before the credential expires, rounded up (23.2 days left is 24), as of
// `now_ms`; 0 or less once it has expired; nullopt for a credential that never expires.
std::optional<int64_t> DaysUntilExpiry(const CredentialRecord& record, int64_t now_ms);

struct ExpiryReminder {
  std::string credential_id;
  std::string title;
  int64_t valid_until_ms = 0;
  // 1..days: whole days left, rounded up.
  int64_t days_left = 0;
};

// The active, not yet expired credentials that expire within `days` days of `now_ms`, the
// soonest first: what to remind the educator to renew. Revoked credentials are not renewed.
std::vector<ExpiryReminder> ExpiringWithin(const std::vector<CredentialRecord>& records,
                                           int64_t now_ms, int64_t days = kExpiryReminderDays);

// Reads a credential entity (its field values, as the replica holds them) into a record.
// DataLoss naming the credential when a field the server always writes is missing or has an
// unknown value.
Result<CredentialRecord> CredentialFromEntity(const EntityData& entity);

// The record among `records` that `query` names: its credential id (UUID), a prefix of it (at
// least 4 characters), its entity id, or its URL (anything ending in /credentials/<uuid>).
// nullopt when none matches; InvalidArgument listing the candidates when a prefix is ambiguous.
Result<std::optional<CredentialRecord>> FindCredentialIn(std::vector<CredentialRecord> records,
                                                         std::string_view query);

}  // namespace cairn

#endif  // CAIRN_CREDENTIALS_H_
