// ServerStore's private state, shared by its .cc files (accounts, the sync log, the schema).
//
// Thread-safety: `writer` and `clock` are used only under `write_mutex`; readers are checked out
// of the pool one per call. Blob uploads: `uploads` under `uploads_mutex`; each upload's state
// under its own mutex. Lock order: uploads_mutex, then an upload's mutex, then write_mutex.
#ifndef CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_
#define CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "store/background_writes.h"
#include "store/blob_files.h"
#include "store/server_store.h"
#include "store/sqlite.h"

namespace cairn::server {

// Opens the server database with the pragmas every connection needs and migrates it.
Result<std::unique_ptr<store::Database>> OpenServerDatabase(const std::string& path);

// Runs `body` in a BEGIN IMMEDIATE transaction, committing if it returns OK.
Status InTransaction(store::Database& db, const std::function<Status()>& body);

// SHA-256 of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);

// The SHA-256 of a secret (a token, a code) as 32 bytes: how secrets are kept.
std::string HashBlob(std::string_view secret);

inline constexpr std::string_view kCatalogScope = "catalog";

// The pull's query: one index range of one scope after a cursor. Tests check its plan.
inline constexpr const char* kSelectPullSql =
    "SELECT server_seq, actor, length(payload) FROM changes "
    "WHERE scope_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3";
// "educator:<user id>"
std::string EducatorScopeName(std::string_view user_id);

// Appends a change the server authors in `scope_name` (created if needed), as that scope's
// actor, naming everything the scope and the catalog hold as its deps. For callers that hold
// write_mutex and are inside a transaction on `db` (the writer), so that the change commits
// atomically with their own rows; after any LogWriter of the same transaction has flushed.
Result<Change> AppendServerChange(ServerStore::Impl& impl, store::Database& db,
                                  std::string_view scope_name, std::vector<Op> ops);

// --- submissions (submissions.cc) ---

// A submission snapshot carried by a pushed change: the submission and the blobs it names.
struct SnapshotRecord {
  EntityId submission;
  struct Blob {
    std::string sha256;  // 32 bytes
    uint64_t size = 0;
    std::string media_type;
  };
  std::vector<Blob> blobs;
  // From the snapshot: what the workflow status and forwarding need.
  std::optional<EntityId> pursuit;  // absent when the snapshot's is not 16 bytes
  int64_t attempt = 0;
  std::string micro_credential_id;
  std::string micro_credential_version;
  std::string snapshot;  // the serialised SubmissionSnapshot
};

// The snapshots `change` puts on submission entities, checked: each decodes as a
// SubmissionSnapshot whose evidence names blobs by 32-byte SHA-256. `type_of` gives an entity's
// type (empty if unknown). InvalidArgument, naming the change, otherwise.
Result<std::vector<SnapshotRecord>> SubmissionSnapshotsOf(
    const Change& change, const std::function<Result<std::string>(const EntityId&)>& type_of);

// Records a snapshot's arrival (the first one of a submission wins) and the blobs it names,
// then MarkCompleteIfReady. In the caller's transaction. True when this snapshot was new.
Result<bool> RecordSubmission(store::Database& db, const SnapshotRecord& record, int64_t scope,
                              int64_t now_ms);

// THE moment a submission becomes complete: if its snapshot is held, it is not complete yet and
// every blob it names is present in its scope, sets completed_ms = now_ms and returns true.
// Called in the transaction of the snapshot's arrival and in that of each blob's verification,
// so it fires exactly once, in whichever comes last. The forwarding outbox row is written here,
// in the same transaction (outbox.cc, decision 0013): nothing incomplete is ever forwarded.
Result<bool> MarkCompleteIfReady(store::Database& db, const EntityId& submission, int64_t now_ms);

// MarkCompleteIfReady for every incomplete submission of `scope` naming blob `sha256`.
Status MarkSubmissionsNamingBlob(store::Database& db, int64_t scope, std::string_view sha256,
                                 int64_t now_ms);

// --- the forwarding outbox (outbox.cc) and workflow status (workflow.cc), decision 0013 ---

// Inserts the outbox row of `submission`, just completed at `now_ms`, for the issuer of the
// micro-credential version it pins; due at once. In the caller's transaction.
Status EnqueueDelivery(store::Database& db, const EntityId& submission, int64_t now_ms);

// Workflow statuses the teacher sees on a submission and its pursuit.
inline constexpr std::string_view kStatusReceived = "received";
inline constexpr std::string_view kStatusForwarded = "forwarded";
inline constexpr std::string_view kStatusInReview = "in_review";
inline constexpr std::string_view kStatusAwarded = "awarded";
inline constexpr std::string_view kStatusNotYet = "not_yet";

// The ops that put a workflow status on a submission (and its pursuit, as below), and the
// scope they belong to; no ops when the submission's status has reached that point already or
// gone past it (statuses only move on: received, forwarded, in review, decided). Records the
// new status's rank, so call it in the transaction that commits the ops.
struct WorkflowOps {
  std::string scope_name;
  std::vector<Op> ops;
};
Result<WorkflowOps> WorkflowStatusOps(store::Database& db, const EntityId& submission,
                                      std::string_view status);

// Publishes a workflow status of a submission the server holds to the educator's devices: one
// server-authored change in the submission's scope putting `status` on the submission's
// "status" field and, when the submission is its pursuit's latest attempt the server holds, on
// the pursuit's "status" too (a late event of an old attempt never overwrites a resubmission's
// status), unless the status would move backwards. NotFound for a submission the server does
// not hold. REQUIRES: write_mutex held, in a
// transaction on `db` (the writer), after any LogWriter of that transaction has flushed.
Status PublishWorkflowStatus(ServerStore::Impl& impl, store::Database& db,
                             const EntityId& submission, std::string_view status);

// One blob upload in progress (blobs.cc).
struct ActiveUpload;

class ServerStore::Impl {
 public:
  Impl(std::string db_path, ServerStoreOptions store_options,
       std::unique_ptr<store::Database> write_db)
      : path(std::move(db_path)),
        options(store_options),
        writer(std::move(write_db)),
        ids(store_options.env),
        clock(store_options.env.clock) {}

  // A connection for reading, returned to the pool when the handle dies.
  class Reader {
   public:
    Reader(Impl* impl, std::unique_ptr<store::Database> db) : impl_(impl), db_(std::move(db)) {}
    Reader(Reader&&) = default;
    ~Reader();
    store::Database& operator*() { return *db_; }
    store::Database* operator->() { return db_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<store::Database> db_;
  };
  Result<Reader> AcquireReader();

  // Looks a scope up by name, creating it (with a new actor) if asked. Under write_mutex.
  Result<int64_t> ScopeId(std::string_view name, bool create);
  // The read scopes of a user with `role` (ascending ids) and their names.
  Status FillScopes(Principal& principal, store::Database& db);

  const std::string path;
  const ServerStoreOptions options;

  std::mutex write_mutex;
  std::unique_ptr<store::Database> writer;
  IdGenerator ids;
  HlcClock clock;  // observes every accepted change, stamps the server's own
  bool clock_loaded = false;

  std::mutex pool_mutex;
  std::vector<std::unique_ptr<store::Database>> idle_readers;

  // Evidence blobs (blobs.cc).
  std::string blob_dir;  // DATA/blobs
  BlobFileSystem* blob_files = nullptr;
  // Where a run of chunks is written while it is checked; two threads, so that two uploads'
  // writes do not wait for each other.
  BackgroundWrites background_writes{2};
  std::mutex uploads_mutex;
  // Uploads with state in memory (the running hash, the open file), by (scope, sha256).
  std::map<std::pair<int64_t, std::string>, std::shared_ptr<ActiveUpload>> uploads;
  uint64_t upload_clock = 0;  // orders uses of `uploads`, to drop the least recently used
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_
