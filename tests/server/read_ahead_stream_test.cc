// ReadAheadStream over a real loopback TCP connection: reads above are served from large reads
// below while it is on, every byte arrives once and in order, and switching it off serves what
// it holds before reading straight from the socket again.
#include "http/read_ahead_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace cairn::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// The layer below: a beast::tcp_stream that records the size of every read asked of it.
class CountingStream : public beast::tcp_stream {
 public:
  using beast::tcp_stream::tcp_stream;

  template <typename Buffers, typename Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    asked.push_back(asio::buffer_size(buffers));
    return beast::tcp_stream::async_read_some(buffers, std::forward<Handler>(handler));
  }

  std::vector<size_t> asked;
};

constexpr size_t kKiB = 1024;
constexpr size_t kReadAhead = 256 * kKiB;
constexpr size_t kRecord = 16 * kKiB;  // what asio's TLS stream asks for at most

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(random());
  return out;
}

class ReadAheadStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    writer_.connect(acceptor.local_endpoint());
    stream_.emplace(acceptor.accept());
  }

  // Writes `bytes` from the other end; it is in the receiving socket when this returns.
  void Send(const std::string& bytes) { asio::write(writer_, asio::buffer(bytes)); }
  void SendEnd() { writer_.shutdown(tcp::socket::shutdown_send); }

  // One read of at most `size` bytes through the layer; the error is left in `ec`.
  std::string ReadSome(size_t size, beast::error_code* ec) {
    std::string out(size, '\0');
    size_t got = 0;
    stream_->async_read_some(asio::buffer(out), [&](beast::error_code e, size_t n) {
      *ec = e;
      got = n;
    });
    ioc_.restart();
    ioc_.run();
    out.resize(got);
    return out;
  }

  // Reads `size` bytes through the layer in reads of at most kRecord.
  std::string Read(size_t size) {
    std::string out;
    while (out.size() < size) {
      beast::error_code ec;
      out += ReadSome(std::min(kRecord, size - out.size()), &ec);
      if (ec) {
        ADD_FAILURE() << "read failed after " << out.size() << " bytes: " << ec.message();
        break;
      }
    }
    return out;
  }

  const std::vector<size_t>& Below() { return stream_->next_layer().asked; }

  asio::io_context ioc_;
  tcp::socket writer_{ioc_};
  std::optional<ReadAheadStream<CountingStream>> stream_;
};

TEST_F(ReadAheadStreamTest, RecordSizedReadsAreServedFromOneLargeRead) {
  stream_->ReadAhead(kReadAhead);
  const std::string sent = RandomBytes(96 * kKiB, 1);
  Send(sent);
  SendEnd();

  EXPECT_EQ(Read(sent.size()), sent);
  beast::error_code ec;
  EXPECT_EQ(ReadSome(kRecord, &ec), "");
  EXPECT_EQ(ec, asio::error::eof) << ec.message();

  // Six reads of 16 KiB above; below, one read of the whole (the kernel held it all) and the
  // one that found the end, each asking for the read-ahead's size.
  ASSERT_EQ(Below().size(), 2U);
  EXPECT_EQ(Below()[0], kReadAhead);
  EXPECT_EQ(Below()[1], kReadAhead);
}

TEST_F(ReadAheadStreamTest, ManyFillsDeliverEveryByteOnceInOrder) {
  stream_->ReadAhead(kReadAhead);
  const std::string sent = RandomBytes(size_t{3} << 20, 2);
  std::string got;
  // In rounds the socket holds at once: each is read in reads of every size up to a record,
  // so that reads above cut across the ends of reads below.
  size_t size = 1;
  for (size_t at = 0; at < sent.size(); at += 64 * kKiB) {
    Send(sent.substr(at, 64 * kKiB));
    const size_t round_end = std::min(sent.size(), at + 64 * kKiB);
    while (got.size() < round_end) {
      beast::error_code ec;
      got += ReadSome(std::min(size, round_end - got.size()), &ec);
      ASSERT_FALSE(ec) << ec.message();
      size = size % kRecord + 4099;
    }
  }
  EXPECT_EQ(got, sent);
  EXPECT_LT(Below().size(), sent.size() / kRecord);
}

TEST_F(ReadAheadStreamTest, SwitchedOffItServesWhatItHoldsThenReadsStraightBelow) {
  stream_->ReadAhead(kReadAhead);
  const std::string first = RandomBytes(64 * kKiB, 3);
  Send(first);
  std::string got = Read(kRecord);
  ASSERT_EQ(Below().size(), 1U);

  // The rest of `first` was read ahead: it comes before anything read later.
  stream_->ReadAhead(0);
  got += Read(first.size() - kRecord);
  EXPECT_EQ(got, first);
  EXPECT_EQ(Below().size(), 1U);

  const std::string second = RandomBytes(20000, 4);
  Send(second);
  SendEnd();
  EXPECT_EQ(Read(second.size()), second);
  beast::error_code ec;
  ReadSome(kRecord, &ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  // Off, each read goes below with the caller's own buffer.
  ASSERT_GE(Below().size(), 3U);
  for (size_t i = 1; i < Below().size(); ++i) EXPECT_LE(Below()[i], kRecord) << "read " << i;
}

}  // namespace
}  // namespace cairn::server
