// FileRangeBody: a Boost.Beast body type that sends a byte range of a file, read with pread in
// pieces of 64 KiB as the serializer asks for them, so that a response of any size holds one
// piece in memory. Used for GET /v1/blobs/{sha256} (whole, or a Range as 206). Beast's own
// file_body sends whole files only.
//
// Thread-safety: one message per thread at a time, as any Beast message.
#ifndef CAIRN_SERVER_HTTP_FILE_RANGE_BODY_H_
#define CAIRN_SERVER_HTTP_FILE_RANGE_BODY_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cairn/status.h"

namespace cairn::server {

struct FileRangeBody {
  static constexpr size_t kPieceBytes = size_t{64} * 1024;

  // The open file and the range to send. Owns the descriptor.
  class value_type {  // NOLINT(readability-identifier-naming): Beast's name
   public:
    value_type() = default;
    ~value_type() { Close(); }
    value_type(value_type&& other) noexcept
        : fd_(std::exchange(other.fd_, -1)), offset_(other.offset_), length_(other.length_) {}
    value_type& operator=(value_type&& other) noexcept {
      if (this != &other) {
        Close();
        fd_ = std::exchange(other.fd_, -1);
        offset_ = other.offset_;
        length_ = other.length_;
      }
      return *this;
    }
    value_type(const value_type&) = delete;
    value_type& operator=(const value_type&) = delete;

    // Opens `path` read-only to send [offset, offset + length). NotFound if it cannot be
    // opened, DataLoss if it is shorter than the range.
    Status Open(const std::string& path, uint64_t offset, uint64_t length) {
      Close();
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return NotFound("cannot open the blob file");
      struct stat st {};
      if (::fstat(fd_, &st) != 0 || static_cast<uint64_t>(st.st_size) < offset + length) {
        Close();
        return DataLoss("the blob file is shorter than the blob");
      }
      offset_ = offset;
      length_ = length;
      return {};
    }

    uint64_t size() const { return length_; }

   private:
    friend struct FileRangeBody;
    void Close() {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
    int fd_ = -1;
    uint64_t offset_ = 0;
    uint64_t length_ = 0;
  };

  static uint64_t size(const value_type& body) { return body.length_; }

  // Beast's BodyWriter: hands out the range piece by piece.
  class writer {  // NOLINT(readability-identifier-naming): Beast's name
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool kIsRequest, class Fields>
    writer(boost::beast::http::header<kIsRequest, Fields>& /*header*/, value_type& body)
        : body_(body) {}

    void init(boost::beast::error_code& ec) {
      buffer_.resize(kPieceBytes);
      ec = {};
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      if (sent_ == body_.length_) {
        ec = {};
        return boost::none;
      }
      const size_t want =
          static_cast<size_t>(std::min<uint64_t>(buffer_.size(), body_.length_ - sent_));
      ssize_t n = 0;
      do {
        n = ::pread(body_.fd_, buffer_.data(), want, static_cast<off_t>(body_.offset_ + sent_));
      } while (n < 0 && errno == EINTR);
      if (n <= 0) {
        // The file shrank or failed under us: end the response short (the client sees a
        // truncated body, never wrong bytes).
        ec = boost::beast::error_code(n < 0 ? errno : EIO, boost::system::generic_category());
        return boost::none;
      }
      sent_ += static_cast<uint64_t>(n);
      ec = {};
      return {{const_buffers_type(buffer_.data(), static_cast<size_t>(n)), sent_ < body_.length_}};
    }

   private:
    value_type& body_;
    uint64_t sent_ = 0;
    std::vector<char> buffer_;
  };
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_FILE_RANGE_BODY_H_
