// Compact JWS parsing under OB 3.0's header rules (OB §8.2.3).
#include <algorithm>

#include "badge/jose_json.h"
#include "cairn/badge/jws.h"
#include "cairn/base64.h"

namespace cairn::badge {
namespace {

using jose_internal::ParseStrictObject;
using jose_internal::Quote;

Result<JoseHeader> ReadHeader(const boost::json::object& json) {
  JoseHeader header;
  for (const auto& member : json) {
    const std::string_view name = member.key();
    if (name != "alg" && name != "kid" && name != "jwk" && name != "typ") {
      return InvalidArgument("header: member \"" + std::string(name) +
                             "\" is not allowed (OB 3.0 allows only alg, kid, jwk, typ)");
    }
  }
  const auto* alg = json.if_contains("alg");
  if (alg == nullptr) return InvalidArgument("header: \"alg\" is missing");
  if (!alg->is_string()) return InvalidArgument("header: \"alg\" is not a string");
  header.alg = std::string(alg->as_string());
  if (header.alg != "RS256") {
    return InvalidArgument("header: alg \"" + header.alg +
                           "\" is not supported; Cairn verifies RS256, the algorithm OB 3.0 "
                           "requires");
  }
  if (const auto* kid = json.if_contains("kid")) {
    if (!kid->is_string() || !IsAbsoluteUri(kid->as_string())) {
      return InvalidArgument("header: kid " + Quote(*kid) +
                             " is not an absolute URI (OB 3.0 requires an HTTPS URL or DID URL "
                             "that dereferences to the public JWK)");
    }
    header.kid = std::string(kid->as_string());
  }
  if (const auto* jwk = json.if_contains("jwk")) {
    if (!jwk->is_object()) return InvalidArgument("header: \"jwk\" is not a JSON object");
    auto key = ParseJwk(jwk->as_object());
    if (!key.ok()) return key.status().Annotate("header: jwk");
    if (key->kty != "RSA") {
      return InvalidArgument("header: jwk has kty \"" + key->kty + "\"; RS256 needs an RSA key");
    }
    header.jwk = std::move(key).value();
  }
  if (!header.kid && !header.jwk) {
    return InvalidArgument(R"(header: neither "kid" nor "jwk" is present; OB 3.0 requires one)");
  }
  if (const auto* typ = json.if_contains("typ")) {
    if (!typ->is_string() || typ->as_string() != "JWT") {
      return InvalidArgument("header: typ " + Quote(*typ) +
                             " is not allowed; if present it must be \"JWT\"");
    }
    header.typ = "JWT";
  }
  return header;
}

}  // namespace

bool IsAbsoluteUri(std::string_view text) {
  // RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ":" and a non-empty rest.
  const size_t colon = text.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == text.size()) return false;
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!is_alpha(text[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = text[i];
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; });
}

Result<CompactJws> ParseCompactJws(std::string_view jws) {
  const size_t first = jws.find('.');
  const size_t second = first == std::string_view::npos ? first : jws.find('.', first + 1);
  if (second == std::string_view::npos || jws.find('.', second + 1) != std::string_view::npos) {
    return InvalidArgument("not a compact JWS: expected three base64url parts separated by '.'");
  }
  const std::string_view header_b64 = jws.substr(0, first);
  const std::string_view payload_b64 = jws.substr(first + 1, second - first - 1);
  const std::string_view signature_b64 = jws.substr(second + 1);
  auto header_json = Base64UrlDecode(header_b64);
  if (!header_json.ok()) return header_json.status().Annotate("header");
  auto payload = Base64UrlDecode(payload_b64);
  if (!payload.ok()) return payload.status().Annotate("payload");
  auto signature = Base64UrlDecode(signature_b64);
  if (!signature.ok()) return signature.status().Annotate("signature");
  if (signature->empty()) return InvalidArgument("signature: empty (an unsecured JWS is refused)");
  CAIRN_ASSIGN_OR_RETURN(boost::json::object header_object,
                         ParseStrictObject(*header_json, "header"));
  CAIRN_ASSIGN_OR_RETURN(JoseHeader header, ReadHeader(header_object));
  CompactJws out;
  out.header = std::move(header);
  out.signing_input = std::string(jws.substr(0, second));
  out.payload = std::move(payload).value();
  out.signature = std::move(signature).value();
  return out;
}

}  // namespace cairn::badge
