// FileKeyProvider: the blob key in a private file (the CLI's key store).
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

#include "blob/blob_format.h"
#include "cairn/blob_store.h"

namespace cairn {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Makes a new key file atomically: the key goes to a temporary file that is linked to `path`
// only when whole, so a concurrent reader never sees half a key, and of two processes that race
// to create it one wins and the other reads the winner's key.
Status CreateKeyFile(const std::string& path, Random& random) {
  BlobKeyBytes key{};
  random.Fill(key);
  std::string text;
  for (uint8_t b : key) {
    text.push_back(kHexDigits[b >> 4]);
    text.push_back(kHexDigits[b & 15]);
  }
  text.push_back('\n');
  OPENSSL_cleanse(key.data(), key.size());
  const std::string tmp = path + ".tmp-" + blob::RandomName(random);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return blob::ErrnoStatus(errno, "cannot create the blob key file", tmp);
  Status s = blob::WriteAll(fd, text, tmp);
  OPENSSL_cleanse(text.data(), text.size());
  if (s.ok()) s = blob::SyncFd(fd, tmp);
  ::close(fd);
  if (s.ok() && ::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
    s = blob::ErrnoStatus(errno, "cannot create the blob key file", path);
  }
  ::unlink(tmp.c_str());
  if (s.ok()) s = blob::SyncDir(DirOf(path));
  return s;
}

}  // namespace

FileKeyProvider::FileKeyProvider(std::string path, Env env) : path_(std::move(path)), env_(env) {}

Result<BlobKeyBytes> FileKeyProvider::BlobKey() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    CAIRN_RETURN_IF_ERROR(CreateKeyFile(path_, *env_.random));
    fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) {
    if (errno == ELOOP) {
      return PermissionDenied("the blob key file " + path_ +
                              " is a symbolic link; it must be a plain file only you can read");
    }
    return blob::ErrnoStatus(errno, "cannot open the blob key file", path_);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return blob::ErrnoStatus(err, "cannot inspect the blob key file", path_);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return PermissionDenied("the blob key file " + path_ + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return PermissionDenied("the blob key file " + path_ + " has mode " + ModeText(st.st_mode) +
                            ", so other users may read it and with it the evidence; make it "
                            "private with 'chmod 600 " +
                            path_ + "'");
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return PermissionDenied("the blob key file " + path_ + " belongs to user id " +
                            std::to_string(st.st_uid) + ", not to you (" +
                            std::to_string(::geteuid()) + "); only its owner may use it");
  }
  std::string text;
  const Status read = blob::PreadAll(fd, 0, std::min<uint64_t>(st.st_size, 256), &text, path_);
  ::close(fd);
  CAIRN_RETURN_IF_ERROR(read);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::optional<Sha256> key = ParseSha256Hex(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!key) {
    return DataLoss("the blob key file " + path_ +
                    " is damaged: it must hold 64 hex digits. Without the right key the "
                    "evidence on this device cannot be read; restore the file from a backup");
  }
  return *key;
}

}  // namespace cairn
