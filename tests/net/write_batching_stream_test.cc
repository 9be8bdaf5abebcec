// WriteBatchingStream over a real loopback TCP connection: in a batch, many small writes leave
// as few writes of the batch size and arrive in order; outside one, writes go straight below;
// a failure of the connection shows on async_flush.
#include "write_batching_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cairn {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// The layer below: a beast::tcp_stream that records the size of every write asked of it.
class CountingStream : public beast::tcp_stream {
 public:
  using beast::tcp_stream::tcp_stream;

  template <typename Buffers, typename Handler>
  auto async_write_some(const Buffers& buffers, Handler&& handler) {
    asked.push_back(asio::buffer_size(buffers));
    return beast::tcp_stream::async_write_some(buffers, std::forward<Handler>(handler));
  }

  std::vector<size_t> asked;
};

constexpr size_t kBatch = size_t{16} * 1024;
constexpr size_t kRecord = 1000;
constexpr size_t kRecords = 90;  // 90,000 bytes: held by the receiving socket unread

class WriteBatchingStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    stream_.emplace(ioc_);
    stream_->next_layer().socket().connect(acceptor.local_endpoint());
    reader_ = acceptor.accept();
  }

  // Writes `bytes` through the layer as asio's TLS stream does: whole, one write after another.
  beast::error_code Write(const std::string& bytes) {
    beast::error_code ec;
    asio::async_write(*stream_, asio::buffer(bytes), [&](beast::error_code e, size_t) { ec = e; });
    Run();
    return ec;
  }

  beast::error_code Flush() {
    beast::error_code ec = asio::error::would_block;
    stream_->async_flush([&](beast::error_code e) { ec = e; });
    Run();
    return ec;
  }

  void Run() {
    ioc_.restart();
    ioc_.run();
  }

  std::string Received(size_t size) {
    std::string out(size, '\0');
    asio::read(reader_, asio::buffer(out));
    return out;
  }

  static std::string Record(size_t i) {
    return std::string(kRecord, static_cast<char>('a' + i % 26));
  }

  const std::vector<size_t>& Below() { return stream_->next_layer().asked; }

  asio::io_context ioc_;
  std::optional<WriteBatchingStream<CountingStream>> stream_;
  tcp::socket reader_{ioc_};
};

TEST_F(WriteBatchingStreamTest, WritesInABatchLeaveInBatchSizedWritesInOrder) {
  stream_->StartBatch(kBatch);
  std::string sent;
  for (size_t i = 0; i < kRecords; ++i) {
    ASSERT_FALSE(Write(Record(i)));
    sent += Record(i);
  }
  // Five full batches went while the records were written; the rest waits for the flush.
  EXPECT_EQ(Below(), std::vector<size_t>(5, kBatch));
  ASSERT_FALSE(Flush());
  ASSERT_EQ(Below().size(), 6U);
  EXPECT_EQ(Below().back(), sent.size() - 5 * kBatch);
  EXPECT_EQ(Received(sent.size()), sent);
}

TEST_F(WriteBatchingStreamTest, OutsideABatchEachWriteGoesStraightBelow) {
  ASSERT_FALSE(Write(Record(0)));
  stream_->StartBatch(kBatch);
  ASSERT_FALSE(Write(Record(1)));
  ASSERT_FALSE(Flush());
  ASSERT_FALSE(Write(Record(2)));
  EXPECT_EQ(Below(), std::vector<size_t>(3, kRecord));
  EXPECT_EQ(Received(3 * kRecord), Record(0) + Record(1) + Record(2));
}

TEST_F(WriteBatchingStreamTest, AFailedConnectionShowsOnTheFlush) {
  stream_->StartBatch(kBatch);
  ASSERT_FALSE(Write(Record(0)));  // gathered, not sent yet
  stream_->next_layer().socket().shutdown(tcp::socket::shutdown_send);
  const beast::error_code ec = Flush();
  EXPECT_EQ(ec, asio::error::broken_pipe) << ec.message();
}

}  // namespace
}  // namespace cairn
