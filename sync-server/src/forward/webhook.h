// Webhook delivery: one HTTPS POST of a submission envelope to an issuer's URL, signed so that
// the issuer can tell it came from this server and is fresh (docs/issuer-api.md, "Forwarded
// submissions"):
//
//   Content-Type: application/json
//   Cairn-Idempotency-Key: <submission id>   (the same on every retry)
//   Cairn-Timestamp: <unix seconds when this attempt was signed>
//   Cairn-Signature: v1=<hex HMAC-SHA256(webhook secret, timestamp + "." + body)>
//
// Success is any 2xx answer. https:// URLs are verified against the system's CA store (or a
// configured CA file) and must name the host; plain http:// is refused except to loopback (a
// receiver on the same machine). Redirects are not followed.
//
// Thread-safety: each call is independent (its own io_context and TLS context); call from a
// delivery worker thread, never from an HTTP io thread (it blocks).
#ifndef CAIRN_SERVER_FORWARD_WEBHOOK_H_
#define CAIRN_SERVER_FORWARD_WEBHOOK_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

struct WebhookOptions {
  // A PEM bundle to verify https receivers with; empty = the system's CA store.
  std::string ca_file;
  // Resolving, connecting and the TLS handshake together; then the whole exchange.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
};

// "v1=" + lower-case hex of HMAC-SHA256(secret, timestamp + "." + body).
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

// POSTs `body` to `url` with the headers above. OK for a 2xx answer; Unavailable (retryable)
// for a failure to reach the receiver or a 5xx/429 answer, FailedPrecondition for another
// answer (a 4xx: the receiver refuses it); each message names the URL and what happened,
// with the start of the receiver's answer.
Status PostWebhook(std::string_view url, std::string_view secret, std::string_view idempotency_key,
                   int64_t unix_seconds, std::string_view body, const WebhookOptions& options);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FORWARD_WEBHOOK_H_
