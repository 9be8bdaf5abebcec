// KeyVault: seals issuers' private signing keys for storage, under the server's badge key — 32
// random bytes in a file of its own (DATA/badge-keys.key, mode 0600), kept apart from the
// database so that a copy of the database alone (a backup, a support dump) signs nothing.
// Sealing is AES-256-GCM with a random 96-bit nonce, and the key's id as associated data, so a
// sealed key cannot be moved to another id's row unnoticed.
//
// Sealed form: nonce (12) ‖ ciphertext ‖ tag (16).
//
// Thread-safety: immutable after Open; Seal and Open may run on any thread.
#ifndef CAIRN_SERVER_BADGE_KEY_VAULT_H_
#define CAIRN_SERVER_BADGE_KEY_VAULT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

class KeyVault {
 public:
  // Reads the key file at `path`, creating it (0600, 32 random bytes, fsynced) if missing.
  // FailedPrecondition for a file of another size, or one others may read.
  static Result<KeyVault> OpenOrCreate(const std::string& path);
  // A vault over `key` (tests).
  explicit KeyVault(const std::array<uint8_t, 32>& key) : key_(key) {}

  Result<std::string> Seal(std::string_view plaintext, std::string_view key_id) const;
  // DataLoss when `sealed` was not sealed by this vault for `key_id` (another server's key
  // file, a damaged row, a row moved to another id).
  Result<std::string> Unseal(std::string_view sealed, std::string_view key_id) const;

 private:
  std::array<uint8_t, 32> key_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_KEY_VAULT_H_
