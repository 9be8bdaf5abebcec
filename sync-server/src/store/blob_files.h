// BlobFileSystem: the few file operations the server's evidence blob store needs (decision
// 0009), behind an interface so that tests can make a write fail (a full disk) or count syncs.
// PosixBlobFileSystem() is the real one: pwrite/pread at offsets (writes of aligned blocks from
// aligned memory with O_DIRECT, past the page cache), fsync (with early writeback through
// sync_file_range), rename, and fsync of the directories a create or a rename changes.
//
// Paths are built only by the blob store from validated parts (a scope number and 64 hex
// digits); nothing here interprets them.
//
// Thread-safety: a BlobFileSystem may be used from any thread; one BlobFile from one thread at
// a time (the blob store holds its upload's mutex around every call).
#ifndef CAIRN_SERVER_STORE_BLOB_FILES_H_
#define CAIRN_SERVER_STORE_BLOB_FILES_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

// An open file, read-write.
class BlobFile {
 public:
  virtual ~BlobFile() = default;
  // Writes all of `bytes` at `offset`. A full disk is ResourceExhausted. Fastest when `offset`
  // and the memory of `bytes` are multiples of 4 KiB.
  virtual Status WriteAt(uint64_t offset, std::string_view bytes) = 0;
  // Reads up to out.size() bytes at `offset`; fewer only at the end of the file.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) = 0;
  // fsync: what was written survives a power cut once this returns OK.
  virtual Status Sync() = 0;
  // Starts writing [offset, offset + length) to the disk without waiting for it, so that a
  // later Sync() finds little left to do: the disk works while more bytes arrive. A hint only
  // (it guarantees nothing); the default does nothing.
  virtual void StartWriteback(uint64_t /*offset*/, uint64_t /*length*/) {}
  virtual Status Truncate(uint64_t size) = 0;
};

class BlobFileSystem {
 public:
  virtual ~BlobFileSystem() = default;
  // Opens `path` read-write, creating it (mode 0600) if `create`; NotFound if it does not
  // exist and !create.
  virtual Result<std::unique_ptr<BlobFile>> Open(const std::string& path, bool create) = 0;
  // mkdir -p (mode 0700), fsyncing each parent of a directory it creates.
  virtual Status CreateDirectories(const std::string& dir) = 0;
  // fsync of a directory: makes a create, rename or unlink in it durable.
  virtual Status SyncDirectory(const std::string& dir) = 0;
  // rename(2): atomic, replaces `to`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // unlink(2); a missing file is not an error.
  virtual Status Remove(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The process's real file system. Lives for the whole process.
BlobFileSystem& PosixBlobFileSystem();

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_BLOB_FILES_H_
