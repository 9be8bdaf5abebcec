#include "badge/credential_signer.h"

#include <utility>

#include "badge/vc_jwt_signer.h"
#include "cairn/badge/data_integrity.h"
#include "cairn/badge/multibase.h"
#include "cairn/badge/rfc3339.h"

namespace cairn::server {

Result<boost::json::object> AddDataIntegrityProof(boost::json::object credential,
                                                  const ActiveKeys& keys, int64_t created_ms) {
  // Whole seconds: `created` is an xsd:dateTime that every verifier's parser reads alike.
  boost::json::object proof{{"type", "DataIntegrityProof"},
                            {"cryptosuite", "eddsa-rdfc-2022"},
                            {"created", badge::FormatRfc3339(created_ms / 1000 * 1000)},
                            {"verificationMethod", keys.ed25519_kid},
                            {"proofPurpose", "assertionMethod"}};
  CAIRN_ASSIGN_OR_RETURN(const auto hash_data, badge::EddsaRdfc2022HashData(credential, proof));
  CAIRN_ASSIGN_OR_RETURN(
      const auto signature,
      SignEd25519(
          keys.ed25519.get(),
          std::string_view(reinterpret_cast<const char*>(hash_data.data()), hash_data.size())));
  proof["proofValue"] = badge::MultibaseBase58BtcEncode(signature);
  credential["proof"] = boost::json::array{std::move(proof)};
  return credential;
}

Result<SignedCredential> SignCredential(const boost::json::object& credential,
                                        const ActiveKeys& keys, int64_t created_ms) {
  SignedCredential out;
  CAIRN_ASSIGN_OR_RETURN(out.with_proof, AddDataIntegrityProof(credential, keys, created_ms));
  CAIRN_ASSIGN_OR_RETURN(out.jws, SignVcJwt(credential, keys.rsa.get(), keys.rsa_kid));
  return out;
}

}  // namespace cairn::server
