// Thin RAII wrappers over the SQLite C API that report errors as Status.
//
// Thread-safety: a Database and its Statements belong to one thread at a time.
#ifndef CAIRN_STORE_SQLITE_H_
#define CAIRN_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::store {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds are 1-based, as in SQLite. Text and blobs are copied by SQLite only if it needs to
  // keep them past the next Step(): callers keep them alive until then.
  Statement& Bind(int index, int64_t value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindBlob(int index, std::string_view value);
  Statement& BindNull(int index);

  // Runs one step: true when a row is ready, false when done.
  Result<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();
  // Resets for another execution and clears bindings.
  void Reset();

  int64_t ColumnInt(int index) const;
  std::string_view ColumnText(int index) const;
  std::string_view ColumnBlob(int index) const;
  bool ColumnIsNull(int index) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (creating if needed) the file at `path`.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Status Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  // An error Status built from the connection's last error, prefixed with `what`.
  Status Error(std::string_view what) const;
  sqlite3* handle() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Maps an SQLite result code to a Cairn code: busy/locked/full/I/O errors are retryable or
// resource errors, corruption is data loss, the rest internal.
Code CodeForSqlite(int rc);

}  // namespace cairn::store

#endif  // CAIRN_STORE_SQLITE_H_
