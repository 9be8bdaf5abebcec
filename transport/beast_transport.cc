#include "beast_transport.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <charconv>
#include <exception>
#include <string_view>
#include <utility>

#include "cairn/compression.h"
#include "write_batching_stream.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "dev"
#endif

namespace cairn {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<WriteBatchingStream<beast::tcp_stream>>;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kAdvice = "; check the network and retry";
// A streamed body is sent in writes this large (WriteBatchingStream).
constexpr size_t kBodyBatchBytes = size_t{256} * 1024;

struct ServerAddress {
  std::string host;         // without IPv6 brackets
  std::string port;         // decimal
  bool is_ip = false;       // an IPv4 or IPv6 literal: no SNI, IP check instead of host name
  std::string origin;       // "https://host:port", for messages
  std::string host_header;  // "host[:port]" as the Host field wants it
};

Result<ServerAddress> ParseServerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  auto bad = [&](std::string_view why) {
    return InvalidArgument("server URL \"" + std::string(url) + "\" " + std::string(why) +
                           "; expected https://HOST:PORT, e.g. https://sync.example.org:8443");
  };
  if (url.size() < kScheme.size() || !beast::iequals(url.substr(0, kScheme.size()), kScheme)) {
    if (url.find("://") != std::string_view::npos) return bad("must use https");
    return bad("has no https:// scheme");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos && rest.substr(path_at) != "/") {
    return bad("must not have a path, query or fragment");
  }
  if (authority.find('@') != std::string_view::npos) return bad("must not contain user info");

  ServerAddress out;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has garbage after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return bad("has an empty port");
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address_v6(out.host, ec);
    if (ec) return bad("has an invalid IPv6 address");
    (void)address;
    out.is_ip = true;
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad("has an empty port");
      authority = authority.substr(0, colon);
    }
    out.host = std::string(authority);
    if (out.host.find(':') != std::string::npos) return bad("needs brackets around an IPv6 host");
    for (char c : out.host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return bad("has an invalid host name");
      }
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address_v4(out.host, ec);
    (void)address;
    out.is_ip = !ec;
  }
  if (out.host.empty()) return bad("has no host");

  unsigned port_number = 443;
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number == 0 ||
        port_number > 65535) {
      return bad("has an invalid port");
    }
  }
  out.port = std::to_string(port_number);
  std::string bracketed = out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  out.origin = "https://" + bracketed + ":" + out.port;
  out.host_header = port_number == 443 ? bracketed : bracketed + ":" + out.port;
  return out;
}

Result<std::string> NormalizePin(std::string_view pin) {
  std::string hex;
  for (char c : pin) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      hex.clear();
      break;
    }
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.size() != 64) {
    return InvalidArgument("certificate pin \"" + std::string(pin) +
                           "\" is not a SHA-256 fingerprint: expected 64 hex digits, e.g. from "
                           "`openssl x509 -in cert.pem -outform DER | sha256sum`");
  }
  return hex;
}

std::string Sha256Hex(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return "";
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kDigits[md[i] >> 4]);
    out.push_back(kDigits[md[i] & 0xf]);
  }
  return out;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

bool IsTimeout(const beast::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

}  // namespace

struct BeastTransport::Impl {
  TransportOptions options;
  ServerAddress address;
  std::string pin;  // lower-case hex, or empty
  asio::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<TlsStream> stream;
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> connections{0};

  Status Unreachable(std::string_view what) const {
    return Unavailable("cannot reach " + address.origin + ": " + std::string(what) +
                       std::string(kAdvice));
  }

  // Runs the io_context until the operation started before it (and its timer) has completed.
  void Drive() {
    ioc.restart();
    ioc.run();
  }

  void Close() {
    if (!stream) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(*stream).socket().close(ignored);
    stream.reset();
    Drive();  // lets cancelled handlers, if any, run while their objects are alive
  }

  Status Connect();
  Result<HttpResponse> Exchange(http::request<http::string_body>& request, bool* may_retry);
  Result<HttpResponse> ReadAnswer(std::string_view target, bool* may_retry);
  Result<HttpResponse> ExchangeStreamed(http::request<http::empty_body>& head, uint64_t body_size,
                                        Transport::BodySource& body, bool* may_retry);
  Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                         Transport::BodySource& body);
  Result<HttpResponse> RoundTrip(const HttpRequest& request);

  // The request line and the headers every request carries; InvalidArgument for a method or
  // target no server would take, or a header value with a line break.
  Result<http::request_header<>> RequestHead(const HttpRequest& in) const;
  // Runs `attempt(&may_retry)` on the kept-alive connection, connecting first if there is
  // none. A failure on a reused connection the server may have closed while it sat idle is
  // tried once more on a new one.
  template <typename Attempt>
  Result<HttpResponse> WithReconnect(const Attempt& attempt);
};

Status BeastTransport::Impl::Connect() {
  const SteadyTime deadline = std::chrono::steady_clock::now() + options.connect_timeout;
  const std::string timeout_text = "timed out after " + FormatDuration(options.connect_timeout);

  // Resolve, under the same deadline: getaddrinfo has no timeout of its own.
  tcp::resolver resolver(ioc);
  asio::steady_timer timer(ioc);
  beast::error_code ec;
  tcp::resolver::results_type endpoints;
  bool resolve_timed_out = false;
  timer.expires_at(deadline);
  timer.async_wait([&](beast::error_code timer_ec) {
    if (!timer_ec) {
      resolve_timed_out = true;
      resolver.cancel();
    }
  });
  resolver.async_resolve(address.host, address.port,
                         [&](beast::error_code resolve_ec, tcp::resolver::results_type results) {
                           ec = resolve_ec;
                           endpoints = std::move(results);
                           timer.cancel();
                         });
  Drive();
  if (resolve_timed_out) return Unreachable("resolving " + address.host + " " + timeout_text);
  if (ec) return Unreachable("cannot resolve " + address.host + " (" + ec.message() + ")");

  auto fresh = std::make_unique<TlsStream>(ioc, ctx);
  auto& tcp_layer = beast::get_lowest_layer(*fresh);
  tcp_layer.expires_at(deadline);
  tcp_layer.async_connect(
      endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) { ec = connect_ec; });
  Drive();
  if (IsTimeout(ec)) return Unreachable("connecting " + timeout_text);
  if (ec) return Unreachable("cannot connect (" + ec.message() + ")");
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);  // request/response: no Nagle delay

  SSL* ssl_handle = fresh->native_handle();
  if (!pin.empty()) {
    // The pin replaces chain and name checks; it is compared once the handshake is done.
    SSL_set_verify(ssl_handle, SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_set_verify(ssl_handle, SSL_VERIFY_PEER, nullptr);
    int ok = address.is_ip
                 ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), address.host.c_str())
                 : SSL_set1_host(ssl_handle, address.host.c_str());
    if (ok != 1) return Internal("cannot set the TLS host check for " + address.host);
  }
  if (!address.is_ip &&
      SSL_ctrl(ssl_handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(address.host.c_str())) != 1) {
    return Internal("cannot set TLS SNI for " + address.host);
  }

  fresh->async_handshake(ssl::stream_base::client,
                         [&](beast::error_code handshake_ec) { ec = handshake_ec; });
  Drive();
  if (ec) {
    if (IsTimeout(ec)) return Unreachable("TLS handshake " + timeout_text);
    long verify = SSL_get_verify_result(ssl_handle);
    if (pin.empty() && verify != X509_V_OK) {
      return Unavailable("cannot reach " + address.origin +
                         ": the server's certificate is not trusted (" +
                         X509_verify_cert_error_string(verify) +
                         "); a captive portal or proxy on this network can cause this, otherwise "
                         "check the CA file or pin the server's certificate");
    }
    return Unreachable("TLS handshake failed (" + ec.message() + ")");
  }

  if (!pin.empty()) {
    X509* cert = SSL_get1_peer_certificate(ssl_handle);
    std::string seen = cert != nullptr ? Sha256Hex(cert) : "";
    X509_free(cert);
    if (seen != pin) {
      beast::error_code ignored;
      tcp_layer.socket().close(ignored);
      Drive();
      return PermissionDenied(
          "the server at " + address.origin + " presented a certificate with SHA-256 " +
          (seen.empty() ? std::string("(none)") : seen) + " but this device pins " + pin +
          "; nothing was sent. If the server's certificate was renewed on purpose, update the "
          "pin; otherwise another machine may be intercepting this network");
    }
  }
  stream = std::move(fresh);
  connections.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Result<HttpResponse> BeastTransport::Impl::Exchange(http::request<http::string_body>& request,
                                                    bool* may_retry) {
  *may_retry = false;
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  tcp_layer.expires_after(options.request_timeout);
  const std::string timeout_text = "no answer within " + FormatDuration(options.request_timeout);

  beast::error_code ec;
  size_t written = 0;
  http::async_write(*stream, request, [&](beast::error_code write_ec, size_t n) {
    ec = write_ec;
    written = n;
  });
  Drive();
  sent.fetch_add(written, std::memory_order_relaxed);
  if (ec) {
    *may_retry = !IsTimeout(ec);
    return Unreachable(IsTimeout(ec) ? timeout_text
                                     : "sending the request failed (" + ec.message() + ")");
  }

  return ReadAnswer(request.target(), may_retry);
}

// Reads the answer to the request just sent on `stream`, under the timer the caller set.
Result<HttpResponse> BeastTransport::Impl::ReadAnswer(std::string_view target, bool* may_retry) {
  const std::string timeout_text = "no answer within " + FormatDuration(options.request_timeout);
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  size_t read = 0;
  http::async_read(*stream, buffer, parser, [&](beast::error_code read_ec, size_t n) {
    ec = read_ec;
    read = n;
  });
  Drive();
  received.fetch_add(read, std::memory_order_relaxed);
  if (ec) {
    if (ec == http::error::body_limit) {
      return TooLarge("the answer from " + address.origin + " to " + std::string(target) +
                      " is larger than 64 MiB");
    }
    // Nothing of the answer arrived: a reused connection the server had already closed.
    *may_retry = !IsTimeout(ec) && read == 0 && buffer.size() == 0 && !parser.got_some();
    if (IsTimeout(ec)) return Unreachable(timeout_text);
    if (ec.category() == beast::error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Unreachable("the answer is not valid HTTP (" + ec.message() + ")");
    }
    return Unreachable("the connection was cut (" + ec.message() + ")");
  }

  auto& message = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.content_type = std::string(message[http::field::content_type]);
  response.content_range = std::string(message[http::field::content_range]);
  const std::string encoding(message[http::field::content_encoding]);
  if (!message.keep_alive()) Close();
  Result<std::string> body =
      DecodeResponseBody(std::move(message.body()), encoding, kMaxResponseBytes);
  if (!body.ok()) {
    return body.status().Annotate("the answer from " + address.origin + " to " +
                                  std::string(target));
  }
  response.body = std::move(body).value();
  return response;
}

Result<HttpResponse> BeastTransport::Impl::ExchangeStreamed(http::request<http::empty_body>& head,
                                                            uint64_t body_size,
                                                            Transport::BodySource& body,
                                                            bool* may_retry) {
  *may_retry = false;
  auto& tcp_layer = beast::get_lowest_layer(*stream);
  // Each write has the whole request timeout: a long body is bounded by progress, not by its
  // total time (a blob of many MiB over a slow link).
  tcp_layer.expires_after(options.request_timeout);
  const std::string timeout_text = "no progress within " + FormatDuration(options.request_timeout);
  beast::error_code ec;
  size_t written = 0;
  http::request_serializer<http::empty_body> serializer(head);
  http::async_write_header(*stream, serializer, [&](beast::error_code write_ec, size_t n) {
    ec = write_ec;
    written = n;
  });
  Drive();
  sent.fetch_add(written, std::memory_order_relaxed);
  if (ec) {
    *may_retry = !IsTimeout(ec);  // nothing of the body was taken yet
    return Unreachable(IsTimeout(ec) ? timeout_text
                                     : "sending the request failed (" + ec.message() + ")");
  }
  uint64_t left = body_size;
  std::string piece;
  // The body's TLS records go out in writes of kBodyBatchBytes, not one by one.
  stream->next_layer().StartBatch(kBodyBatchBytes);
  while (true) {
    CAIRN_RETURN_IF_ERROR(body.Next(&piece));
    if (piece.empty()) break;
    if (piece.size() > left) {
      Close();
      return Internal("the body of " + std::string(head.target()) + " is longer than the " +
                      std::to_string(body_size) + " bytes announced");
    }
    tcp_layer.expires_after(options.request_timeout);
    asio::async_write(*stream, asio::buffer(piece), [&](beast::error_code write_ec, size_t n) {
      ec = write_ec;
      written = n;
    });
    Drive();
    sent.fetch_add(written, std::memory_order_relaxed);
    if (ec) {
      // The server may have answered before the whole body (a refusal) and closed.
      return Unreachable(IsTimeout(ec) ? timeout_text
                                       : "sending the request failed (" + ec.message() + ")");
    }
    left -= piece.size();
  }
  tcp_layer.expires_after(options.request_timeout);
  stream->next_layer().async_flush([&](beast::error_code flush_ec) { ec = flush_ec; });
  Drive();
  if (ec) {
    return Unreachable(IsTimeout(ec) ? timeout_text
                                     : "sending the request failed (" + ec.message() + ")");
  }
  if (left != 0) {
    Close();
    return Internal("the body of " + std::string(head.target()) + " ended " + std::to_string(left) +
                    " bytes short of the " + std::to_string(body_size) + " announced");
  }
  tcp_layer.expires_after(options.request_timeout);
  bool ignored = false;
  return ReadAnswer(head.target(), &ignored);
}

Result<http::request_header<>> BeastTransport::Impl::RequestHead(const HttpRequest& in) const {
  http::verb verb = http::string_to_verb(in.method);
  if (verb == http::verb::unknown) {
    return InvalidArgument("unknown HTTP method \"" + in.method + "\"");
  }
  if (in.target.empty() || in.target.front() != '/') {
    return InvalidArgument("HTTP target \"" + in.target + "\" must start with /");
  }
  http::request_header<> head;
  head.method(verb);
  head.target(in.target);
  head.version(11);
  head.set(http::field::host, address.host_header);
  head.set(http::field::user_agent, "cairn/" CAIRN_VERSION);
  head.set(http::field::accept_encoding, "zstd");
  if (!in.content_type.empty()) head.set(http::field::content_type, in.content_type);
  if (!in.authorization.empty()) head.set(http::field::authorization, in.authorization);
  // Made by the engine, but a header value must stay one line whatever it holds.
  for (const auto& [field, value] :
       {std::pair{http::field::range, &in.range}, std::pair{http::field::accept, &in.accept}}) {
    if (value->empty()) continue;
    if (value->find_first_of("\r\n") != std::string::npos) {
      return InvalidArgument("the " + std::string(http::to_string(field)) + " header of " +
                             in.target + " holds a line break");
    }
    head.set(field, *value);
  }
  return head;
}

template <typename Attempt>
Result<HttpResponse> BeastTransport::Impl::WithReconnect(const Attempt& attempt) {
  for (int tries = 0;; ++tries) {
    const bool reused = stream != nullptr;
    if (!reused) CAIRN_RETURN_IF_ERROR(Connect());
    bool may_retry = false;
    Result<HttpResponse> result = attempt(&may_retry);
    if (result.ok()) return result;
    Close();
    if (!reused || tries > 0 || !may_retry) return result;
  }
}

Result<HttpResponse> BeastTransport::Impl::RoundTripStreamed(const HttpRequest& in,
                                                             uint64_t body_size,
                                                             Transport::BodySource& body) {
  CAIRN_ASSIGN_OR_RETURN(http::request_header<> fields, RequestHead(in));
  http::request<http::empty_body> head(std::move(fields));
  head.keep_alive(true);
  head.content_length(body_size);
  return WithReconnect(
      [&](bool* may_retry) { return ExchangeStreamed(head, body_size, body, may_retry); });
}

Result<HttpResponse> BeastTransport::Impl::RoundTrip(const HttpRequest& in) {
  CAIRN_ASSIGN_OR_RETURN(http::request_header<> fields, RequestHead(in));
  http::request<http::string_body> request(std::move(fields));
  request.keep_alive(true);
  std::optional<std::string> compressed;
  if (options.compress) compressed = CompressRequestBody(in.body, in.content_type);
  if (compressed) {
    request.set(http::field::content_encoding, "zstd");
    request.body() = std::move(*compressed);
  } else {
    request.body() = in.body;
  }
  request.prepare_payload();
  return WithReconnect([&](bool* may_retry) { return Exchange(request, may_retry); });
}

BeastTransport::BeastTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BeastTransport::~BeastTransport() {
  try {
    impl_->Close();
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): nothing left to report to
  }
}

Result<std::unique_ptr<BeastTransport>> BeastTransport::Create(TransportOptions options) {
  try {
    CAIRN_ASSIGN_OR_RETURN(ServerAddress address, ParseServerUrl(options.server_url));
    std::string pin;
    if (!options.pin_sha256.empty()) {
      CAIRN_ASSIGN_OR_RETURN(pin, NormalizePin(options.pin_sha256));
    }
    if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
      return InvalidArgument("transport timeouts must be positive");
    }
    auto impl = std::make_unique<Impl>();
    SSL_CTX* ctx = impl->ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
      return Internal("cannot require TLS 1.2 or later");
    }
    beast::error_code ec;
    if (pin.empty()) {
      if (!options.ca_file.empty()) {
        impl->ctx.load_verify_file(options.ca_file, ec);
        if (ec) {
          return InvalidArgument("cannot load the CA bundle \"" + options.ca_file + "\" (" +
                                 ec.message() + "); it must be a readable PEM file");
        }
      } else {
        impl->ctx.set_default_verify_paths(ec);
        if (ec) return Internal("cannot load the system's CA certificates: " + ec.message());
      }
    }
    impl->options = std::move(options);
    impl->address = std::move(address);
    impl->pin = std::move(pin);
    return std::unique_ptr<BeastTransport>(new BeastTransport(std::move(impl)));
  } catch (const std::exception& e) {
    return Internal(std::string("cannot set up the TLS transport: ") + e.what());
  }
}

Result<HttpResponse> BeastTransport::RoundTrip(const HttpRequest& request) {
  try {
    return impl_->RoundTrip(request);
  } catch (const std::exception& e) {
    try {
      impl_->Close();
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): already failing
    }
    return Internal(std::string("transport failure: ") + e.what());
  }
}

Result<HttpResponse> BeastTransport::RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                                       BodySource& body) {
  try {
    return impl_->RoundTripStreamed(head, body_size, body);
  } catch (const std::exception& e) {
    try {
      impl_->Close();
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): already failing
    }
    return Internal(std::string("transport failure: ") + e.what());
  }
}

uint64_t BeastTransport::bytes_sent() const { return impl_->sent.load(std::memory_order_relaxed); }
uint64_t BeastTransport::bytes_received() const {
  return impl_->received.load(std::memory_order_relaxed);
}
uint64_t BeastTransport::connections_opened() const {
  return impl_->connections.load(std::memory_order_relaxed);
}

}  // namespace cairn
