// BlobCapture: a blob sealed chunk by chunk as its bytes arrive, then put in place.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "blob/blob_format.h"
#include "cairn/blob_store.h"

namespace cairn {

struct BlobCapture::State {
  State(const BlobStore& blob_store, const BlobKeyBytes& key, Env store_env)
      : store(blob_store), cipher(key), env(store_env) {}
  ~State() {
    if (fd >= 0) ::close(fd);
    if (!tmp.empty()) ::unlink(tmp.c_str());
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Seals `pending` as chunk `index`.
  Status SealPending(bool last) {
    const std::string_view plain(pending);
    if (index == 0) ref.media_type = DetectMediaType(plain, last);
    total.Update(plain);
    chunk_hashes.push_back(Sha256Of(plain));
    record.clear();
    CAIRN_RETURN_IF_ERROR(cipher.Seal(index, last, plain, *env.random, &record));
    CAIRN_RETURN_IF_ERROR(blob::WriteAll(fd, record, tmp));
    ++index;
    pending.clear();
    return {};
  }

  const BlobStore& store;
  blob::ChunkCipher cipher;
  Env env;
  std::string tmp;  // the temporary file; empty once moved into place
  int fd = -1;
  blob::Sha256Stream total;
  std::vector<Sha256> chunk_hashes;
  // Up to one chunk not sealed yet: whether it is the last shows only when more bytes come.
  std::string pending;
  std::string record;
  uint64_t index = 0;
  uint64_t size = 0;
  EvidenceRef ref;
  Status failed;  // the first failure, repeated by every later call
  bool finished = false;
};

BlobCapture::BlobCapture(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlobCapture::~BlobCapture() = default;

uint64_t BlobCapture::size() const { return state_->size; }

Status BlobCapture::Append(std::string_view bytes) {
  State& st = *state_;
  if (st.finished) return FailedPrecondition("the capture is finished; start another");
  CAIRN_RETURN_IF_ERROR(st.failed);
  while (!bytes.empty()) {
    if (st.pending.size() == kBlobChunkBytes) {
      // More bytes follow a whole chunk: it is not the last.
      if (Status s = st.SealPending(/*last=*/false); !s.ok()) {
        st.failed = s;
        return s;
      }
    }
    const size_t take = std::min(bytes.size(), kBlobChunkBytes - st.pending.size());
    st.pending.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    st.size += take;
  }
  return {};
}

Result<EvidenceRef> BlobCapture::Finish() {
  State& st = *state_;
  if (st.finished) return FailedPrecondition("the capture is finished already");
  CAIRN_RETURN_IF_ERROR(st.failed);
  st.finished = true;
  // The last chunk; an empty blob is one empty chunk.
  CAIRN_RETURN_IF_ERROR(st.SealPending(/*last=*/true));
  st.ref.sha256 = st.total.Finish();
  st.ref.size = st.size;

  // The header's size goes in last: a file cut before this point is never mistaken for a blob.
  blob::Header header;
  header.size = st.size;
  const std::string header_bytes = blob::EncodeHeader(header);
  if (::pwrite(st.fd, header_bytes.data(), header_bytes.size(), 0) !=
      static_cast<ssize_t>(header_bytes.size())) {
    return blob::ErrnoStatus(errno, "cannot write", st.tmp);
  }
  CAIRN_RETURN_IF_ERROR(blob::SyncFd(st.fd, st.tmp));
  ::close(st.fd);
  st.fd = -1;

  CAIRN_ASSIGN_OR_RETURN(const bool held, st.store.Has(st.ref.sha256));
  if (held) {
    ::unlink(st.tmp.c_str());  // the copy: the blob is held already
    st.tmp.clear();
    return st.ref;
  }
  const std::string final_path = st.store.PathOf(st.ref.sha256);
  const std::string prefix_dir = final_path.substr(0, final_path.rfind('/'));
  CAIRN_RETURN_IF_ERROR(blob::MakeDir(prefix_dir));
  // The chunk list first: a blob in place always has one (or has it rebuilt if it is lost).
  CAIRN_RETURN_IF_ERROR(blob::WriteChunkList(final_path + ".chunks", st.store.dir() + "/tmp",
                                             st.ref.sha256, st.chunk_hashes, st.cipher,
                                             *st.env.random));
  if (::rename(st.tmp.c_str(), final_path.c_str()) != 0) {
    return blob::ErrnoStatus(errno, "cannot move the captured blob to", final_path);
  }
  st.tmp.clear();
  CAIRN_RETURN_IF_ERROR(blob::SyncDir(prefix_dir));
  return st.ref;
}

Result<std::unique_ptr<BlobCapture>> BlobStore::BeginCapture() {
  auto state = std::make_unique<BlobCapture::State>(*this, key_, env_);
  const std::string tmp = dir_ + "/tmp/" + blob::RandomName(*env_.random);
  state->fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (state->fd < 0) return blob::ErrnoStatus(errno, "cannot create", tmp);
  state->tmp = tmp;
  CAIRN_RETURN_IF_ERROR(blob::WriteAll(state->fd, blob::EncodeHeader({}), tmp));
  state->pending.reserve(kBlobChunkBytes);
  return std::unique_ptr<BlobCapture>(new BlobCapture(std::move(state)));
}

}  // namespace cairn
