// The embedded-proof check: a DataIntegrityProof (eddsa-rdfc-2022) whose verification method is
// resolved in the pack's DID document and controlled by the credential's issuer.
#include "badge/verify_internal.h"
#include "cairn/badge/data_integrity.h"
#include "cairn/badge/multibase.h"

namespace cairn::badge::verify_internal {
namespace {

namespace json = boost::json;

// The one proof of `document`: `proof` may be one object or an array of one.
Result<const json::object*> OneProof(const json::object& document, const std::string& what) {
  const json::value* proof = document.if_contains("proof");
  if (proof == nullptr)
    return InvalidArgument(what + ".proof is missing: there is no embedded proof");
  if (proof->is_object()) return &proof->as_object();
  if (!proof->is_array() || proof->as_array().empty() || !proof->as_array()[0].is_object()) {
    return InvalidArgument(what + ".proof must be a proof object or an array of them");
  }
  if (proof->as_array().size() != 1) {
    return InvalidArgument(what + ".proof holds " + std::to_string(proof->as_array().size()) +
                           " proofs; Cairn verifies documents with exactly one");
  }
  return &proof->as_array()[0].as_object();
}

// The method id `reference` resolved against the DID document's id ("#key-1" is relative).
std::string Absolute(std::string_view reference, std::string_view document_id) {
  if (reference.starts_with('#')) return std::string(document_id) + std::string(reference);
  return std::string(reference);
}

// The verification method `method_id` in `did_document`, listed under assertionMethod.
Result<const json::object*> ResolveMethod(const json::object& did_document,
                                          const std::string& method_id) {
  const std::string document_id = StringMember(did_document, "id");
  const json::object* found = nullptr;
  if (const json::value* methods = did_document.if_contains("verificationMethod");
      methods != nullptr && methods->is_array()) {
    for (const json::value& method : methods->as_array()) {
      if (method.is_object() &&
          Absolute(StringMember(method.as_object(), "id"), document_id) == method_id) {
        found = &method.as_object();
      }
    }
  }
  bool asserts = false;
  if (const json::value* assertion = did_document.if_contains("assertionMethod");
      assertion != nullptr && assertion->is_array()) {
    for (const json::value& entry : assertion->as_array()) {
      if (entry.is_string() && Absolute(entry.as_string(), document_id) == method_id) {
        asserts = true;
      } else if (entry.is_object() &&
                 Absolute(StringMember(entry.as_object(), "id"), document_id) == method_id) {
        asserts = true;
        found = &entry.as_object();  // an embedded method is its own definition
      }
    }
  }
  if (found == nullptr) {
    return InvalidArgument("the DID document " + document_id + " has no verification method \"" +
                           method_id + "\"");
  }
  if (!asserts) {
    return InvalidArgument("the DID document " + document_id + " does not list \"" + method_id +
                           "\" under assertionMethod: the key may not sign credentials");
  }
  return found;
}

}  // namespace

Result<std::string> VerifyEmbeddedProof(const json::object& document,
                                        const json::object& did_document,
                                        std::string_view expected_controller,
                                        std::string_view what_view) {
  const std::string what(what_view);
  CAIRN_ASSIGN_OR_RETURN(const json::object* proof, OneProof(document, what));
  if (StringMember(*proof, "type") != "DataIntegrityProof") {
    return InvalidArgument(what + ".proof.type is \"" + StringMember(*proof, "type") +
                           "\"; Cairn verifies DataIntegrityProof only");
  }
  if (StringMember(*proof, "cryptosuite") != "eddsa-rdfc-2022") {
    return InvalidArgument(what + ".proof.cryptosuite is \"" + StringMember(*proof, "cryptosuite") +
                           "\"; Cairn verifies eddsa-rdfc-2022 only");
  }
  if (StringMember(*proof, "proofPurpose") != "assertionMethod") {
    return InvalidArgument(what + ".proof.proofPurpose is \"" +
                           StringMember(*proof, "proofPurpose") +
                           "\"; a credential's proof must be for assertionMethod");
  }
  const std::string method_id = StringMember(*proof, "verificationMethod");
  if (method_id.empty()) return InvalidArgument(what + ".proof.verificationMethod is missing");
  const std::string did = method_id.substr(0, method_id.find('#'));
  if (did != expected_controller) {
    return InvalidArgument(what + ".proof.verificationMethod \"" + method_id +
                           "\" is not a key of the issuer " + std::string(expected_controller));
  }
  if (StringMember(did_document, "id") != expected_controller) {
    return InvalidArgument("didDocument.id \"" + StringMember(did_document, "id") +
                           "\" is not the issuer " + std::string(expected_controller) +
                           ": the pack carries another issuer's keys");
  }
  Result<const json::object*> method = ResolveMethod(did_document, method_id);
  if (!method.ok()) return method.status().Annotate(what + ".proof.verificationMethod");
  if (StringMember(**method, "controller") != expected_controller) {
    return InvalidArgument(what + ".proof.verificationMethod \"" + method_id +
                           "\" is controlled by \"" + StringMember(**method, "controller") +
                           "\", not by the issuer " + std::string(expected_controller));
  }
  if (StringMember(**method, "type") != "Multikey") {
    return InvalidArgument("didDocument: verification method \"" + method_id + "\" is a \"" +
                           StringMember(**method, "type") + "\"; Cairn reads Multikey keys");
  }
  Result<std::array<uint8_t, 32>> key =
      ParseEd25519Multikey(StringMember(**method, "publicKeyMultibase"));
  if (!key.ok()) {
    return key.status().Annotate("didDocument: publicKeyMultibase of \"" + method_id + "\"");
  }
  const Status signature = VerifyEddsaRdfc2022(document, *proof, *key);
  if (!signature.ok()) return signature.Annotate(what + ".proof");
  return method_id;
}

}  // namespace cairn::badge::verify_internal
