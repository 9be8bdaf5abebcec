// The POSIX BlobFileSystem: file descriptors, pwrite/pread (direct where aligned), fsync.
#include "store/blob_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <vector>

namespace cairn::server {
namespace {

Status ErrnoStatus(int error, std::string_view what, const std::string& path) {
  std::string message = std::string(what) + " '" + path + "': " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) {
    return ResourceExhausted("the server's disk is full (" + message +
                             "); nothing was lost, try again once an operator has freed space");
  }
  if (error == ENOENT) return NotFound(std::move(message));
  return Internal(std::move(message));
}

// Direct writes need the offset, the length and the memory to be multiples of the disk's
// logical block; 4 KiB is one for every disk in use.
constexpr uint64_t kDirectAlign = 4096;

// Writes all of `bytes` at `offset` through `fd`; the errno of a failure, else 0.
int WriteAll(int fd, uint64_t offset, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return 0;
}

// A file open twice: `fd_` for everything, and `direct_fd_` (O_DIRECT, or -1 where the file
// system refuses it, e.g. tmpfs) for writes of aligned blocks from aligned memory. Those are
// what an upload mostly writes (whole chunks, read into aligned pieces), and they go from the
// caller's memory to the disk without a copy into the page cache: on virtual machines, filling
// fresh page-cache pages costs more than hashing the bytes. The kernel keeps the two
// descriptors coherent; fsync on either covers both.
class PosixFile final : public BlobFile {
 public:
  PosixFile(int fd, int direct_fd, std::string path)
      : fd_(fd), direct_fd_(direct_fd), path_(std::move(path)) {}
  ~PosixFile() override {
    ::close(fd_);
    if (direct_fd_ >= 0) ::close(direct_fd_);
  }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status WriteAt(uint64_t offset, std::string_view bytes) override {
    const auto address = reinterpret_cast<uintptr_t>(bytes.data());
    if (direct_fd_ >= 0 && offset % kDirectAlign == 0 && address % kDirectAlign == 0) {
      const size_t blocks = bytes.size() / kDirectAlign * kDirectAlign;
      const int error = WriteAll(direct_fd_, offset, bytes.substr(0, blocks));
      if (error == EINVAL) {
        // This file system wants another alignment: write through the page cache from now on.
        ::close(direct_fd_);
        direct_fd_ = -1;
      } else if (error != 0) {
        return ErrnoStatus(error, "cannot write", path_);
      } else {
        bytes.remove_prefix(blocks);
        offset += blocks;
      }
    }
    if (const int error = WriteAll(fd_, offset, bytes); error != 0) {
      return ErrnoStatus(error, "cannot write", path_);
    }
    return {};
  }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "cannot read", path_);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoStatus(errno, "cannot fsync", path_);
    return {};
  }

  void StartWriteback(uint64_t offset, uint64_t length) override {
#ifdef SYNC_FILE_RANGE_WRITE
    // Errors are left to the Sync() that follows: this only schedules work.
    (void)::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(length),
                            SYNC_FILE_RANGE_WRITE);
#else
    (void)offset;
    (void)length;
#endif
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus(errno, "cannot truncate", path_);
    }
    return {};
  }

 private:
  int fd_;
  int direct_fd_;
  std::string path_;
};

class PosixFileSystem final : public BlobFileSystem {
 public:
  Result<std::unique_ptr<BlobFile>> Open(const std::string& path, bool create) override {
    const int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
    const int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
    const int direct_fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
    return std::unique_ptr<BlobFile>(std::make_unique<PosixFile>(fd, direct_fd, path));
  }

  Status CreateDirectories(const std::string& dir) override {
    // Walk up to the first directory that exists, then create downwards, syncing each parent.
    std::vector<std::filesystem::path> missing;
    std::error_code ec;
    for (std::filesystem::path p(dir); !p.empty() && !std::filesystem::exists(p, ec);
         p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    std::reverse(missing.begin(), missing.end());
    for (const std::filesystem::path& p : missing) {
      if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "cannot create the directory", p.string());
      }
      const std::filesystem::path parent = p.parent_path();
      CAIRN_RETURN_IF_ERROR(SyncDirectory(parent.empty() ? "." : parent.string()));
    }
    return {};
  }

  Status SyncDirectory(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot open the directory", dir);
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(error, "cannot fsync the directory", dir);
    return {};
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, "cannot rename to '" + to + "':", from);
    }
    return {};
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "cannot remove", path);
    }
    return {};
  }

  bool Exists(const std::string& path) override {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
  }
};

}  // namespace

BlobFileSystem& PosixBlobFileSystem() {
  static auto* const kFileSystem = new PosixFileSystem();
  return *kFileSystem;
}

}  // namespace cairn::server
