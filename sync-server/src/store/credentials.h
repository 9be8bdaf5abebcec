// CredentialStore: the issued Open Badges credentials, the issuers' signing keys and the
// revocation status lists (DESIGN.md §7, docs/badges.md, decision 0015).
//
// A credential is issued from an award row (decision 0014's seam) exactly once: Commit() runs in
// one transaction that checks the award is still pending, inserts the credential, appends the
// server-authored change that carries it to the educator's devices, and marks the award
// issued. A crash before that commit leaves the award pending, and issuance builds and signs it
// again under the same id; a crash after leaves nothing to do. Status-list indexes are assigned
// per issuer, from 0, never reused.
//
// Private keys are stored sealed (badge/key_vault.h); this store never sees them in clear.
//
// Thread-safety: as ServerStore (any thread).
#ifndef CAIRN_SERVER_STORE_CREDENTIALS_H_
#define CAIRN_SERVER_STORE_CREDENTIALS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/ids.h"
#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server {

enum class KeyAlgorithm : uint8_t { kEd25519, kRs256 };

// "Ed25519", "RS256".
std::string_view KeyAlgorithmName(KeyAlgorithm algorithm);

struct IssuerKey {
  std::string kid;  // the verification method id (Ed25519) or the JWK's kid (RS256)
  std::string issuer_id;
  KeyAlgorithm algorithm = KeyAlgorithm::kEd25519;
  // Ed25519: publicKeyMultibase ("z6Mk..."); RS256: the public JWK as JSON text.
  std::string public_key;
  std::string sealed_private;  // KeyVault::Seal of the PKCS#8 private key
  int64_t created_ms = 0;
  std::optional<int64_t> retired_ms;  // set by rotation: verifies, never signs again
};

enum class CredentialKind : uint8_t { kMicroCredential, kStack };

// "micro_credential", "stack".
std::string_view CredentialKindName(CredentialKind kind);

struct IssuedCredential {
  std::string id;  // the UUID in its URL
  CredentialKind kind = CredentialKind::kMicroCredential;
  std::optional<EntityId> submission;  // the award's (micro-credentials only)
  std::string issuer_id;
  std::string subject_id;  // the micro-credential's or the stack's id
  std::string title;
  std::string user_id;  // the educator
  uint64_t status_index = 0;
  std::string json;  // the credential with its embedded proof
  std::string jws;   // the same credential as a VC-JWT
  std::string clr;   // a stack's signed ClrCredential; empty otherwise
  int64_t issued_ms = 0;
  std::optional<int64_t> valid_until_ms;
  std::optional<int64_t> revoked_ms;
  std::string revocation_reason;
  // The images the credential names, stored with it (Commit only).
  struct Image {
    std::string sha256;  // hex
    std::string media_type;
    std::string bytes;
  };
  std::vector<Image> images;
};

class CredentialStore {
 public:
  // Borrowed; outlives this.
  explicit CredentialStore(ServerStore& store) : store_(store) {}

  // --- the public URL credentials' ids are under ---
  // Recorded by `serve` so that the administrator's commands (revocation, key rotation) write
  // the same URLs the server hosts.
  Status RecordPublicUrl(std::string_view url);
  // FailedPrecondition until a server has run.
  Result<std::string> PublicUrl();

  // --- keys ---
  // The issuer's keys, newest first, retired ones included (they still verify).
  Result<std::vector<IssuerKey>> Keys(std::string_view issuer_id);
  // Adds keys and retires the issuer's earlier ones, in one transaction (a rotation, or the
  // first keys). AlreadyExists for a kid in use.
  Status RotateKeys(std::string_view issuer_id, const std::vector<IssuerKey>& keys);

  // --- issuance ---
  // The next unused status-list index of the issuer. Issuance runs on one thread, so the index
  // read here is the one Commit() inserts; the table's uniqueness catches any other writer.
  Result<uint64_t> NextStatusIndex(std::string_view issuer_id);
  // Commits `credential` with `ops` (a server change in the educator's scope). For an award,
  // false (and nothing written) when the award is not pending any more.
  Result<bool> Commit(const IssuedCredential& credential, std::vector<Op> ops);

  // --- reading ---
  Result<std::optional<IssuedCredential>> Get(std::string_view id);
  Result<std::optional<IssuedCredential>> ForSubmission(const EntityId& submission);
  // An educator's credentials, or an issuer's when `issuer_id` is set; oldest first.
  Result<std::vector<IssuedCredential>> List(std::optional<std::string_view> user_id,
                                             std::optional<std::string_view> issuer_id);
  // The revoked status-list indexes of an issuer, and the number of indexes handed out.
  struct StatusBits {
    uint64_t assigned = 0;
    std::vector<uint64_t> revoked;
    std::vector<IssuedCredential> revoked_credentials;
  };
  Result<StatusBits> StatusOf(std::string_view issuer_id);

  // An image some credential names; nullopt if none does.
  Result<std::optional<IssuedCredential::Image>> GetImage(std::string_view sha256_hex);

  // Revokes a credential with `ops` (the change telling the educator's devices). NotFound for
  // an unknown id; FailedPrecondition when it is revoked already.
  Result<IssuedCredential> Revoke(std::string_view id, std::string_view reason, int64_t now_ms,
                                  std::vector<Op> ops);

 private:
  ServerStore& store_;
};

// The educator-scope entity a credential travels in: named after the credential, so that it is
// the same wherever computed.
EntityId CredentialEntityId(std::string_view credential_id);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_CREDENTIALS_H_
