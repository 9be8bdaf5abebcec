#include "badge/issuer_documents.h"

#include <string>

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kDidContext = "https://www.w3.org/ns/did/v1";
constexpr std::string_view kMultikeyContext = "https://w3id.org/security/multikey/v1";

}  // namespace

json::object DidDocument(const IssuerUrls& urls, const std::vector<IssuerKey>& keys) {
  const std::string did = urls.Did();
  json::array methods;
  json::array assertion;
  for (const IssuerKey& key : keys) {
    if (key.algorithm != KeyAlgorithm::kEd25519) continue;
    methods.emplace_back(json::object{{"id", key.kid},
                                      {"type", "Multikey"},
                                      {"controller", did},
                                      {"publicKeyMultibase", key.public_key}});
    assertion.emplace_back(key.kid);
  }
  return json::object{{"@context", json::array{kDidContext, kMultikeyContext}},
                      {"id", did},
                      {"verificationMethod", std::move(methods)},
                      {"assertionMethod", std::move(assertion)}};
}

Result<json::object> IssuerJwks(const std::vector<IssuerKey>& keys) {
  json::array out;
  for (const IssuerKey& key : keys) {
    if (key.algorithm != KeyAlgorithm::kRs256) continue;
    boost::system::error_code error;
    json::value jwk = json::parse(key.public_key, error);
    if (error || !jwk.is_object()) {
      return DataLoss("the stored public key " + key.kid + " is not a JSON object");
    }
    out.emplace_back(std::move(jwk));
  }
  return json::object{{"keys", std::move(out)}};
}

json::object IssuerProfileMember(const IssuerUrls& urls, const v1::Issuer& issuer) {
  json::object profile{{"id", urls.Did()},
                       {"type", json::array{"Profile"}},
                       {"name", issuer.name()},
                       {"url", issuer.url()}};
  if (!issuer.email().empty()) profile["email"] = issuer.email();
  if (!issuer.description().empty()) profile["description"] = issuer.description();
  if (!issuer.image().sha256().empty()) {
    profile["image"] = json::object{{"id", urls.Image(issuer.image().sha256())}, {"type", "Image"}};
  }
  return profile;
}

json::object IssuerProfile(const IssuerUrls& urls, const v1::Issuer& issuer) {
  json::object profile{{"@context", json::array{kVcContext, kObContext}}};
  for (auto& member : IssuerProfileMember(urls, issuer)) {
    profile.emplace(member.key(), member.value());
  }
  return profile;
}

}  // namespace cairn::server
