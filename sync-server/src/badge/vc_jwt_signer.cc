#include "badge/vc_jwt_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include <memory>

#include "badge/signing_keys.h"
#include "cairn/badge/jws.h"
#include "cairn/badge/openssl_errors.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/base64.h"

namespace cairn::server {
namespace {

struct Deleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};

Result<std::string> StringMember(const boost::json::object& object, std::string_view name,
                                 std::string_view where) {
  const auto* v = object.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return InvalidArgument("SignVcJwt: " + std::string(where) + " is missing or not a string");
  }
  return std::string(v->as_string());
}

Result<int64_t> Seconds(const boost::json::object& credential, std::string_view name) {
  CAIRN_ASSIGN_OR_RETURN(const std::string text, StringMember(credential, name, name));
  auto ms = badge::ParseRfc3339(text);
  if (!ms.ok()) return ms.status().Annotate("SignVcJwt: " + std::string(name));
  // NumericDate is whole seconds; floor, as verifiers compare floor(date / 1000).
  return *ms >= 0 ? *ms / 1000 : -((-*ms + 999) / 1000);
}

// Sets payload[name] = value unless the credential already says something else.
Status SetClaim(boost::json::object& payload, std::string_view name, boost::json::value value) {
  if (const auto* existing = payload.if_contains(name); existing != nullptr && *existing != value) {
    return InvalidArgument("SignVcJwt: the credential has a member \"" + std::string(name) +
                           "\" that differs from the claim it would carry (" +
                           boost::json::serialize(value) + ")");
  }
  payload[name] = std::move(value);
  return Status::Ok();
}

Result<std::string> BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Internal(std::string("reading RSA parameter ") + name + ": " +
                    badge::TakeOpenSslErrors());
  }
  std::unique_ptr<BIGNUM, Deleter> bn(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

Status CheckRsaKey(EVP_PKEY* key) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "RSA")) {
    return InvalidArgument("RS256 needs an RSA key");
  }
  if (EVP_PKEY_get_bits(key) < 2048) {
    return InvalidArgument("the RSA key has " + std::to_string(EVP_PKEY_get_bits(key)) +
                           " bits; RS256 needs at least 2048");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> SignVcJwt(const boost::json::object& credential, EVP_PKEY* rsa_private_key,
                              std::string_view kid) {
  CAIRN_RETURN_IF_ERROR(CheckRsaKey(rsa_private_key));
  if (!badge::IsAbsoluteUri(kid)) {
    return InvalidArgument("SignVcJwt: kid \"" + std::string(kid) +
                           "\" is not an absolute URI (OB 3.0 requires one)");
  }
  if (credential.contains("vc")) {
    return InvalidArgument("SignVcJwt: the credential has a \"vc\" member (the VCDM 1.1 form)");
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string id, StringMember(credential, "id", "id"));
  const auto* issuer = credential.if_contains("issuer");
  std::string issuer_id;
  if (issuer != nullptr && issuer->is_object()) {
    CAIRN_ASSIGN_OR_RETURN(issuer_id, StringMember(issuer->as_object(), "id", "issuer.id"));
  } else if (issuer != nullptr && issuer->is_string()) {
    issuer_id = std::string(issuer->as_string());
  } else {
    return InvalidArgument("SignVcJwt: issuer is missing or neither a string nor an object");
  }
  const auto* subject = credential.if_contains("credentialSubject");
  if (subject == nullptr || !subject->is_object()) {
    return InvalidArgument("SignVcJwt: credentialSubject is missing or not an object");
  }
  CAIRN_ASSIGN_OR_RETURN(const int64_t nbf, Seconds(credential, "validFrom"));

  boost::json::object payload = credential;
  CAIRN_RETURN_IF_ERROR(SetClaim(payload, "iss", boost::json::value(issuer_id)));
  CAIRN_RETURN_IF_ERROR(SetClaim(payload, "jti", boost::json::value(id)));
  CAIRN_RETURN_IF_ERROR(SetClaim(payload, "nbf", boost::json::value(nbf)));
  if (const auto* subject_id = subject->as_object().if_contains("id")) {
    if (!subject_id->is_string()) {
      return InvalidArgument("SignVcJwt: credentialSubject.id is not a string");
    }
    CAIRN_RETURN_IF_ERROR(SetClaim(payload, "sub", *subject_id));
  }
  if (credential.contains("validUntil")) {
    CAIRN_ASSIGN_OR_RETURN(const int64_t exp, Seconds(credential, "validUntil"));
    CAIRN_RETURN_IF_ERROR(SetClaim(payload, "exp", boost::json::value(exp)));
  }

  boost::json::object header;
  header["alg"] = "RS256";
  header["kid"] = kid;
  header["typ"] = "JWT";
  const std::string signing_input = Base64UrlEncode(boost::json::serialize(header)) + "." +
                                    Base64UrlEncode(boost::json::serialize(payload));

  std::unique_ptr<EVP_MD_CTX, Deleter> md(EVP_MD_CTX_new());
  size_t size = 0;
  if (!md ||
      EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, rsa_private_key,
                            nullptr) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("RS256 signing: " + badge::TakeOpenSslErrors());
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return Internal("RS256 signing: " + badge::TakeOpenSslErrors());
  }
  signature.resize(size);
  return signing_input + "." + Base64UrlEncode(signature);
}

Result<boost::json::object> RsaPublicJwk(EVP_PKEY* key, std::string_view kid) {
  if (key == nullptr || !EVP_PKEY_is_a(key, "RSA")) {
    return InvalidArgument("RsaPublicJwk: the key is not an RSA key");
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string n, BigNumParam(key, OSSL_PKEY_PARAM_RSA_N));
  CAIRN_ASSIGN_OR_RETURN(const std::string e, BigNumParam(key, OSSL_PKEY_PARAM_RSA_E));
  boost::json::object jwk;
  jwk["kty"] = "RSA";
  jwk["n"] = Base64UrlEncode(n);
  jwk["e"] = Base64UrlEncode(e);
  jwk["alg"] = "RS256";
  jwk["use"] = "sig";
  jwk["kid"] = kid;
  return jwk;
}

}  // namespace cairn::server
