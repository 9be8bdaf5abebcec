#include "cairn/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>

#include "blob/blob_format.h"

namespace cairn {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Temporary files older than this are left over from a killed capture and are deleted on open.
constexpr auto kStaleTemporary = std::chrono::hours(1);

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string DataLossIn(const Sha256& sha, std::string_view what) {
  return "blob " + Sha256Hex(sha) + " " + std::string(what) +
         "; capture the evidence again, or fetch it from the server";
}

void RemoveStaleTemporaries(const std::string& tmp_dir) {
  std::error_code ec;
  const auto now = std::filesystem::file_time_type::clock::now();
  for (const auto& entry : std::filesystem::directory_iterator(tmp_dir, ec)) {
    std::error_code entry_ec;
    const auto written = entry.last_write_time(entry_ec);
    if (!entry_ec && now - written > kStaleTemporary)
      std::filesystem::remove(entry.path(), entry_ec);
  }
}

}  // namespace

std::string Sha256Hex(const Sha256& sha) {
  std::string out;
  out.reserve(64);
  for (uint8_t b : sha) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  }
  return out;
}

std::optional<Sha256> ParseSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256 out{};
  for (size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

Sha256 Sha256Of(std::string_view bytes) {
  blob::Sha256Stream stream;
  stream.Update(bytes);
  return stream.Finish();
}

uint64_t BlobChunkCount(uint64_t size) {
  return size == 0 ? 1 : (size + kBlobChunkBytes - 1) / kBlobChunkBytes;
}

// ---------------------------------------------------------------------------------------------
// BlobReader

BlobReader::BlobReader(int fd, Sha256 sha, uint64_t size, std::string path, const BlobKeyBytes& key)
    : fd_(fd),
      sha_(sha),
      size_(size),
      path_(std::move(path)),
      cipher_(std::make_unique<blob::ChunkCipher>(key)) {}

BlobReader::~BlobReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status BlobReader::ReadChunk(uint64_t index, std::string* out) {
  out->clear();
  return AppendChunk(index, out);
}

Status BlobReader::AppendChunk(uint64_t index, std::string* out) {
  const uint64_t count = chunk_count();
  if (index >= count) {
    return OutOfRange("blob " + Sha256Hex(sha_) + " has " + std::to_string(count) +
                      " chunks; there is no chunk " + std::to_string(index));
  }
  const uint64_t plain = blob::ChunkPlainBytes(size_, index);
  Status s = blob::PreadAll(fd_, blob::RecordOffset(index),
                            blob::kNonceBytes + plain + blob::kTagBytes, &record_, path_);
  if (s.code() == Code::kDataLoss) return DataLoss(DataLossIn(sha_, "was truncated"));
  CAIRN_RETURN_IF_ERROR(s);
  if (!cipher_->Open(index, index + 1 == count, record_, out)) {
    return DataLoss("blob " + Sha256Hex(sha_) + " chunk " + std::to_string(index) +
                    " was altered or damaged (" + path_ +
                    "); capture the evidence again, or fetch it from the server");
  }
  return {};
}

Status BlobReader::ReadRange(uint64_t offset, uint64_t length, std::string* out) {
  if (offset > size_ || length > size_ - offset) {
    return OutOfRange("bytes " + std::to_string(offset) + "+" + std::to_string(length) +
                      " lie past the end of blob " + Sha256Hex(sha_) + " (" +
                      std::to_string(size_) + " bytes)");
  }
  while (length > 0) {
    const uint64_t index = offset / kBlobChunkBytes;
    CAIRN_RETURN_IF_ERROR(ReadChunk(index, &plain_));
    const uint64_t at = offset - index * kBlobChunkBytes;
    const uint64_t take = std::min<uint64_t>(length, plain_.size() - at);
    out->append(plain_, at, take);
    offset += take;
    length -= take;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// BlobWriter

struct BlobWriter::State {
  std::string dir;           // the store's directory
  std::string partial_path;  // DIR/partial/<hex>
  int fd = -1;
  std::unique_ptr<blob::ChunkCipher> cipher;
  Random* random = nullptr;
  blob::Sha256Stream total;
  std::vector<Sha256> chunk_hashes;
  std::string pending;  // plaintext of the chunk being filled
  std::string record;
  uint64_t chunks_written = 0;
  bool finished = false;

  ~State() {
    if (fd >= 0) ::close(fd);
  }
};

BlobWriter::BlobWriter(std::unique_ptr<State> state, EvidenceRef ref, uint64_t received)
    : state_(std::move(state)), ref_(std::move(ref)), received_(received) {}

BlobWriter::~BlobWriter() = default;

Status BlobWriter::Append(std::string_view bytes) {
  State& st = *state_;
  if (st.finished) return FailedPrecondition("the blob writer has finished");
  if (bytes.size() > ref_.size - received_) {
    return InvalidArgument("blob " + Sha256Hex(ref_.sha256) + " has " + std::to_string(ref_.size) +
                           " bytes, but " + std::to_string(received_ + bytes.size()) + " arrived");
  }
  const uint64_t count = BlobChunkCount(ref_.size);
  while (!bytes.empty()) {
    const uint64_t want = blob::ChunkPlainBytes(ref_.size, st.chunks_written);
    const size_t take = std::min<size_t>(bytes.size(), want - st.pending.size());
    st.pending.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    received_ += take;
    if (st.pending.size() < want) break;
    st.record.clear();
    CAIRN_RETURN_IF_ERROR(st.cipher->Seal(st.chunks_written, st.chunks_written + 1 == count,
                                          st.pending, *st.random, &st.record));
    CAIRN_RETURN_IF_ERROR(blob::WriteAll(st.fd, st.record, st.partial_path));
    st.total.Update(st.pending);
    st.chunk_hashes.push_back(Sha256Of(st.pending));
    ++st.chunks_written;
    st.pending.clear();
  }
  return {};
}

Status BlobWriter::Sync() { return blob::SyncFd(state_->fd, state_->partial_path); }

Result<EvidenceRef> BlobWriter::Finish() {
  State& st = *state_;
  if (st.finished) return FailedPrecondition("the blob writer has finished");
  if (received_ != ref_.size) {
    return FailedPrecondition("blob " + Sha256Hex(ref_.sha256) +
                              " is incomplete: " + std::to_string(received_) + " of " +
                              std::to_string(ref_.size) + " bytes arrived");
  }
  if (ref_.size == 0 && st.chunks_written == 0) {
    // The one empty chunk of an empty blob.
    st.record.clear();
    CAIRN_RETURN_IF_ERROR(st.cipher->Seal(0, true, "", *st.random, &st.record));
    CAIRN_RETURN_IF_ERROR(blob::WriteAll(st.fd, st.record, st.partial_path));
    st.total.Update("");
    st.chunk_hashes.push_back(Sha256Of(""));
    st.chunks_written = 1;
  }
  st.finished = true;
  const Sha256 got = st.total.Finish();
  if (got != ref_.sha256) {
    CAIRN_RETURN_IF_ERROR(Discard());
    return DataLoss("the bytes received for blob " + Sha256Hex(ref_.sha256) + " hash to " +
                    Sha256Hex(got) + ", not to their name; they were dropped, fetch again");
  }
  CAIRN_RETURN_IF_ERROR(blob::SyncFd(st.fd, st.partial_path));
  ::close(st.fd);
  st.fd = -1;
  const std::string hex = Sha256Hex(ref_.sha256);
  const std::string prefix_dir = st.dir + "/" + hex.substr(0, 2);
  CAIRN_RETURN_IF_ERROR(blob::MakeDir(prefix_dir));
  const std::string final_path = prefix_dir + "/" + hex;
  CAIRN_RETURN_IF_ERROR(blob::WriteChunkList(final_path + ".chunks", st.dir + "/tmp", ref_.sha256,
                                             st.chunk_hashes, *st.cipher, *st.random));
  if (::rename(st.partial_path.c_str(), final_path.c_str()) != 0) {
    return blob::ErrnoStatus(errno, "cannot move a downloaded blob to", final_path);
  }
  CAIRN_RETURN_IF_ERROR(blob::SyncDir(prefix_dir));
  return ref_;
}

Status BlobWriter::Discard() {
  State& st = *state_;
  st.finished = true;
  if (st.fd >= 0) {
    ::close(st.fd);
    st.fd = -1;
  }
  if (::unlink(st.partial_path.c_str()) != 0 && errno != ENOENT) {
    return blob::ErrnoStatus(errno, "cannot delete", st.partial_path);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// BlobStore

BlobStore::BlobStore(std::string dir, const BlobKeyBytes& key, Env env)
    : dir_(std::move(dir)), key_(key), env_(env) {}

BlobStore::~BlobStore() { std::fill(key_.begin(), key_.end(), uint8_t{0}); }

Result<std::unique_ptr<BlobStore>> BlobStore::Open(std::string dir, KeyProvider& keys, Env env) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  CAIRN_RETURN_IF_ERROR(blob::MakeDir(dir));
  CAIRN_RETURN_IF_ERROR(blob::MakeDir(dir + "/tmp"));
  CAIRN_RETURN_IF_ERROR(blob::MakeDir(dir + "/partial"));
  CAIRN_ASSIGN_OR_RETURN(BlobKeyBytes key, keys.BlobKey());
  RemoveStaleTemporaries(dir + "/tmp");
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(dir), key, env));
}

std::string BlobStore::PathOf(const Sha256& sha) const {
  const std::string hex = Sha256Hex(sha);
  return dir_ + "/" + hex.substr(0, 2) + "/" + hex;
}

Result<bool> BlobStore::Has(const Sha256& sha) const {
  struct stat st {};
  const std::string path = PathOf(sha);
  if (::stat(path.c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT) return false;
  return blob::ErrnoStatus(errno, "cannot look for", path);
}

Result<EvidenceRef> BlobStore::Capture(const std::string& path) {
  Fd src(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFound("there is no file " + path + "; check its name and folder");
    if (err == EACCES) {
      return PermissionDenied("cannot read " + path +
                              ": permission denied; check the file's permissions");
    }
    return blob::ErrnoStatus(err, "cannot open", path);
  }
  struct stat st {};
  if (::fstat(src.get(), &st) != 0) return blob::ErrnoStatus(errno, "cannot inspect", path);
  if (S_ISDIR(st.st_mode)) {
    return InvalidArgument(path + " is a folder; capture one of the files in it");
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(path +
                           " is not a regular file (a device, pipe or socket); save it to a "
                           "file first");
  }
  ::posix_fadvise(src.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

  // A file still growing (a recording) is captured as far as it was read.
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobCapture> capture, BeginCapture());
  std::string piece(kBlobChunkBytes, '\0');
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const size_t n,
                           blob::ReadUpTo(src.get(), piece.data(), piece.size(), path));
    if (n == 0) break;
    CAIRN_RETURN_IF_ERROR(capture->Append(std::string_view(piece.data(), n)));
  }
  return capture->Finish();
}

Result<std::unique_ptr<BlobReader>> BlobStore::Open(const Sha256& sha) const {
  const std::string path = PathOf(sha);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return NotFound("blob " + Sha256Hex(sha) + " is not on this device (no file " + path + ")");
    }
    return blob::ErrnoStatus(errno, "cannot open", path);
  }
  std::string header_bytes;
  Status s = blob::PreadAll(fd.get(), 0, blob::kHeaderBytes, &header_bytes, path);
  if (s.code() == Code::kDataLoss) return DataLoss(DataLossIn(sha, "is shorter than its header"));
  CAIRN_RETURN_IF_ERROR(s);
  Result<blob::Header> header = blob::DecodeHeader(header_bytes);
  if (!header.ok()) {
    return DataLoss(DataLossIn(sha, "is damaged: " + header.status().message()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return blob::ErrnoStatus(errno, "cannot inspect", path);
  const uint64_t expected = blob::FileBytes(header->size);
  if (static_cast<uint64_t>(st.st_size) != expected) {
    return DataLoss(DataLossIn(
        sha, "is " + std::to_string(st.st_size) + " bytes on disk where its header needs " +
                 std::to_string(expected) + ": it was truncated or extended"));
  }
  return std::unique_ptr<BlobReader>(new BlobReader(fd.release(), sha, header->size, path, key_));
}

Result<std::vector<Sha256>> BlobStore::ChunkHashes(const Sha256& sha) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, Open(sha));
  const std::string list_path = PathOf(sha) + ".chunks";
  blob::ChunkCipher cipher(key_);
  if (std::optional<std::vector<Sha256>> list =
          blob::ReadChunkList(list_path, sha, reader->chunk_count(), cipher)) {
    return *std::move(list);
  }
  // Missing or damaged: rebuild it with one decrypting pass, checking the whole blob on the way.
  std::vector<Sha256> hashes;
  hashes.reserve(reader->chunk_count());
  blob::Sha256Stream total;
  std::string plain;
  for (uint64_t i = 0; i < reader->chunk_count(); ++i) {
    CAIRN_RETURN_IF_ERROR(reader->ReadChunk(i, &plain));
    total.Update(plain);
    hashes.push_back(Sha256Of(plain));
  }
  if (total.Finish() != sha) {
    return DataLoss(DataLossIn(sha, "holds content that does not hash to its name"));
  }
  CAIRN_RETURN_IF_ERROR(
      blob::WriteChunkList(list_path, dir_ + "/tmp", sha, hashes, cipher, *env_.random));
  return hashes;
}

Status BlobStore::Remove(const Sha256& sha) {
  const std::string path = PathOf(sha);
  for (const std::string& p : {path, path + ".chunks"}) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT) {
      return blob::ErrnoStatus(errno, "cannot delete", p);
    }
  }
  return {};
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter(const EvidenceRef& ref) {
  auto state = std::make_unique<BlobWriter::State>();
  state->dir = dir_;
  state->partial_path = dir_ + "/partial/" + Sha256Hex(ref.sha256);
  state->cipher = std::make_unique<blob::ChunkCipher>(key_);
  state->random = env_.random;
  state->fd = ::open(state->partial_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (state->fd < 0) return blob::ErrnoStatus(errno, "cannot open", state->partial_path);

  // Resume after the whole chunks a previous writer left, re-hashing them (each must still
  // authenticate); anything after the last good chunk is cut off.
  struct stat st {};
  if (::fstat(state->fd, &st) != 0) {
    return blob::ErrnoStatus(errno, "cannot inspect", state->partial_path);
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  std::string header_bytes;
  bool resume = false;
  if (file_size >= blob::kHeaderBytes &&
      blob::PreadAll(state->fd, 0, blob::kHeaderBytes, &header_bytes, state->partial_path).ok()) {
    Result<blob::Header> header = blob::DecodeHeader(header_bytes);
    resume = header.ok() && header->size == ref.size;
  }
  uint64_t good = 0;
  if (resume) {
    const uint64_t count = BlobChunkCount(ref.size);
    std::string plain;
    while (good < count) {
      plain.clear();
      const uint64_t len = blob::ChunkPlainBytes(ref.size, good);
      const uint64_t end = blob::RecordOffset(good) + blob::kNonceBytes + len + blob::kTagBytes;
      if (end > file_size) break;
      if (!blob::PreadAll(state->fd, blob::RecordOffset(good), end - blob::RecordOffset(good),
                          &state->record, state->partial_path)
               .ok() ||
          !state->cipher->Open(good, good + 1 == count, state->record, &plain)) {
        break;
      }
      state->total.Update(plain);
      state->chunk_hashes.push_back(Sha256Of(plain));
      ++good;
    }
  }
  const uint64_t keep = resume ? blob::RecordOffset(good) : 0;
  if (::ftruncate(state->fd, static_cast<off_t>(keep)) != 0 ||
      ::lseek(state->fd, static_cast<off_t>(keep), SEEK_SET) < 0) {
    return blob::ErrnoStatus(errno, "cannot reset", state->partial_path);
  }
  if (!resume) {
    blob::Header header;
    header.size = ref.size;
    CAIRN_RETURN_IF_ERROR(
        blob::WriteAll(state->fd, blob::EncodeHeader(header), state->partial_path));
  }
  state->chunks_written = good;
  const uint64_t received = std::min<uint64_t>(good * kBlobChunkBytes, ref.size);
  return std::unique_ptr<BlobWriter>(new BlobWriter(std::move(state), ref, received));
}

}  // namespace cairn
