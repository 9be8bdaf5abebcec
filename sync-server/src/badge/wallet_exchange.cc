#include "badge/wallet_exchange.h"

#include "api/html.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kVcContext = "https://www.w3.org/ns/credentials/v2";

// "https://host:port" of an absolute URL: everything before the path.
std::string_view OriginOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return url;
  return url.substr(0, url.find('/', scheme + 3));
}

}  // namespace

std::string ExchangeUrl(std::string_view credential_id) {
  return std::string(credential_id) + "/exchange";
}

std::string WalletRequest(std::string_view credential_id) {
  return json::serialize(json::object{
      {"credentialRequestOrigin", OriginOf(credential_id)},
      {"protocols", json::object{{"vcapi", ExchangeUrl(credential_id)}}},
  });
}

std::string WalletAppLink(std::string_view credential_id) {
  return "dccrequest://request?request=" + PercentEncode(WalletRequest(credential_id));
}

std::string WalletWebLink(std::string_view credential_id) {
  return "https://lcw.app/request.html?request=" + PercentEncode(WalletRequest(credential_id));
}

json::object ExchangeOffer(const json::object& credential) {
  return json::object{
      {"verifiablePresentation", json::object{{"@context", json::array{kVcContext}},
                                              {"type", json::array{"VerifiablePresentation"}},
                                              {"verifiableCredential", json::array{credential}}}},
  };
}

json::object ExchangeProtocols(std::string_view credential_id) {
  return json::object{{"protocols", json::object{{"vcapi", ExchangeUrl(credential_id)}}}};
}

}  // namespace cairn::server
