// BlobStore: the device's content-addressed evidence store, encrypted at rest (DESIGN.md §2, §8;
// docs/decisions/0009-evidence-blobs.md).
//
// A blob is named by the SHA-256 of its plaintext and lives in DIR/<2 hex>/<64 hex>: a header
// (magic "CAIRNBLB", version 1, chunk size, plaintext size; 24 bytes, little-endian), then per
// 64 KiB chunk of plaintext a record of a random 96-bit nonce, the AES-256-GCM ciphertext and the
// 16-byte tag. The AAD of chunk i is i (8 bytes, little-endian) followed by a last-chunk flag
// byte, so a flipped bit, two swapped chunks, a truncated or an extended file all fail to decrypt
// (DataLoss naming the blob and the chunk). An empty blob is one empty last chunk.
//
// Beside each blob, DIR/<2 hex>/<64 hex>.chunks keeps the SHA-256 of every plaintext chunk (the
// list a BlobOffer carries), sealed with the same key; it is written by Capture and by the
// download writer, and rebuilt with one decrypting pass if it is missing or damaged. Temporary
// files live in DIR/tmp, partial downloads in DIR/partial/<64 hex> (same format, resumable).
//
// Every write goes to a temporary file that is fsynced and renamed into place: after a crash a
// name either holds a whole blob or does not exist. Memory is bounded by a couple of chunks,
// whatever the blob's size.
//
// The key comes from a KeyProvider: FileKeyProvider for the CLI (a private key file), the platform
// keystore through the bridge on phones. The store reads it once, when it opens.
//
// Thread-safety: a BlobStore may be used from one thread at a time. Several processes may share a
// directory: captures of the same content race harmlessly (the second rename replaces an
// identical file). BlobReader and BlobWriter are single-threaded values owned by their caller.
#ifndef CAIRN_BLOB_STORE_H_
#define CAIRN_BLOB_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/env.h"
#include "cairn/status.h"

namespace cairn {

namespace blob {
class ChunkCipher;
}  // namespace blob

// The chunk of encryption at rest and of transfer (decision 0009).
inline constexpr uint32_t kBlobChunkBytes = 64 * 1024;

using Sha256 = std::array<uint8_t, 32>;
using BlobKeyBytes = std::array<uint8_t, 32>;

// Lower-case hex of a SHA-256.
std::string Sha256Hex(const Sha256& sha);
// 64 hex digits (either case); nullopt if malformed.
std::optional<Sha256> ParseSha256Hex(std::string_view hex);
// SHA-256 of `bytes`.
Sha256 Sha256Of(std::string_view bytes);

// Chunks a blob of `size` bytes has: ceil(size / kBlobChunkBytes), and 1 for an empty blob.
uint64_t BlobChunkCount(uint64_t size);

// The media type of content that starts with `head` (the first bytes of a file; 64 KiB is ample,
// 16 bytes is enough for most types). `complete` says `head` is the whole file, which lets a
// short text be told from a text cut in the middle of a character. Unknown content is
// "application/octet-stream".
std::string DetectMediaType(std::string_view head, bool complete);

// Gives the 256-bit key that seals blobs at rest.
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  virtual Result<BlobKeyBytes> BlobKey() = 0;
};

// A key kept in a file of 64 hex digits and a newline, made with mode 0600 on first use (from
// env.random). A key file that group or others may read, or that another user owns, is refused
// (PermissionDenied, saying how to fix it): anyone who can read it can read the evidence.
class FileKeyProvider final : public KeyProvider {
 public:
  explicit FileKeyProvider(std::string path, Env env = SystemEnv());
  Result<BlobKeyBytes> BlobKey() override;

 private:
  std::string path_;
  Env env_;
};

// Reads one blob: decrypts and verifies chunk by chunk.
class BlobReader {
 public:
  ~BlobReader();
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;

  const Sha256& sha256() const { return sha_; }
  // Plaintext bytes.
  uint64_t size() const { return size_; }
  uint64_t chunk_count() const { return BlobChunkCount(size_); }

  // Chunk `index`'s plaintext into `*out` (replacing its contents). DataLoss "blob X chunk i was
  // altered or damaged" when the chunk fails to authenticate.
  // REQUIRES: index < chunk_count()
  Status ReadChunk(uint64_t index, std::string* out);
  // The same, appended to `*out` (left as it was on an error).
  Status AppendChunk(uint64_t index, std::string* out);
  // Plaintext bytes [offset, offset + length) appended to `*out`; OutOfRange past the end.
  Status ReadRange(uint64_t offset, uint64_t length, std::string* out);

 private:
  friend class BlobStore;
  BlobReader(int fd, Sha256 sha, uint64_t size, std::string path, const BlobKeyBytes& key);

  int fd_;
  Sha256 sha_;
  uint64_t size_;
  std::string path_;
  std::unique_ptr<blob::ChunkCipher> cipher_;
  std::string record_;  // reused between reads
  std::string plain_;   // reused by ReadRange
};

// Receives a blob's plaintext in order (a download) into DIR/partial/<sha>, sealed as it goes.
// The blob counts as held only once Finish() has checked the whole against its name. Whole
// chunks survive a crash once Sync() returns; a writer made again for the same blob resumes after
// them (received() says where).
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Plaintext bytes taken so far (the resume offset).
  uint64_t received() const { return received_; }
  uint64_t size() const { return ref_.size; }

  // Appends the next bytes; InvalidArgument if they would pass the blob's size.
  Status Append(std::string_view bytes);
  // Makes every whole chunk taken so far durable.
  Status Sync();
  // REQUIRES: received() == size(). Verifies the SHA-256 against the name and moves the blob into
  // place. On a mismatch the partial file is deleted (DataLoss): the bytes came wrong.
  Result<EvidenceRef> Finish();
  // Deletes the partial file.
  Status Discard();

 private:
  friend class BlobStore;
  struct State;
  explicit BlobWriter(std::unique_ptr<State> state, EvidenceRef ref, uint64_t received);

  std::unique_ptr<State> state_;
  EvidenceRef ref_;
  uint64_t received_;
};

// A blob being captured from bytes as they are made (a camera writing while it records): each
// 64 KiB chunk is hashed and sealed as soon as the next byte shows it is not the last, so memory
// stays at about two chunks however long the recording. Finish() seals the end, fsyncs and puts
// the blob in place (the same file Capture(path) makes); a capture destroyed unfinished leaves
// nothing behind, and one killed mid-way leaves a temporary file that the next open deletes.
//
// Thread-safety: one thread at a time.
class BlobCapture {
 public:
  ~BlobCapture();
  BlobCapture(const BlobCapture&) = delete;
  BlobCapture& operator=(const BlobCapture&) = delete;

  // Appends the next bytes. After a failure (a full disk) every later call fails the same way.
  Status Append(std::string_view bytes);
  // Plaintext bytes taken so far.
  uint64_t size() const;
  // Ends the capture: the blob is in the store and its reference returned. A blob held already
  // is kept, the copy dropped. FailedPrecondition when called twice.
  Result<EvidenceRef> Finish();

 private:
  friend class BlobStore;
  struct State;
  explicit BlobCapture(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class BlobStore {
 public:
  // Opens (creating, mode 0700) the store in `dir`; reads the key once.
  static Result<std::unique_ptr<BlobStore>> Open(std::string dir, KeyProvider& keys,
                                                 Env env = SystemEnv());
  ~BlobStore();
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;

  const std::string& dir() const { return dir_; }

  // Streams the file at `path` into the store in one pass: hashes it, detects its media type
  // from its first bytes, seals it into a temporary file, fsyncs and renames it to its name. A
  // blob already held is kept and the copy dropped. NotFound / PermissionDenied / InvalidArgument
  // for a source that is missing, unreadable or not a regular file; ResourceExhausted when the
  // disk fills (nothing is left behind).
  Result<EvidenceRef> Capture(const std::string& path);
  // Starts a capture from a stream of bytes (BlobCapture). The store must outlive it.
  Result<std::unique_ptr<BlobCapture>> BeginCapture();

  Result<bool> Has(const Sha256& sha) const;
  // NotFound if the blob is not held; DataLoss if its header or length is damaged.
  Result<std::unique_ptr<BlobReader>> Open(const Sha256& sha) const;
  // The SHA-256 of every chunk, in order (a BlobOffer's list).
  Result<std::vector<Sha256>> ChunkHashes(const Sha256& sha);
  // Deletes a blob and its chunk list; OK if it is not held.
  Status Remove(const Sha256& sha);

  // A writer for a blob to download, resuming a partial download of it if one exists.
  Result<std::unique_ptr<BlobWriter>> NewWriter(const EvidenceRef& ref);

  // DIR/<2 hex>/<64 hex>.
  std::string PathOf(const Sha256& sha) const;

 private:
  BlobStore(std::string dir, const BlobKeyBytes& key, Env env);

  std::string dir_;
  BlobKeyBytes key_;
  Env env_;
};

}  // namespace cairn

#endif  // CAIRN_BLOB_STORE_H_
