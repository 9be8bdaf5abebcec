#include "badge/signing_keys.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "cairn/badge/openssl_errors.h"

namespace cairn::server {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct CtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

constexpr std::string_view kPkcs8Begin = "-----BEGIN PRIVATE KEY-----";

// Refuses to supply a passphrase, so that an encrypted PEM fails instead of prompting.
int NoPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

Result<PkeyPtr> GenerateRsaKey(int bits) {
  if (bits < 2048) {
    return InvalidArgument("RSA keys for RS256 need at least 2048 bits, not " +
                           std::to_string(bits));
  }
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &key) != 1) {
    return Internal("generating an RSA key: " + badge::TakeOpenSslErrors());
  }
  return PkeyPtr(key);
}

Result<PkeyPtr> GenerateEd25519Key() {
  std::unique_ptr<EVP_PKEY_CTX, CtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "ED25519", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &key) != 1) {
    return Internal("generating an Ed25519 key: " + badge::TakeOpenSslErrors());
  }
  return PkeyPtr(key);
}

Result<std::array<uint8_t, 64>> SignEd25519(EVP_PKEY* key, std::string_view message) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "ED25519")) {
    return InvalidArgument("SignEd25519: the key is not an Ed25519 key");
  }
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> md(EVP_MD_CTX_new());
  std::array<uint8_t, 64> signature{};
  size_t size = signature.size();
  // Ed25519 hashes internally: no digest is named, and it signs in one shot.
  if (!md ||
      EVP_DigestSignInit_ex(md.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr) != 1 ||
      EVP_DigestSign(md.get(), signature.data(), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != signature.size()) {
    return Internal("Ed25519 signing: " + badge::TakeOpenSslErrors());
  }
  return signature;
}

Result<std::array<uint8_t, 32>> Ed25519PublicKey(EVP_PKEY* key) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "ED25519")) {
    return InvalidArgument("Ed25519PublicKey: the key is not an Ed25519 key");
  }
  std::array<uint8_t, 32> out{};
  size_t size = out.size();
  if (EVP_PKEY_get_raw_public_key(key, out.data(), &size) != 1 || size != out.size()) {
    return Internal("reading an Ed25519 public key: " + badge::TakeOpenSslErrors());
  }
  return out;
}

Result<std::string> PrivateKeyToPem(EVP_PKEY* key) {
  if (key == nullptr) return InvalidArgument("PrivateKeyToPem: no key");
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("writing a PKCS#8 private key: " + badge::TakeOpenSslErrors());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(size));
  OPENSSL_cleanse(data, static_cast<size_t>(size));
  return pem;
}

Result<PkeyPtr> PrivateKeyFromPem(std::string_view pem) {
  const size_t begin = pem.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos || pem.substr(begin, kPkcs8Begin.size()) != kPkcs8Begin) {
    return InvalidArgument("not an unencrypted PKCS#8 PEM private key (expected \"" +
                           std::string(kPkcs8Begin) + "\")");
  }
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr) : nullptr;
  if (key == nullptr) {
    return InvalidArgument("reading a PKCS#8 PEM private key: " + badge::TakeOpenSslErrors());
  }
  return PkeyPtr(key);
}

}  // namespace cairn::server
