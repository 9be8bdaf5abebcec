// WriteBatchingStream: a stream layer that, during a batch, gathers the writes made to it and
// hands them to the layer below in large writes.
//
// Why: asio's TLS stream writes one record (at most 16 KiB and its header) at a time to the
// layer below, and waits for each. Through a beast::tcp_stream every such write is a sendmsg, a
// re-armed timeout and a trip through the reactor: about 64 of each per MiB of an evidence
// upload, and on loopback each send also runs the receiver's TCP path in small pieces. Under
// the TLS stream this layer gathers a request body's records and sends them in writes of the
// batch size (decision 0009, "Throughput").
//
// Outside a batch a write goes straight below. A write in a batch completes once its bytes are
// gathered, before they are sent: an error of the connection shows on a later write or on
// async_flush, which sends what is gathered and ends the batch. So a batch must end with
// async_flush before waiting for an answer.
//
// Thread-safety: as the layer below: one operation of each kind at a time, on one strand.
#ifndef CAIRN_TOOLS_TRANSPORT_WRITE_BATCHING_STREAM_H_
#define CAIRN_TOOLS_TRANSPORT_WRITE_BATCHING_STREAM_H_

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace cairn {

template <typename NextLayer>
class WriteBatchingStream {
 public:
  using next_layer_type = NextLayer;
  // NextLayer is a beast::basic_stream: asio's TLS stream reaches the socket through this.
  using lowest_layer_type = typename NextLayer::socket_type;
  using executor_type = typename NextLayer::executor_type;

  // Constructs the layer below from `arg` (a socket, an io_context).
  template <typename Arg,
            typename = std::enable_if_t<!std::is_same_v<std::decay_t<Arg>, WriteBatchingStream>>>
  explicit WriteBatchingStream(Arg&& arg) : next_(std::forward<Arg>(arg)) {}
  WriteBatchingStream(const WriteBatchingStream&) = delete;
  WriteBatchingStream& operator=(const WriteBatchingStream&) = delete;

  next_layer_type& next_layer() { return next_; }
  lowest_layer_type& lowest_layer() { return next_.socket(); }
  executor_type get_executor() { return next_.get_executor(); }

  // Gathers writes from now on and sends them `bytes` (> 0) at a time, until async_flush.
  void StartBatch(size_t bytes) {
    if (bytes != capacity_) {
      buffer_.reset(new char[bytes]);  // not initialised: only gathered bytes are read
      capacity_ = bytes;
    }
    in_batch_ = true;
  }

  // Sends what is gathered and ends the batch; `handler(error_code)`.
  template <typename Handler>
  auto async_flush(Handler&& handler) {
    in_batch_ = false;
    return boost::asio::async_compose<Handler, void(boost::system::error_code)>(FlushOp{*this},
                                                                                handler, next_);
  }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (!in_batch_) return next_.async_write_some(buffers, std::forward<Handler>(handler));
    return boost::asio::async_compose<Handler, void(boost::system::error_code, size_t)>(
        WriteOp<ConstBuffers>{*this, buffers}, handler, next_);
  }

 private:
  boost::asio::const_buffer Gathered() const { return boost::asio::buffer(buffer_.get(), used_); }

  // Copies what fits of `buffers` into the batch.
  template <typename ConstBuffers>
  size_t Gather(const ConstBuffers& buffers) {
    const size_t n = boost::asio::buffer_copy(
        boost::asio::buffer(buffer_.get() + used_, capacity_ - used_), buffers);
    used_ += n;
    return n;
  }

  template <typename ConstBuffers>
  struct WriteOp {
    enum class Step : uint8_t { kStart, kGathered, kSent };
    WriteBatchingStream& stream;
    ConstBuffers buffers;
    Step step = Step::kStart;
    size_t gathered = 0;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t /*sent*/ = 0) {
      switch (step) {
        case Step::kStart:
          if (stream.used_ == stream.capacity_) {  // full: send it, then gather
            step = Step::kSent;
            return boost::asio::async_write(stream.next_, stream.Gathered(), std::move(self));
          }
          step = Step::kGathered;
          gathered = stream.Gather(buffers);
          // Completes, but never before the initiating call has returned.
          return boost::asio::post(stream.next_.get_executor(), std::move(self));
        case Step::kGathered:
          return self.complete(ec, gathered);
        case Step::kSent:
          stream.used_ = 0;
          return self.complete(ec, ec ? 0 : stream.Gather(buffers));
      }
    }
  };

  struct FlushOp {
    WriteBatchingStream& stream;
    bool started = false;

    template <typename Self>
    void operator()(Self& self, boost::system::error_code ec = {}, size_t /*sent*/ = 0) {
      if (!started) {
        started = true;
        if (stream.used_ > 0) {
          return boost::asio::async_write(stream.next_, stream.Gathered(), std::move(self));
        }
        return boost::asio::post(stream.next_.get_executor(), std::move(self));
      }
      stream.used_ = 0;
      self.complete(ec);
    }
  };

  NextLayer next_;
  std::unique_ptr<char[]> buffer_;  // NOLINT(*-avoid-c-arrays): raw bytes, not initialised
  size_t capacity_ = 0;             // of buffer_
  size_t used_ = 0;                 // buffer_[0, used_) is gathered and not yet sent
  bool in_batch_ = false;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_TRANSPORT_WRITE_BATCHING_STREAM_H_
