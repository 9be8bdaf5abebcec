#include "integration/platform_http.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "cairn/hex.h"

namespace cairn::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Url {
  std::string host;
  std::string port;
  std::string target;
};

Result<Url> ParseUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return InvalidArgument("not an https URL: " + url);
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("no port in " + url);
  return Url{authority.substr(0, colon), authority.substr(colon + 1),
             slash == std::string::npos ? "/" : rest.substr(slash)};
}

Result<std::string> ReadRange(const v1::FileRange& range) {
  std::ifstream file(range.path(), std::ios::binary);
  if (!file) return NotFound("the body file " + range.path() + " cannot be read");
  std::string body(range.length(), '\0');
  file.seekg(static_cast<std::streamoff>(range.offset()));
  file.read(body.data(), static_cast<std::streamsize>(body.size()));
  if (static_cast<uint64_t>(file.gcount()) != range.length()) {
    return DataLoss("the body file " + range.path() + " is shorter than its range");
  }
  return body;
}

std::string PeerSha256(SSL* ssl) {
  std::unique_ptr<X509, void (*)(X509*)> cert(SSL_get1_peer_certificate(ssl), X509_free);
  if (!cert) return "";
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(der, static_cast<size_t>(len), digest, &digest_len, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  return LowerHex(std::string_view(reinterpret_cast<const char*>(digest), digest_len));
}

}  // namespace

Result<v1::HttpAnswer> PlatformHttp::Send(const v1::HttpExchange& exchange) {
  sent.push_back(exchange);
  CAIRN_ASSIGN_OR_RETURN(const Url url, ParseUrl(exchange.url()));
  std::string body = exchange.body();
  if (exchange.has_body_file()) {
    CAIRN_ASSIGN_OR_RETURN(body, ReadRange(exchange.body_file()));
  }
  http::request<http::string_body> request;
  const http::verb method = http::string_to_verb(exchange.method());
  if (method == http::verb::unknown) return InvalidArgument("no such method " + exchange.method());
  request.method(method);
  request.target(url.target);
  request.version(11);
  request.set(http::field::host, url.host);
  for (const v1::HttpHeader& header : exchange.headers()) {
    request.insert(header.name(), header.value());
  }
  request.body() = std::move(body);
  request.prepare_payload();

  asio::io_context ioc;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);  // trust comes from the pin, checked below
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return Unavailable("resolving " + url.host + ": " + ec.message());
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
  beast::get_lowest_layer(stream).connect(endpoints, ec);
  if (ec) return Unavailable("connecting to " + exchange.url() + ": " + ec.message());
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return Unavailable("the TLS handshake failed: " + ec.message());
  if (!exchange.pin_sha256().empty() &&
      PeerSha256(stream.native_handle()) != exchange.pin_sha256()) {
    return PermissionDenied("the server's certificate does not match the pin");
  }
  http::write(stream, request, ec);
  if (ec) return Unavailable("sending failed: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(uint64_t{128} << 20);
  http::read(stream, buffer, parser, ec);
  if (ec) return Unavailable("reading the answer failed: " + ec.message());
  http::response<http::string_body> response = parser.release();
  v1::HttpAnswer answer;
  answer.set_status(static_cast<int32_t>(response.result_int()));
  for (const auto& field : response) {
    v1::HttpHeader& header = *answer.add_headers();
    header.set_name(std::string(field.name_string()));
    header.set_value(std::string(field.value()));
  }
  answer_encodings.emplace_back(response[http::field::content_encoding]);
  answer.set_body(std::move(response.body()));
  stream.shutdown(ec);  // the server may close first; nothing depends on a clean close
  return answer;
}

}  // namespace cairn::testing
