// VerifyVcJwt: the checks OB 3.0 §8.2.4.1 lists, in the order a verifier runs them.
#include <cmath>
#include <optional>

#include "badge/jose_json.h"
#include "cairn/badge/jws.h"
#include "cairn/badge/rfc3339.h"

namespace cairn::badge {
namespace {

using jose_internal::ParseStrictObject;
using jose_internal::Quote;

constexpr std::string_view kVcV2Context = "https://www.w3.org/ns/credentials/v2";
constexpr std::string_view kJwtClaims[] = {"iss", "sub", "jti", "nbf", "exp", "iat"};

Result<const Jwk*> SelectKey(const JoseHeader& header, const Jwks& jwks) {
  if (header.kid) {
    const Jwk* key = jwks.FindByKid(*header.kid);
    if (key == nullptr) {
      return Unauthenticated("header: kid \"" + *header.kid + "\" is not in the issuer's JWKS");
    }
    if (header.jwk && JwkThumbprint(*header.jwk) != JwkThumbprint(*key)) {
      return Unauthenticated("header: jwk differs from the JWKS key named by kid \"" + *header.kid +
                             "\"");
    }
    return key;
  }
  // A key the token brings along proves nothing unless the issuer lists it too.
  const std::string thumbprint = JwkThumbprint(*header.jwk);
  for (const Jwk& key : jwks.keys) {
    if (key.kty == "RSA" && JwkThumbprint(key) == thumbprint) return &key;
  }
  return Unauthenticated("header: jwk (thumbprint " + thumbprint + ") is not in the issuer's JWKS");
}

// A NumericDate in whole seconds (fractions dropped, as JavaScript verifiers do), within the
// years RFC 3339 dates can name, so that later arithmetic cannot overflow.
Result<int64_t> NumericDate(const boost::json::value& value, std::string_view claim) {
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  std::optional<int64_t> seconds;
  if (value.is_int64()) {
    seconds = value.as_int64();
  } else if (value.is_uint64() && value.as_uint64() <= static_cast<uint64_t>(kMaxSeconds)) {
    seconds = static_cast<int64_t>(value.as_uint64());
  } else if (value.is_double() && std::fabs(value.as_double()) <= kMaxSeconds) {
    seconds = static_cast<int64_t>(std::floor(value.as_double()));
  }
  if (!seconds || *seconds > kMaxSeconds || *seconds < -kMaxSeconds) {
    return InvalidArgument("payload: " + std::string(claim) + " " + Quote(value) +
                           " is not a NumericDate");
  }
  return *seconds;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

Result<int64_t> DateMember(const boost::json::object& credential, std::string_view name) {
  const auto* v = credential.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return InvalidArgument("payload: credential " + std::string(name) +
                           " is missing or not a string");
  }
  auto ms = ParseRfc3339(v->as_string());
  if (!ms.ok()) return ms.status().Annotate("payload: " + std::string(name));
  return ms;
}

// The optional string at `value`, or an error naming `where`.
Result<std::string> IdOf(const boost::json::value* value, const std::string& where) {
  if (value == nullptr) return InvalidArgument("payload: " + where + " is missing");
  if (!value->is_string()) return InvalidArgument("payload: " + where + " is not a string");
  return std::string(value->as_string());
}

Status CheckForm(const boost::json::object& payload) {
  if (payload.contains("vc")) {
    return InvalidArgument(
        "payload: has a \"vc\" claim (the VCDM 1.1 form); OB 3.0 puts the credential itself in "
        "the payload");
  }
  const auto* context = payload.if_contains("@context");
  if (context == nullptr || !context->is_array() || context->as_array().empty() ||
      context->as_array()[0] != boost::json::value(kVcV2Context)) {
    return InvalidArgument("payload: @context must be an array starting with \"" +
                           std::string(kVcV2Context) + "\"");
  }
  return Status::Ok();
}

Status CheckIdentityClaims(const boost::json::object& payload) {
  const auto* issuer = payload.if_contains("issuer");
  if (issuer == nullptr) return InvalidArgument("payload: credential issuer is missing");
  const boost::json::value* issuer_id =
      issuer->is_object() ? issuer->as_object().if_contains("id") : issuer;
  CAIRN_ASSIGN_OR_RETURN(const std::string issuer_text, IdOf(issuer_id, "issuer.id"));
  CAIRN_ASSIGN_OR_RETURN(const std::string iss, IdOf(payload.if_contains("iss"), "claim iss"));
  if (iss != issuer_text) {
    return InvalidArgument("payload: iss \"" + iss + "\" does not equal issuer.id \"" +
                           issuer_text + "\"");
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string id, IdOf(payload.if_contains("id"), "credential id"));
  CAIRN_ASSIGN_OR_RETURN(const std::string jti, IdOf(payload.if_contains("jti"), "claim jti"));
  if (jti != id) {
    return InvalidArgument("payload: jti \"" + jti + "\" does not equal id \"" + id + "\"");
  }
  const auto* subject = payload.if_contains("credentialSubject");
  if (subject == nullptr || !subject->is_object()) {
    return InvalidArgument("payload: credentialSubject is missing or not an object");
  }
  const auto* subject_id = subject->as_object().if_contains("id");
  const auto* sub = payload.if_contains("sub");
  if (subject_id == nullptr && sub == nullptr) return Status::Ok();
  if (subject_id == nullptr) {
    return InvalidArgument("payload: sub is present but credentialSubject.id is absent");
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string subject_text, IdOf(subject_id, "credentialSubject.id"));
  CAIRN_ASSIGN_OR_RETURN(const std::string sub_text,
                         IdOf(sub, "claim sub (credentialSubject.id is " + subject_text + ")"));
  if (sub_text != subject_text) {
    return InvalidArgument("payload: sub \"" + sub_text +
                           "\" does not equal credentialSubject.id \"" + subject_text + "\"");
  }
  return Status::Ok();
}

Status CheckTimes(const boost::json::object& payload, int64_t now_ms) {
  const std::string now = FormatRfc3339(now_ms);
  CAIRN_ASSIGN_OR_RETURN(const int64_t valid_from_ms, DateMember(payload, "validFrom"));
  const auto* nbf_value = payload.if_contains("nbf");
  if (nbf_value == nullptr) return InvalidArgument("payload: claim nbf is missing");
  CAIRN_ASSIGN_OR_RETURN(const int64_t nbf, NumericDate(*nbf_value, "nbf"));
  const std::string valid_from(payload.at("validFrom").as_string());
  if (nbf != FloorDiv(valid_from_ms, 1000)) {
    return InvalidArgument("payload: nbf " + std::to_string(nbf) + " does not equal validFrom " +
                           valid_from + " (" + std::to_string(FloorDiv(valid_from_ms, 1000)) + ")");
  }
  if (now_ms < valid_from_ms) {
    return FailedPrecondition("credential is not yet valid: validFrom " + valid_from +
                              " is after now (" + now + ")");
  }
  const auto* exp_value = payload.if_contains("exp");
  std::optional<int64_t> exp;
  if (exp_value != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(exp, NumericDate(*exp_value, "exp"));
  }
  if (payload.contains("validUntil")) {
    CAIRN_ASSIGN_OR_RETURN(const int64_t valid_until_ms, DateMember(payload, "validUntil"));
    const std::string valid_until(payload.at("validUntil").as_string());
    if (!exp) {
      return InvalidArgument("payload: claim exp is missing (required when validUntil " +
                             valid_until + " is present)");
    }
    if (*exp != FloorDiv(valid_until_ms, 1000)) {
      return InvalidArgument("payload: exp " + std::to_string(*exp) +
                             " does not equal validUntil " + valid_until + " (" +
                             std::to_string(FloorDiv(valid_until_ms, 1000)) + ")");
    }
    if (now_ms > valid_until_ms) {
      return FailedPrecondition("credential has expired: validUntil " + valid_until +
                                " is before now (" + now + ")");
    }
  }
  // exp without validUntil is a token lifetime OB does not define; it still bounds the token.
  if (exp && now_ms > *exp * 1000) {
    return FailedPrecondition("credential has expired: exp " + std::to_string(*exp) + " (" +
                              FormatRfc3339(*exp * 1000) + ") is before now (" + now + ")");
  }
  return Status::Ok();
}

}  // namespace

Result<boost::json::object> VerifyVcJwt(std::string_view jws, const Jwks& jwks, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(const CompactJws parsed, ParseCompactJws(jws));
  CAIRN_ASSIGN_OR_RETURN(const Jwk* key, SelectKey(parsed.header, jwks));
  CAIRN_RETURN_IF_ERROR(VerifyJwsSignature(parsed, *key));
  CAIRN_ASSIGN_OR_RETURN(boost::json::object payload, ParseStrictObject(parsed.payload, "payload"));
  CAIRN_RETURN_IF_ERROR(CheckForm(payload));
  CAIRN_RETURN_IF_ERROR(CheckIdentityClaims(payload));
  CAIRN_RETURN_IF_ERROR(CheckTimes(payload, now_ms));
  for (const std::string_view claim : kJwtClaims) payload.erase(claim);
  return payload;
}

}  // namespace cairn::badge
