// BeastTransport: the cairn::Transport of the CLI, benchmarks and network tests — a synchronous
// HTTP/1.1 client over TLS (Boost.Beast + OpenSSL) that carries the sync engine's requests to one
// server (DESIGN.md §4).
//
// It keeps one keep-alive connection and reuses it. A request that fails on a reused connection
// before any byte of the answer arrived (the server closed the idle connection) is sent once more
// on a fresh connection; every sync request is idempotent, so that is safe. Bodies of 1 KiB and
// more go out zstd-compressed when that makes them smaller; zstd answers are decompressed, both
// bounded at 64 MiB. A request's `range` goes out as its Range header, and an answer's
// Content-Range comes back in `content_range` (ranged blob downloads).
//
// Trust: a `pin_sha256` (SHA-256 of the server's leaf certificate, DER) is matched exactly and
// the host name is not checked — it is how a self-signed server is trusted. Otherwise the chain is
// verified against `ca_file` (or the system's roots) and the certificate must name the host or IP.
// TLS 1.2 is the minimum.
//
// Errors: failing to reach the server in any way (DNS, TCP, TLS, timeout, a cut connection) is
// Unavailable, with the URL, what failed and advice; a certificate that does not match the pin is
// PermissionDenied naming both fingerprints. Any HTTP answer, 4xx and 5xx included, is a response.
// Nothing throws.
//
// Thread-safety: not thread-safe; one thread at a time calls RoundTrip (it blocks). The counters
// may be read from any thread.
#ifndef CAIRN_TOOLS_TRANSPORT_BEAST_TRANSPORT_H_
#define CAIRN_TOOLS_TRANSPORT_BEAST_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cairn/compression.h"
#include "cairn/status.h"
#include "cairn/sync.h"

namespace cairn {

struct TransportOptions {
  // "https://HOST:PORT" or "https://HOST" (port 443); HOST may be a DNS name, an IPv4 address or a
  // bracketed IPv6 address. A trailing "/" is allowed, any other path is not.
  std::string server_url;
  // 64 hex digits (colons allowed, any case): SHA-256 of the server certificate's DER encoding.
  std::string pin_sha256;
  // A PEM bundle of CAs to verify the server against; ignored when pin_sha256 is set.
  std::string ca_file;
  // Resolving, connecting and the TLS handshake together.
  std::chrono::milliseconds connect_timeout{10'000};
  // Sending one request and reading its whole answer.
  std::chrono::milliseconds request_timeout{60'000};
  // Compress request bodies as CompressRequestBody says (compression.h).
  bool compress = true;
};

class BeastTransport final : public Transport {
 public:
  static constexpr size_t kMinCompressBytes = ::cairn::kMinCompressBytes;
  static constexpr size_t kMaxResponseBytes = size_t{64} << 20;

  // InvalidArgument for a malformed URL or pin, or an unreadable CA file. Does not connect.
  static Result<std::unique_ptr<BeastTransport>> Create(TransportOptions options);

  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override;
  // Streams the body: the header, then each piece as `body` makes it, each write under the
  // request timeout; then the answer. Retried on a fresh connection only when the header could
  // not be sent on a reused one (no piece was taken yet).
  bool StreamsBodies() const override { return true; }
  Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                         BodySource& body) override;

  // HTTP bytes written and read, headers included, bodies as they travel (compressed); TLS record
  // overhead and handshakes are not counted.
  uint64_t bytes_sent() const;
  uint64_t bytes_received() const;
  // TCP + TLS connections established so far.
  uint64_t connections_opened() const;

 private:
  struct Impl;
  explicit BeastTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cairn

#endif  // CAIRN_TOOLS_TRANSPORT_BEAST_TRANSPORT_H_
