// The evidence lookup over the device's encrypted blob store: each held file decrypted chunk by
// chunk and hashed as it is read, so memory stays at one chunk whatever the file's size.
#include <openssl/evp.h>

#include <memory>

#include "cairn/badge/verify.h"
#include "cairn/blob_store.h"

namespace cairn::badge {
namespace {

Result<Sha256Digest> HashPlaintext(BlobReader& reader) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("OpenSSL could not start a SHA-256");
  }
  std::string chunk;
  for (uint64_t i = 0; i < reader.chunk_count(); ++i) {
    CAIRN_RETURN_IF_ERROR(reader.ReadChunk(i, &chunk));
    if (EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()) != 1) {
      return Internal("OpenSSL could not hash evidence");
    }
  }
  Sha256Digest digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 || length != digest.size()) {
    return Internal("OpenSSL could not finish a SHA-256");
  }
  return digest;
}

}  // namespace

EvidenceLookup EvidenceInBlobStore(const BlobStore& store) {
  return [&store](const Sha256Digest& named) -> Result<std::optional<Sha256Digest>> {
    CAIRN_ASSIGN_OR_RETURN(const bool held, store.Has(named));
    if (!held) return std::optional<Sha256Digest>();
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, store.Open(named));
    CAIRN_ASSIGN_OR_RETURN(const Sha256Digest digest, HashPlaintext(*reader));
    return std::optional<Sha256Digest>(digest);
  };
}

}  // namespace cairn::badge
