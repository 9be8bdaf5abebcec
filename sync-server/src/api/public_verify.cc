#include "api/public_verify.h"

#include <boost/json.hpp>
#include <string>

#include "cairn/badge/credential_file.h"
#include "cairn/badge/verify.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kKeysFromServer = "this server, the issuer's host";
constexpr std::string_view kKeysFromPack = "the pack (this server did not issue the credential)";

Response Answer(const json::object& verdict) {
  Response response;
  response.content_type = "application/json";
  response.body = json::serialize(verdict) + "\n";
  response.headers.emplace_back("Cache-Control", "no-store");
  // Wallets and verifiers on other origins call this from their pages.
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return response;
}

Response Refused(const Request& request, const Status& status) {
  return ErrorResponse(request.accept.empty() ? "application/json" : request.accept, status);
}

// The UUID of a credential URL under this server's public URL; empty for any other URL.
std::string_view OwnUuid(std::string_view credential_url, std::string_view public_url) {
  const std::string prefix = std::string(public_url) + "/credentials/";
  if (!credential_url.starts_with(prefix)) return {};
  return credential_url.substr(prefix.size());
}

// The pack of a credential this server issued, from this server's documents as of `now_ms`.
Result<badge::VerificationPack> ServerPack(BadgeIssuance& badges, const IssuedCredential& issued,
                                           int64_t now_ms) {
  CredentialRecord record;
  record.credential_id = issued.id;
  record.json = issued.json;
  record.jws = issued.jws;
  CAIRN_ASSIGN_OR_RETURN(const json::object did, badges.DidDocumentOf(issued.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const json::object jwks, badges.JwksOf(issued.issuer_id));
  CAIRN_ASSIGN_OR_RETURN(const json::object status, badges.StatusListOf(issued.issuer_id));
  record.issuer_did_document = json::serialize(did);
  record.issuer_jwks = json::serialize(jwks);
  record.status_list = json::serialize(status);
  record.status_checked_at_ms = now_ms;
  return badge::BuildVerificationPack(record);
}

badge::Verdict NotIssuedHere(const badge::CredentialFile& file, std::string_view public_url) {
  badge::Verdict verdict;
  verdict.credential_id = file.credential_id;
  verdict.checks.push_back(
      {"issuer", false, false,
       "credential " + file.credential_id + " was not issued by this server (its credentials " +
           "are under " + std::string(public_url) +
           "/credentials/), so its issuer's keys are not here; post its verification pack "
           "('cairn badges export ID --format pack') or check it where its issuer is hosted"});
  return verdict;
}

}  // namespace

Response PublicVerify(const Request& request, BadgeIssuance& badges) {
  if (request.body.empty()) {
    return Refused(request, InvalidArgument("POST the credential to verify as the body: its JSON "
                                            "with the proof, its VC-JWT, a baked PNG or SVG, or "
                                            "a verification pack"));
  }
  Result<badge::CredentialFile> file = badge::ReadCredentialFile(request.body, "the request body");
  if (!file.ok()) return Refused(request, file.status());
  const int64_t now_ms = badges.options().env.clock->NowMillis();
  const std::string& public_url = badges.options().public_url;

  std::optional<IssuedCredential> issued;
  if (const std::string_view uuid = OwnUuid(file->credential_id, public_url); !uuid.empty()) {
    Result<std::optional<IssuedCredential>> found = badges.credentials().Get(uuid);
    if (!found.ok()) return Refused(request, found.status());
    issued = std::move(*found);
  }

  badge::VerificationPack pack;
  std::string_view keys_from = kKeysFromServer;
  if (issued) {
    Result<badge::VerificationPack> own = ServerPack(badges, *issued, now_ms);
    if (!own.ok()) return Refused(request, own.status());
    pack = *std::move(own);
    // Verify what the body holds; this server's copy fills in the other form.
    if (file->kind != badge::CredentialFile::Kind::kJws) {
      pack.credential = std::move(file->pack.credential);
    }
    if (file->kind != badge::CredentialFile::Kind::kCredentialJson) {
      pack.jws = std::move(file->pack.jws);
    }
  } else if (file->kind == badge::CredentialFile::Kind::kPack) {
    pack = std::move(file->pack);
    keys_from = kKeysFromPack;
  } else {
    return Answer(badge::VerdictJson(NotIssuedHere(*file, public_url), "", now_ms));
  }
  Result<badge::Verdict> verdict = badge::VerifyPack(pack, now_ms);
  if (!verdict.ok()) return Refused(request, verdict.status());
  return Answer(badge::VerdictJson(*verdict, keys_from, now_ms));
}

}  // namespace cairn::server
