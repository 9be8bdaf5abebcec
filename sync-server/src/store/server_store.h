// ServerStore: everything the sync server keeps, in one SQLite file (WAL, synchronous=FULL: the
// server acknowledges nothing that a power cut could take back).
//
//   accounts   users with a role; one-time enrolment codes; devices, each with the hash of its
//              token and the actor id its changes must carry
//   scopes     "catalog" and "educator:<user id>" (decision 0007); each has the actor the server
//              writes that scope's own changes with
//   log        every accepted change, numbered by a server sequence, indexed by (scope, server
//              seq) for pulls and by (actor, seq) for idempotent pushes, with a digest of its
//              content to detect a replayed (actor, seq) carrying something else
//   entities   which scope and type each entity belongs to, for authorisation
//   blobs      evidence blobs per scope (decision 0009): the offer (size, media type, chunk
//              hashes), how many chunks are verified and durable, partial or present; the bytes
//              in files beside the database (blob_files.h; docs/operations.md has the layout)
//   submissions  every submission snapshot received, the blobs it names, and when it became
//              complete (snapshot and every named blob present in its scope)
//
// Push validates each change against causality, the clock, the schema and the author's rights
// (sync/authorization.h), and accepts per actor the longest valid prefix, all in one
// transaction. Pull reads the log from a cursor through the (scope, server seq) index: its cost
// is proportional to what is new.
//
// Thread-safety: every method may be called from any thread. Writes serialise on one connection
// under a mutex; pulls read through a small pool of connections concurrently with them.
#ifndef CAIRN_SERVER_STORE_SERVER_STORE_H_
#define CAIRN_SERVER_STORE_SERVER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/catalog_publish.h"
#include "cairn/change.h"
#include "cairn/env.h"
#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn::server {

class BlobFileSystem;

enum class Role : uint8_t { kEducator, kAssessor, kIssuerAdmin, kRecognizer, kAdmin };

// "educator", "assessor", "issuer-admin", "recognizer", "admin".
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

struct User {
  std::string id;  // UUIDv7 text
  std::string name;
  Role role = Role::kEducator;
  int64_t created_ms = 0;
  std::optional<std::string> email;  // normalised (cairn/email.h); hashed into credentials
};

struct DeviceInfo {
  std::string id;  // UUIDv7 text
  std::string user_id;
  ActorId actor;
  std::string name;
  int64_t created_ms = 0;
  std::optional<int64_t> revoked_ms;
  std::optional<int64_t> last_seen_ms;
};

// The authenticated caller of a sync request.
struct Principal {
  std::string user_id;
  Role role = Role::kEducator;
  std::string device_id;
  ActorId actor;
  // The scope the device writes into; 0 when its role writes nothing through sync.
  int64_t write_scope = 0;
  // The scopes the device reads, ascending.
  std::vector<int64_t> read_scopes;
  std::vector<std::string> read_scope_names;
};

struct Enrolment {
  std::string token;  // shown once; only its hash is kept
  Principal principal;
};

struct RefusedChange {
  uint64_t seq = 0;
  Status error;
  bool blocked = false;
};

struct PushResult {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  std::vector<RefusedChange> refused;
  uint64_t acknowledged_seq = 0;
};

struct PullResult {
  std::vector<Change> changes;
  uint64_t cursor = 0;
  bool more = false;
};

// --- evidence blobs (blob.proto, decision 0009) ---

// The one chunk size of protocol version 1.
inline constexpr uint32_t kBlobChunkBytes = 65536;

// Values as blob.proto's BlobState.
enum class BlobState : uint8_t { kAbsent = 1, kPartial = 2, kPresent = 3 };

// What a device offers before it sends a blob's chunks.
struct BlobOfferSpec {
  uint64_t size = 0;
  std::string media_type;
  uint32_t chunk_size = 0;
  // The SHA-256 of every chunk, 32 bytes each, in order.
  std::vector<std::string> chunk_sha256;
};

// Where a blob stands for one scope.
struct BlobInfo {
  std::string sha256;  // 32 bytes
  BlobState state = BlobState::kAbsent;
  uint64_t size = 0;
  uint32_t chunk_size = kBlobChunkBytes;
  uint64_t verified_chunks = 0;  // durable: fsynced and recorded
  uint64_t verified_bytes = 0;
  std::string media_type;
};

// A present blob's file, for reading.
struct BlobLocation {
  std::string path;
  uint64_t size = 0;
  std::string media_type;
};

struct SubmissionInfo {
  EntityId id;
  bool snapshot_received = false;
  bool complete = false;
  std::optional<int64_t> completed_ms;
  // Every blob the snapshot names, in snapshot order.
  std::vector<BlobInfo> blobs;
};

// The chunks of one upload request, fed as they arrive. Each complete chunk is hashed and
// compared with the offer, written at its offset, and counted; what it verified is made durable
// (fsync, then the count recorded) every few MiB and by Finish(). After the last chunk the whole
// blob is checked against its name and, if it matches, becomes present.
//
// Thread-safety: one thread at a time (one request). Several writers of the same blob may
// exist; only the one whose next chunk is the upload's next chunk makes progress.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  // Takes the next bytes of the body. A non-OK status ends the request (and is sticky):
  // InvalidArgument for a chunk that does not match its hash or bytes past the last chunk,
  // FailedPrecondition when the assembled blob does not hash to its name (the upload is then
  // discarded), ResourceExhausted when the disk is full. Chunks verified before stay counted.
  virtual Status Append(std::string_view bytes) = 0;
  // Append, but the writer may go on reading `bytes` (writing them to disk) until the next call
  // on it returns, so that the write overlaps the caller's next piece. The caller keeps the
  // bytes unchanged until then.
  virtual Status AppendLent(std::string_view bytes) { return Append(bytes); }
  // Ends the request: makes every verified chunk durable and says where the blob stands; the
  // error from Append if there was one, InvalidArgument if the body ended inside a chunk.
  virtual Result<BlobInfo> Finish() = 0;

  // For metrics: bytes taken by Append, bytes of chunks verified, chunks refused, and whether
  // this request completed the blob.
  virtual uint64_t bytes_received() const = 0;
  virtual uint64_t bytes_verified() const = 0;
  virtual uint64_t chunks_refused() const = 0;
  virtual bool completed() const = 0;
  // Bytes of the blob after what this request has verified: the most its body may still carry.
  virtual uint64_t bytes_remaining() const = 0;
};

// --- issuers (issuers.cc, decision 0013) ---

// Where an issuer's complete submissions are delivered.
enum class TargetKind : uint8_t { kNone, kWebhook, kGit };

// "none", "webhook", "git".
std::string_view TargetKindName(TargetKind kind);

struct IssuerSpec {
  std::string id;  // the catalog's Issuer.id (a slug)
  std::string name;
  TargetKind target_kind = TargetKind::kNone;
  // An https:// (or, for tests on loopback, http://127.0.0.1) URL for kWebhook; a remote
  // libgit2 can push to (a path or URL) for kGit; empty for kNone.
  std::string target;
  // The HMAC-SHA256 key webhook deliveries are signed with; empty = the store makes one.
  std::string webhook_secret;
  // Deliveries failing this many times are dead (visible, retried only by hand).
  uint32_t max_attempts = 12;
};

struct IssuerInfo {
  std::string id;
  std::string name;
  TargetKind target_kind = TargetKind::kNone;
  std::string target;
  std::string webhook_secret;
  uint32_t max_attempts = 0;
  int64_t created_ms = 0;
};

// What AddIssuer hands out once: the API token (only its hash is kept) and the webhook secret.
struct IssuerCredentials {
  IssuerInfo issuer;
  std::string api_token;
};

// --- the forwarding outbox (outbox.cc, decision 0013) ---

// Values as the outbox table's state column.
enum class DeliveryState : uint8_t { kPending = 1, kDelivered = 2, kDead = 3 };

// "pending", "delivered", "dead".
std::string_view DeliveryStateName(DeliveryState state);
// InvalidArgument listing the names otherwise.
Result<DeliveryState> ParseDeliveryState(std::string_view name);

// One complete submission's delivery to its issuer.
struct OutboxEntry {
  EntityId submission;
  // The catalog's issuer of the micro-credential version the submission pins; empty if the
  // catalog did not hold that version (the delivery then fails, naming it).
  std::string issuer_id;
  DeliveryState state = DeliveryState::kPending;
  uint32_t attempts = 0;  // failed attempts so far
  int64_t next_attempt_ms = 0;
  std::string last_error;
  int64_t created_ms = 0;  // when the submission became complete
  std::optional<int64_t> delivered_ms;
};

// Everything a delivery sends (forward/envelope.h writes it as JSON).
struct Forwarding {
  OutboxEntry entry;
  std::optional<IssuerInfo> issuer;  // nullopt while no issuer has entry.issuer_id
  std::string educator_id;
  std::string educator_name;
  std::string micro_credential_title;  // empty if the catalog lacks the version
  std::string snapshot;                // the serialised cairn.v1.SubmissionSnapshot
  struct Evidence {
    std::string sha256;  // 32 bytes
    uint64_t size = 0;
    std::string media_type;
    std::string path;  // the blob's file on this server
  };
  // The blobs the snapshot names, in snapshot order (the snapshot's evidence order).
  std::vector<Evidence> evidence;
};

struct ServerStoreOptions {
  Env env = SystemEnv();
  // Changes stamped further ahead of the server's clock are refused (decision 0007).
  int64_t max_future_skew_ms = int64_t{5} * 60 * 1000;
  // How long an enrolment code stays valid.
  int64_t enrol_code_ttl_ms = int64_t{24} * 60 * 60 * 1000;
  // Connections for concurrent pulls.
  int read_connections = 4;

  // Evidence blobs: the largest blob, and the bytes one scope may hold (present blobs and
  // offered partial ones, counted at their full size).
  uint64_t max_blob_bytes = uint64_t{2} << 30;
  uint64_t scope_quota_bytes = uint64_t{10} << 30;
  // Partial uploads untouched for this long are deleted by CollectStaleUploads().
  int64_t partial_upload_ttl_ms = int64_t{7} * 24 * 60 * 60 * 1000;
  // An upload request makes its verified chunks durable at least every this many chunks.
  uint32_t blob_sync_every_chunks = 256;
  // Blob files go through this; nullptr = PosixBlobFileSystem(). Borrowed.
  BlobFileSystem* blob_files = nullptr;
};

class ServerStore {
 public:
  // Opens or creates the store at `path` (a file; its directory must exist).
  static Result<std::unique_ptr<ServerStore>> Open(const std::string& path,
                                                   ServerStoreOptions options = {});
  ~ServerStore();
  ServerStore(const ServerStore&) = delete;
  ServerStore& operator=(const ServerStore&) = delete;

  // --- accounts ---
  // InvalidArgument for a name of 0 or more than 200 bytes, or an `email` that is not one.
  Result<User> AddUser(std::string_view name, Role role,
                       std::optional<std::string_view> email = std::nullopt);
  // Sets (or, with nullopt, removes) a user's e-mail address; credentials issued from now on
  // carry its salted hash.
  Status SetUserEmail(std::string_view user_id, std::optional<std::string_view> email);
  // The name an educator chose to show on their credentials' hosted pages (the latest
  // `public_name` of their devices' profile entities); nullopt when they chose none.
  Result<std::optional<std::string>> PublicNameOf(std::string_view user_id);
  // By id, or by name when exactly one user has it.
  Result<User> FindUser(std::string_view id_or_name);
  Result<std::vector<User>> ListUsers();
  // A new one-time code for the user, valid for options.enrol_code_ttl_ms.
  Result<std::string> NewEnrolCode(std::string_view user_id);
  // Exchanges a code (once) for a device bound to `actor`.
  Result<Enrolment> Enrol(std::string_view code, const ActorId& actor,
                          std::string_view device_name);
  // The device a bearer token belongs to; Unauthenticated for unknown or revoked tokens.
  Result<Principal> Authenticate(std::string_view token);
  Result<std::vector<DeviceInfo>> ListDevices();
  Status RevokeDevice(std::string_view device_id);

  // --- issuers ---
  // Adds an issuer; AlreadyExists for a taken id, InvalidArgument for a bad id or target.
  Result<IssuerCredentials> AddIssuer(const IssuerSpec& spec);
  Result<std::vector<IssuerInfo>> ListIssuers();
  // NotFound names the command that lists issuers.
  Result<IssuerInfo> GetIssuer(std::string_view id);
  // The issuer an API token belongs to; Unauthenticated for unknown tokens.
  Result<IssuerInfo> AuthenticateIssuer(std::string_view token);
  // Replaces an issuer's API token; the old one stops working at once.
  Result<std::string> RotateIssuerToken(std::string_view id);

  // --- sync ---
  // Applies what it can of `changes` (all from principal.actor, ascending seq) and says what it
  // refused and why. Fails as a whole only for problems with the request itself.
  Result<PushResult> Push(const Principal& principal, std::span<const Change> changes);
  // Changes in the principal's read scopes after `cursor`, at most `max_changes` and about
  // `max_bytes` of them, in server order (a causal order). The principal's own changes are
  // skipped (it has them) but still move the cursor.
  Result<PullResult> Pull(const Principal& principal, uint64_t cursor, uint32_t max_changes,
                          uint64_t max_bytes);

  // Commits changes the server itself authors in a scope (the catalog, workflow state), as
  // that scope's actor. `scope_name` is created if needed.
  Result<Change> CommitServerChange(std::string_view scope_name, std::vector<Op> ops);

  // --- evidence blobs, for the principal's write scope only (decision 0009) ---
  // Records an offer; answers present at once for a blob the scope holds. An offer that
  // differs from the one a partial upload was started with restarts that upload.
  Result<BlobInfo> OfferBlob(const Principal& principal, std::string_view sha256,
                             const BlobOfferSpec& offer);
  // Absent, partial (with the durable count: pending writes are fsynced first) or present.
  Result<BlobInfo> GetBlobStatus(const Principal& principal, std::string_view sha256);
  // Starts an upload request at chunk `first`, which must be the verified count
  // (FailedPrecondition naming the expected chunk otherwise; also when never offered).
  Result<std::unique_ptr<BlobWriter>> BeginBlobChunks(const Principal& principal,
                                                      std::string_view sha256, uint64_t first);
  // The file of a blob present in the scope; NotFound otherwise.
  Result<BlobLocation> LocateBlob(const Principal& principal, std::string_view sha256);
  // What the server holds of a submission of the scope; NotFound for other scopes' and unknown
  // ones.
  Result<SubmissionInfo> GetSubmissionStatus(const Principal& principal, const EntityId& id);
  // Deletes partial uploads untouched for options.partial_upload_ttl_ms (not those a request
  // is using); returns how many. Run at start and hourly.
  Result<uint64_t> CollectStaleUploads();
  // The directory blob files live in: DATA/blobs, beside the database file.
  const std::string& blob_dir() const;

  // --- the forwarding outbox (outbox.cc, decision 0013) ---
  // Entries in `state` (all if nullopt), oldest first, at most `limit`.
  Result<std::vector<OutboxEntry>> ListOutbox(std::optional<DeliveryState> state, size_t limit);
  // NotFound naming `cairn-server outbox list` for a submission with no entry.
  Result<OutboxEntry> GetOutboxEntry(const EntityId& submission);
  // Pending entries due at `now_ms`, earliest first, at most `limit`.
  Result<std::vector<OutboxEntry>> DueDeliveries(int64_t now_ms, size_t limit);
  // What the delivery of `submission` sends, read in one snapshot of the store.
  Result<Forwarding> LoadForwarding(const EntityId& submission);
  // A delivery succeeded: the entry becomes delivered and the submission "forwarded" (a
  // workflow status change), in one transaction. A no-op for an entry already delivered.
  Status RecordDelivered(const EntityId& submission);
  // A delivery failed with `error`. When `counts`, attempts grows by one and the entry is dead
  // once it reaches `max_attempts`; otherwise (nothing to deliver to yet) only the error and the
  // time are recorded. Pending entries are next due at `next_attempt_ms`. Returns the entry.
  Result<OutboxEntry> RecordDeliveryFailure(const EntityId& submission, std::string_view error,
                                            bool counts, uint32_t max_attempts,
                                            int64_t next_attempt_ms);
  // An operator's retry: the entry (pending, dead or delivered) becomes pending and due now,
  // with its attempts reset. Re-delivery is safe: issuers deduplicate by the idempotency key.
  Result<OutboxEntry> RetryDelivery(const EntityId& submission);

  // Every entry the catalog scope holds, in publishing order (catalog_entries.cc): what the
  // catalog import compares a new import with.
  Result<PublishedCatalog> LoadPublishedCatalog();

  // The highest server sequence; for tests and /healthz.
  Result<uint64_t> LastServerSeq();
  // Runs a trivial query on the store: is it usable?
  Status Check();

  // The private state (server_store_impl.h); named here so that the store's .cc files can
  // share it.
  class Impl;

 private:
  // The issuer's side of the workflow (store/assessments.h) shares the private state.
  friend class AssessmentStore;
  friend class CredentialStore;
  explicit ServerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_SERVER_STORE_H_
