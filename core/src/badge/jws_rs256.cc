// RS256 (RFC 7518 §3.3) signature checks through OpenSSL 3's EVP interface.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

#include "cairn/badge/jws.h"
#include "cairn/badge/openssl_errors.h"

namespace cairn::badge {
namespace {

struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Deleter>;

constexpr int kMinRsaBits = 2048;

std::string KeyLabel(const Jwk& key) { return key.kid.empty() ? std::string("(no kid)") : key.kid; }

Result<Owned<EVP_PKEY>> RsaPublicKey(const Jwk& key) {
  const auto* n_bytes = reinterpret_cast<const unsigned char*>(key.n.data());
  const auto* e_bytes = reinterpret_cast<const unsigned char*>(key.e.data());
  Owned<BIGNUM> n(BN_bin2bn(n_bytes, static_cast<int>(key.n.size()), nullptr));
  Owned<BIGNUM> e(BN_bin2bn(e_bytes, static_cast<int>(key.e.size()), nullptr));
  Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!n || !e || !builder ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Internal("building RSA key " + KeyLabel(key) + ": " + TakeOpenSslErrors());
  }
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder.get()));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return InvalidArgument("JWK " + KeyLabel(key) +
                           " is not a usable RSA public key: " + TakeOpenSslErrors());
  }
  return Owned<EVP_PKEY>(raw);
}

}  // namespace

Status VerifyJwsSignature(const CompactJws& jws, const Jwk& key) {
  if (jws.header.alg != "RS256") {
    return InvalidArgument("alg \"" + jws.header.alg + "\" is not supported (only RS256)");
  }
  if (key.kty != "RSA") {
    return InvalidArgument("key " + KeyLabel(key) + " has kty \"" + key.kty +
                           "\"; RS256 needs an RSA key");
  }
  if (!key.alg.empty() && key.alg != "RS256") {
    return InvalidArgument("key " + KeyLabel(key) + " is for alg \"" + key.alg + "\", not RS256");
  }
  if (!key.use.empty() && key.use != "sig") {
    return InvalidArgument("key " + KeyLabel(key) + " has use \"" + key.use + R"(", not "sig")");
  }
  CAIRN_ASSIGN_OR_RETURN(Owned<EVP_PKEY> pkey, RsaPublicKey(key));
  if (EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
    return InvalidArgument("key " + KeyLabel(key) + " has " +
                           std::to_string(EVP_PKEY_get_bits(pkey.get())) +
                           " bits; RS256 needs at least 2048");
  }
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, pkey.get(),
                                     nullptr) != 1) {
    return Internal("starting RS256 verification: " + TakeOpenSslErrors());
  }
  const int verdict = EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(jws.signature.data()), jws.signature.size(),
      reinterpret_cast<const unsigned char*>(jws.signing_input.data()), jws.signing_input.size());
  if (verdict != 1) {
    // A mismatch queues reasons too; they say nothing a caller can act on.
    TakeOpenSslErrors();
    return Unauthenticated("the JWS signature does not verify with key " + KeyLabel(key));
  }
  return Status::Ok();
}

}  // namespace cairn::badge
