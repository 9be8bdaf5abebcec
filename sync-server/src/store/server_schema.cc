// The server database's schema, as numbered migrations (never edit one that has shipped).
#include <array>
#include <string>

#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr std::array<const char*, 7> kMigrations = {
    // 0 -> 1
    R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;

      CREATE TABLE users(
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        created_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX users_by_name ON users(name);

      -- One-time enrolment codes, by the SHA-256 of their normalised text.
      CREATE TABLE enrol_codes(
        code_hash BLOB PRIMARY KEY,
        user_id TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        used_ms INTEGER) WITHOUT ROWID;

      -- A scope partitions the log (decision 0007). `actor` writes the server's own changes
      -- in it.
      CREATE TABLE scopes(
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        actor BLOB NOT NULL UNIQUE);

      -- Every actor whose changes the server holds: devices and scope actors. An actor writes
      -- into exactly one scope; scope_id is NULL for devices whose role writes nothing.
      CREATE TABLE actors(
        id BLOB PRIMARY KEY,
        scope_id INTEGER,
        max_seq INTEGER NOT NULL DEFAULT 0,
        max_hlc INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;

      CREATE TABLE devices(
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        actor BLOB NOT NULL UNIQUE,
        name TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL,
        revoked_ms INTEGER,
        last_seen_ms INTEGER) WITHOUT ROWID;

      -- The server log: one row per accepted change, as a one-change ChangeBatch. `digest` is
      -- the first 16 bytes of its SHA-256, to tell a retried push from an equivocating one.
      CREATE TABLE changes(
        server_seq INTEGER PRIMARY KEY,
        scope_id INTEGER NOT NULL,
        actor BLOB NOT NULL,
        seq INTEGER NOT NULL,
        digest BLOB NOT NULL,
        payload BLOB NOT NULL);
      CREATE UNIQUE INDEX changes_by_actor ON changes(actor, seq);
      CREATE INDEX changes_by_scope ON changes(scope_id, server_seq);

      -- The scope and type of every entity, fixed by the change that created it.
      CREATE TABLE entities(
        id BLOB PRIMARY KEY,
        scope_id INTEGER NOT NULL,
        type TEXT NOT NULL) WITHOUT ROWID;
    )sql",
    // 1 -> 2: evidence blobs and submission completeness (decision 0009).
    R"sql(
      -- One row per blob a scope has offered. `chunk_hashes` is the offer's chunk SHA-256s,
      -- 32 bytes each, concatenated. `verified_chunks` counts chunks written, verified and
      -- fsynced (never more). state: 2 partial, 3 present (blob.proto BlobState).
      CREATE TABLE blobs(
        scope_id INTEGER NOT NULL,
        sha256 BLOB NOT NULL,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        chunk_size INTEGER NOT NULL,
        chunk_hashes BLOB NOT NULL,
        verified_chunks INTEGER NOT NULL DEFAULT 0,
        state INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY(scope_id, sha256)) WITHOUT ROWID;
      CREATE INDEX blobs_partial_by_age ON blobs(updated_ms) WHERE state = 2;

      -- Every submission whose snapshot the server holds; completed_ms is set once, when the
      -- snapshot and every blob it names are present in its scope.
      CREATE TABLE submissions(
        id BLOB PRIMARY KEY,
        scope_id INTEGER NOT NULL,
        snapshot_ms INTEGER NOT NULL,
        completed_ms INTEGER) WITHOUT ROWID;

      -- The blobs a snapshot names, in snapshot order.
      CREATE TABLE submission_blobs(
        submission_id BLOB NOT NULL,
        position INTEGER NOT NULL,
        sha256 BLOB NOT NULL,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        PRIMARY KEY(submission_id, position)) WITHOUT ROWID;
      CREATE INDEX submission_blobs_by_sha ON submission_blobs(sha256);
    )sql",
    // 2 -> 3: issuers and the forwarding outbox (decision 0013).
    R"sql(
      -- An issuer the server forwards submissions to, by the catalog's Issuer.id. The API
      -- token is kept as its SHA-256; the webhook secret must be kept as is (the server signs
      -- with it). target_kind: 'webhook' (target = an https:// URL), 'git' (target = a remote
      -- libgit2 can push to) or 'none' (submissions wait in the outbox until a target is set).
      CREATE TABLE issuers(
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        target_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        webhook_secret BLOB NOT NULL,
        max_attempts INTEGER NOT NULL,
        created_ms INTEGER NOT NULL) WITHOUT ROWID;

      -- One delivery per complete submission, written in the transaction that completes it
      -- (a transactional outbox). state: 1 pending, 2 delivered, 3 dead (attempts ran out).
      CREATE TABLE outbox(
        submission_id BLOB PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        state INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER) WITHOUT ROWID;
      CREATE INDEX outbox_due ON outbox(next_attempt_ms) WHERE state = 1;
      CREATE INDEX outbox_by_state ON outbox(state, created_ms);

      -- What forwarding and the workflow status need of a submission, from its snapshot: the
      -- pursuit and attempt (the latest-attempt rule), the pinned micro-credential version (its
      -- issuer) and the snapshot itself (the envelope sent to the issuer).
      ALTER TABLE submissions ADD COLUMN pursuit BLOB;
      ALTER TABLE submissions ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE submissions ADD COLUMN micro_credential_id TEXT NOT NULL DEFAULT '';
      ALTER TABLE submissions ADD COLUMN micro_credential_version TEXT NOT NULL DEFAULT '';
      ALTER TABLE submissions ADD COLUMN snapshot BLOB;
      -- How far the published workflow status has come (workflow.cc): statuses only move on.
      ALTER TABLE submissions ADD COLUMN workflow_rank INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX submissions_by_pursuit ON submissions(scope_id, pursuit, attempt);
    )sql",
    // 3 -> 4: the issuer API's assessments and the awards waiting for a badge (decision 0014).
    R"sql(
      -- One assessment per submission. `scores` is a serialised cairn.v1.Assessment holding the
      -- per-criterion scores and the feedback. Until the issuer confirms, decision is NULL and
      -- a new assessment replaces this one; once confirmed (decision 1 award, 2 not yet, as
      -- model.proto Decision) the row never changes and `entity` is the assessment entity the
      -- educator's devices receive.
      CREATE TABLE assessments(
        submission_id BLOB PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        assessor TEXT NOT NULL,
        scores BLOB NOT NULL,
        recommended INTEGER NOT NULL,
        assessed_ms INTEGER NOT NULL,
        decision INTEGER,
        confirmed_by TEXT,
        reason TEXT,
        decided_ms INTEGER,
        entity BLOB) WITHOUT ROWID;

      -- Awards waiting for their badge: written in the transaction that confirms the award,
      -- taken by badge issuance, which marks each one issued (state 'pending' -> 'issued').
      CREATE TABLE awards(
        submission_id BLOB PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        scope_id INTEGER NOT NULL,
        micro_credential_id TEXT NOT NULL,
        micro_credential_version TEXT NOT NULL,
        assessment BLOB NOT NULL,
        state TEXT NOT NULL,
        created_ms INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX awards_pending ON awards(created_ms) WHERE state = 'pending';
    )sql",
    // 4 -> 5: Open Badges credentials, issuers' signing keys, revocation (decision 0015).
    R"sql(
      -- Signing keys. public_key: Ed25519 publicKeyMultibase, or the RS256 public JWK as JSON.
      -- sealed_private: the PKCS#8 private key sealed with the server's badge key file
      -- (badge/key_vault.h). A retired key never signs again and still verifies.
      CREATE TABLE issuer_keys(
        kid TEXT PRIMARY KEY,
        issuer_id TEXT NOT NULL,
        algorithm TEXT NOT NULL,
        public_key TEXT NOT NULL,
        sealed_private BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        retired_ms INTEGER) WITHOUT ROWID;
      CREATE INDEX issuer_keys_by_issuer ON issuer_keys(issuer_id, created_ms);

      -- Issued credentials. submission_id is the award's (NULL for a stack's credential);
      -- status_index is the credential's bit in its issuer's revocation status list; clr is a
      -- stack's signed CLR 2.0 ClrCredential (empty for micro-credentials).
      CREATE TABLE credentials(
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        submission_id BLOB UNIQUE,
        issuer_id TEXT NOT NULL,
        subject_id TEXT NOT NULL,
        title TEXT NOT NULL,
        user_id TEXT NOT NULL,
        status_index INTEGER NOT NULL,
        json TEXT NOT NULL,
        jws TEXT NOT NULL,
        clr TEXT NOT NULL DEFAULT '',
        issued_ms INTEGER NOT NULL,
        valid_until_ms INTEGER,
        revoked_ms INTEGER,
        revocation_reason TEXT NOT NULL DEFAULT '',
        UNIQUE(issuer_id, status_index)) WITHOUT ROWID;
      CREATE INDEX credentials_by_user ON credentials(user_id, issued_ms);
      CREATE UNIQUE INDEX credentials_stack_once ON credentials(user_id, subject_id)
        WHERE kind = 'stack';

      -- The images issued credentials name (badges, issuers' logos), by SHA-256 (hex): kept
      -- with the credentials, so that a credential's image stays where it points when the
      -- catalog changes.
      CREATE TABLE badge_images(
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        bytes BLOB NOT NULL) WITHOUT ROWID;
    )sql",
    // 6: enrolment is safe to retry (docs/protocol.md "Enrolment"): a used code remembers the
    // device it enrolled, so that the same actor's retry within the code's lifetime gets that
    // device back.
    R"sql(
      ALTER TABLE enrol_codes ADD COLUMN device_id TEXT;
    )sql",
    // 7: what a credential may say about its earner (docs/badges.md "The earner"): an educator's
    // e-mail address, hashed into the credentials issued to them, and the name they chose to
    // show on their credentials' hosted pages — the latest `public_name` their devices wrote
    // (a profile entity of their scope), by HLC.
    R"sql(
      ALTER TABLE users ADD COLUMN email TEXT;
      CREATE TABLE earner_names(
        user_id TEXT PRIMARY KEY,
        public_name TEXT NOT NULL,
        hlc INTEGER NOT NULL) WITHOUT ROWID;
    )sql",
};

Result<int> UserVersion(store::Database& db) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement stmt, db.Prepare("PRAGMA user_version"));
  CAIRN_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  if (!row) return Internal("PRAGMA user_version returned nothing");
  return static_cast<int>(stmt.ColumnInt(0));
}

Status Migrate(store::Database& db) {
  CAIRN_ASSIGN_OR_RETURN(int version, UserVersion(db));
  const int current = static_cast<int>(kMigrations.size());
  if (version > current) {
    return FailedPrecondition("the server store has schema version " + std::to_string(version) +
                              ", newer than this build's " + std::to_string(current) +
                              "; run a newer cairn-server");
  }
  for (; version < current; ++version) {
    const auto index = static_cast<size_t>(version);
    Status s = InTransaction(db, [&]() -> Status {
      CAIRN_RETURN_IF_ERROR(db.Exec(kMigrations[index]));
      return db.Exec("PRAGMA user_version = " + std::to_string(version + 1));
    });
    if (!s.ok()) {
      return s.Annotate("migrating the server store to version " + std::to_string(version + 1));
    }
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<store::Database>> OpenServerDatabase(const std::string& path) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(path));
  // FULL: an acknowledged push survives power loss. The busy timeout covers the admin CLI
  // writing while the server runs.
  CAIRN_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;"
               "PRAGMA foreign_keys=OFF;"));
  CAIRN_RETURN_IF_ERROR(Migrate(*db));
  return db;
}

}  // namespace cairn::server
