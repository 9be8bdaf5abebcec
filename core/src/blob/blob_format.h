// The on-disk format of a sealed blob (decision 0009) and the file helpers the blob store shares.
//
//   header  "CAIRNBLB" | version u32 | chunk size u32 | plaintext size u64     (24 bytes, LE)
//   chunk i nonce (12) | AES-256-GCM ciphertext (chunk's plaintext length) | tag (16)
//
// AAD of chunk i: i as u64 LE, then 1 if it is the last chunk else 0.
#ifndef CAIRN_BLOB_BLOB_FORMAT_H_
#define CAIRN_BLOB_BLOB_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/blob_store.h"
#include "cairn/env.h"
#include "cairn/status.h"

namespace cairn::blob {

inline constexpr std::string_view kMagic = "CAIRNBLB";
inline constexpr uint32_t kVersion = 1;
inline constexpr uint64_t kHeaderBytes = 24;
inline constexpr uint64_t kNonceBytes = 12;
inline constexpr uint64_t kTagBytes = 16;

struct Header {
  uint32_t version = kVersion;
  uint32_t chunk_size = kBlobChunkBytes;
  uint64_t size = 0;
};

std::string EncodeHeader(const Header& header);
// InvalidArgument naming what is wrong (the caller turns it into DataLoss with the blob's name).
Result<Header> DecodeHeader(std::string_view bytes);

// Plaintext length of chunk `index` of a blob of `size` bytes.
uint64_t ChunkPlainBytes(uint64_t size, uint64_t index);
// Offset of chunk `index`'s record in the file.
uint64_t RecordOffset(uint64_t index);
// Length of the whole file for a blob of `size` bytes.
uint64_t FileBytes(uint64_t size);

// Seals and opens chunk records with one key. Not thread-safe.
class ChunkCipher {
 public:
  explicit ChunkCipher(const BlobKeyBytes& key);
  ~ChunkCipher();
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;

  // Appends the record of `plaintext` (nonce from `random`) to `*out`.
  Status Seal(uint64_t index, bool last, std::string_view plaintext, Random& random,
              std::string* out);
  // Appends the plaintext of `record` to `*out`; false (and `*out` as it was) when it does not
  // authenticate.
  bool Open(uint64_t index, bool last, std::string_view record, std::string* out);
  // The same with any AAD (the sealed chunk list).
  Status SealWithAad(std::string_view aad, std::string_view plaintext, Random& random,
                     std::string* out);
  bool OpenWithAad(std::string_view aad, std::string_view record, std::string* out);

 private:
  BlobKeyBytes key_;
  void* ctx_;  // EVP_CIPHER_CTX
};

// SHA-256 streamed over many pieces.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view bytes);
  Sha256 Finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

// A Status for a failed system call on `path`: ENOSPC/EDQUOT become ResourceExhausted, EACCES
// PermissionDenied, ENOENT NotFound, the rest Internal; `what` says what was being done.
Status ErrnoStatus(int err, std::string_view what, const std::string& path);

Status WriteAll(int fd, std::string_view bytes, const std::string& path);
// Reads exactly `length` bytes at `offset`; DataLoss "ends early" when the file is shorter.
Status PreadAll(int fd, uint64_t offset, uint64_t length, std::string* out,
                const std::string& path);
// Reads up to `length` bytes from the current position (fewer only at end of file).
Result<size_t> ReadUpTo(int fd, char* out, size_t length, const std::string& path);
Status SyncFd(int fd, const std::string& path);
Status SyncDir(const std::string& dir);
// Creates `dir` (mode 0700) if it does not exist.
Status MakeDir(const std::string& dir);
// A fresh file name of 32 random hex digits.
std::string RandomName(Random& random);

// The sealed list of chunk hashes beside a blob (DIR/<2 hex>/<64 hex>.chunks): nonce, the hashes
// sealed as one message with AAD "cairn-chunks" + the blob's name, tag.
Status WriteChunkList(const std::string& path, const std::string& tmp_dir, const Sha256& sha,
                      const std::vector<Sha256>& hashes, ChunkCipher& cipher, Random& random);
// nullopt when the file is missing, has the wrong length or does not authenticate (the caller
// then rebuilds it).
std::optional<std::vector<Sha256>> ReadChunkList(const std::string& path, const Sha256& sha,
                                                 uint64_t chunks, ChunkCipher& cipher);

}  // namespace cairn::blob

#endif  // CAIRN_BLOB_BLOB_FORMAT_H_
