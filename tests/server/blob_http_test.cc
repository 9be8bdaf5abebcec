// Evidence blobs through the real session layer: an HttpServer on loopback TLS, in process, and
// a raw Beast client. Proves what the in-process Service tests cannot: chunk bodies stream into
// the upload (Content-Length and chunked), a connection cut mid-body keeps the verified chunks,
// a refused chunk is answered mid-body, zstd is refused on this route, and downloads with a
// Range arrive as 206 from the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "api/service.h"
#include "cairn/hex.h"
#include "cairn/ids.h"
#include "cairn/v1/blob.pb.h"
#include "cairn/v1/sync.pb.h"
#include "http/http_server.h"
#include "http/tls.h"
#include "store/server_store.h"
#include "support/fakes.h"
#include "support/sha256.h"
#include "support/status_matchers.h"

namespace cairn::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::cairn::testing::IsOk;
using ::cairn::testing::RawSha;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;

constexpr size_t kChunk = kBlobChunkBytes;

std::string Bytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761U + 7;
  for (char& c : out) {
    x = x * 1664525U + 1013904223U;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

using Stream = beast::ssl_stream<beast::tcp_stream>;

class BlobHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(dir_.File("server.db"));
    ASSERT_THAT(store.status(), IsOk());
    store_ = std::move(*store);
    Result<User> user = store_->AddUser("Ana", Role::kEducator);
    ASSERT_THAT(user.status(), IsOk());
    Result<std::string> code = store_->NewEnrolCode(user->id);
    ASSERT_THAT(code.status(), IsOk());
    Result<Enrolment> enrolment = store_->Enrol(*code, NewActorId(random_), "phone");
    ASSERT_THAT(enrolment.status(), IsOk());
    token_ = enrolment->token;

    Result<TlsFiles> files = LoadOrCreateCertificate(dir_.path().string());
    ASSERT_THAT(files.status(), IsOk());
    Result<std::unique_ptr<asio::ssl::context>> tls = MakeServerTlsContext(*files);
    ASSERT_THAT(tls.status(), IsOk());
    tls_ = std::move(*tls);
    service_ = std::make_unique<Service>(*store_, metrics_);
    HttpServerOptions options;
    options.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<HttpServer>(*service_, metrics_, *tls_, options);
    ASSERT_THAT(server_->Listen(), IsOk());
    thread_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<Stream> Connect() {
    auto stream = std::make_unique<Stream>(ioc_, client_tls_);
    beast::get_lowest_layer(*stream).connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(20));
    stream->handshake(asio::ssl::stream_base::client);
    return stream;
  }

  http::response<http::string_body> Exchange(http::request<http::string_body> request) {
    auto stream = Connect();
    request.set(http::field::host, "localhost");
    request.set(http::field::authorization, "Bearer " + token_);
    if (!request.chunked()) request.prepare_payload();
    http::write(*stream, request);
    return Read(*stream);
  }

  static http::response<http::string_body> Read(Stream& stream) {
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(uint64_t{64} << 20);
    http::read(stream, buffer, parser);
    return parser.release();
  }

  void Offer(std::string_view data) {
    v1::BlobOffer offer;
    offer.set_size(data.size());
    offer.set_chunk_size(kBlobChunkBytes);
    offer.set_media_type("video/mp4");
    for (size_t at = 0; at < data.size(); at += kChunk) {
      offer.add_chunk_sha256(RawSha(data.substr(at, kChunk)));
    }
    http::request<http::string_body> put{http::verb::put, "/v1/blobs/" + LowerHex(RawSha(data)),
                                         11};
    put.body() = offer.SerializeAsString();
    ASSERT_EQ(Exchange(std::move(put)).result_int(), 200u);
  }

  // The status, asked again while the server answers 503: it does so while a cut request's
  // tail may still be arriving (decision 0010), and clients retry.
  v1::BlobStatus Status(std::string_view data) {
    http::response<http::string_body> response;
    for (int attempt = 0; attempt < 40; ++attempt) {
      http::request<http::string_body> get{http::verb::get,
                                           "/v1/blobs/" + LowerHex(RawSha(data)) + "/status", 11};
      response = Exchange(std::move(get));
      if (response.result_int() != 503) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    v1::BlobStatus status;
    EXPECT_EQ(response.result_int(), 200u);
    EXPECT_TRUE(status.ParseFromString(response.body()));
    return status;
  }

  static std::string ErrorMessage(const http::response<http::string_body>& response) {
    v1::Error error;
    EXPECT_TRUE(error.ParseFromString(response.body()));
    return error.message();
  }

  SeededRandom random_{3};
  TempDir dir_;
  Metrics metrics_;
  std::unique_ptr<ServerStore> store_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::string token_;
  asio::io_context ioc_;
  asio::ssl::context client_tls_{asio::ssl::context::tls_client};
};

TEST_F(BlobHttpTest, CutMidBodyKeepsVerifiedChunksThenChunkedResumeCompletes) {
  const std::string data = Bytes(5 * kChunk + 999, 1);
  const std::string hex = LowerHex(RawSha(data));
  Offer(data);
  std::unique_ptr<Stream> cut;
  {
    // The whole length announced, 2.5 chunks sent, then the connection ends without a TLS
    // close (a FIN, so that every byte sent arrives; an RST may lose the last ones in flight).
    auto& stream = cut = Connect();
    const std::string head = "POST /v1/blobs/" + hex +
                             "/chunks/0 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " +
                             token_ + "\r\nContent-Length: " + std::to_string(data.size()) +
                             "\r\n\r\n";
    asio::write(*stream, asio::buffer(head));
    asio::write(*stream, asio::buffer(data.data(), 2 * kChunk + kChunk / 2));
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_send);
  }
  // The server notices the cut on its own time; the status then counts the two whole chunks.
  uint64_t verified = 0;
  for (int i = 0; i < 100 && verified < 2; ++i) {
    verified = Status(data).verified_chunks();
    if (verified < 2) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(verified, 2u);

  // Resume with chunked transfer encoding (length unknown up front).
  http::request<http::string_body> post{http::verb::post, "/v1/blobs/" + hex + "/chunks/2", 11};
  post.set(http::field::content_type, "application/octet-stream");
  post.chunked(true);
  post.body() = data.substr(2 * kChunk);
  auto done = Exchange(std::move(post));
  ASSERT_EQ(done.result_int(), 200u) << ErrorMessage(done);
  v1::BlobStatus status;
  ASSERT_TRUE(status.ParseFromString(done.body()));
  EXPECT_EQ(status.state(), v1::BLOB_STATE_PRESENT);

  // Download: whole, and a range across a chunk boundary.
  http::request<http::string_body> whole{http::verb::get, "/v1/blobs/" + hex, 11};
  auto got = Exchange(std::move(whole));
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_EQ(got.body(), data);
  EXPECT_EQ(got[http::field::content_type], "video/mp4");
  http::request<http::string_body> part{http::verb::get, "/v1/blobs/" + hex, 11};
  part.set(http::field::range, "bytes=65530-65545");
  got = Exchange(std::move(part));
  EXPECT_EQ(got.result_int(), 206u);
  EXPECT_EQ(got[http::field::content_range], "bytes 65530-65545/" + std::to_string(data.size()));
  EXPECT_EQ(got.body(), data.substr(65530, 16));
  const std::string metrics = metrics_.RenderPrometheus();
  EXPECT_THAT(metrics, HasSubstr("route=\"/v1/blobs/{sha256}/chunks/{first}\""));
  EXPECT_THAT(metrics, HasSubstr("cairn_blobs_completed_total 1\n"));
}

TEST_F(BlobHttpTest, ABodyOfManyPiecesIsStoredInOrderAndStopsAtABadChunk) {
  // More than the pieces a connection reads ahead (4 of 1 MiB) while earlier ones are stored,
  // with a last piece shorter than the others.
  const std::string data = Bytes(9 * (size_t{1} << 20) + 777, 3);
  const std::string hex = LowerHex(RawSha(data));
  Offer(data);
  // A bad chunk in the seventh MiB: every chunk before it is kept, none after.
  std::string body = data;
  const size_t bad_chunk = 100;
  body[bad_chunk * kChunk + 1] ^= 0x20;
  http::request<http::string_body> post{http::verb::post, "/v1/blobs/" + hex + "/chunks/0", 11};
  post.body() = body;
  auto refused = Exchange(std::move(post));
  EXPECT_EQ(refused.result_int(), 400u);
  EXPECT_THAT(ErrorMessage(refused), HasSubstr("chunk 100 does not match"));
  EXPECT_EQ(Status(data).verified_chunks(), bad_chunk);

  // Two connections at once: this blob's rest, and a second blob whole.
  const std::string other = Bytes(6 * (size_t{1} << 20) + 5, 4);
  Offer(other);
  auto send = [this](std::string_view bytes, const std::string& target) {
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.body() = std::string(bytes);
    return Exchange(std::move(request));
  };
  http::response<http::string_body> rest;
  std::thread second([&] {
    rest = send(data.substr(bad_chunk * kChunk),
                "/v1/blobs/" + hex + "/chunks/" + std::to_string(bad_chunk));
  });
  auto whole = send(other, "/v1/blobs/" + LowerHex(RawSha(other)) + "/chunks/0");
  second.join();
  ASSERT_EQ(rest.result_int(), 200u) << ErrorMessage(rest);
  ASSERT_EQ(whole.result_int(), 200u) << ErrorMessage(whole);
  EXPECT_EQ(Status(data).state(), v1::BLOB_STATE_PRESENT);
  EXPECT_EQ(Status(other).state(), v1::BLOB_STATE_PRESENT);
  http::request<http::string_body> download{http::verb::get, "/v1/blobs/" + hex, 11};
  auto got = Exchange(std::move(download));
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_TRUE(got.body() == data);
}

TEST_F(BlobHttpTest, RefusalsMidBodyAndBeforeIt) {
  const std::string data = Bytes(4 * kChunk, 2);
  const std::string hex = LowerHex(RawSha(data));
  Offer(data);
  // A bad chunk 1 in a 4-chunk body: answered 400 while the client is still sending.
  std::string body = data;
  body[kChunk + 5] ^= 0x40;
  http::request<http::string_body> post{http::verb::post, "/v1/blobs/" + hex + "/chunks/0", 11};
  post.body() = body;
  auto refused = Exchange(std::move(post));
  EXPECT_EQ(refused.result_int(), 400u);
  EXPECT_THAT(ErrorMessage(refused), HasSubstr("chunk 1 does not match the hash offered for it"));
  EXPECT_EQ(Status(data).verified_chunks(), 1u);

  // zstd is not for chunks.
  http::request<http::string_body> zstd{http::verb::post, "/v1/blobs/" + hex + "/chunks/1", 11};
  zstd.set(http::field::content_encoding, "zstd");
  zstd.body() = "x";
  EXPECT_EQ(Exchange(std::move(zstd)).result_int(), 415u);
  // The wrong offset, refused before the body is read.
  http::request<http::string_body> wrong{http::verb::post, "/v1/blobs/" + hex + "/chunks/3", 11};
  wrong.body() = data.substr(3 * kChunk);
  auto conflict = Exchange(std::move(wrong));
  EXPECT_EQ(conflict.result_int(), 409u);
  EXPECT_THAT(ErrorMessage(conflict), HasSubstr("continues at chunk 1"));
  // Chunk bodies are not bound by the 16 MiB limit of other routes, but by the blob.
  http::request<http::string_body> rest{http::verb::post, "/v1/blobs/" + hex + "/chunks/1", 11};
  rest.body() = data.substr(kChunk);
  EXPECT_EQ(Exchange(std::move(rest)).result_int(), 200u);
  EXPECT_EQ(Status(data).state(), v1::BLOB_STATE_PRESENT);
  // Traversal through the real parser.
  http::request<http::string_body> traversal{http::verb::get, "/v1/blobs/%2e%2e%2fserver.db", 11};
  EXPECT_EQ(Exchange(std::move(traversal)).result_int(), 400u);
}

}  // namespace
}  // namespace cairn::server
