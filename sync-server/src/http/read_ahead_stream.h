// ReadAheadStream: a stream layer that, while switched on, reads from the layer below in large
// reads and serves the reads above it from that buffer.
//
// Why: asio's TLS stream asks the layer below for one record at a time (17 KiB). Through a
// beast::tcp_stream every such read is a recvmsg, a re-armed timeout (timerfd_settime) and often
// a trip through the reactor: about 64 of each per MiB of an evidence upload. Under the TLS
// stream this layer turns them into one read per burst the kernel holds, and serves the records
// by copying them out of its buffer (decision 0009, "Throughput").
//
// Off (the default, and between uploads, so that an idle connection holds no buffer) a read
// goes straight to the layer below. Switching it off while bytes are still buffered keeps
// serving them first: they belong to the next request.
//
// Thread-safety: as the layer below: one operation of each kind at a time, on one strand.
#ifndef CAIRN_SERVER_HTTP_READ_AHEAD_STREAM_H_
#define CAIRN_SERVER_HTTP_READ_AHEAD_STREAM_H_

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace cairn::server {

template <typename NextLayer>
class ReadAheadStream {
 public:
  using next_layer_type = NextLayer;
  // NextLayer is a beast::basic_stream: asio's TLS stream reaches the socket through this.
  using lowest_layer_type = typename NextLayer::socket_type;
  using executor_type = typename NextLayer::executor_type;

  // Constructs the layer below from `arg` (a socket, an io_context).
  template <typename Arg,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<Arg>, ReadAheadStream>>>
  explicit ReadAheadStream(Arg&& arg) : next_(std::forward<Arg>(arg)) {}
  ReadAheadStream(const ReadAheadStream&) = delete;
  ReadAheadStream& operator=(const ReadAheadStream&) = delete;

  next_layer_type& next_layer() { return next_; }
  lowest_layer_type& lowest_layer() { return next_.socket(); }
  executor_type get_executor() { return next_.get_executor(); }

  // Reads `bytes` at a time from the next read on; 0 switches read-ahead off. The buffer is
  // (re)allocated, or freed, once what it holds has been served.
  void ReadAhead(size_t bytes) { want_ = bytes; }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        ReadOp<MutableBuffers>{*this, buffers}, handler, next_);
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return next_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  bool Empty() const { return begin_ == end_; }

  template <typename MutableBuffers>
  struct ReadOp {
    enum class Step : uint8_t { kStart, kServe, kRead };
    ReadAheadStream& stream;
    MutableBuffers buffers;
    Step step = Step::kStart;
    bool straight = false;  // read into `buffers` by the layer below

    template <typename Self>
    void operator()(Self& self) {
      if (step == Step::kServe) return self.complete(boost::system::error_code(), Serve());
      if (!stream.Empty()) {
        // Served from the buffer, but never before the initiating call has returned.
        step = Step::kServe;
        return boost::asio::post(stream.next_.get_executor(), std::move(self));
      }
      step = Step::kRead;
      if (stream.want_ != stream.capacity_) {  // empty, and no other read in flight
        stream.buffer_.reset(stream.want_ > 0 ? new char[stream.want_] : nullptr);
        stream.capacity_ = stream.want_;
      }
      straight = stream.capacity_ == 0 || boost::asio::buffer_size(buffers) == 0;
      if (straight) return stream.next_.async_read_some(buffers, std::move(self));
      stream.begin_ = stream.end_ = 0;
      stream.next_.async_read_some(boost::asio::buffer(stream.buffer_.get(), stream.capacity_),
                                   std::move(self));
    }

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec, size_t got) {
      if (straight) return self.complete(ec, got);
      stream.end_ = ec ? 0 : got;
      self.complete(ec, ec ? 0 : Serve());
    }

    size_t Serve() {
      const size_t n = boost::asio::buffer_copy(
          buffers,
          boost::asio::buffer(stream.buffer_.get() + stream.begin_, stream.end_ - stream.begin_));
      stream.begin_ += n;
      return n;
    }
  };

  NextLayer next_;
  std::unique_ptr<char[]> buffer_;  // NOLINT(*-avoid-c-arrays): raw bytes, not initialised
  size_t capacity_ = 0;             // of buffer_; 0: reads go straight below
  size_t want_ = 0;                 // the capacity asked for by ReadAhead
  size_t begin_ = 0;                // buffer_[begin_, end_) is read and not yet served
  size_t end_ = 0;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_READ_AHEAD_STREAM_H_
