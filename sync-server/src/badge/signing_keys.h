// The server's badge-signing keys: generation (RSA-2048 for VC-JWT RS256, Ed25519 for Data
// Integrity eddsa-rdfc-2022), raw Ed25519 signatures, and PKCS#8 PEM serialization so that the
// key store can encrypt private keys at rest.
//
// Ownership: keys are EVP_PKEYs owned by PkeyPtr (freed on destruction); functions taking a raw
// EVP_PKEY* borrow it for the call. PEM text holds the private key in the clear: callers encrypt
// or wipe it.
// Thread-safety: functions are safe from any thread; an EVP_PKEY may be used for signing from
// several threads at once (OpenSSL 3 keys are read-only once built).
#ifndef CAIRN_SERVER_BADGE_SIGNING_KEYS_H_
#define CAIRN_SERVER_BADGE_SIGNING_KEYS_H_

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// A fresh RSA key of `bits` bits (public exponent 65537). RS256 needs at least 2048.
Result<PkeyPtr> GenerateRsaKey(int bits = 2048);

// A fresh Ed25519 key.
Result<PkeyPtr> GenerateEd25519Key();

// The Ed25519 signature of `message` (RFC 8032, pure Ed25519: no pre-hash).
// REQUIRES: `key` is an Ed25519 private key.
Result<std::array<uint8_t, 64>> SignEd25519(EVP_PKEY* key, std::string_view message);

// The 32 raw bytes of an Ed25519 public key (what a Multikey encodes).
Result<std::array<uint8_t, 32>> Ed25519PublicKey(EVP_PKEY* key);

// The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----").
Result<std::string> PrivateKeyToPem(EVP_PKEY* key);

// Reads a PKCS#8 PEM private key written by PrivateKeyToPem. An encrypted PEM or any other PEM
// type is refused (never prompts for a passphrase).
Result<PkeyPtr> PrivateKeyFromPem(std::string_view pem);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_SIGNING_KEYS_H_
