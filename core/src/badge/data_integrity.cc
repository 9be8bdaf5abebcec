#include "cairn/badge/data_integrity.h"

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "cairn/badge/jsonld.h"
#include "cairn/badge/multibase.h"

namespace cairn::badge {
namespace json = boost::json;

namespace {

Status RequireString(const json::object& proof, std::string_view key, std::string_view expected) {
  const json::value* value = proof.if_contains(key);
  if (value == nullptr) {
    return InvalidArgument("proof." + std::string(key) + " is missing; expected \"" +
                           std::string(expected) + "\"");
  }
  const json::string* text = value->if_string();
  if (text == nullptr || *text != expected) {
    return InvalidArgument("proof." + std::string(key) + " is " + json::serialize(*value) +
                           "; expected \"" + std::string(expected) + "\"");
  }
  return Status::Ok();
}

Result<std::array<uint8_t, 32>> Sha256(std::string_view data) {
  std::array<uint8_t, 32> digest;
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    return Internal("SHA-256 failed in OpenSSL");
  }
  return digest;
}

}  // namespace

Result<std::array<uint8_t, 64>> EddsaRdfc2022HashData(const json::object& unsecured_document,
                                                      const json::object& proof_options) {
  CAIRN_RETURN_IF_ERROR(RequireString(proof_options, "type", "DataIntegrityProof"));
  CAIRN_RETURN_IF_ERROR(RequireString(proof_options, "cryptosuite", "eddsa-rdfc-2022"));
  if (proof_options.contains("proofValue")) {
    return InvalidArgument("proof options must not contain proofValue");
  }
  json::value config(proof_options);
  if (const json::value* context = unsecured_document.if_contains("@context")) {
    config.get_object()["@context"] = *context;
  }
  json::value document(unsecured_document);
  document.get_object().erase("proof");

  Result<std::string> config_nquads = CanonicalNQuads(config);
  if (!config_nquads.ok()) return config_nquads.status().Annotate("the proof configuration");
  Result<std::string> document_nquads = CanonicalNQuads(document);
  if (!document_nquads.ok()) return document_nquads.status().Annotate("the credential");
  CAIRN_ASSIGN_OR_RETURN(auto config_hash, Sha256(*config_nquads));
  CAIRN_ASSIGN_OR_RETURN(auto document_hash, Sha256(*document_nquads));
  std::array<uint8_t, 64> out;
  std::copy(config_hash.begin(), config_hash.end(), out.begin());
  std::copy(document_hash.begin(), document_hash.end(), out.begin() + 32);
  return out;
}

Status VerifyEddsaRdfc2022(const json::object& secured_document, const json::object& proof,
                           std::span<const uint8_t, 32> public_key) {
  CAIRN_RETURN_IF_ERROR(RequireString(proof, "type", "DataIntegrityProof"));
  CAIRN_RETURN_IF_ERROR(RequireString(proof, "cryptosuite", "eddsa-rdfc-2022"));
  CAIRN_RETURN_IF_ERROR(RequireString(proof, "proofPurpose", "assertionMethod"));
  const json::value* proof_value = proof.if_contains("proofValue");
  if (proof_value == nullptr || !proof_value->is_string()) {
    return InvalidArgument("proof.proofValue is missing or not a string");
  }
  Result<std::vector<uint8_t>> signature = MultibaseBase58BtcDecode(proof_value->get_string());
  if (!signature.ok()) return signature.status().Annotate("proof.proofValue");
  if (signature->size() != 64) {
    return InvalidArgument("proof.proofValue decodes to " + std::to_string(signature->size()) +
                           " bytes; an Ed25519 signature is 64");
  }
  // A proof carrying its own @context must name the document's contexts first, in order
  // (vc-di-eddsa §3.3.2 step 2), or it would be hashed under different term definitions.
  if (const json::value* proof_context = proof.if_contains("@context")) {
    const json::value* document_context = secured_document.if_contains("@context");
    const json::array* want = proof_context->if_array();
    const json::array* have = document_context ? document_context->if_array() : nullptr;
    bool prefix = want != nullptr && have != nullptr && want->size() <= have->size();
    for (size_t i = 0; prefix && i < want->size(); ++i) prefix = (*want)[i] == (*have)[i];
    if (!prefix) {
      return InvalidArgument("proof.@context is not a prefix of the credential's @context");
    }
  }
  json::object options = proof;
  options.erase("proofValue");
  options.erase("@context");
  json::object unsecured = secured_document;
  unsecured.erase("proof");
  CAIRN_ASSIGN_OR_RETURN(auto hash_data, EddsaRdfc2022HashData(unsecured, options));

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()),
      EVP_PKEY_free);
  if (key == nullptr) return InvalidArgument("the Ed25519 public key is not valid");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  if (context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return Internal("OpenSSL could not set up Ed25519 verification");
  }
  int verified = EVP_DigestVerify(context.get(), signature->data(), signature->size(),
                                  hash_data.data(), hash_data.size());
  if (verified != 1) {
    return Unauthenticated(
        "proof.proofValue: the Ed25519 signature does not verify over the credential and proof "
        "options with this key (the credential, the proof options or the key differ from what "
        "was signed)");
  }
  return Status::Ok();
}

}  // namespace cairn::badge
