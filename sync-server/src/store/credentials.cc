// The credentials, signing keys and status lists of CredentialStore (credentials.h).
#include "store/credentials.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <utility>

#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::string_view kSelectCredential =
    "SELECT id, kind, submission_id, issuer_id, subject_id, title, user_id, status_index, json, "
    "jws, issued_ms, valid_until_ms, revoked_ms, revocation_reason, clr FROM credentials ";

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  if (name == "Ed25519") return KeyAlgorithm::kEd25519;
  if (name == "RS256") return KeyAlgorithm::kRs256;
  return DataLoss("a signing key in the store has algorithm '" + std::string(name) +
                  "'; this build knows Ed25519 and RS256");
}

Result<IssuedCredential> ReadCredential(const store::Statement& row) {
  IssuedCredential out;
  out.id = std::string(row.ColumnText(0));
  const std::string_view kind = row.ColumnText(1);
  if (kind == CredentialKindName(CredentialKind::kStack)) {
    out.kind = CredentialKind::kStack;
  } else if (kind != CredentialKindName(CredentialKind::kMicroCredential)) {
    return DataLoss("credential " + out.id + " has kind '" + std::string(kind) + "'");
  }
  if (!row.ColumnIsNull(2)) out.submission = EntityId::FromBytes(row.ColumnBlob(2));
  out.issuer_id = std::string(row.ColumnText(3));
  out.subject_id = std::string(row.ColumnText(4));
  out.title = std::string(row.ColumnText(5));
  out.user_id = std::string(row.ColumnText(6));
  out.status_index = static_cast<uint64_t>(row.ColumnInt(7));
  out.json = std::string(row.ColumnText(8));
  out.jws = std::string(row.ColumnText(9));
  out.issued_ms = row.ColumnInt(10);
  if (!row.ColumnIsNull(11)) out.valid_until_ms = row.ColumnInt(11);
  if (!row.ColumnIsNull(12)) out.revoked_ms = row.ColumnInt(12);
  out.revocation_reason = std::string(row.ColumnText(13));
  out.clr = std::string(row.ColumnText(14));
  return out;
}

Result<std::vector<IssuedCredential>> ReadAll(store::Statement& select) {
  std::vector<IssuedCredential> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(IssuedCredential credential, ReadCredential(select));
    out.push_back(std::move(credential));
  }
  return out;
}

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEd25519 ? "Ed25519" : "RS256";
}

std::string_view CredentialKindName(CredentialKind kind) {
  return kind == CredentialKind::kStack ? "stack" : "micro_credential";
}

EntityId CredentialEntityId(std::string_view credential_id) {
  return NameBasedId("cairn:credential:" + std::string(credential_id));
}

constexpr std::string_view kPublicUrlKey = "badge_public_url";

Status CredentialStore::RecordPublicUrl(std::string_view url) {
  ServerStore::Impl& impl = *store_.impl_;
  std::lock_guard lock(impl.write_mutex);
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement upsert,
      impl.writer->Prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  upsert.BindText(1, kPublicUrlKey).BindBlob(2, url);
  return upsert.Run();
}

Result<std::string> CredentialStore::PublicUrl() {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         reader->Prepare("SELECT value FROM meta WHERE key = ?1"));
  select.BindText(1, kPublicUrlKey);
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) {
    return FailedPrecondition(
        "no server has run on this data directory yet, so its public URL is unknown; start "
        "`cairn-server serve` once");
  }
  return std::string(select.ColumnBlob(0));
}

Result<std::vector<IssuerKey>> CredentialStore::Keys(std::string_view issuer_id) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT kid, algorithm, public_key, sealed_private, created_ms, retired_ms "
                      "FROM issuer_keys WHERE issuer_id = ?1 ORDER BY created_ms DESC, kid"));
  select.BindText(1, issuer_id);
  std::vector<IssuerKey> out;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) break;
    IssuerKey key;
    key.kid = std::string(select.ColumnText(0));
    key.issuer_id = std::string(issuer_id);
    CAIRN_ASSIGN_OR_RETURN(key.algorithm, ParseKeyAlgorithm(select.ColumnText(1)));
    key.public_key = std::string(select.ColumnText(2));
    key.sealed_private = std::string(select.ColumnBlob(3));
    key.created_ms = select.ColumnInt(4);
    if (!select.ColumnIsNull(5)) key.retired_ms = select.ColumnInt(5);
    out.push_back(std::move(key));
  }
  return out;
}

Status CredentialStore::RotateKeys(std::string_view issuer_id, const std::vector<IssuerKey>& keys) {
  ServerStore::Impl& impl = *store_.impl_;
  std::lock_guard lock(impl.write_mutex);
  store::Database& db = *impl.writer;
  return InTransaction(db, [&]() -> Status {
    const int64_t now_ms = impl.options.env.clock->NowMillis();
    CAIRN_ASSIGN_OR_RETURN(store::Statement retire,
                           db.Prepare("UPDATE issuer_keys SET retired_ms = ?2 "
                                      "WHERE issuer_id = ?1 AND retired_ms IS NULL"));
    retire.BindText(1, issuer_id).Bind(2, now_ms);
    CAIRN_RETURN_IF_ERROR(retire.Run());
    for (const IssuerKey& key : keys) {
      CAIRN_ASSIGN_OR_RETURN(store::Statement used,
                             db.Prepare("SELECT 1 FROM issuer_keys WHERE kid = ?1"));
      used.BindText(1, key.kid);
      CAIRN_ASSIGN_OR_RETURN(const bool taken, used.Step());
      if (taken) return AlreadyExists("a signing key with id " + key.kid + " exists already");
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement insert,
          db.Prepare("INSERT INTO issuer_keys(kid, issuer_id, algorithm, public_key, "
                     "sealed_private, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
      insert.BindText(1, key.kid).BindText(2, issuer_id);
      insert.BindText(3, KeyAlgorithmName(key.algorithm)).BindText(4, key.public_key);
      insert.BindBlob(5, key.sealed_private).Bind(6, key.created_ms);
      CAIRN_RETURN_IF_ERROR(insert.Run());
    }
    return {};
  });
}

Result<uint64_t> CredentialStore::NextStatusIndex(std::string_view issuer_id) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT COALESCE(MAX(status_index) + 1, 0) FROM credentials "
                      "WHERE issuer_id = ?1"));
  select.BindText(1, issuer_id);
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return Internal("MAX(status_index) returned no row");
  return static_cast<uint64_t>(select.ColumnInt(0));
}

Result<bool> CredentialStore::Commit(const IssuedCredential& credential, std::vector<Op> ops) {
  ServerStore::Impl& impl = *store_.impl_;
  bool committed = false;
  std::lock_guard lock(impl.write_mutex);
  store::Database& db = *impl.writer;
  const Status written = InTransaction(db, [&]() -> Status {
    if (credential.submission) {
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement award,
          db.Prepare("UPDATE awards SET state = 'issued' WHERE submission_id = ?1 "
                     "AND state = 'pending'"));
      award.BindBlob(1, credential.submission->AsBytes());
      CAIRN_RETURN_IF_ERROR(award.Run());
      if (sqlite3_changes(db.handle()) == 0) return {};  // issued already, or no such award
    } else {
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement held,
          db.Prepare("SELECT 1 FROM credentials WHERE kind = 'stack' AND user_id = ?1 "
                     "AND subject_id = ?2"));
      held.BindText(1, credential.user_id).BindText(2, credential.subject_id);
      CAIRN_ASSIGN_OR_RETURN(const bool found, held.Step());
      if (found) return {};
    }
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement insert,
        db.Prepare("INSERT INTO credentials(id, kind, submission_id, issuer_id, subject_id, "
                   "title, user_id, status_index, json, jws, issued_ms, valid_until_ms, clr) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
    insert.BindText(1, credential.id).BindText(2, CredentialKindName(credential.kind));
    if (credential.submission) {
      insert.BindBlob(3, credential.submission->AsBytes());
    } else {
      insert.BindNull(3);
    }
    insert.BindText(4, credential.issuer_id).BindText(5, credential.subject_id);
    insert.BindText(6, credential.title).BindText(7, credential.user_id);
    insert.Bind(8, static_cast<int64_t>(credential.status_index));
    insert.BindText(9, credential.json).BindText(10, credential.jws);
    insert.Bind(11, credential.issued_ms);
    if (credential.valid_until_ms) {
      insert.Bind(12, *credential.valid_until_ms);
    } else {
      insert.BindNull(12);
    }
    insert.BindText(13, credential.clr);
    CAIRN_RETURN_IF_ERROR(insert.Run());
    for (const IssuedCredential::Image& image : credential.images) {
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement keep,
          db.Prepare("INSERT OR IGNORE INTO badge_images(sha256, media_type, bytes) "
                     "VALUES(?1, ?2, ?3)"));
      keep.BindText(1, image.sha256).BindText(2, image.media_type).BindBlob(3, image.bytes);
      CAIRN_RETURN_IF_ERROR(keep.Run());
    }
    CAIRN_RETURN_IF_ERROR(
        AppendServerChange(impl, db, EducatorScopeName(credential.user_id), std::move(ops))
            .status());
    committed = true;
    return {};
  });
  if (!written.ok()) return written;
  return committed;
}

Result<std::optional<IssuedCredential>> CredentialStore::Get(std::string_view id) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                         reader->Prepare(std::string(kSelectCredential) + "WHERE id = ?1"));
  select.BindText(1, id);
  CAIRN_ASSIGN_OR_RETURN(std::vector<IssuedCredential> found, ReadAll(select));
  if (found.empty()) return std::optional<IssuedCredential>();
  return std::optional<IssuedCredential>(std::move(found.front()));
}

Result<std::optional<IssuedCredential>> CredentialStore::ForSubmission(const EntityId& submission) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement select, reader->Prepare(std::string(kSelectCredential) +
                                                                  "WHERE submission_id = ?1"));
  select.BindBlob(1, submission.AsBytes());
  CAIRN_ASSIGN_OR_RETURN(std::vector<IssuedCredential> found, ReadAll(select));
  if (found.empty()) return std::optional<IssuedCredential>();
  return std::optional<IssuedCredential>(std::move(found.front()));
}

Result<std::vector<IssuedCredential>> CredentialStore::List(
    std::optional<std::string_view> user_id, std::optional<std::string_view> issuer_id) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare(std::string(kSelectCredential) +
                      "WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR issuer_id = ?2) "
                      "ORDER BY issued_ms, id"));
  if (user_id) {
    select.BindText(1, *user_id);
  } else {
    select.BindNull(1);
  }
  if (issuer_id) {
    select.BindText(2, *issuer_id);
  } else {
    select.BindNull(2);
  }
  return ReadAll(select);
}

Result<CredentialStore::StatusBits> CredentialStore::StatusOf(std::string_view issuer_id) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<IssuedCredential> all, List(std::nullopt, issuer_id));
  StatusBits out;
  for (IssuedCredential& credential : all) {
    out.assigned = std::max(out.assigned, credential.status_index + 1);
    if (!credential.revoked_ms) continue;
    out.revoked.push_back(credential.status_index);
    out.revoked_credentials.push_back(std::move(credential));
  }
  return out;
}

Result<std::optional<IssuedCredential::Image>> CredentialStore::GetImage(
    std::string_view sha256_hex) {
  CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, store_.impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement select,
      reader->Prepare("SELECT media_type, bytes FROM badge_images WHERE sha256 = ?1"));
  select.BindText(1, sha256_hex);
  CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<IssuedCredential::Image>();
  return std::optional<IssuedCredential::Image>(
      IssuedCredential::Image{std::string(sha256_hex), std::string(select.ColumnText(0)),
                              std::string(select.ColumnBlob(1))});
}

Result<IssuedCredential> CredentialStore::Revoke(std::string_view id, std::string_view reason,
                                                 int64_t now_ms, std::vector<Op> ops) {
  ServerStore::Impl& impl = *store_.impl_;
  IssuedCredential revoked;
  std::lock_guard lock(impl.write_mutex);
  store::Database& db = *impl.writer;
  const Status written = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                           db.Prepare(std::string(kSelectCredential) + "WHERE id = ?1"));
    select.BindText(1, id);
    CAIRN_ASSIGN_OR_RETURN(std::vector<IssuedCredential> found, ReadAll(select));
    if (found.empty()) return NotFound("no credential has id " + std::string(id));
    revoked = std::move(found.front());
    if (revoked.revoked_ms) {
      return FailedPrecondition("credential " + revoked.id + " was revoked already (" +
                                revoked.revocation_reason + ")");
    }
    CAIRN_ASSIGN_OR_RETURN(store::Statement update,
                           db.Prepare("UPDATE credentials SET revoked_ms = ?2, "
                                      "revocation_reason = ?3 WHERE id = ?1"));
    update.BindText(1, id).Bind(2, now_ms).BindText(3, reason);
    CAIRN_RETURN_IF_ERROR(update.Run());
    revoked.revoked_ms = now_ms;
    revoked.revocation_reason = std::string(reason);
    return AppendServerChange(impl, db, EducatorScopeName(revoked.user_id), std::move(ops))
        .status();
  });
  if (!written.ok()) return written;
  return revoked;
}

}  // namespace cairn::server
