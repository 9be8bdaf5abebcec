// Evidence blobs on the server (decision 0009): offers, chunked verified uploads, durable
// counts, presence per scope, and the collection of abandoned uploads.
//
// Files, under DATA/blobs (DATA = the directory of the database file):
//   partial/<scope id>/<sha256 hex>   an upload in progress: verified chunks at their offsets
//   <first 2 hex>/<sha256 hex>        a present blob, verified whole against its name
// A present file is shared by every scope that has uploaded those bytes in full: presence is
// per scope (the blobs table), the bytes are stored once. Present files are never rewritten, so
// readers need no lock.
//
// Durability: a chunk is counted in memory once it is verified and written; the count in the
// table (what any answer reports) only moves after an fsync of the file. On a restart the
// running hash is recomputed from the file's first verified_chunks chunks, each checked again.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/hex.h"
#include "store/blob_files.h"
#include "store/blob_hasher.h"
#include "store/server_store.h"
#include "store/server_store_impl.h"

namespace cairn::server {
namespace {

constexpr int64_t kStatePartial = static_cast<int64_t>(BlobState::kPartial);
constexpr int64_t kStatePresent = static_cast<int64_t>(BlobState::kPresent);
// Uploads kept in memory while no request uses them (their running hash saves re-reading the
// file on resume); beyond this the least recently used idle ones are dropped.
constexpr size_t kMaxIdleUploads = 256;
// While a chunk request of an upload has taken in a chunk this recently, the upload's status is
// not given (Unavailable, retry): the request may belong to a client that was killed or cut off
// and still be taking in the bytes that were on their way, and a count given now would send the
// restarted client back to bytes that are about to arrive (both would then collide, and one be
// sent in vain). A writer whose connection went silent stops counting after this long: the
// tail of a cut request arrives back to back, while a connection whose reset was lost stays
// open with nothing arriving until the idle timeout, and must not hold the status up.
constexpr auto kLiveWriterGrace = std::chrono::milliseconds(500);
// Written chunks are handed to the disk (StartWriteback) in runs of this many (1 MiB).
constexpr uint64_t kWritebackChunks = 16;

std::string Sha256Bytes(std::string_view data) {
  const auto digest = Sha256(data);
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

uint64_t ChunkCount(uint64_t size, uint32_t chunk_size) {
  return size == 0 ? 1 : (size + chunk_size - 1) / chunk_size;
}

uint64_t ChunkLength(uint64_t size, uint32_t chunk_size, uint64_t index) {
  const uint64_t start = index * chunk_size;
  return start >= size ? 0 : std::min<uint64_t>(chunk_size, size - start);
}

uint64_t BytesOfChunks(uint64_t size, uint32_t chunk_size, uint64_t chunks) {
  return std::min<uint64_t>(size, chunks * chunk_size);
}

std::string_view DigestBytes(const BlobHasher::Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

// A blobs row.
struct BlobRow {
  uint64_t size = 0;
  std::string media_type;
  uint32_t chunk_size = kBlobChunkBytes;
  std::string chunk_hashes;
  uint64_t verified_chunks = 0;
  int64_t state = 0;
  int64_t created_ms = 0;
};

constexpr const char* kSelectBlobSql =
    "SELECT size, media_type, chunk_size, chunk_hashes, verified_chunks, state, created_ms "
    "FROM blobs WHERE scope_id = ?1 AND sha256 = ?2";

Result<std::optional<BlobRow>> ReadBlobRow(store::Database& db, int64_t scope,
                                           std::string_view sha) {
  CAIRN_ASSIGN_OR_RETURN(store::Statement select, db.Prepare(kSelectBlobSql));
  select.Bind(1, scope).BindBlob(2, sha);
  CAIRN_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return std::optional<BlobRow>();
  BlobRow row;
  row.size = static_cast<uint64_t>(select.ColumnInt(0));
  row.media_type = std::string(select.ColumnText(1));
  row.chunk_size = static_cast<uint32_t>(select.ColumnInt(2));
  row.chunk_hashes = std::string(select.ColumnBlob(3));
  row.verified_chunks = static_cast<uint64_t>(select.ColumnInt(4));
  row.state = select.ColumnInt(5);
  row.created_ms = select.ColumnInt(6);
  return std::optional<BlobRow>(std::move(row));
}

BlobInfo InfoOf(std::string_view sha, const BlobRow& row) {
  BlobInfo info;
  info.sha256 = std::string(sha);
  info.state = row.state == kStatePresent ? BlobState::kPresent : BlobState::kPartial;
  info.size = row.size;
  info.chunk_size = row.chunk_size;
  info.verified_chunks = row.verified_chunks;
  info.verified_bytes = BytesOfChunks(row.size, row.chunk_size, row.verified_chunks);
  info.media_type = row.media_type;
  return info;
}

BlobInfo AbsentInfo(std::string_view sha) {
  BlobInfo info;
  info.sha256 = std::string(sha);
  return info;
}

Status CheckWriter(const Principal& principal) {
  if (principal.role != Role::kEducator || principal.write_scope == 0) {
    return PermissionDenied("a device of a user with role " +
                            std::string(RoleName(principal.role)) +
                            " holds no evidence blobs; only an educator's devices upload them");
  }
  return {};
}

Status CheckSha(std::string_view sha) {
  if (sha.size() != 32) return InvalidArgument("a blob id is a SHA-256 of 32 bytes");
  return {};
}

}  // namespace

// One upload's state. `scope`, `sha` and the offer are fixed; `gone` is atomic (set under
// `mutex`, read anywhere); `last_used` is guarded by uploads_mutex; the rest by `mutex`.
struct ActiveUpload {
  ActiveUpload(int64_t scope_id, std::string sha256, BlobRow offer)
      : scope(scope_id), sha(std::move(sha256)), row(std::move(offer)) {}

  const int64_t scope;
  const std::string sha;
  const BlobRow row;  // the offer; row.verified_chunks is the count when it was read

  std::mutex mutex;
  std::atomic<bool> gone{false};  // completed, discarded, restarted or collected: writers stop
  bool loaded = false;            // file open and running hash over `written` chunks
  std::unique_ptr<BlobFile> file;
  std::unique_ptr<BlobHasher> hasher;  // each chunk's hash, and the whole's over `written`
  uint64_t written = 0;                // chunks verified and written (maybe not yet fsynced)
  uint64_t durable = 0;                // chunks fsynced and recorded in the table
  uint64_t last_used = 0;              // for dropping idle uploads, least recently used first
  // Chunk requests writing the upload now, and when one of them last took in a chunk: a request
  // whose client was killed or cut off still takes in the bytes already on their way (see
  // kLiveWriterGrace).
  int writers = 0;
  std::chrono::steady_clock::time_point last_write{};
  // A run of chunks a request lent its bytes for (BlobWriter::AppendLent): they matched the
  // offer and the whole hash has taken them; they count once the write succeeds (SettleLocked).
  struct PendingRun {
    std::future<Status> write;
    uint64_t chunks = 0;
    // Where a failed write is told to the request that left the run pending, when another
    // request settles it: that request then answers with the failure (a full disk), not with
    // the count it finds moved back.
    std::shared_ptr<Status> outcome;
  };
  std::optional<PendingRun> pending;

  uint64_t chunks() const { return ChunkCount(row.size, row.chunk_size); }
  std::string_view ChunkHash(uint64_t index) const {
    return std::string_view(row.chunk_hashes).substr(index * 32, 32);
  }
};

namespace {

// The blob store's operations on the Impl. Each function names the locks it expects.
class Blobs {
 public:
  explicit Blobs(ServerStore::Impl& impl) : impl_(impl) {}

  std::string PartialDir(int64_t scope) const {
    return impl_.blob_dir + "/partial/" + std::to_string(scope);
  }
  std::string PartialPath(int64_t scope, std::string_view sha) const {
    return PartialDir(scope) + "/" + LowerHex(sha);
  }
  std::string PresentDir(std::string_view sha) const {
    return impl_.blob_dir + "/" + LowerHex(sha).substr(0, 2);
  }
  std::string PresentPath(std::string_view sha) const {
    return PresentDir(sha) + "/" + LowerHex(sha);
  }

  int64_t Now() const { return impl_.options.env.clock->NowMillis(); }

  Result<std::optional<BlobRow>> ReadRow(int64_t scope, std::string_view sha) {
    CAIRN_ASSIGN_OR_RETURN(ServerStore::Impl::Reader reader, impl_.AcquireReader());
    return ReadBlobRow(*reader, scope, sha);
  }

  // The in-memory upload of a partial blob, made from its row if needed; nullptr if the blob
  // is not partial. REQUIRES: uploads_mutex held.
  Result<std::shared_ptr<ActiveUpload>> UploadLocked(int64_t scope, std::string_view sha) {
    const auto key = std::make_pair(scope, std::string(sha));
    if (auto it = impl_.uploads.find(key); it != impl_.uploads.end()) {
      if (!it->second->gone) {
        it->second->last_used = ++impl_.upload_clock;
        return it->second;
      }
      impl_.uploads.erase(it);
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<BlobRow> row, ReadRow(scope, sha));
    if (!row || row->state != kStatePartial) return std::shared_ptr<ActiveUpload>();
    auto upload = std::make_shared<ActiveUpload>(scope, std::string(sha), *row);
    upload->written = upload->durable = row->verified_chunks;
    upload->last_used = ++impl_.upload_clock;
    DropIdleLocked();
    impl_.uploads.emplace(key, upload);
    return upload;
  }

  // REQUIRES: uploads_mutex held.
  void DropIdleLocked() {
    while (impl_.uploads.size() >= kMaxIdleUploads) {
      auto oldest = impl_.uploads.end();
      for (auto it = impl_.uploads.begin(); it != impl_.uploads.end(); ++it) {
        // use_count 1: only the map holds it, and new holders take it under uploads_mutex.
        if (it->second.use_count() == 1 &&
            (oldest == impl_.uploads.end() || it->second->last_used < oldest->second->last_used)) {
          oldest = it;
        }
      }
      if (oldest == impl_.uploads.end()) return;
      impl_.uploads.erase(oldest);
    }
  }

  // Opens the partial file and recomputes the running hash over the durable chunks, checking
  // each against the offer (a chunk the disk lost or changed is uploaded again).
  // REQUIRES: upload.mutex held.
  Status LoadLocked(ActiveUpload& upload) {
    if (upload.loaded) return {};
    BlobFileSystem& fs = *impl_.blob_files;
    const std::string dir = PartialDir(upload.scope);
    const std::string path = PartialPath(upload.scope, upload.sha);
    CAIRN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
    const bool existed = fs.Exists(path);
    CAIRN_ASSIGN_OR_RETURN(upload.file, fs.Open(path, /*create=*/true));
    if (!existed) CAIRN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
    upload.hasher = std::make_unique<BlobHasher>();
    std::string chunk(upload.row.chunk_size, '\0');
    uint64_t good = 0;
    for (; good < upload.durable; ++good) {
      const uint64_t length = ChunkLength(upload.row.size, upload.row.chunk_size, good);
      CAIRN_ASSIGN_OR_RETURN(
          const size_t got,
          upload.file->ReadAt(good * upload.row.chunk_size, std::span(chunk.data(), length)));
      const std::string_view bytes(chunk.data(), got);
      if (got != length || DigestBytes(upload.hasher->HashChunk(bytes)) != upload.ChunkHash(good)) {
        break;
      }
      upload.hasher->Accept(bytes);
    }
    if (good < upload.durable) {
      CAIRN_RETURN_IF_ERROR(RecordCount(upload, good));
      upload.durable = good;
    }
    upload.written = upload.durable;
    CAIRN_RETURN_IF_ERROR(upload.file->Truncate(
        BytesOfChunks(upload.row.size, upload.row.chunk_size, upload.written)));
    upload.loaded = true;
    return {};
  }

  // Stores the durable count. REQUIRES: upload.mutex held (not write_mutex).
  Status RecordCount(const ActiveUpload& upload, uint64_t count) {
    const std::lock_guard<std::mutex> lock(impl_.write_mutex);
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement update,
        impl_.writer->Prepare("UPDATE blobs SET verified_chunks = ?3, updated_ms = ?4 "
                              "WHERE scope_id = ?1 AND sha256 = ?2 AND state = 2"));
    update.Bind(1, upload.scope).BindBlob(2, upload.sha).Bind(3, static_cast<int64_t>(count));
    update.Bind(4, Now());
    return update.Run();
  }

  // Makes the written chunks durable: fsync, then the count. On failure the upload forgets
  // what was not durable (it is reloaded from the file). REQUIRES: upload.mutex held.
  // `running`: a write of the caller's own on the file, waited for before the file can be
  // dropped.
  Status SyncLocked(ActiveUpload& upload, const std::future<Status>* running = nullptr) {
    CAIRN_RETURN_IF_ERROR(SettleLocked(upload, running));
    if (upload.gone || !upload.loaded || upload.written == upload.durable) return {};
    Status s = upload.file->Sync();
    if (s.ok()) s = RecordCount(upload, upload.written);
    if (!s.ok()) {
      if (running != nullptr) running->wait();
      Forget(upload);
      return s;
    }
    upload.durable = upload.written;
    return {};
  }

  // Waits for the pending run's write and counts it, or, if it failed, makes the count before
  // it durable and drops the upload's memory (the whole hash had taken the run): the next load
  // rebuilds it from the file. `running`: a write of the caller's own on the file, waited for
  // before the file can be dropped. REQUIRES: upload.mutex held.
  Status SettleLocked(ActiveUpload& upload, const std::future<Status>* running = nullptr) {
    if (!upload.pending) return {};
    Status written = upload.pending->write.get();
    const uint64_t chunks = upload.pending->chunks;
    const std::shared_ptr<Status> outcome = std::move(upload.pending->outcome);
    upload.pending.reset();
    if (!written.ok()) {
      if (outcome) *outcome = written;
      if (running != nullptr) running->wait();
      (void)SyncLocked(upload);
      Forget(upload);
      return written;
    }
    const uint64_t first = upload.written;
    upload.written += chunks;
    StartWriteback(upload, first);
    return {};
  }

  // Hands each whole MiB (kWritebackChunks) written since chunk `first` to the disk now, while
  // the next ones arrive; the fsync before the count moves then waits for little. (Writes that
  // went past the page cache have nothing left to hand over.) REQUIRES: upload.mutex held.
  static void StartWriteback(ActiveUpload& upload, uint64_t first) {
    const uint64_t from = first / kWritebackChunks;
    const uint64_t to = upload.written / kWritebackChunks;
    if (to > from) {
      const uint64_t start = from * kWritebackChunks * upload.row.chunk_size;
      const uint64_t end = to * kWritebackChunks * upload.row.chunk_size;
      upload.file->StartWriteback(start, end - start);
    }
  }

  // Waits for a pending write and forgets it, uncounted. REQUIRES: upload.mutex held.
  static void AbandonPending(ActiveUpload& upload) {
    if (upload.pending) upload.pending->write.wait();
    upload.pending.reset();
  }

  // Drops the in-memory state beyond the durable count. REQUIRES: upload.mutex held.
  static void Forget(ActiveUpload& upload) {
    AbandonPending(upload);
    upload.loaded = false;
    upload.file.reset();
    upload.hasher.reset();
    upload.written = upload.durable;
  }

  // The last chunk is in: check the whole against the name, move the file to its place and
  // count the blob present (completing the submissions waiting for it).
  // REQUIRES: upload.mutex held; upload.written == upload.chunks().
  Status CompleteLocked(ActiveUpload& upload) {
    BlobFileSystem& fs = *impl_.blob_files;
    const std::string whole(DigestBytes(upload.hasher->FinishWhole()));
    const std::string partial = PartialPath(upload.scope, upload.sha);
    if (whole != upload.sha) {
      // Every chunk matched the offer, so the offer itself was of other bytes: nothing of it can
      // ever become this blob.
      upload.gone = true;
      upload.file.reset();
      CAIRN_RETURN_IF_ERROR(fs.Remove(partial));
      CAIRN_RETURN_IF_ERROR(DeleteRow(upload.scope, upload.sha, kStatePartial));
      return FailedPrecondition("the uploaded bytes hash to " + LowerHex(whole) +
                                ", not to the name " + LowerHex(upload.sha) +
                                " they were offered under; the upload is discarded: offer the "
                                "blob under the SHA-256 of its bytes");
    }
    Status synced = upload.file->Sync();
    if (!synced.ok()) {
      Forget(upload);
      return synced;
    }
    upload.file.reset();
    const std::string dir = PresentDir(upload.sha);
    const std::string present = PresentPath(upload.sha);
    CAIRN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
    if (fs.Exists(present)) {
      // Another scope uploaded the same bytes first; they are verified, keep one copy.
      CAIRN_RETURN_IF_ERROR(fs.Remove(partial));
    } else {
      CAIRN_RETURN_IF_ERROR(fs.Rename(partial, present));
      CAIRN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
    }
    CAIRN_RETURN_IF_ERROR(fs.SyncDirectory(PartialDir(upload.scope)));
    upload.gone = true;
    const int64_t now = Now();
    const std::lock_guard<std::mutex> lock(impl_.write_mutex);
    store::Database& db = *impl_.writer;
    return InTransaction(db, [&]() -> Status {
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement update,
          db.Prepare("UPDATE blobs SET state = 3, verified_chunks = ?3, updated_ms = ?4 "
                     "WHERE scope_id = ?1 AND sha256 = ?2"));
      update.Bind(1, upload.scope).BindBlob(2, upload.sha);
      update.Bind(3, static_cast<int64_t>(upload.chunks())).Bind(4, now);
      CAIRN_RETURN_IF_ERROR(update.Run());
      return MarkSubmissionsNamingBlob(db, upload.scope, upload.sha, now);
    });
  }

  Status DeleteRow(int64_t scope, std::string_view sha, int64_t state) {
    const std::lock_guard<std::mutex> lock(impl_.write_mutex);
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement remove,
        impl_.writer->Prepare("DELETE FROM blobs WHERE scope_id = ?1 AND sha256 = ?2 AND "
                              "state = ?3"));
    remove.Bind(1, scope).BindBlob(2, sha).Bind(3, state);
    return remove.Run();
  }

  // Ends a partial upload: writers stop, the file and the row go. REQUIRES: uploads_mutex held.
  Status DiscardLocked(int64_t scope, std::string_view sha) {
    const auto key = std::make_pair(scope, std::string(sha));
    if (auto it = impl_.uploads.find(key); it != impl_.uploads.end()) {
      {
        const std::lock_guard<std::mutex> lock(it->second->mutex);
        AbandonPending(*it->second);
        it->second->gone = true;
        it->second->file.reset();
      }
      impl_.uploads.erase(it);
    }
    CAIRN_RETURN_IF_ERROR(impl_.blob_files->Remove(PartialPath(scope, sha)));
    return DeleteRow(scope, sha, kStatePartial);
  }

  // The status, with what is written made durable first. REQUIRES: uploads_mutex held.
  Result<BlobInfo> StatusLocked(int64_t scope, std::string_view sha) {
    CAIRN_ASSIGN_OR_RETURN(std::shared_ptr<ActiveUpload> upload, UploadLocked(scope, sha));
    if (upload) {
      const std::lock_guard<std::mutex> lock(upload->mutex);
      if (upload->writers > 0 &&
          std::chrono::steady_clock::now() - upload->last_write < kLiveWriterGrace) {
        return Unavailable(
            "another request is still taking in chunks of this blob (the last bytes of a cut "
            "connection arrive after it); ask again in a moment");
      }
      CAIRN_RETURN_IF_ERROR(SyncLocked(*upload));
    }
    CAIRN_ASSIGN_OR_RETURN(std::optional<BlobRow> row, ReadRow(scope, sha));
    return row ? InfoOf(sha, *row) : AbsentInfo(sha);
  }

  ServerStore::Impl& impl_;
};

// One request's chunks.
class Writer final : public BlobWriter {
 public:
  Writer(ServerStore::Impl& impl, std::shared_ptr<ActiveUpload> upload, uint64_t first)
      : impl_(impl), upload_(std::move(upload)), next_(first) {
    buffer_.reserve(upload_->row.chunk_size);
    const std::lock_guard<std::mutex> lock(upload_->mutex);
    ++upload_->writers;
  }
  ~Writer() override { (void)Finish(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Status Append(std::string_view bytes) override { return Take(bytes, /*lent=*/false); }
  Status AppendLent(std::string_view bytes) override { return Take(bytes, /*lent=*/true); }

  // Append and AppendLent. Whatever run the call leaves pending is its own: one lent by an
  // earlier call is settled before this one returns.
  Status Take(std::string_view bytes, bool lent) {
    if (!failed_.ok()) return failed_;
    made_pending_ = false;
    failed_ = TakeBytes(bytes, lent);
    if (!made_pending_) {
      const Status settled = Settle();
      if (failed_.ok()) failed_ = settled;
    }
    return failed_;
  }

  Status TakeBytes(std::string_view bytes, bool lent) {
    received_ += bytes.size();
    while (!bytes.empty()) {
      if (next_ >= upload_->chunks()) {
        return InvalidArgument("the body is longer than the blob: it has " +
                               std::to_string(upload_->chunks()) +
                               " chunks and the last one is complete; send no more bytes");
      }
      if (buffer_.empty()) {
        // Whole chunks in the caller's bytes: written and checked from there, not copied.
        const auto [count, run] = WholeChunksAt(bytes);
        if (count > 0) {
          CAIRN_RETURN_IF_ERROR(CommitChunks(bytes.substr(0, run), count, lent));
          bytes.remove_prefix(run);
          continue;
        }
      }
      const uint64_t length = ChunkLength(upload_->row.size, upload_->row.chunk_size, next_);
      const size_t take = std::min<size_t>(bytes.size(), length - buffer_.size());
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (buffer_.size() == length) {
        // The buffer is refilled by the next call: never lent.
        const Status committed = CommitChunks(buffer_, 1, /*lent=*/false);
        buffer_.clear();
        CAIRN_RETURN_IF_ERROR(committed);
      }
    }
    return {};
  }

  Result<BlobInfo> Finish() override {
    if (finished_) return finish_result_;
    finished_ = true;
    Blobs blobs(impl_);
    {
      const std::lock_guard<std::mutex> lock(upload_->mutex);
      --upload_->writers;
      Status synced = blobs.SyncLocked(*upload_);
      if (!synced.ok() && failed_.ok()) failed_ = synced;
      if (failed_.ok()) failed_ = LostRun();
    }
    if (!failed_.ok()) {
      finish_result_ = failed_;
    } else if (!buffer_.empty()) {
      finish_result_ = InvalidArgument(
          "the body ended inside chunk " + std::to_string(next_) + ", after " +
          std::to_string(buffer_.size()) + " of its " +
          std::to_string(ChunkLength(upload_->row.size, upload_->row.chunk_size, next_)) +
          " bytes; the chunks before it are kept: send from chunk " + std::to_string(next_));
    } else {
      Result<std::optional<BlobRow>> row = blobs.ReadRow(upload_->scope, upload_->sha);
      if (!row.ok()) {
        finish_result_ = row.status();
      } else {
        finish_result_ = *row ? InfoOf(upload_->sha, **row) : AbsentInfo(upload_->sha);
      }
    }
    return finish_result_;
  }

  uint64_t bytes_received() const override { return received_; }
  uint64_t bytes_verified() const override { return verified_; }
  uint64_t chunks_refused() const override { return refused_; }
  bool completed() const override { return completed_; }
  uint64_t bytes_remaining() const override {
    return upload_->row.size - BytesOfChunks(upload_->row.size, upload_->row.chunk_size, next_);
  }

 private:
  // How many whole chunks from next_ on `bytes` starts with, and their length in bytes.
  std::pair<uint64_t, size_t> WholeChunksAt(std::string_view bytes) const {
    const ActiveUpload& upload = *upload_;
    uint64_t count = 0;
    size_t run = 0;
    while (next_ + count < upload.chunks()) {
      const uint64_t length = ChunkLength(upload.row.size, upload.row.chunk_size, next_ + count);
      if (bytes.size() - run < length) break;
      run += length;
      ++count;
    }
    return {count, run};
  }

  // The failed write of a run this request left pending, if another request settled it.
  // REQUIRES: upload.mutex held.
  Status LostRun() const { return lent_outcome_ ? *lent_outcome_ : Status(); }

  // Counts a run this request left pending. REQUIRES: upload.mutex not held.
  Status Settle() {
    Blobs blobs(impl_);
    const std::lock_guard<std::mutex> lock(upload_->mutex);
    return blobs.SettleLocked(*upload_);
  }

  // Writes `count` whole chunks from next_ on (`run`, their bytes) with one write and, while it
  // runs, checks each chunk against its offered hash. Bytes in the file past the count mean
  // nothing (a load truncates them; later chunks overwrite them), so writing before the check
  // lets the disk take the run in one large write at the same time as the hashing.
  //
  // The chunks that match count once the write succeeded. With `lent` (the caller keeps the
  // bytes until its next call returns) a run that matched whole is left pending instead, and
  // its write goes on while the caller brings the next run: each call settles the run before
  // its own once it has hashed its own, so two writes overlap each other and the hashing.
  Status CommitChunks(std::string_view run, uint64_t count, bool lent) {
    ActiveUpload& upload = *upload_;
    Blobs blobs(impl_);
    const std::lock_guard<std::mutex> lock(upload.mutex);
    if (upload.gone) {
      return Status(Code::kAborted,
                    "this upload was restarted by a new offer or collected while the request "
                    "ran; ask the blob's status and start again from there");
    }
    CAIRN_RETURN_IF_ERROR(blobs.LoadLocked(upload));
    const uint64_t at = upload.written + (upload.pending ? upload.pending->chunks : 0);
    if (at != next_) {
      CAIRN_RETURN_IF_ERROR(LostRun());
      return FailedPrecondition("another request moved this upload on: it continues at chunk " +
                                std::to_string(at) + ", not " + std::to_string(next_) +
                                "; send from chunk " + std::to_string(at));
    }
    std::future<Status> write =
        impl_.background_writes.Start(*upload.file, next_ * upload.row.chunk_size, run);
    uint64_t matched = 0;
    uint64_t matched_bytes = 0;
    for (; matched < count; ++matched) {
      const std::string_view chunk = run.substr(
          matched_bytes, ChunkLength(upload.row.size, upload.row.chunk_size, next_ + matched));
      // One pass for the chunk's hash and the whole's (BlobHasher).
      if (DigestBytes(upload.hasher->HashChunk(chunk)) != upload.ChunkHash(next_ + matched)) {
        break;
      }
      upload.hasher->Accept(chunk);
      matched_bytes += chunk.size();
    }
    // The run before this one counts first. If its write failed, the upload's memory is gone
    // (and with it what the whole hash took of this run).
    if (Status settled = blobs.SettleLocked(upload, &write); !settled.ok()) return settled;
    const bool last = upload.written + matched == upload.chunks();
    if (lent && matched == count && !last) {
      if (upload.written - upload.durable >= impl_.options.blob_sync_every_chunks) {
        CAIRN_RETURN_IF_ERROR(blobs.SyncLocked(upload, &write));
      }
      lent_outcome_ = std::make_shared<Status>();
      upload.pending = ActiveUpload::PendingRun{std::move(write), count, lent_outcome_};
      upload.last_write = std::chrono::steady_clock::now();
      next_ += count;
      verified_ += matched_bytes;
      made_pending_ = true;
      return {};
    }
    // The count moves only after the write succeeded, so a full disk loses nothing counted.
    if (Status written = write.get(); !written.ok()) {
      if (matched > 0) {
        // The whole hash has taken chunks that do not count: make the count before them durable
        // and drop the upload's memory; the next load rebuilds the hash from the file.
        (void)blobs.SyncLocked(upload);
        Blobs::Forget(upload);
      }
      return written;
    }
    upload.last_write = std::chrono::steady_clock::now();
    const uint64_t first = upload.written;
    upload.written += matched;
    next_ += matched;
    verified_ += matched_bytes;
    Blobs::StartWriteback(upload, first);
    if (matched < count) {
      ++refused_;
      return InvalidArgument("chunk " + std::to_string(next_) +
                             " does not match the hash offered for it; the " +
                             std::to_string(next_) + " chunks before it are kept");
    }
    if (upload.written == upload.chunks()) {
      CAIRN_RETURN_IF_ERROR(blobs.CompleteLocked(upload));
      completed_ = true;
      return {};
    }
    if (upload.written - upload.durable >= impl_.options.blob_sync_every_chunks) {
      CAIRN_RETURN_IF_ERROR(blobs.SyncLocked(upload));
    }
    return {};
  }

  ServerStore::Impl& impl_;
  std::shared_ptr<ActiveUpload> upload_;
  uint64_t next_;
  std::string buffer_;  // the chunk being received
  Status failed_;
  bool finished_ = false;
  Result<BlobInfo> finish_result_ = Internal("not finished");
  uint64_t received_ = 0;
  uint64_t verified_ = 0;
  uint64_t refused_ = 0;
  bool completed_ = false;
  bool made_pending_ = false;             // the current call left a run pending
  std::shared_ptr<Status> lent_outcome_;  // of the last run it left pending (PendingRun)
};

// A writer for a blob that is already present: it takes no bytes.
class PresentWriter final : public BlobWriter {
 public:
  explicit PresentWriter(BlobInfo info) : info_(std::move(info)) {}
  Status Append(std::string_view bytes) override {
    if (bytes.empty()) return {};
    return InvalidArgument("the blob is already present; send no chunks");
  }
  Result<BlobInfo> Finish() override { return info_; }
  uint64_t bytes_received() const override { return 0; }
  uint64_t bytes_verified() const override { return 0; }
  uint64_t chunks_refused() const override { return 0; }
  bool completed() const override { return false; }
  uint64_t bytes_remaining() const override { return 0; }

 private:
  BlobInfo info_;
};

Status ValidateOffer(const ServerStoreOptions& options, std::string_view sha,
                     const BlobOfferSpec& offer) {
  if (offer.chunk_size != kBlobChunkBytes) {
    return InvalidArgument("chunk_size must be " + std::to_string(kBlobChunkBytes) + ", not " +
                           std::to_string(offer.chunk_size));
  }
  if (offer.size > options.max_blob_bytes) {
    return TooLarge("the blob is " + std::to_string(offer.size) +
                    " bytes; this server takes blobs of at most " +
                    std::to_string(options.max_blob_bytes) + " bytes");
  }
  const uint64_t chunks = ChunkCount(offer.size, offer.chunk_size);
  if (offer.chunk_sha256.size() != chunks) {
    return InvalidArgument("a blob of " + std::to_string(offer.size) + " bytes has " +
                           std::to_string(chunks) + " chunks of " +
                           std::to_string(offer.chunk_size) + " bytes, but the offer has " +
                           std::to_string(offer.chunk_sha256.size()) + " chunk hashes");
  }
  for (size_t i = 0; i < offer.chunk_sha256.size(); ++i) {
    if (offer.chunk_sha256[i].size() != 32) {
      return InvalidArgument("chunk hash " + std::to_string(i) + " has " +
                             std::to_string(offer.chunk_sha256[i].size()) +
                             " bytes; a SHA-256 has 32");
    }
  }
  if (offer.media_type.size() > 255) {
    return InvalidArgument("the media type is longer than 255 bytes");
  }
  if (offer.size == 0) {
    const std::string empty = Sha256Bytes({});
    if (offer.chunk_sha256[0] != empty) {
      return InvalidArgument("an empty blob's one chunk hash is the SHA-256 of no bytes");
    }
    if (sha != empty) {
      return FailedPrecondition("the offer is of no bytes, whose SHA-256 is " + LowerHex(empty) +
                                ", not " + LowerHex(sha));
    }
  }
  return {};
}

}  // namespace

Result<BlobInfo> ServerStore::OfferBlob(const Principal& principal, std::string_view sha256,
                                        const BlobOfferSpec& offer) {
  CAIRN_RETURN_IF_ERROR(CheckWriter(principal));
  CAIRN_RETURN_IF_ERROR(CheckSha(sha256));
  const int64_t scope = principal.write_scope;
  Blobs blobs(*impl_);
  // Offers serialise on uploads_mutex, so that a restart and a concurrent first chunk cannot
  // interleave.
  const std::lock_guard<std::mutex> uploads_lock(impl_->uploads_mutex);
  CAIRN_ASSIGN_OR_RETURN(std::optional<BlobRow> row, blobs.ReadRow(scope, sha256));
  // A blob the scope holds is never sent again, whatever the offer says.
  if (row && row->state == kStatePresent) return InfoOf(sha256, *row);
  CAIRN_RETURN_IF_ERROR(ValidateOffer(impl_->options, sha256, offer));
  std::string hashes;
  hashes.reserve(offer.chunk_sha256.size() * 32);
  for (const std::string& hash : offer.chunk_sha256) hashes += hash;
  if (row) {
    if (row->size == offer.size && row->chunk_size == offer.chunk_size &&
        row->chunk_hashes == hashes) {
      CAIRN_ASSIGN_OR_RETURN(BlobInfo info, blobs.StatusLocked(scope, sha256));
      // An offer is a sign of life: the upload is not abandoned.
      const std::lock_guard<std::mutex> lock(impl_->write_mutex);
      CAIRN_ASSIGN_OR_RETURN(store::Statement touch,
                             impl_->writer->Prepare("UPDATE blobs SET updated_ms = ?3 WHERE "
                                                    "scope_id = ?1 AND sha256 = ?2"));
      touch.Bind(1, scope).BindBlob(2, sha256).Bind(3, blobs.Now());
      CAIRN_RETURN_IF_ERROR(touch.Run());
      return info;
    }
    // The same name with other chunks: at most one of the offers is of the bytes named, and
    // which one only the end can tell. The newest offer wins; the old upload starts over.
    CAIRN_RETURN_IF_ERROR(blobs.DiscardLocked(scope, sha256));
  }

  const int64_t now = blobs.Now();
  const bool empty = offer.size == 0;
  if (empty) {
    // Nothing to upload: the one empty file is the blob.
    BlobFileSystem& fs = *impl_->blob_files;
    const std::string dir = blobs.PresentDir(sha256);
    const std::string path = blobs.PresentPath(sha256);
    if (!fs.Exists(path)) {
      CAIRN_RETURN_IF_ERROR(fs.CreateDirectories(dir));
      CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobFile> file, fs.Open(path, /*create=*/true));
      CAIRN_RETURN_IF_ERROR(file->Sync());
      CAIRN_RETURN_IF_ERROR(fs.SyncDirectory(dir));
    }
  }
  BlobRow fresh;
  fresh.size = offer.size;
  fresh.media_type = offer.media_type;
  fresh.chunk_size = offer.chunk_size;
  fresh.chunk_hashes = std::move(hashes);
  fresh.verified_chunks = empty ? 1 : 0;
  fresh.state = empty ? kStatePresent : kStatePartial;
  const std::lock_guard<std::mutex> lock(impl_->write_mutex);
  store::Database& db = *impl_->writer;
  const Status inserted = InTransaction(db, [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement used,
        db.Prepare("SELECT coalesce(sum(size), 0) FROM blobs WHERE scope_id = ?1"));
    used.Bind(1, scope);
    CAIRN_ASSIGN_OR_RETURN(const bool got, used.Step());
    const auto held = got ? static_cast<uint64_t>(used.ColumnInt(0)) : 0;
    const uint64_t quota = impl_->options.scope_quota_bytes;
    if (offer.size > quota || held > quota - offer.size) {
      return ResourceExhausted("this account holds " + std::to_string(held) +
                               " bytes of evidence (uploaded or being uploaded); another " +
                               std::to_string(offer.size) + " would pass its quota of " +
                               std::to_string(quota) + " bytes");
    }
    CAIRN_ASSIGN_OR_RETURN(
        store::Statement insert,
        db.Prepare("INSERT INTO blobs(scope_id, sha256, size, media_type, chunk_size, "
                   "chunk_hashes, verified_chunks, state, created_ms, updated_ms) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"));
    insert.Bind(1, scope).BindBlob(2, sha256).Bind(3, static_cast<int64_t>(fresh.size));
    insert.BindText(4, fresh.media_type).Bind(5, fresh.chunk_size);
    insert.BindBlob(6, fresh.chunk_hashes).Bind(7, static_cast<int64_t>(fresh.verified_chunks));
    insert.Bind(8, fresh.state).Bind(9, now);
    CAIRN_RETURN_IF_ERROR(insert.Run());
    if (empty) return MarkSubmissionsNamingBlob(db, scope, sha256, now);
    return {};
  });
  if (!inserted.ok()) return inserted;
  return InfoOf(sha256, fresh);
}

Result<BlobInfo> ServerStore::GetBlobStatus(const Principal& principal, std::string_view sha256) {
  CAIRN_RETURN_IF_ERROR(CheckWriter(principal));
  CAIRN_RETURN_IF_ERROR(CheckSha(sha256));
  Blobs blobs(*impl_);
  const std::lock_guard<std::mutex> uploads_lock(impl_->uploads_mutex);
  return blobs.StatusLocked(principal.write_scope, sha256);
}

Result<std::unique_ptr<BlobWriter>> ServerStore::BeginBlobChunks(const Principal& principal,
                                                                 std::string_view sha256,
                                                                 uint64_t first) {
  CAIRN_RETURN_IF_ERROR(CheckWriter(principal));
  CAIRN_RETURN_IF_ERROR(CheckSha(sha256));
  const int64_t scope = principal.write_scope;
  Blobs blobs(*impl_);
  std::shared_ptr<ActiveUpload> upload;
  {
    const std::lock_guard<std::mutex> uploads_lock(impl_->uploads_mutex);
    CAIRN_ASSIGN_OR_RETURN(upload, blobs.UploadLocked(scope, sha256));
  }
  if (!upload) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<BlobRow> row, blobs.ReadRow(scope, sha256));
    if (!row) {
      return FailedPrecondition("blob " + LowerHex(sha256) +
                                " was never offered (or its upload expired); offer it first "
                                "with PUT /v1/blobs/" +
                                LowerHex(sha256));
    }
    const BlobInfo info = InfoOf(sha256, *row);
    if (first != info.verified_chunks) {
      return FailedPrecondition("the server holds the whole blob (" +
                                std::to_string(info.verified_chunks) +
                                " chunks); there is nothing to upload");
    }
    return std::unique_ptr<BlobWriter>(std::make_unique<PresentWriter>(info));
  }
  {
    const std::lock_guard<std::mutex> lock(upload->mutex);
    CAIRN_RETURN_IF_ERROR(blobs.LoadLocked(*upload));
    if (first != upload->written) {
      return FailedPrecondition("the upload continues at chunk " + std::to_string(upload->written) +
                                ", not at chunk " + std::to_string(first) + "; send from chunk " +
                                std::to_string(upload->written));
    }
  }
  return std::unique_ptr<BlobWriter>(std::make_unique<Writer>(*impl_, std::move(upload), first));
}

Result<BlobLocation> ServerStore::LocateBlob(const Principal& principal, std::string_view sha256) {
  CAIRN_RETURN_IF_ERROR(CheckWriter(principal));
  CAIRN_RETURN_IF_ERROR(CheckSha(sha256));
  Blobs blobs(*impl_);
  CAIRN_ASSIGN_OR_RETURN(std::optional<BlobRow> row, blobs.ReadRow(principal.write_scope, sha256));
  // Another scope's blob is as absent as a blob nobody has: a device cannot learn what others
  // hold.
  if (!row || row->state != kStatePresent) {
    return NotFound("this account holds no complete blob " + LowerHex(sha256));
  }
  return BlobLocation{blobs.PresentPath(sha256), row->size, row->media_type};
}

Result<SubmissionInfo> ServerStore::GetSubmissionStatus(const Principal& principal,
                                                        const EntityId& id) {
  CAIRN_RETURN_IF_ERROR(CheckWriter(principal));
  const int64_t scope = principal.write_scope;
  SubmissionInfo info;
  info.id = id;
  std::vector<SnapshotRecord::Blob> named;
  {
    CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
    CAIRN_RETURN_IF_ERROR(reader->Exec("BEGIN"));
    const Status read = [&]() -> Status {
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement submission,
          reader->Prepare("SELECT completed_ms FROM submissions WHERE id = ?1 AND scope_id = ?2"));
      submission.BindBlob(1, id.AsBytes()).Bind(2, scope);
      CAIRN_ASSIGN_OR_RETURN(info.snapshot_received, submission.Step());
      if (info.snapshot_received) {
        if (!submission.ColumnIsNull(0)) info.completed_ms = submission.ColumnInt(0);
        info.complete = info.completed_ms.has_value();
        CAIRN_ASSIGN_OR_RETURN(
            store::Statement blobs,
            reader->Prepare("SELECT sha256, size, media_type FROM submission_blobs "
                            "WHERE submission_id = ?1 ORDER BY position"));
        blobs.BindBlob(1, id.AsBytes());
        while (true) {
          CAIRN_ASSIGN_OR_RETURN(const bool row, blobs.Step());
          if (!row) break;
          named.push_back({std::string(blobs.ColumnBlob(0)),
                           static_cast<uint64_t>(blobs.ColumnInt(1)),
                           std::string(blobs.ColumnText(2))});
        }
        return {};
      }
      CAIRN_ASSIGN_OR_RETURN(
          store::Statement entity,
          reader->Prepare("SELECT 1 FROM entities WHERE id = ?1 AND scope_id = ?2 AND type = ?3"));
      entity.BindBlob(1, id.AsBytes()).Bind(2, scope).BindText(3, "submission");
      CAIRN_ASSIGN_OR_RETURN(const bool known, entity.Step());
      if (!known) {
        return NotFound("this account has no submission " + id.ToString() +
                        " on the server; push it first");
      }
      return {};
    }();
    (void)reader->Exec("COMMIT");
    CAIRN_RETURN_IF_ERROR(read);
  }
  for (const SnapshotRecord::Blob& blob : named) {
    CAIRN_ASSIGN_OR_RETURN(BlobInfo status, GetBlobStatus(principal, blob.sha256));
    if (status.state == BlobState::kAbsent) {
      status.size = blob.size;
      status.media_type = blob.media_type;
    }
    info.blobs.push_back(std::move(status));
  }
  return info;
}

Result<uint64_t> ServerStore::CollectStaleUploads() {
  Blobs blobs(*impl_);
  const int64_t cutoff = blobs.Now() - impl_->options.partial_upload_ttl_ms;
  const std::lock_guard<std::mutex> uploads_lock(impl_->uploads_mutex);
  std::vector<std::pair<int64_t, std::string>> stale;
  {
    CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
    CAIRN_ASSIGN_OR_RETURN(store::Statement select,
                           reader->Prepare("SELECT scope_id, sha256 FROM blobs "
                                           "WHERE state = 2 AND updated_ms < ?1"));
    select.Bind(1, cutoff);
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      stale.emplace_back(select.ColumnInt(0), std::string(select.ColumnBlob(1)));
    }
  }
  uint64_t collected = 0;
  for (const auto& key : stale) {
    // An upload a request is writing right now is not abandoned, whatever its row says.
    if (auto it = impl_->uploads.find(key);
        it != impl_->uploads.end() && it->second.use_count() > 1) {
      continue;
    }
    CAIRN_RETURN_IF_ERROR(blobs.DiscardLocked(key.first, key.second));
    ++collected;
  }
  return collected;
}

}  // namespace cairn::server
