// BlobHasher against OpenSSL's SHA-256: every chunk's hash and the whole's, for chunk lengths
// around the 64-byte block and the 64 KiB chunk, refused chunks in between, and a short chunk
// that is not the last (the whole is then no longer block-aligned).
#include "store/blob_hasher.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cairn::server {
namespace {

BlobHasher::Digest OpenSsl(std::string_view bytes) {
  BlobHasher::Digest out{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// Hashes `lengths` as chunks (each preceded by a refused chunk) and checks every digest.
void CheckChunks(const std::vector<size_t>& lengths, uint64_t seed) {
  std::mt19937_64 rng(seed);
  BlobHasher hasher;
  std::string whole;
  for (const size_t length : lengths) {
    const std::string refused = RandomBytes(rng, 100);
    EXPECT_EQ(hasher.HashChunk(refused), OpenSsl(refused));
    const std::string chunk = RandomBytes(rng, length);
    ASSERT_EQ(hasher.HashChunk(chunk), OpenSsl(chunk)) << "a chunk of " << length << " bytes";
    hasher.Accept(chunk);
    whole += chunk;
  }
  EXPECT_EQ(hasher.FinishWhole(), OpenSsl(whole)) << "the whole of " << lengths.size() << " chunks";
}

TEST(BlobHasherTest, EmptyBlobIsTheHashOfNothing) {
  BlobHasher hasher;
  const BlobHasher::Digest empty = OpenSsl("");
  EXPECT_EQ(hasher.HashChunk(""), empty);
  hasher.Accept("");
  EXPECT_EQ(hasher.FinishWhole(), empty);
}

TEST(BlobHasherTest, LastChunkOfEveryLengthAroundTheBlock) {
  // 55/56 and 63/64/65 bytes are where the padding takes one or two blocks.
  for (size_t tail = 0; tail <= 130; ++tail) {
    CheckChunks({65536, 65536, tail}, tail);
  }
}

TEST(BlobHasherTest, FullChunksAndAShortLastOne) {
  CheckChunks({65536, 65536, 65536, 65536, 65535}, 1);
  CheckChunks({65536}, 2);
  CheckChunks({1}, 3);
}

TEST(BlobHasherTest, ShortChunksBeforeTheLast) {
  // Not what an upload sends, but the whole must stay right whatever the lengths.
  CheckChunks({100, 65536, 7, 64, 129, 65536}, 4);
  CheckChunks({63, 1, 64, 65}, 5);
}

TEST(BlobHasherTest, ARefusedChunkLeavesTheWholeUntouched) {
  BlobHasher hasher;
  const std::string a(65536, 'a');
  const std::string b(65536, 'b');
  (void)hasher.HashChunk(a);
  hasher.Accept(a);
  (void)hasher.HashChunk(std::string(65536, 'x'));  // refused: never accepted
  (void)hasher.HashChunk(b);
  hasher.Accept(b);
  EXPECT_EQ(hasher.FinishWhole(), OpenSsl(a + b));
}

}  // namespace
}  // namespace cairn::server
