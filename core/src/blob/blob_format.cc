#include "blob/blob_format.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace cairn::blob {
namespace {

void PutLe(std::string* out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + i])) << (8 * i);
  }
  return value;
}

EVP_CIPHER_CTX* Ctx(void* p) { return static_cast<EVP_CIPHER_CTX*>(p); }

std::string ChunkAad(uint64_t index, bool last) {
  std::string aad;
  PutLe(&aad, index, 8);
  aad.push_back(last ? '\1' : '\0');
  return aad;
}

}  // namespace

std::string EncodeHeader(const Header& header) {
  std::string out(kMagic);
  PutLe(&out, header.version, 4);
  PutLe(&out, header.chunk_size, 4);
  PutLe(&out, header.size, 8);
  return out;
}

Result<Header> DecodeHeader(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes || bytes.substr(0, kMagic.size()) != kMagic) {
    return InvalidArgument("it does not start with a Cairn blob header");
  }
  Header header;
  header.version = static_cast<uint32_t>(GetLe(bytes, 8, 4));
  header.chunk_size = static_cast<uint32_t>(GetLe(bytes, 12, 4));
  header.size = GetLe(bytes, 16, 8);
  if (header.version != kVersion) {
    return InvalidArgument("its format version is " + std::to_string(header.version) +
                           ", this build reads version " + std::to_string(kVersion) +
                           " (update Cairn)");
  }
  if (header.chunk_size != kBlobChunkBytes) {
    return InvalidArgument("its header names a chunk size of " + std::to_string(header.chunk_size) +
                           " bytes, not " + std::to_string(kBlobChunkBytes));
  }
  // Beyond 2^50 bytes (1 PiB) the offsets below could overflow; no evidence file is that big.
  if (header.size > (uint64_t{1} << 50)) {
    return InvalidArgument("its header claims an impossible size");
  }
  return header;
}

uint64_t ChunkPlainBytes(uint64_t size, uint64_t index) {
  const uint64_t start = index * kBlobChunkBytes;
  if (start >= size) return 0;
  return std::min<uint64_t>(kBlobChunkBytes, size - start);
}

uint64_t RecordOffset(uint64_t index) {
  return kHeaderBytes + index * (kNonceBytes + kBlobChunkBytes + kTagBytes);
}

uint64_t FileBytes(uint64_t size) {
  const uint64_t chunks = BlobChunkCount(size);
  return kHeaderBytes + chunks * (kNonceBytes + kTagBytes) + size;
}

ChunkCipher::ChunkCipher(const BlobKeyBytes& key) : key_(key), ctx_(EVP_CIPHER_CTX_new()) {
  // Allocation failure of a few hundred bytes: nothing sensible can continue.
  if (ctx_ == nullptr) std::abort();
}

ChunkCipher::~ChunkCipher() {
  EVP_CIPHER_CTX_free(Ctx(ctx_));
  OPENSSL_cleanse(key_.data(), key_.size());
}

Status ChunkCipher::Seal(uint64_t index, bool last, std::string_view plaintext, Random& random,
                         std::string* out) {
  return SealWithAad(ChunkAad(index, last), plaintext, random, out);
}

bool ChunkCipher::Open(uint64_t index, bool last, std::string_view record, std::string* out) {
  return OpenWithAad(ChunkAad(index, last), record, out);
}

Status ChunkCipher::SealWithAad(std::string_view aad, std::string_view plaintext, Random& random,
                                std::string* out) {
  uint8_t nonce[kNonceBytes];
  random.Fill(nonce);
  EVP_CIPHER_CTX* ctx = Ctx(ctx_);
  int len = 0;
  const size_t at = out->size();
  out->resize(at + kNonceBytes + plaintext.size() + kTagBytes);
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + at);
  std::memcpy(dst, nonce, kNonceBytes);
  bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_.data(), nonce) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                              static_cast<int>(aad.size())) == 1;
  int written = 0;
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(ctx, dst + kNonceBytes, &written,
                           reinterpret_cast<const uint8_t*>(plaintext.data()),
                           static_cast<int>(plaintext.size())) == 1;
  }
  int final_len = 0;
  ok = ok && EVP_EncryptFinal_ex(ctx, dst + kNonceBytes + written, &final_len) == 1 &&
       static_cast<size_t>(written) + static_cast<size_t>(final_len) == plaintext.size() &&
       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                           dst + kNonceBytes + plaintext.size()) == 1;
  if (!ok) {
    out->resize(at);
    return Internal("OpenSSL failed to encrypt a blob chunk (AES-256-GCM)");
  }
  return {};
}

bool ChunkCipher::OpenWithAad(std::string_view aad, std::string_view record, std::string* out) {
  if (record.size() < kNonceBytes + kTagBytes) return false;
  const size_t plain = record.size() - kNonceBytes - kTagBytes;
  const auto* src = reinterpret_cast<const uint8_t*>(record.data());
  EVP_CIPHER_CTX* ctx = Ctx(ctx_);
  const size_t at = out->size();
  out->resize(at + plain);
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + at);
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key_.data(), src) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const uint8_t*>(aad.data()),
                              static_cast<int>(aad.size())) == 1;
  int written = 0;
  if (ok && plain > 0) {
    ok = EVP_DecryptUpdate(ctx, dst, &written, src + kNonceBytes, static_cast<int>(plain)) == 1;
  }
  // The tag is an input here; OpenSSL's prototype is not const-correct.
  uint8_t tag[kTagBytes];
  std::memcpy(tag, src + kNonceBytes + plain, kTagBytes);
  int final_len = 0;
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
       EVP_DecryptFinal_ex(ctx, dst + written, &final_len) == 1;
  if (!ok) {
    // Never hand out plaintext that failed to authenticate.
    OPENSSL_cleanse(dst, plain);
    out->resize(at);
  }
  return ok;
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr ||
      EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1) {
    std::abort();
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Stream::Update(std::string_view bytes) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size()) != 1) {
    std::abort();
  }
}

Sha256 Sha256Stream::Finish() {
  Sha256 out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len) != 1) std::abort();
  return out;
}

Status ErrnoStatus(int err, std::string_view what, const std::string& path) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return ResourceExhausted(message + "; free some space on that disk and try again");
    case EACCES:
    case EPERM:
      return PermissionDenied(message + "; check the permissions of the file and its folder");
    case ENOENT:
      return NotFound(message);
    case EROFS:
      return FailedPrecondition(message + "; the disk is read-only");
    default:
      return Internal(message);
  }
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Status PreadAll(int fd, uint64_t offset, uint64_t length, std::string* out,
                const std::string& path) {
  out->resize(length);
  size_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd, out->data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot read", path);
    }
    if (n == 0) return DataLoss(path + " ends early: it was truncated");
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<size_t> ReadUpTo(int fd, char* out, size_t length, const std::string& path) {
  size_t done = 0;
  while (done < length) {
    const ssize_t n = ::read(fd, out + done, length - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot read", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Status SyncFd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "cannot flush", path);
  return {};
}

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open folder", dir);
  Status s = SyncFd(fd, dir);
  ::close(fd);
  return s;
}

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
  return ErrnoStatus(errno, "cannot create folder", dir);
}

std::string RandomName(Random& random) {
  uint8_t bytes[16];
  random.Fill(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

namespace {

std::string ChunkListAad(const Sha256& sha) {
  std::string aad = "cairn-chunks";
  aad.append(reinterpret_cast<const char*>(sha.data()), sha.size());
  return aad;
}

}  // namespace

Status WriteChunkList(const std::string& path, const std::string& tmp_dir, const Sha256& sha,
                      const std::vector<Sha256>& hashes, ChunkCipher& cipher, Random& random) {
  std::string plain;
  plain.reserve(hashes.size() * 32);
  for (const Sha256& h : hashes) plain.append(reinterpret_cast<const char*>(h.data()), h.size());
  std::string sealed;
  CAIRN_RETURN_IF_ERROR(cipher.SealWithAad(ChunkListAad(sha), plain, random, &sealed));
  const std::string tmp = tmp_dir + "/" + RandomName(random);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", tmp);
  Status s = WriteAll(fd, sealed, tmp);
  if (s.ok()) s = SyncFd(fd, tmp);
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus(errno, "cannot rename a temporary file to", path);
  }
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

std::optional<std::vector<Sha256>> ReadChunkList(const std::string& path, const Sha256& sha,
                                                 uint64_t chunks, ChunkCipher& cipher) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string sealed;
  const Status s = PreadAll(fd, 0, kNonceBytes + chunks * 32 + kTagBytes, &sealed, path);
  struct stat st {};
  const bool exact = ::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) == sealed.size();
  ::close(fd);
  std::string plain;
  if (!s.ok() || !exact || !cipher.OpenWithAad(ChunkListAad(sha), sealed, &plain)) {
    return std::nullopt;
  }
  std::vector<Sha256> out(chunks);
  for (uint64_t i = 0; i < chunks; ++i) std::memcpy(out[i].data(), plain.data() + i * 32, 32);
  return out;
}

}  // namespace cairn::blob
