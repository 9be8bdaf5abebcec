#include "forward/webhook.h"

#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>

#include "forward/envelope.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "dev"
#endif

namespace cairn::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr size_t kMaxAnswerBytes = size_t{1} << 20;
constexpr size_t kQuotedAnswerBytes = 200;

struct Url {
  bool tls = true;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string target;  // path and query, at least "/"
  std::string host_header;
  bool is_ip = false;
};

Result<Url> ParseUrl(std::string_view url) {
  Url out;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    out.tls = false;
    rest = url.substr(7);
  } else {
    return InvalidArgument("the webhook URL '" + std::string(url) + "' must start with https://");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  out.host_header = std::string(authority);
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("the webhook URL '" + std::string(url) + "' has an unclosed [");
    }
    out.host = std::string(authority.substr(1, close - 1));
    authority = authority.substr(close + 1);
    if (authority.starts_with(':')) out.port = std::string(authority.substr(1));
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) {
    return InvalidArgument("the webhook URL '" + std::string(url) + "' has no host");
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(out.host, ec);
  out.is_ip = !ec;
  // Submissions are personal data: in the clear only to this machine.
  if (!out.tls && !(out.host == "localhost" || (out.is_ip && ip.is_loopback()))) {
    return InvalidArgument("the webhook URL '" + std::string(url) +
                           "' is plain http:// to another machine; use https://");
  }
  return out;
}

// One POST on its own io_context; every operation runs under the deadline of its stream.
class Exchange {
 public:
  Exchange(const Url& url, std::string_view full_url, const WebhookOptions& options)
      : url_(url), full_url_(full_url), options_(options) {}

  Result<http::response<http::string_body>> Run(http::request<http::string_body>& request) {
    CAIRN_ASSIGN_OR_RETURN(tcp::resolver::results_type endpoints, Resolve());
    if (!url_.tls) {
      beast::tcp_stream stream(ioc_);
      CAIRN_RETURN_IF_ERROR(Connect(stream, endpoints));
      return RoundTrip(stream, stream, request);
    }
    ssl::context ctx(ssl::context::tls_client);
    beast::error_code ec;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options_.ca_file.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.load_verify_file(options_.ca_file, ec);
    }
    if (ec) {
      return FailedPrecondition("cannot load the CA certificates for webhooks" +
                                (options_.ca_file.empty() ? std::string(" (system store)")
                                                          : " from " + options_.ca_file) +
                                ": " + ec.message() + "; check webhook_ca_file");
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc_, ctx);
    CAIRN_RETURN_IF_ERROR(Connect(beast::get_lowest_layer(stream), endpoints));
    SSL* handle = stream.native_handle();
    SSL_set_verify(handle, SSL_VERIFY_PEER, nullptr);
    const int ok = url_.is_ip
                       ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url_.host.c_str())
                       : SSL_set1_host(handle, url_.host.c_str());
    if (ok != 1) return Internal("cannot set the TLS host check for " + url_.host);
    if (!url_.is_ip && SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                                const_cast<char*>(url_.host.c_str())) != 1) {
      return Internal("cannot set TLS SNI for " + url_.host);
    }
    stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    Drive();
    if (ec) {
      const long verify = SSL_get_verify_result(handle);
      if (verify != X509_V_OK) {
        return Unavailable("the webhook receiver " + full_url_ +
                           " presented a certificate this server does not trust (" +
                           X509_verify_cert_error_string(verify) +
                           "); fix its certificate or set webhook_ca_file");
      }
      return Unavailable("TLS handshake with " + full_url_ + " failed: " + ec.message());
    }
    return RoundTrip(stream, beast::get_lowest_layer(stream), request);
  }

 private:
  void Drive() {
    ioc_.restart();
    ioc_.run();
  }

  Result<tcp::resolver::results_type> Resolve() {
    tcp::resolver resolver(ioc_);
    asio::steady_timer timer(ioc_);
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    bool timed_out = false;
    timer.expires_after(options_.connect_timeout);
    timer.async_wait([&](beast::error_code e) {
      if (!e) {
        timed_out = true;
        resolver.cancel();
      }
    });
    resolver.async_resolve(url_.host, url_.port,
                           [&](beast::error_code e, tcp::resolver::results_type results) {
                             ec = e;
                             endpoints = std::move(results);
                             timer.cancel();
                           });
    Drive();
    if (timed_out) return Unavailable("resolving the host of " + full_url_ + " timed out");
    if (ec) return Unavailable("cannot resolve the host of " + full_url_ + ": " + ec.message());
    return endpoints;
  }

  Status Connect(beast::tcp_stream& stream, const tcp::resolver::results_type& endpoints) {
    beast::error_code ec;
    stream.expires_after(options_.connect_timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    Drive();
    if (ec) return Unavailable("cannot connect to " + full_url_ + ": " + ec.message());
    return {};
  }

  template <typename Stream>
  Result<http::response<http::string_body>> RoundTrip(Stream& stream, beast::tcp_stream& tcp_layer,
                                                      http::request<http::string_body>& request) {
    beast::error_code ec;
    tcp_layer.expires_after(options_.request_timeout);
    http::async_write(stream, request, [&](beast::error_code e, size_t) { ec = e; });
    Drive();
    if (ec) return Unavailable("sending to " + full_url_ + " failed: " + ec.message());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
    Drive();
    if (ec) return Unavailable("reading the answer of " + full_url_ + " failed: " + ec.message());
    return parser.release();
  }

  asio::io_context ioc_;
  const Url& url_;
  std::string full_url_;
  const WebhookOptions& options_;
};

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string message = std::to_string(unix_seconds) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  return "v1=" + LowerHex(std::string_view(reinterpret_cast<const char*>(mac), length));
}

Status PostWebhook(std::string_view url, std::string_view secret, std::string_view idempotency_key,
                   int64_t unix_seconds, std::string_view body, const WebhookOptions& options) {
  CAIRN_ASSIGN_OR_RETURN(const Url parsed, ParseUrl(url));
  http::request<http::string_body> request(http::verb::post, parsed.target, 11);
  request.set(http::field::host, parsed.host_header);
  request.set(http::field::user_agent, "cairn-server/" CAIRN_VERSION);
  request.set(http::field::content_type, "application/json");
  request.set("Cairn-Idempotency-Key", idempotency_key);
  request.set("Cairn-Timestamp", std::to_string(unix_seconds));
  request.set("Cairn-Signature", WebhookSignature(secret, unix_seconds, body));
  request.set(http::field::connection, "close");
  request.body() = std::string(body);
  request.prepare_payload();

  Exchange exchange(parsed, url, options);
  CAIRN_ASSIGN_OR_RETURN(const http::response<http::string_body> answer, exchange.Run(request));
  const unsigned code = answer.result_int();
  if (code >= 200 && code < 300) return {};
  std::string quoted = answer.body().substr(0, kQuotedAnswerBytes);
  for (char& c : quoted) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  const std::string what = "the webhook receiver " + std::string(url) + " answered " +
                           std::to_string(code) + (quoted.empty() ? "" : ": " + quoted);
  if (code >= 500 || code == 429 || code == 408) return Unavailable(what);
  return FailedPrecondition(what + "; the delivery is retried, fix the receiver");
}

}  // namespace cairn::server
