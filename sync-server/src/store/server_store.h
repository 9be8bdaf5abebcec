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

#include "cairn/change.h"
#include "cairn/env.h"
#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn::server {

enum class Role : uint8_t { kEducator, kAssessor, kIssuerAdmin, kRecognizer, kAdmin };

// "educator", "assessor", "issuer-admin", "recognizer", "admin".
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

struct User {
  std::string id;  // UUIDv7 text
  std::string name;
  Role role = Role::kEducator;
  int64_t created_ms = 0;
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

struct ServerStoreOptions {
  Env env = SystemEnv();
  // Changes stamped further ahead of the server's clock are refused (decision 0007).
  int64_t max_future_skew_ms = int64_t{5} * 60 * 1000;
  // How long an enrolment code stays valid.
  int64_t enrol_code_ttl_ms = int64_t{24} * 60 * 60 * 1000;
  // Connections for concurrent pulls.
  int read_connections = 4;
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
  Result<User> AddUser(std::string_view name, Role role);
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

  // Whether any change created the entity.
  Result<bool> HasEntity(const EntityId& id);

  // The highest server sequence; for tests and /healthz.
  Result<uint64_t> LastServerSeq();
  // Runs a trivial query on the store: is it usable?
  Status Check();

 private:
  class Impl;
  explicit ServerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_SERVER_STORE_H_
