#include "badge/issuer_keyring.h"

#include <boost/json.hpp>
#include <utility>

#include "badge/vc_jwt_signer.h"
#include "cairn/badge/multibase.h"
#include "cairn/blob_store.h"

namespace cairn::server {
namespace {

std::string ShortHash(std::string_view bytes) { return Sha256Hex(Sha256Of(bytes)).substr(0, 8); }

}  // namespace

Result<std::vector<IssuerKey>> IssuerKeyring::MakeKeys(const IssuerUrls& urls, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(PkeyPtr ed25519, GenerateEd25519Key());
  CAIRN_ASSIGN_OR_RETURN(const auto public_key, Ed25519PublicKey(ed25519.get()));
  const std::string multikey = badge::EncodeEd25519Multikey(public_key);
  IssuerKey ed;
  ed.kid = urls.Did() + "#ed25519-" + ShortHash(multikey);
  ed.issuer_id = urls.issuer_slug;
  ed.algorithm = KeyAlgorithm::kEd25519;
  ed.public_key = multikey;
  ed.created_ms = now_ms;
  CAIRN_ASSIGN_OR_RETURN(const std::string ed_pem, PrivateKeyToPem(ed25519.get()));
  CAIRN_ASSIGN_OR_RETURN(ed.sealed_private, vault_.Seal(ed_pem, ed.kid));

  CAIRN_ASSIGN_OR_RETURN(PkeyPtr rsa, GenerateRsaKey(2048));
  // The kid names the key, so it is made from the key's own JWK (without a kid).
  CAIRN_ASSIGN_OR_RETURN(const boost::json::object bare, RsaPublicJwk(rsa.get(), "urn:pending"));
  IssuerKey rs;
  rs.kid = urls.Profile() + "/keys/rsa-" +
           ShortHash(boost::json::serialize(bare.at("n")) + boost::json::serialize(bare.at("e")));
  rs.issuer_id = urls.issuer_slug;
  rs.algorithm = KeyAlgorithm::kRs256;
  CAIRN_ASSIGN_OR_RETURN(const boost::json::object jwk, RsaPublicJwk(rsa.get(), rs.kid));
  rs.public_key = boost::json::serialize(jwk);
  rs.created_ms = now_ms;
  CAIRN_ASSIGN_OR_RETURN(const std::string rsa_pem, PrivateKeyToPem(rsa.get()));
  CAIRN_ASSIGN_OR_RETURN(rs.sealed_private, vault_.Seal(rsa_pem, rs.kid));
  return std::vector<IssuerKey>{std::move(ed), std::move(rs)};
}

Result<ActiveKeys> IssuerKeyring::Active(const IssuerUrls& urls, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<IssuerKey> keys, store_.Keys(urls.issuer_slug));
  const auto active = [&keys](KeyAlgorithm algorithm) -> const IssuerKey* {
    for (const IssuerKey& key : keys) {
      if (key.algorithm == algorithm && !key.retired_ms) return &key;
    }
    return nullptr;
  };
  if (active(KeyAlgorithm::kEd25519) == nullptr || active(KeyAlgorithm::kRs256) == nullptr) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<IssuerKey> made, MakeKeys(urls, now_ms));
    CAIRN_RETURN_IF_ERROR(store_.RotateKeys(urls.issuer_slug, made));
    keys = std::move(made);
  }
  ActiveKeys out;
  for (const KeyAlgorithm algorithm : {KeyAlgorithm::kEd25519, KeyAlgorithm::kRs256}) {
    const IssuerKey* key = active(algorithm);
    if (key == nullptr) return Internal("issuer " + urls.issuer_slug + " has no active key");
    CAIRN_ASSIGN_OR_RETURN(const std::string pem, vault_.Unseal(key->sealed_private, key->kid));
    CAIRN_ASSIGN_OR_RETURN(PkeyPtr pkey, PrivateKeyFromPem(pem));
    if (algorithm == KeyAlgorithm::kEd25519) {
      out.ed25519_kid = key->kid;
      out.ed25519 = std::move(pkey);
    } else {
      out.rsa_kid = key->kid;
      out.rsa = std::move(pkey);
    }
  }
  return out;
}

Result<std::vector<std::string>> IssuerKeyring::Rotate(const IssuerUrls& urls, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<IssuerKey> made, MakeKeys(urls, now_ms));
  CAIRN_RETURN_IF_ERROR(store_.RotateKeys(urls.issuer_slug, made));
  std::vector<std::string> kids;
  kids.reserve(made.size());
  for (const IssuerKey& key : made) kids.push_back(key.kid);
  return kids;
}

}  // namespace cairn::server
