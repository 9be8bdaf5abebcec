#include "api/badge_hosting.h"

#include <string>
#include <vector>

#include "api/paths.h"
#include "api/public_assets.h"
#include "badge/credential_page.h"
#include "badge/issuer_documents.h"
#include "badge/wallet_exchange.h"
#include "cairn/badge/baking.h"
#include "cairn/catalog_publish.h"
#include "cairn/hex.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kCredentialsPrefix = "/credentials/";
constexpr std::string_view kIssuersPrefix = "/issuers/";
constexpr std::string_view kAchievementsPrefix = "/achievements/";
constexpr std::string_view kImagesPrefix = "/badge-images/";
constexpr std::string_view kAssetsPrefix = "/assets/";
constexpr std::string_view kExchange = "/exchange";

// Public documents change rarely but must show a revocation soon: a minute of caching.
constexpr std::string_view kShortCache = "public, max-age=60";
// Images and assets are named by content or shipped with this build.
constexpr std::string_view kLongCache = "public, max-age=31536000, immutable";

Response Answer(std::string content_type, std::string body, std::string_view cache) {
  Response response;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", std::string(cache));
  // Verifiers running in other origins' pages (wallets on the web) fetch these.
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

Response JsonDocument(const json::object& document,
                      std::string_view content_type = "application/json") {
  return Answer(std::string(content_type), json::serialize(document) + "\n", kShortCache);
}

Response Failure(const Request& request, const Status& status) {
  return ErrorResponse(request.accept.empty() ? "application/json" : request.accept, status);
}

Response NoSuch(const Request& request, std::string_view what) {
  return Failure(request, NotFound("no " + std::string(what) + " here"));
}

// What the client asked for at /credentials/{uuid}: the first of the known types in Accept.
enum class CredentialForm : uint8_t { kJson, kJws, kHtml, kPng, kSvg };

CredentialForm Negotiate(std::string_view accept) {
  size_t best = std::string_view::npos;
  CredentialForm form = CredentialForm::kJson;
  const auto consider = [&](std::string_view type, CredentialForm f) {
    const size_t at = accept.find(type);
    if (at < best) {
      best = at;
      form = f;
    }
  };
  consider("text/html", CredentialForm::kHtml);
  consider("application/jwt", CredentialForm::kJws);
  consider("text/plain", CredentialForm::kJws);
  consider("application/json", CredentialForm::kJson);
  consider("application/ld+json", CredentialForm::kJson);
  consider("application/vc", CredentialForm::kJson);
  return form;
}

bool IsUuid(std::string_view text) { return Id128::Parse(text).ok() && text.size() == 36; }

}  // namespace

bool BadgeHosting::Serves(std::string_view path) {
  return path.starts_with(kCredentialsPrefix) || path.starts_with(kIssuersPrefix) ||
         path.starts_with(kAchievementsPrefix) || path.starts_with(kImagesPrefix) ||
         path.starts_with(kAssetsPrefix);
}

Response BadgeHosting::Handle(const Request& request) {
  const std::string_view path = PathOf(request.target);
  const bool exchange = path.starts_with(kCredentialsPrefix) && path.ends_with(kExchange);
  if (request.method != "GET" && request.method != "HEAD" &&
      !(exchange && request.method == "POST")) {
    return MethodNotAllowed(request.accept.empty() ? "application/json" : request.accept, path,
                            exchange ? "GET, HEAD, POST" : "GET, HEAD", request.method);
  }
  if (exchange) {
    const std::string_view rest = path.substr(kCredentialsPrefix.size());
    return Exchange(request, rest.substr(0, rest.size() - kExchange.size()));
  }
  if (path.starts_with(kCredentialsPrefix)) {
    return Credential(request, path.substr(kCredentialsPrefix.size()));
  }
  if (path.starts_with(kIssuersPrefix)) return Issuer(request, path.substr(kIssuersPrefix.size()));
  if (path.starts_with(kAchievementsPrefix)) {
    return Achievement(request, path.substr(kAchievementsPrefix.size()));
  }
  if (path.starts_with(kImagesPrefix)) return Image(request, path.substr(kImagesPrefix.size()));
  if (const PublicAsset* asset = FindPublicAsset(path)) {
    return Answer(std::string(asset->content_type), std::string(asset->body), kLongCache);
  }
  return NoSuch(request, "such file");
}

Response BadgeHosting::Exchange(const Request& request, std::string_view uuid) {
  if (!IsUuid(uuid)) return NoSuch(request, "credential with that id");
  Result<std::optional<IssuedCredential>> found = badges_.credentials().Get(uuid);
  if (!found.ok()) return Failure(request, found.status());
  if (!*found) return NoSuch(request, "credential with that id");
  const IssuedCredential& issued = **found;
  boost::system::error_code error;
  json::value parsed = json::parse(issued.json, error);
  if (error || !parsed.is_object() || !parsed.get_object().contains("id") ||
      !parsed.get_object().at("id").is_string()) {
    return Failure(request, DataLoss("the stored credential " + issued.id + " is damaged"));
  }
  const json::object& credential = parsed.get_object();
  const std::string_view id = credential.at("id").get_string();
  if (request.method != "POST") return JsonDocument(ExchangeProtocols(id));

  // The wallet's first POST is `{}`; a wallet that goes on with a presentation gets the same offer.
  json::value body = json::parse(request.body, error);
  if (error || !body.is_object()) {
    return Failure(request, InvalidArgument("a wallet exchange takes a JSON object ({} to start); "
                                            "the body is not one"));
  }
  if (issued.revoked_ms) {
    return Failure(
        request,
        FailedPrecondition(
            "credential " + std::string(id) + " was revoked by its issuer" +
            (issued.revocation_reason.empty() ? std::string() : ": " + issued.revocation_reason) +
            "; it can no longer be added to a wallet"));
  }
  return Answer("application/json", json::serialize(ExchangeOffer(credential)) + "\n", "no-store");
}

Response BadgeHosting::Credential(const Request& request, std::string_view rest) {
  constexpr std::string_view kClr = "/clr";
  if (rest.ends_with(kClr)) {
    const std::string_view stack = rest.substr(0, rest.size() - kClr.size());
    if (!IsUuid(stack)) return NoSuch(request, "credential with that id");
    Result<std::optional<IssuedCredential>> found = badges_.credentials().Get(stack);
    if (!found.ok()) return Failure(request, found.status());
    if (!*found || (*found)->clr.empty()) return NoSuch(request, "CLR for that credential");
    return Answer("application/ld+json", (*found)->clr, kShortCache);
  }
  std::string_view uuid = rest;
  std::optional<CredentialForm> form;
  for (const auto& [suffix, f] : {std::pair{std::string_view(".json"), CredentialForm::kJson},
                                  std::pair{std::string_view(".jws"), CredentialForm::kJws},
                                  std::pair{std::string_view(".png"), CredentialForm::kPng},
                                  std::pair{std::string_view(".svg"), CredentialForm::kSvg}}) {
    if (rest.ends_with(suffix)) {
      uuid = rest.substr(0, rest.size() - suffix.size());
      form = f;
    }
  }
  if (!IsUuid(uuid)) return NoSuch(request, "credential with that id");
  Result<std::optional<IssuedCredential>> found = badges_.credentials().Get(uuid);
  if (!found.ok()) return Failure(request, found.status());
  if (!*found) return NoSuch(request, "credential with that id");
  const IssuedCredential& issued = **found;
  if (!form) form = Negotiate(request.accept);

  boost::system::error_code error;
  json::value parsed = json::parse(issued.json, error);
  if (error || !parsed.is_object()) {
    return Failure(request, DataLoss("the stored credential " + issued.id + " is damaged"));
  }
  const json::object& credential = parsed.get_object();
  Response response;
  switch (*form) {
    case CredentialForm::kJson:
      response = Answer("application/ld+json", issued.json, kShortCache);
      break;
    case CredentialForm::kJws:
      response = Answer("text/plain; charset=utf-8", issued.jws, kShortCache);
      break;
    case CredentialForm::kHtml: {
      CredentialPageFacts facts;
      facts.credential = &credential;
      facts.issued = &issued;
      facts.now_ms = badges_.options().env.clock->NowMillis();
      Result<std::optional<std::string>> name = store_.PublicNameOf(issued.user_id);
      if (!name.ok()) return Failure(request, name.status());
      facts.earner_name = std::move(*name);
      response = Answer("text/html; charset=utf-8", CredentialPage(facts), kShortCache);
      break;
    }
    case CredentialForm::kPng:
    case CredentialForm::kSvg: {
      const json::object* subject = credential.if_contains("credentialSubject")
                                        ? credential.at("credentialSubject").if_object()
                                        : nullptr;
      const json::value* achievement = subject ? subject->if_contains("achievement") : nullptr;
      const json::value* image = achievement && achievement->is_object()
                                     ? achievement->get_object().if_contains("image")
                                     : nullptr;
      const json::value* image_id =
          image && image->is_object() ? image->get_object().if_contains("id") : nullptr;
      if (image_id == nullptr || !image_id->is_string()) {
        return NoSuch(request, "badge image for this credential");
      }
      const std::string_view url = image_id->get_string();
      const std::string sha(url.substr(url.rfind('/') + 1, 64));
      Result<std::optional<IssuedCredential::Image>> png = badges_.credentials().GetImage(sha);
      if (!png.ok()) return Failure(request, png.status());
      if (!*png) return NoSuch(request, "badge image for this credential");
      if (*form == CredentialForm::kPng) {
        Result<std::string> baked = badge::BakePng((*png)->bytes, issued.json);
        if (!baked.ok()) return Failure(request, baked.status());
        response = Answer("image/png", std::move(*baked), kShortCache);
      } else {
        Result<badge::PngInfo> info = badge::InspectPng((*png)->bytes);
        if (!info.ok()) return Failure(request, info.status());
        const std::string svg = badge::SvgWrappingPng((*png)->bytes, static_cast<int>(info->width),
                                                      static_cast<int>(info->height));
        Result<std::string> baked = badge::BakeSvg(svg, issued.json);
        if (!baked.ok()) return Failure(request, baked.status());
        response = Answer("image/svg+xml", std::move(*baked), kShortCache);
      }
      response.headers.emplace_back("Content-Disposition",
                                    "attachment; filename=\"" + issued.subject_id +
                                        (*form == CredentialForm::kPng ? ".png\"" : ".svg\""));
      break;
    }
  }
  response.headers.emplace_back("Vary", "Accept");
  return response;
}

Response BadgeHosting::Issuer(const Request& request, std::string_view rest) {
  const std::vector<std::string_view> parts = Segments(rest);
  const std::string slug(parts.front());
  Result<IssuerInfo> known = store_.GetIssuer(slug);
  if (!known.ok()) return NoSuch(request, "issuer with that id");
  const auto document = [&](Result<json::object> built) {
    if (!built.ok()) return Failure(request, built.status());
    return JsonDocument(*built);
  };
  if (parts.size() == 1) {
    Result<PublishedCatalog> catalog = store_.LoadPublishedCatalog();
    if (!catalog.ok()) return Failure(request, catalog.status());
    const std::string* definition = catalog->Current(kIssuerType, slug);
    v1::Issuer profile;
    if (definition == nullptr || !profile.ParseFromString(*definition)) {
      return NoSuch(request, "profile of that issuer in the catalog");
    }
    return JsonDocument(IssuerProfile(badges_.UrlsOf(slug), profile), "application/ld+json");
  }
  const std::string_view leaf = parts[1];
  if (parts.size() == 2 && leaf == "did.json") return document(badges_.DidDocumentOf(slug));
  if (parts.size() == 2 && leaf == "jwks.json") return document(badges_.JwksOf(slug));
  if (parts.size() == 3 && leaf == "keys") {
    Result<std::vector<IssuerKey>> keys = badges_.credentials().Keys(slug);
    if (!keys.ok()) return Failure(request, keys.status());
    const std::string kid = badges_.UrlsOf(slug).Profile() + "/keys/" + std::string(parts[2]);
    for (const IssuerKey& key : *keys) {
      if (key.kid == kid && key.algorithm == KeyAlgorithm::kRs256) {
        return Answer("application/jwk+json", key.public_key + "\n", kShortCache);
      }
    }
    return NoSuch(request, "key with that id");
  }
  if (parts.size() == 3 && leaf == "status" && parts[2] == "revocation") {
    return document(badges_.StatusListOf(slug));
  }
  if (parts.size() == 3 && leaf == "status" && parts[2] == "revocations.json") {
    return document(badges_.RevocationListOf(slug));
  }
  return NoSuch(request, "such issuer document");
}

Response BadgeHosting::Achievement(const Request& request, std::string_view rest) {
  const std::vector<std::string_view> parts = Segments(rest);
  if (parts.size() != 2) return NoSuch(request, "achievement");
  Result<PublishedCatalog> catalog = store_.LoadPublishedCatalog();
  if (!catalog.ok()) return Failure(request, catalog.status());
  const std::string* definition =
      catalog->DefinitionOf(CatalogEntryId(kMicroCredentialType, parts[0], parts[1]));
  v1::MicroCredential mc;
  if (definition == nullptr || !mc.ParseFromString(*definition)) {
    return NoSuch(request, "achievement with that id and version");
  }
  const std::string* issuer_definition = catalog->Current(kIssuerType, mc.issuer_id());
  v1::Issuer issuer;
  if (issuer_definition == nullptr || !issuer.ParseFromString(*issuer_definition)) {
    return NoSuch(request, "issuer of that achievement");
  }
  json::object achievement = AchievementOf(badges_.UrlsOf(mc.issuer_id()), issuer, mc);
  achievement.emplace("@context", json::array{kVcContext, kObContext});
  return JsonDocument(achievement, "application/ld+json");
}

Response BadgeHosting::Image(const Request& request, std::string_view rest) {
  constexpr std::string_view kPng = ".png";
  if (!rest.ends_with(kPng)) return NoSuch(request, "badge image");
  const std::string_view sha = rest.substr(0, rest.size() - kPng.size());
  if (sha.size() != 64 || !ParseHex(sha)) return NoSuch(request, "badge image");
  Result<std::optional<IssuedCredential::Image>> image = badges_.credentials().GetImage(sha);
  if (!image.ok()) return Failure(request, image.status());
  if (!*image) return NoSuch(request, "badge image");
  return Answer((*image)->media_type, std::move((*image)->bytes), kLongCache);
}

}  // namespace cairn::server
