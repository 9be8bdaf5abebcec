// VerifyPack: runs every check of a verification pack and gathers the verdict.
#include <algorithm>
#include <set>

#include "badge/jsonld_shipped.h"
#include "badge/verify_internal.h"
#include "cairn/badge/jws.h"
#include "cairn/badge/rfc3339.h"

namespace cairn::badge {
namespace verify_internal {

namespace json = boost::json;

std::string IssuerIdOf(const json::object& credential) {
  const json::value* issuer = credential.if_contains("issuer");
  if (issuer == nullptr) return {};
  if (issuer->is_string()) return std::string(issuer->as_string());
  if (issuer->is_object()) return StringMember(issuer->as_object(), "id");
  return {};
}

std::string StringMember(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

VerificationCheck Passed(std::string name, std::string detail) {
  return {std::move(name), true, false, std::move(detail)};
}
VerificationCheck Failed(std::string name, std::string detail) {
  return {std::move(name), false, false, std::move(detail)};
}
VerificationCheck Skipped(std::string name, std::string detail) {
  return {std::move(name), true, true, std::move(detail)};
}

}  // namespace verify_internal

namespace {

namespace json = boost::json;
using verify_internal::Failed;
using verify_internal::IssuerIdOf;
using verify_internal::Passed;
using verify_internal::Skipped;
using verify_internal::StringMember;

// The claims a VC-JWT adds to the credential it carries (jws.h, VerifyVcJwt).
constexpr std::string_view kJwtClaims[] = {"iss", "sub", "jti", "nbf", "exp", "iat"};

bool HasType(const json::object& object, std::string_view type) {
  const json::value* types = object.if_contains("type");
  if (types == nullptr || !types->is_array()) return false;
  for (const json::value& t : types->as_array()) {
    if (t.is_string() && t.as_string() == type) return true;
  }
  return false;
}

VerificationCheck CheckShape(const json::object& credential) {
  constexpr std::string_view kName = "credential";
  if (StringMember(credential, "id").empty())
    return Failed(std::string(kName), "credential.id is missing");
  if (!HasType(credential, "VerifiableCredential") ||
      !(HasType(credential, "OpenBadgeCredential") ||
        HasType(credential, "AchievementCredential"))) {
    return Failed(std::string(kName),
                  "credential.type must list VerifiableCredential and OpenBadgeCredential");
  }
  if (IssuerIdOf(credential).empty())
    return Failed(std::string(kName), "credential.issuer.id is missing");
  return Passed(std::string(kName), "an OpenBadgeCredential, " + StringMember(credential, "id") +
                                        ", issued by " + IssuerIdOf(credential));
}

std::vector<std::string> ContextUrls(const json::object& document) {
  std::vector<std::string> out;
  const json::value* context = document.if_contains("@context");
  if (context != nullptr && context->is_string()) out.emplace_back(context->as_string());
  if (context != nullptr && context->is_array()) {
    for (const json::value& entry : context->as_array()) {
      if (entry.is_string()) out.emplace_back(entry.as_string());
    }
  }
  return out;
}

VerificationCheck CheckContexts(const VerificationPack& pack) {
  constexpr std::string_view kName = "contexts";
  std::set<std::string> urls;
  for (const json::object* document : {&pack.credential, &pack.status_list}) {
    for (std::string& url : ContextUrls(*document)) urls.insert(std::move(url));
  }
  for (const std::string& url : urls) {
    Result<const json::object*> shipped = jsonld_internal::ShippedContext(url);
    if (!shipped.ok()) return Failed(std::string(kName), shipped.status().message());
    const auto carried = pack.contexts.find(url);
    if (carried != pack.contexts.end() && carried->second != **shipped) {
      return Failed(std::string(kName), "the pack's copy of " + url +
                                            " differs from the published context; a verifier "
                                            "using it would read another graph");
    }
  }
  return Passed(std::string(kName),
                std::to_string(urls.size()) + " contexts, each one Cairn ships (never fetched)");
}

// The credential a compact JWS carries, unverified: for comparison only, after the signature
// was checked.
std::optional<json::object> UnverifiedJwtCredential(std::string_view jws) {
  Result<CompactJws> parsed = ParseCompactJws(jws);
  if (!parsed.ok()) return std::nullopt;
  boost::system::error_code ec;
  json::value payload = json::parse(parsed->payload, ec);
  if (ec || !payload.is_object()) return std::nullopt;
  for (const std::string_view claim : kJwtClaims) payload.as_object().erase(claim);
  return std::move(payload.as_object());
}

VerificationCheck CheckVcJwt(const VerificationPack& pack, int64_t now_ms,
                             std::optional<json::object>* carried) {
  constexpr std::string_view kName = "vc-jwt";
  Result<Jwks> jwks = ParseJwks(json::serialize(pack.jwks));
  if (!jwks.ok()) return Failed(std::string(kName), "jwks: " + jwks.status().message());
  Result<CompactJws> parsed = ParseCompactJws(pack.jws);
  const std::string key =
      parsed.ok() && parsed->header.kid ? " \"" + *parsed->header.kid + "\"" : "";
  Result<json::object> verified = VerifyVcJwt(pack.jws, *jwks, now_ms);
  if (verified.ok()) {
    *carried = std::move(verified).value();
    return Passed(std::string(kName), "RS256 signature verified with the issuer's key" + key);
  }
  // VerifyVcJwt checks the dates last: a FailedPrecondition means the signature and the claims
  // held. The dates have their own check, so the token itself is sound.
  if (verified.status().code() == Code::kFailedPrecondition) {
    *carried = UnverifiedJwtCredential(pack.jws);
    return Passed(std::string(kName), "RS256 signature verified with the issuer's key" + key +
                                          " (its validity is the dates check's)");
  }
  return Failed(std::string(kName), verified.status().message());
}

VerificationCheck CheckSameCredential(const json::object& credential,
                                      const std::optional<json::object>& carried) {
  constexpr std::string_view kName = "same-credential";
  if (!carried) return Skipped(std::string(kName), "not compared: the VC-JWT did not verify");
  json::object bare = credential;
  bare.erase("proof");
  if (bare == *carried) {
    return Passed(std::string(kName), "the VC-JWT carries exactly the JSON credential");
  }
  std::set<std::string> differ;
  for (const auto& member : bare) {
    const json::value* other = carried->if_contains(member.key());
    if (other == nullptr || *other != member.value()) differ.emplace(member.key());
  }
  for (const auto& member : *carried) {
    if (!bare.contains(member.key())) differ.emplace(member.key());
  }
  std::string list;
  for (const std::string& name : differ) list += (list.empty() ? "" : ", ") + name;
  return Failed(std::string(kName), "the VC-JWT and the JSON credential differ in: " + list +
                                        "; one of them was altered");
}

VerificationCheck CheckDates(const json::object& credential, int64_t now_ms) {
  constexpr std::string_view kName = "dates";
  const std::string now = FormatRfc3339(now_ms);
  const std::string from = StringMember(credential, "validFrom");
  Result<int64_t> from_ms = ParseRfc3339(from);
  if (!from_ms.ok()) {
    return Failed(std::string(kName),
                  "credential.validFrom \"" + from + "\": " + from_ms.status().message());
  }
  if (now_ms < *from_ms) {
    return Failed(std::string(kName),
                  "not yet valid: validFrom " + from + " is after now (" + now + ")");
  }
  if (!credential.contains("validUntil")) {
    return Passed(std::string(kName), "valid from " + from + "; does not expire");
  }
  const std::string until = StringMember(credential, "validUntil");
  Result<int64_t> until_ms = ParseRfc3339(until);
  if (!until_ms.ok()) {
    return Failed(std::string(kName),
                  "credential.validUntil \"" + until + "\": " + until_ms.status().message());
  }
  if (now_ms > *until_ms) {
    return Failed(std::string(kName),
                  "expired: validUntil " + until + " is before now (" + now + ")");
  }
  return Passed(std::string(kName), "valid from " + from + " until " + until);
}

}  // namespace

std::vector<std::string> Verdict::Reasons() const {
  std::vector<std::string> out;
  for (const VerificationCheck& check : checks) {
    if (!check.ok) out.push_back(check.name + ": " + check.detail);
  }
  return out;
}

Result<Verdict> VerifyPack(const VerificationPack& pack, int64_t now_ms,
                           const EvidenceLookup& evidence) {
  Verdict verdict;
  verdict.credential_id = StringMember(pack.credential, "id");
  verdict.issuer_id = IssuerIdOf(pack.credential);
  verdict.name = StringMember(pack.credential, "name");
  verdict.checks.push_back(CheckShape(pack.credential));
  verdict.checks.push_back(CheckContexts(pack));
  const Result<std::string> method = verify_internal::VerifyEmbeddedProof(
      pack.credential, pack.did_document, verdict.issuer_id, "credential");
  verdict.checks.push_back(method.ok()
                               ? Passed("proof", "eddsa-rdfc-2022 proof verified with " + *method)
                               : Failed("proof", method.status().message()));
  std::optional<json::object> carried;
  verdict.checks.push_back(CheckVcJwt(pack, now_ms, &carried));
  verdict.checks.push_back(CheckSameCredential(pack.credential, carried));
  verdict.checks.push_back(CheckDates(pack.credential, now_ms));
  verdict.checks.push_back(verify_internal::CheckStatus(pack, now_ms, &verdict.revoked_as_of_ms));
  for (VerificationCheck& check : verify_internal::CheckEvidence(pack.credential, evidence)) {
    verdict.checks.push_back(std::move(check));
  }
  verdict.valid = std::all_of(verdict.checks.begin(), verdict.checks.end(),
                              [](const VerificationCheck& c) { return c.ok; });
  return verdict;
}

json::object VerdictJson(const Verdict& verdict, std::string_view keys_from, int64_t now_ms) {
  json::array checks;
  for (const VerificationCheck& check : verdict.checks) {
    checks.push_back(json::object{{"name", check.name},
                                  {"ok", check.ok},
                                  {"skipped", check.skipped},
                                  {"detail", check.detail}});
  }
  json::object out;
  out["valid"] = verdict.valid;
  out["credential"] = verdict.credential_id;
  out["name"] = verdict.name;
  out["issuer"] = verdict.issuer_id;
  out["keys_from"] = keys_from;
  out["checked_at"] = FormatRfc3339(now_ms);
  out["revoked_as_of"] = verdict.revoked_as_of_ms
                             ? json::value(FormatRfc3339(*verdict.revoked_as_of_ms))
                             : json::value(nullptr);
  out["checks"] = std::move(checks);
  return out;
}

}  // namespace cairn::badge
