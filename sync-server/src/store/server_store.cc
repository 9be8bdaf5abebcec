#include "store/server_store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "store/server_store_impl.h"

namespace cairn::server {

std::array<uint8_t, 32> Sha256(std::string_view data) {
  std::array<uint8_t, 32> digest{};
  SHA256(reinterpret_cast<const uint8_t*>(data.data()), data.size(), digest.data());
  return digest;
}

std::string EducatorScopeName(std::string_view user_id) {
  return "educator:" + std::string(user_id);
}

Status InTransaction(store::Database& db, const std::function<Status()>& body) {
  CAIRN_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = body();
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

ServerStore::Impl::Reader::~Reader() {
  if (db_ == nullptr) return;
  std::lock_guard lock(impl_->pool_mutex);
  if (impl_->idle_readers.size() < static_cast<size_t>(impl_->options.read_connections)) {
    impl_->idle_readers.push_back(std::move(db_));
  }
}

Result<ServerStore::Impl::Reader> ServerStore::Impl::AcquireReader() {
  {
    std::lock_guard lock(pool_mutex);
    if (!idle_readers.empty()) {
      std::unique_ptr<store::Database> db = std::move(idle_readers.back());
      idle_readers.pop_back();
      return Reader(this, std::move(db));
    }
  }
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(path));
  CAIRN_RETURN_IF_ERROR(db->Exec("PRAGMA busy_timeout=10000; PRAGMA query_only=ON;"));
  return Reader(this, std::move(db));
}

Result<int64_t> ServerStore::Impl::ScopeId(std::string_view name, bool create) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement find,
                         writer->Prepare("SELECT id FROM scopes WHERE name = ?1"));
  find.BindText(1, name);
  CAIRN_ASSIGN_OR_RETURN(const bool found, find.Step());
  if (found) return find.ColumnInt(0);
  if (!create) return NotFound("no scope named '" + std::string(name) + "'");
  const ActorId actor = NewActorId(*options.env.random);
  CAIRN_ASSIGN_OR_RETURN(store::Statement insert,
                         writer->Prepare("INSERT INTO scopes(name, actor) VALUES(?1, ?2)"));
  insert.BindText(1, name).BindBlob(2, actor.AsBytes());
  CAIRN_RETURN_IF_ERROR(insert.Run());
  const int64_t id = sqlite3_last_insert_rowid(writer->handle());
  CAIRN_ASSIGN_OR_RETURN(store::Statement add_actor,
                         writer->Prepare("INSERT INTO actors(id, scope_id) VALUES(?1, ?2)"));
  add_actor.BindBlob(1, actor.AsBytes()).Bind(2, id);
  CAIRN_RETURN_IF_ERROR(add_actor.Run());
  return id;
}

Status ServerStore::Impl::FillScopes(Principal& principal, store::Database& db) {
  std::vector<std::string> names = {std::string(kCatalogScope)};
  if (principal.role == Role::kEducator) names.push_back(EducatorScopeName(principal.user_id));
  CAIRN_ASSIGN_OR_RETURN(store::Statement find,
                         db.Prepare("SELECT id FROM scopes WHERE name = ?1"));
  principal.read_scopes.clear();
  principal.read_scope_names.clear();
  for (const std::string& name : names) {
    find.Reset();
    find.BindText(1, name);
    CAIRN_ASSIGN_OR_RETURN(const bool found, find.Step());
    if (!found) return Internal("scope '" + name + "' is missing from the server store");
    principal.read_scopes.push_back(find.ColumnInt(0));
    principal.read_scope_names.push_back(name);
    if (name != kCatalogScope) principal.write_scope = find.ColumnInt(0);
  }
  std::sort(principal.read_scopes.begin(), principal.read_scopes.end());
  return {};
}

ServerStore::ServerStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ServerStore::~ServerStore() = default;

Result<std::unique_ptr<ServerStore>> ServerStore::Open(const std::string& path,
                                                       ServerStoreOptions options) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> writer, OpenServerDatabase(path));
  auto impl = std::make_unique<Impl>(path, options, std::move(writer));
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  impl->blob_dir = ((parent.empty() ? std::filesystem::path(".") : parent) / "blobs").string();
  impl->blob_files = options.blob_files != nullptr ? options.blob_files : &PosixBlobFileSystem();
  Status s = InTransaction(*impl->writer, [&]() -> Status {
    return impl->ScopeId(kCatalogScope, /*create=*/true).status();
  });
  if (!s.ok()) return s.Annotate("opening the server store '" + path + "'");
  // The server's clock starts past every stamp it has accepted, so its own changes order after
  // what it has seen.
  CAIRN_ASSIGN_OR_RETURN(store::Statement max_hlc,
                         impl->writer->Prepare("SELECT max(max_hlc) FROM actors"));
  CAIRN_ASSIGN_OR_RETURN(const bool row, max_hlc.Step());
  if (row && !max_hlc.ColumnIsNull(0)) {
    impl->clock.Observe(static_cast<Hlc>(max_hlc.ColumnInt(0)));
  }
  auto store = std::unique_ptr<ServerStore>(new ServerStore(std::move(impl)));
  // Partial uploads abandoned while the server was down go now, not an hour from now.
  if (Result<uint64_t> collected = store->CollectStaleUploads(); !collected.ok()) {
    return collected.status().Annotate("collecting stale uploads in '" + path + "'");
  }
  return store;
}

const std::string& ServerStore::blob_dir() const { return impl_->blob_dir; }

Result<uint64_t> ServerStore::LastServerSeq() {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(store::Statement stmt,
                         reader->Prepare("SELECT coalesce(max(server_seq), 0) FROM changes"));
  CAIRN_ASSIGN_OR_RETURN(const bool row, stmt.Step());
  return row ? static_cast<uint64_t>(stmt.ColumnInt(0)) : 0;
}

Status ServerStore::Check() { return LastServerSeq().status(); }

}  // namespace cairn::server
