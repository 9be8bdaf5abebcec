#include "beast_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "net/tls_test_server.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::StatusIs;
using ::cairn::testing::TcpEchoServer;
using ::cairn::testing::TestCert;
using ::cairn::testing::TlsTestServer;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const TestCert& LocalCert() {
  static const TestCert* cert = new TestCert(testing::MakeSelfSignedCert("IP:127.0.0.1"));
  return *cert;
}

TransportOptions Options(std::string url, std::string pin = "", std::string ca_file = "") {
  TransportOptions options;
  options.server_url = std::move(url);
  options.pin_sha256 = std::move(pin);
  options.ca_file = std::move(ca_file);
  return options;
}

std::string Url(uint16_t port) { return "https://127.0.0.1:" + std::to_string(port); }

std::unique_ptr<BeastTransport> Pinned(uint16_t port, TransportOptions options = {}) {
  options.server_url = Url(port);
  options.pin_sha256 = LocalCert().sha256_hex;
  auto transport = BeastTransport::Create(options);
  EXPECT_TRUE(transport.ok()) << transport.status();
  return transport.ok() ? std::move(transport).value() : nullptr;
}

HttpRequest Post(std::string body, std::string target = "/v1/push") {
  HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.authorization = "Bearer device-token";
  request.body = std::move(body);
  return request;
}

// A port nothing listens on: bound, then released.
uint16_t ClosedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST(BeastTransportTest, PinnedRoundTripSendsTheProtocolHeaders) {
  TlsTestServer server(LocalCert());
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);

  auto response = transport->RoundTrip(Post("hello"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/x-protobuf");
  EXPECT_EQ(response->body, "echo:hello");

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/push");
  EXPECT_EQ(seen[0].host, "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_THAT(seen[0].user_agent, StartsWith("cairn/"));
  EXPECT_EQ(seen[0].authorization, "Bearer device-token");
  EXPECT_EQ(seen[0].accept_encoding, "zstd");
  EXPECT_EQ(seen[0].content_encoding, "");  // under 1 KiB: not worth compressing
  EXPECT_GT(transport->bytes_sent(), 5u);
  EXPECT_GT(transport->bytes_received(), 10u);
}

TEST(BeastTransportTest, PinAcceptsUpperCaseWithColons) {
  TlsTestServer server(LocalCert());
  std::string pin;
  for (size_t i = 0; i < LocalCert().sha256_hex.size(); i += 2) {
    if (i > 0) pin += ':';
    pin += static_cast<char>(std::toupper(LocalCert().sha256_hex[i]));
    pin += static_cast<char>(std::toupper(LocalCert().sha256_hex[i + 1]));
  }
  auto transport = BeastTransport::Create(Options(Url(server.port()), pin));
  ASSERT_TRUE(transport.ok()) << transport.status();
  CAIRN_EXPECT_OK((*transport)->RoundTrip(Post("x")).status());
}

TEST(BeastTransportTest, PinMismatchIsRefusedNamingBothFingerprints) {
  TlsTestServer server(LocalCert());
  const std::string wrong(64, 'a');
  auto transport = BeastTransport::Create(Options(Url(server.port()), wrong));
  ASSERT_TRUE(transport.ok()) << transport.status();

  auto response = (*transport)->RoundTrip(Post("secret"));
  EXPECT_THAT(response, StatusIs(Code::kPermissionDenied,
                                 AllOf(HasSubstr(LocalCert().sha256_hex), HasSubstr(wrong),
                                       HasSubstr("nothing was sent"))));
  EXPECT_TRUE(server.requests().empty());
  EXPECT_EQ((*transport)->connections_opened(), 0u);
}

TEST(BeastTransportTest, LargeBodiesTravelCompressedBothWays) {
  TlsTestServer server(LocalCert());
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);
  std::string body;
  for (int i = 0; body.size() < 64 * 1024; ++i) body += "change " + std::to_string(i % 50) + ";";

  auto response = transport->RoundTrip(Post(body));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "echo:" + body);  // the server's zstd answer, decoded

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_encoding, "zstd");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_LT(seen[0].wire_body_size, body.size() / 4);
  EXPECT_LT(transport->bytes_sent(), body.size() / 4);
  EXPECT_LT(transport->bytes_received(), body.size() / 4);
}

TEST(BeastTransportTest, CompressionCanBeTurnedOff) {
  TlsTestServer server(LocalCert());
  TransportOptions options;
  options.compress = false;
  auto transport = Pinned(server.port(), options);
  ASSERT_NE(transport, nullptr);
  const std::string body(4096, 'z');

  CAIRN_ASSERT_OK(transport->RoundTrip(Post(body)).status());
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].content_encoding, "");
  EXPECT_EQ(seen[0].wire_body_size, body.size());
  EXPECT_GT(transport->bytes_sent(), body.size());
}

TEST(BeastTransportTest, KeepAliveReusesOneConnection) {
  TlsTestServer server(LocalCert());
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto response = transport->RoundTrip(Post("n" + std::to_string(i)));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, "echo:n" + std::to_string(i));
  }
  EXPECT_EQ(transport->connections_opened(), 1u);
  EXPECT_EQ(server.accepted(), 1);
}

// A body made in pieces of a size unrelated to the TLS records or the write batches arrives
// whole; the next request on the same connection is sent at once (the batch ended).
TEST(BeastTransportTest, StreamedBodyArrivesWholeAndTheConnectionIsReused) {
  class Pieces : public Transport::BodySource {
   public:
    explicit Pieces(const std::string& body) : body_(body) {}
    Status Next(std::string* piece) override {
      *piece = body_.substr(at_, std::min<size_t>(100'003, body_.size() - at_));
      at_ += piece->size();
      return Status();
    }

   private:
    const std::string& body_;
    size_t at_ = 0;
  };
  TlsTestServer server(LocalCert());
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);
  // Under the test server's body limit (1 MiB), over three write batches.
  std::string body(900'000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 2654435761U) >> 13);
  body.resize(body.size() + 12'345, 'z');

  HttpRequest head = Post("", "/v1/blobs/upload");
  head.content_type = "application/octet-stream";
  Pieces pieces(body);
  auto streamed = transport->RoundTripStreamed(head, body.size(), pieces);
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  auto next = transport->RoundTrip(Post("after"));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "echo:after");

  const auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].wire_body_size, body.size());
  EXPECT_TRUE(seen[0].body == body) << "the body arrived changed";
  EXPECT_EQ(server.accepted(), 1);
}

TEST(BeastTransportTest, RecoversWhenTheServerClosedTheIdleConnection) {
  TlsTestServer::Options server_options;
  server_options.idle_timeout = std::chrono::milliseconds(100);
  TlsTestServer server(LocalCert(), server_options);
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);
  CAIRN_ASSERT_OK(transport->RoundTrip(Post("first")).status());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server hangs up

  auto response = transport->RoundTrip(Post("second"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "echo:second");
  EXPECT_EQ(transport->connections_opened(), 2u);
  EXPECT_EQ(server.accepted(), 2);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(BeastTransportTest, HttpErrorsAreResponsesNotFailures) {
  TlsTestServer server(LocalCert());
  auto transport = Pinned(server.port());
  ASSERT_NE(transport, nullptr);
  auto response = transport->RoundTrip(Post("", "/status/503"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 503);
}

TEST(BeastTransportTest, ConnectionRefusedIsUnavailable) {
  const uint16_t port = ClosedPort();
  auto transport = Pinned(port);
  ASSERT_NE(transport, nullptr);
  auto response = transport->RoundTrip(Post("x"));
  EXPECT_THAT(response, StatusIs(Code::kUnavailable,
                                 AllOf(HasSubstr("cannot reach " + Url(port)), HasSubstr("refused"),
                                       HasSubstr("check the network"))));
  EXPECT_EQ(transport->connections_opened(), 0u);
}

TEST(BeastTransportTest, SilentServerTimesOutAsUnavailable) {
  // Accepts TCP (the kernel's backlog) but never speaks TLS.
  TcpEchoServer silent(/*echo=*/false);
  TransportOptions options;
  options.connect_timeout = std::chrono::milliseconds(200);
  auto transport = Pinned(silent.port(), options);
  ASSERT_NE(transport, nullptr);
  auto started = std::chrono::steady_clock::now();
  auto response = transport->RoundTrip(Post("x"));
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_THAT(response, StatusIs(Code::kUnavailable, HasSubstr("timed out after 200 ms")));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(BeastTransportTest, CaFileVerifiesTheChainAndTheAddress) {
  testing::TempDir dir;
  const std::string ca_file = dir.File("ca.pem");
  std::ofstream(ca_file) << LocalCert().cert_pem;
  TlsTestServer server(LocalCert());

  auto good = BeastTransport::Create(Options(Url(server.port()), "", ca_file));
  ASSERT_TRUE(good.ok()) << good.status();
  CAIRN_EXPECT_OK((*good)->RoundTrip(Post("x")).status());

  // The same CA, but a certificate for another address: the IP check must refuse it.
  TestCert other = testing::MakeSelfSignedCert("IP:127.0.0.2");
  const std::string other_ca = dir.File("other.pem");
  std::ofstream(other_ca) << other.cert_pem;
  TlsTestServer wrong_address(other);
  auto mismatched = BeastTransport::Create(Options(Url(wrong_address.port()), "", other_ca));
  ASSERT_TRUE(mismatched.ok()) << mismatched.status();
  EXPECT_THAT((*mismatched)->RoundTrip(Post("x")),
              StatusIs(Code::kUnavailable, HasSubstr("not trusted (IP address mismatch)")));
  EXPECT_TRUE(wrong_address.requests().empty());

  // No pin and no CA file: the system roots do not know a self-signed certificate.
  auto system = BeastTransport::Create(Options(Url(server.port())));
  ASSERT_TRUE(system.ok()) << system.status();
  EXPECT_THAT((*system)->RoundTrip(Post("x")),
              StatusIs(Code::kUnavailable, HasSubstr("not trusted")));
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(BeastTransportTest, RejectsMalformedSettings) {
  auto invalid = [](std::string url, std::string pin = "", std::string ca_file = "") {
    return BeastTransport::Create(Options(std::move(url), std::move(pin), std::move(ca_file)))
        .status();
  };
  EXPECT_THAT(invalid("http://127.0.0.1:8443"),
              StatusIs(Code::kInvalidArgument, HasSubstr("must use https")));
  EXPECT_THAT(invalid("127.0.0.1:8443"),
              StatusIs(Code::kInvalidArgument, HasSubstr("no https:// scheme")));
  EXPECT_THAT(invalid("https://127.0.0.1:8443/v1"),
              StatusIs(Code::kInvalidArgument, HasSubstr("path")));
  EXPECT_THAT(invalid("https://:8443"), StatusIs(Code::kInvalidArgument, HasSubstr("no host")));
  EXPECT_THAT(invalid("https://host:99999"),
              StatusIs(Code::kInvalidArgument, HasSubstr("invalid port")));
  EXPECT_THAT(invalid("https://127.0.0.1:8443", "abcd"),
              StatusIs(Code::kInvalidArgument, HasSubstr("64 hex digits")));
  EXPECT_THAT(invalid("https://127.0.0.1:8443", "", "/nonexistent.pem"),
              StatusIs(Code::kInvalidArgument, HasSubstr("/nonexistent.pem")));
  CAIRN_EXPECT_OK(invalid("https://sync.example.org/"));
  CAIRN_EXPECT_OK(invalid("https://[::1]:8443", std::string(64, 'F')));
}

}  // namespace
}  // namespace cairn
