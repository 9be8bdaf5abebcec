// ServeConfig: the settings of `cairn-server serve` that may come from a config file, and the
// parser of that file. The format is one `key = value` per line; `#` starts a comment; blank
// lines are ignored; values are taken verbatim after trimming (no quoting). Keys:
//
//   listen              HOST:PORT to listen on (default 127.0.0.1:8443)
//   tls_cert, tls_key   PEM files to serve instead of the generated DATA/tls/ pair
//   threads             io threads, 1..256 (default 2)
//   max_future_skew_ms  how far ahead of the server's clock a change may be stamped
//   max_blob_bytes      the largest evidence blob accepted, in bytes (default 2 GiB)
//   scope_quota_bytes   evidence bytes one educator may hold, in bytes (default 10 GiB)
//   public_url          https://HOST[:PORT] issuers reach this server at: the evidence links of
//                       forwarded submissions (default https://<listen address>)
//   webhook_ca_file     PEM CAs to verify webhook receivers with (default: the system store)
//   forward_backoff_ms  the retry delay after a delivery's first failure (default 30000)
//   forward_backoff_max_ms  the longest retry delay (default 21600000, 6 hours)
//
// An unknown key, a repeated key, a line without '=' or a bad value is an error naming
// FILE:LINE. Command-line flags override the file.
//
// Thread-safety: values and free functions.
#ifndef CAIRN_SERVER_HTTP_SERVER_CONFIG_H_
#define CAIRN_SERVER_HTTP_SERVER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

struct ServeConfig {
  std::optional<std::string> listen;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<int> threads;
  std::optional<int64_t> max_future_skew_ms;
  std::optional<uint64_t> max_blob_bytes;
  std::optional<uint64_t> scope_quota_bytes;
  std::optional<std::string> public_url;
  std::optional<std::string> webhook_ca_file;
  std::optional<int64_t> forward_backoff_ms;
  std::optional<int64_t> forward_backoff_max_ms;
};

// Parses config text; `file_name` is only for messages.
Result<ServeConfig> ParseServeConfig(std::string_view text, std::string_view file_name);
// Reads and parses a config file.
Result<ServeConfig> LoadServeConfig(const std::string& path);

// A public URL: https://HOST[:PORT][/PATH] without a trailing '/'. InvalidArgument otherwise.
Status CheckPublicUrl(std::string_view url);

// "threads" values: an integer in 1..256. InvalidArgument naming `what` otherwise.
Result<int> ParseThreadCount(std::string_view text, std::string_view what);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_HTTP_SERVER_CONFIG_H_
