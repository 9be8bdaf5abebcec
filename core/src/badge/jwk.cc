// Public JWKs and JWK Sets (RFC 7517) and their thumbprints (RFC 7638).
#include <openssl/evp.h>

#include <set>

#include "badge/jose_json.h"
#include "cairn/badge/jws.h"
#include "cairn/base64.h"

namespace cairn::badge {
namespace {

using jose_internal::ParseStrictObject;

constexpr std::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

std::string KeyName(const boost::json::object& json) {
  const auto* kid = json.if_contains("kid");
  if (kid != nullptr && kid->is_string()) return "JWK \"" + std::string(kid->as_string()) + "\"";
  return "JWK";
}

Result<std::string> OptionalString(const boost::json::object& json, std::string_view member,
                                   const std::string& name) {
  const auto* v = json.if_contains(member);
  if (v == nullptr) return std::string();
  if (!v->is_string())
    return InvalidArgument(name + ": \"" + std::string(member) + "\" is not a string");
  return std::string(v->as_string());
}

// An RSA integer: base64url of its big-endian bytes without leading zeros (RFC 7518 §6.3.1).
Result<std::string> RsaInteger(const boost::json::object& json, std::string_view member,
                               const std::string& name) {
  const auto* v = json.if_contains(member);
  if (v == nullptr || !v->is_string()) {
    return InvalidArgument(name + ": RSA member \"" + std::string(member) +
                           "\" is missing or not a string");
  }
  auto bytes = Base64UrlDecode(v->as_string());
  if (!bytes.ok()) return bytes.status().Annotate(name + " member \"" + std::string(member) + "\"");
  if (bytes->empty() || (*bytes)[0] == '\0') {
    return InvalidArgument(name + ": RSA member \"" + std::string(member) +
                           "\" is empty or has a leading zero byte");
  }
  return std::move(bytes).value();
}

}  // namespace

Result<Jwk> ParseJwk(const boost::json::object& json) {
  const std::string name = KeyName(json);
  for (const std::string_view member : kPrivateMembers) {
    if (json.contains(member)) {
      return InvalidArgument(name + " has the private member \"" + std::string(member) +
                             "\"; only public keys may be published or embedded");
    }
  }
  Jwk jwk;
  const auto* kty = json.if_contains("kty");
  if (kty == nullptr || !kty->is_string()) {
    return InvalidArgument(name + ": \"kty\" is missing or not a string");
  }
  jwk.kty = std::string(kty->as_string());
  CAIRN_ASSIGN_OR_RETURN(jwk.kid, OptionalString(json, "kid", name));
  CAIRN_ASSIGN_OR_RETURN(jwk.alg, OptionalString(json, "alg", name));
  CAIRN_ASSIGN_OR_RETURN(jwk.use, OptionalString(json, "use", name));
  if (jwk.kty == "RSA") {
    CAIRN_ASSIGN_OR_RETURN(jwk.n, RsaInteger(json, "n", name));
    CAIRN_ASSIGN_OR_RETURN(jwk.e, RsaInteger(json, "e", name));
  }
  return jwk;
}

boost::json::object JwkToJson(const Jwk& jwk) {
  boost::json::object out;
  out["kty"] = jwk.kty;
  if (jwk.kty == "RSA") {
    out["n"] = Base64UrlEncode(jwk.n);
    out["e"] = Base64UrlEncode(jwk.e);
  }
  if (!jwk.alg.empty()) out["alg"] = jwk.alg;
  if (!jwk.use.empty()) out["use"] = jwk.use;
  if (!jwk.kid.empty()) out["kid"] = jwk.kid;
  return out;
}

std::string JwkThumbprint(const Jwk& jwk) {
  // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. The
  // base64url alphabet needs no JSON escaping.
  const std::string canonical = R"({"e":")" + Base64UrlEncode(jwk.e) + R"(","kty":"RSA","n":")" +
                                Base64UrlEncode(jwk.n) + "\"}";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

const Jwk* Jwks::FindByKid(std::string_view kid) const {
  for (const Jwk& key : keys) {
    if (!key.kid.empty() && key.kid == kid) return &key;
  }
  return nullptr;
}

Result<Jwks> ParseJwks(std::string_view json) {
  CAIRN_ASSIGN_OR_RETURN(boost::json::object set, ParseStrictObject(json, "JWKS"));
  const auto* keys = set.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return InvalidArgument("JWKS: \"keys\" is missing or not an array");
  }
  Jwks out;
  std::set<std::string> kids;
  size_t index = 0;
  for (const auto& entry : keys->as_array()) {
    const std::string where = "JWKS keys[" + std::to_string(index++) + "]";
    if (!entry.is_object()) return InvalidArgument(where + ": not a JSON object");
    auto key = ParseJwk(entry.as_object());
    if (!key.ok()) return key.status().Annotate(where);
    if (!key->kid.empty() && !kids.insert(key->kid).second) {
      return InvalidArgument(where + ": kid \"" + key->kid + "\" appears twice in the set");
    }
    out.keys.push_back(std::move(key).value());
  }
  return out;
}

}  // namespace cairn::badge
