#include "net/tls_test_server.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "cairn/compression.h"

namespace cairn::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

std::string ReadBio(BIO* bio) {
  std::string out(BIO_ctrl_pending(bio), '\0');
  int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

}  // namespace

TestCert MakeSelfSignedCert(const std::string& san) {
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr);
  EVP_PKEY* key = nullptr;
  Check(kctx != nullptr && EVP_PKEY_keygen_init(kctx) == 1 &&
            EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1) == 1 &&
            EVP_PKEY_keygen(kctx, &key) == 1,
        "key generation");
  EVP_PKEY_CTX_free(kctx);

  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), std::rand() + 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cairn-test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str());
  Check(ext != nullptr && X509_add_ext(x, ext, -1) == 1, "subjectAltName");
  X509_EXTENSION_free(ext);
  Check(X509_sign(x, key, EVP_sha256()) > 0, "signing");

  TestCert out;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  out.cert_pem = ReadBio(bio);
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = ReadBio(bio);
  BIO_free(bio);

  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Check(X509_digest(x, EVP_sha256(), md, &len) == 1, "digest");
  static constexpr char kDigits[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    out.sha256_hex.push_back(kDigits[md[i] >> 4]);
    out.sha256_hex.push_back(kDigits[md[i] & 0xf]);
  }
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

struct TlsTestServer::State {
  explicit State(Options o) : options(o) {}
  Options options;
  asio::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t port = 0;
  mutable std::mutex mutex;
  int accepted = 0;
  std::vector<Seen> requests;
};

namespace {

// The coroutines borrow their State: they live in its io_context and are destroyed with it (a
// shared_ptr here would be a cycle through the io_context).
asio::awaitable<void> ServeTls(TlsTestServer::State* state, tcp::socket socket) {
  ErrorCode ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), state->ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_handshake(ssl::stream_base::server, token);
  if (ec) co_return;
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    beast::get_lowest_layer(stream).expires_after(state->options.idle_timeout);
    co_await http::async_read(stream, buffer, request, token);
    if (ec) co_return;  // on a timeout the tcp_stream has closed the socket
    TlsTestServer::Seen seen;
    seen.method = std::string(request.method_string());
    seen.target = std::string(request.target());
    seen.host = std::string(request[http::field::host]);
    seen.user_agent = std::string(request[http::field::user_agent]);
    seen.authorization = std::string(request[http::field::authorization]);
    seen.accept_encoding = std::string(request[http::field::accept_encoding]);
    seen.content_encoding = std::string(request[http::field::content_encoding]);
    seen.wire_body_size = request.body().size();
    if (seen.content_encoding == "zstd") {
      auto decoded = ZstdDecompress(request.body(), size_t{64} << 20);
      seen.body = decoded.ok() ? *decoded : "<undecodable>";
    } else {
      seen.body = request.body();
    }
    http::response<http::string_body> response;
    response.version(11);
    response.keep_alive(request.keep_alive());
    response.result(http::status::ok);
    if (seen.target.rfind("/status/", 0) == 0) {
      response.result(static_cast<unsigned>(std::atoi(seen.target.c_str() + 8)));
    }
    response.set(http::field::content_type, "application/x-protobuf");
    response.body() = "echo:" + seen.body;
    if (seen.accept_encoding.find("zstd") != std::string::npos && response.body().size() >= 1024) {
      response.body() = ZstdCompress(response.body());
      response.set(http::field::content_encoding, "zstd");
    }
    response.prepare_payload();
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->requests.push_back(std::move(seen));
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await http::async_write(stream, response, token);
    if (ec || !response.keep_alive()) co_return;
  }
}

template <typename State, typename Serve>
asio::awaitable<void> AcceptLoop(State* state, Serve serve) {
  for (;;) {
    ErrorCode ec;
    tcp::socket socket =
        co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      ++state->accepted;
    }
    asio::co_spawn(state->ioc, serve(state, std::move(socket)), asio::detached);
  }
}

template <typename State>
void Listen(State& state) {
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state.acceptor.open(endpoint.protocol());
  state.acceptor.set_option(asio::socket_base::reuse_address(true));
  state.acceptor.bind(endpoint);
  state.acceptor.listen();
  state.port = state.acceptor.local_endpoint().port();
}

}  // namespace

TlsTestServer::TlsTestServer(const TestCert& cert, Options options)
    : state_(std::make_shared<State>(options)) {
  state_->ctx.use_certificate(asio::buffer(cert.cert_pem), ssl::context::pem);
  state_->ctx.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  if (options.tls12_only)
    SSL_CTX_set_max_proto_version(state_->ctx.native_handle(), TLS1_2_VERSION);
  Listen(*state_);
  asio::co_spawn(state_->ioc, AcceptLoop(state_.get(), &ServeTls), asio::detached);
  state_->thread = std::thread([state = state_] { state->ioc.run(); });
}

TlsTestServer::~TlsTestServer() {
  state_->ioc.stop();
  state_->thread.join();
}

uint16_t TlsTestServer::port() const { return state_->port; }
int TlsTestServer::accepted() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->accepted;
}
std::vector<TlsTestServer::Seen> TlsTestServer::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests;
}

struct TcpEchoServer::State {
  explicit State(bool e) : echo(e) {}
  bool echo;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t port = 0;
  mutable std::mutex mutex;
  int accepted = 0;
  int finished = 0;
  std::vector<uint64_t> received;
};

namespace {

asio::awaitable<void> ServeEcho(TcpEchoServer::State* state, tcp::socket socket) {
  size_t index;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    index = state->received.size();
    state->received.push_back(0);
  }
  ErrorCode ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  std::vector<char> buffer(8192);
  for (;;) {
    size_t n = co_await socket.async_read_some(asio::buffer(buffer), token);
    if (ec) break;
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->received[index] += n;
    }
    if (state->echo) {
      co_await asio::async_write(socket, asio::buffer(buffer.data(), n), token);
      if (ec) break;
    }
  }
  std::lock_guard<std::mutex> lock(state->mutex);
  ++state->finished;
}

}  // namespace

TcpEchoServer::TcpEchoServer(bool echo) : state_(std::make_shared<State>(echo)) {
  Listen(*state_);
  asio::co_spawn(state_->ioc, AcceptLoop(state_.get(), &ServeEcho), asio::detached);
  state_->thread = std::thread([state = state_] { state->ioc.run(); });
}

TcpEchoServer::~TcpEchoServer() {
  state_->ioc.stop();
  state_->thread.join();
}

uint16_t TcpEchoServer::port() const { return state_->port; }
std::vector<uint64_t> TcpEchoServer::received() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->received;
}
int TcpEchoServer::finished() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->finished;
}

}  // namespace cairn::testing
