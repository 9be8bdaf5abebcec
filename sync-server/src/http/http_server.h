// HttpServer: cairn-server's network layer. Boost.Beast HTTP/1.1 over OpenSSL TLS on a pool of
// io threads, feeding each request to Service::Handle() and writing back its response; the
// structure follows Beast's advanced server example (a listener, one session per connection
// whose steps are do_/on_ pairs on the connection's strand).
//
// Per connection: TLS handshake (10 s), then requests one at a time with keep-alive; reading a
// request's headers waits at most the idle timeout (60 s), and so does each read of its body
// and the write of its response. Blob chunk uploads (POST /v1/blobs/{sha}/chunks/{first}) are
// the exception to reading a body whole: their body streams into Service::BeginChunks() in
// pieces of 1 MiB, with no size limit of its own (the upload refuses bytes past the blob's
// end) and no Content-Encoding (415). The upload's hashing, writing and fsync run on a pool of
// store threads (as many as io threads) while the connection's next pieces are read, with up to
// 5 pieces of 1 MiB in memory per upload. Blob downloads are sent from their file in pieces
// (file_range_body.h). Headers are limited to 16 KiB (431 beyond), bodies to
// Service::kMaxRequestBodyBytes before and after zstd decompression (413 beyond, sent before
// the body is read when Content-Length already says so; a body the client sends anyway is read
// and discarded, bounded, so the client sees the 413 rather than a reset connection). Bodies
// sent with `Content-Encoding: zstd` are decompressed; other encodings get 415. Responses of
// 1 KiB or more are zstd-compressed for clients that send `Accept-Encoding: zstd`.
//
// Every exchange is counted in Metrics and logged as one line (http/log.h).
//
// Stop() closes the listener, closes idle connections at once and lets each busy one finish
// its current response (sent with `Connection: close`); once the last connection has gone, or
// after the drain timeout, Run() returns.
//
// Thread-safety: construct, Listen() and Run() from one thread; Stop() and ForceStop() may be
// called from any thread (including a handler on io_context()), any number of times. The
// Service, Metrics and ssl::context passed in must outlive the server.
#ifndef CAIRN_SERVER_HTTP_HTTP_SERVER_H_
#define CAIRN_SERVER_HTTP_HTTP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/metrics.h"
#include "api/service.h"
#include "cairn/status.h"

namespace cairn::server {

struct ListenAddress {
  std::string host = "127.0.0.1";  // an IP address or a name to resolve; no brackets
  uint16_t port = 8443;            // 0: any free port (see HttpServer::port())
};

// "HOST:PORT", with an IPv6 host in brackets ("[::1]:8443"). InvalidArgument otherwise.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// "https://HOST:PORT", with brackets around an IPv6 host.
std::string HttpsUrl(std::string_view host, uint16_t port);

// The metrics label for a request target: its path when it is one of the known routes
// (/v1/enrol, /v1/push, /v1/pull, /healthz, /metrics), the pattern of a blob or submission
// route ("/v1/blobs/{sha256}/status"), else "other".
std::string_view RouteOf(std::string_view target);

// Whether an Accept-Encoding value admits zstd ("zstd", "gzip, zstd", not "zstd;q=0").
bool AcceptsZstd(std::string_view accept_encoding);

// Raises the soft limit on open files to the hard limit (every keep-alive client holds one)
// and returns the soft limit now in force.
uint64_t RaiseOpenFileLimit();

struct HttpServerOptions {
  ListenAddress listen;
  int threads = 2;
  std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // After Stop(), how long busy connections get to finish before Run() returns regardless.
  std::chrono::milliseconds drain_timeout = std::chrono::seconds(30);
  uint32_t header_limit = 16 * 1024;
  uint64_t body_limit = Service::kMaxRequestBodyBytes;
};

class HttpServer {
 public:
  HttpServer(Service& service, Metrics& metrics, boost::asio::ssl::context& tls,
             HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Unavailable (with the address and the reason) if the address cannot be
  // bound, InvalidArgument if the host does not resolve.
  Status Listen();
  // The bound port. REQUIRES: Listen() succeeded.
  uint16_t port() const;

  // Accepts and serves on options.threads threads (this one included) until stopped.
  // REQUIRES: Listen() succeeded.
  void Run();

  // Graceful stop, as described above.
  void Stop();
  // Stops the io threads now; connections are cut.
  void ForceStop();

  // For signal_set and timers that belong with the server.
  boost::asio::io_context& io_context();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_HTTP_SERVER_H_
