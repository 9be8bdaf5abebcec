#include "badge/key_vault.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace cairn::server {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

int Length(size_t n) { return static_cast<int>(n); }

Status Errno(std::string_view what, const std::string& path) {
  return Unavailable(std::string(what) + " " + path + ": " + std::strerror(errno));
}

Result<std::array<uint8_t, 32>> CreateKeyFile(const std::string& path) {
  std::array<uint8_t, 32> key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return Internal("OpenSSL could not make random bytes for the badge key");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create the badge key file", path);
  const bool written =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    return Errno("cannot write the badge key file", path);
  }
  return key;
}

}  // namespace

Result<KeyVault> KeyVault::OpenOrCreate(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return Errno("cannot open the badge key file", path);
    using Key = std::array<uint8_t, 32>;
    CAIRN_ASSIGN_OR_RETURN(const Key key, CreateKeyFile(path));
    return KeyVault(key);
  }
  struct stat info {};
  std::array<uint8_t, 32> key{};
  const bool stat_ok = ::fstat(fd, &info) == 0;
  const ssize_t got = stat_ok ? ::read(fd, key.data(), key.size()) : -1;
  ::close(fd);
  if (!stat_ok) return Errno("cannot stat the badge key file", path);
  if ((info.st_mode & 077) != 0) {
    return FailedPrecondition("the badge key file " + path +
                              " may be read by other users; chmod 600 it");
  }
  if (info.st_size != static_cast<off_t>(key.size()) || got != static_cast<ssize_t>(key.size())) {
    return FailedPrecondition("the badge key file " + path + " has " +
                              std::to_string(info.st_size) +
                              " bytes, not 32; restore it from the backup it was kept in");
  }
  return KeyVault(key);
}

Result<std::string> KeyVault::Seal(std::string_view plaintext, std::string_view key_id) const {
  std::string out(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(nonce, kNonceBytes) != 1) return Internal("OpenSSL could not make a nonce");
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int n = 0;
  int tail = 0;
  unsigned char* body = nonce + kNonceBytes;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, Bytes(key_id), Length(key_id.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &n, Bytes(plaintext), Length(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + n, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, body + plaintext.size()) !=
          1) {
    return Internal("OpenSSL could not seal a signing key");
  }
  return out;
}

Result<std::string> KeyVault::Unseal(std::string_view sealed, std::string_view key_id) const {
  if (sealed.size() < kNonceBytes + kTagBytes) {
    return DataLoss("the sealed signing key " + std::string(key_id) + " is too short");
  }
  const size_t length = sealed.size() - kNonceBytes - kTagBytes;
  std::string out(length, '\0');
  std::string tag(sealed.substr(kNonceBytes + length));
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int n = 0;
  int tail = 0;
  auto* plain = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), Bytes(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, Bytes(key_id), Length(key_id.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), plain, &n, Bytes(sealed) + kNonceBytes, Length(length)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain + n, &tail) != 1) {
    return DataLoss("the signing key " + std::string(key_id) +
                    " does not open with this server's badge key file; was the file replaced?");
  }
  return out;
}

}  // namespace cairn::server
