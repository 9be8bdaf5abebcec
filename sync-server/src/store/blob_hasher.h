// BlobHasher: the two SHA-256s the server computes over every uploaded byte (decision 0009) —
// each chunk's own hash, checked against the offer, and the running hash of the whole blob,
// checked against its name — in one pass.
//
// Both hashes see the same 64-byte blocks in the same order (every chunk but the last is a
// multiple of 64 bytes), so on CPUs with the SHA extensions the message schedule of a block is
// computed once and the rounds of the two hashes run interleaved: about the cost of one hash
// instead of two. Elsewhere it falls back to OpenSSL, two passes.
//
// A chunk is hashed first and joins the whole only once the caller has checked it (Accept), so
// a chunk that does not match its offer leaves the whole untouched.
//
// Thread-safety: one thread at a time (the blob store holds the upload's mutex).
#ifndef CAIRN_SERVER_STORE_BLOB_HASHER_H_
#define CAIRN_SERVER_STORE_BLOB_HASHER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cairn::server {

class BlobHasher {
 public:
  using Digest = std::array<uint8_t, 32>;

  BlobHasher();
  ~BlobHasher();
  BlobHasher(const BlobHasher&) = delete;
  BlobHasher& operator=(const BlobHasher&) = delete;

  // The SHA-256 of `chunk`. The whole-blob hash with the chunk appended is kept pending until
  // Accept(chunk) with the same bytes; another HashChunk drops it.
  Digest HashChunk(std::string_view chunk);
  // Appends the chunk last hashed to the whole. REQUIRES: `chunk` is the same bytes.
  void Accept(std::string_view chunk);
  // The SHA-256 of every accepted chunk in order. Ends the hasher.
  Digest FinishWhole();

  // True when the one-pass path (SHA extensions) is in use.
  static bool OnePass();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_STORE_BLOB_HASHER_H_
