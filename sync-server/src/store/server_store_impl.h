// ServerStore's private state, shared by its .cc files (accounts, the sync log, the schema).
//
// Thread-safety: `writer` and `clock` are used only under `write_mutex`; readers are checked out
// of the pool one per call.
#ifndef CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_
#define CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "store/server_store.h"
#include "store/sqlite.h"

namespace cairn::server {

// Opens the server database with the pragmas every connection needs and migrates it.
Result<std::unique_ptr<store::Database>> OpenServerDatabase(const std::string& path);

// Runs `body` in a BEGIN IMMEDIATE transaction, committing if it returns OK.
Status InTransaction(store::Database& db, const std::function<Status()>& body);

// SHA-256 of `data`.
std::array<uint8_t, 32> Sha256(std::string_view data);

inline constexpr std::string_view kCatalogScope = "catalog";

// The pull's query: one index range of one scope after a cursor. Tests check its plan.
inline constexpr const char* kSelectPullSql =
    "SELECT server_seq, actor, payload FROM changes "
    "WHERE scope_id = ?1 AND server_seq > ?2 ORDER BY server_seq LIMIT ?3";
// "educator:<user id>"
std::string EducatorScopeName(std::string_view user_id);

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
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_SERVER_STORE_IMPL_H_
