// The submission envelope: the JSON document a delivery sends to an issuer (the body of a webhook
// POST, submission.json in a git commit). Its schema is documented in docs/issuer-api.md
// ("Forwarded submissions"). The same forwarding always gives the same bytes (fields in a fixed
// order, no delivery time inside), which is what makes git commits deterministic.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SERVER_FORWARD_ENVELOPE_H_
#define CAIRN_SERVER_FORWARD_ENVELOPE_H_

#include <string>
#include <string_view>

#include "cairn/hex.h"  // LowerHex, for the envelope's users
#include "store/server_store.h"

namespace cairn::server {

inline constexpr std::string_view kEnvelopeType = "cairn.submission.v1";

// The envelope of `forwarding`. `public_url` is the server's base URL as issuers reach it
// (https://HOST[:PORT], no trailing slash): evidence URLs are built on it. DataLoss when the
// stored snapshot does not parse.
Result<std::string> BuildEnvelope(const Forwarding& forwarding, std::string_view public_url);

// Where an issuer fetches one evidence blob with its API token.
std::string EvidenceUrl(std::string_view public_url, const EntityId& submission,
                        std::string_view sha256);

// "2026-11-26T01:02:03.456Z" for milliseconds since the Unix epoch.
std::string Rfc3339Millis(int64_t unix_ms);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FORWARD_ENVELOPE_H_
