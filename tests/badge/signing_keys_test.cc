// The server's signing keys: generation, Ed25519 signatures, PKCS#8 PEM round trips.
#include "badge/signing_keys.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "support/status_matchers.h"

namespace cairn::server {
namespace {

using cairn::testing::IsOk;
using cairn::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

bool Ed25519Verifies(EVP_PKEY* key, std::string_view message,
                     const std::array<uint8_t, 64>& signature) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit_ex(md, nullptr, nullptr, nullptr, nullptr, key, nullptr) == 1 &&
      EVP_DigestVerify(md, signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok;
}

TEST(SigningKeysTest, Ed25519SignsAndVerifies) {
  auto key = GenerateEd25519Key();
  ASSERT_THAT(key, IsOk());
  auto signature = SignEd25519(key->get(), "proof hash || document hash");
  ASSERT_THAT(signature, IsOk());
  EXPECT_TRUE(Ed25519Verifies(key->get(), "proof hash || document hash", *signature));
  EXPECT_FALSE(Ed25519Verifies(key->get(), "proof hash || document hasH", *signature));
  EXPECT_THAT(Ed25519PublicKey(key->get()), IsOk());
}

TEST(SigningKeysTest, Ed25519RefusesOtherKeys) {
  auto rsa = GenerateRsaKey();
  ASSERT_THAT(rsa, IsOk());
  EXPECT_EQ(EVP_PKEY_get_bits(rsa->get()), 2048);
  EXPECT_THAT(SignEd25519(rsa->get(), "x"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an Ed25519 key")));
  EXPECT_THAT(Ed25519PublicKey(rsa->get()),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an Ed25519 key")));
  EXPECT_THAT(GenerateRsaKey(1024), StatusIs(Code::kInvalidArgument, HasSubstr("at least 2048")));
}

TEST(SigningKeysTest, PemRoundTripsBothKinds) {
  auto ed = GenerateEd25519Key();
  ASSERT_THAT(ed, IsOk());
  auto pem = PrivateKeyToPem(ed->get());
  ASSERT_THAT(pem, IsOk());
  EXPECT_THAT(*pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  auto back = PrivateKeyFromPem(*pem);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(EVP_PKEY_eq(ed->get(), back->get()), 1);
  EXPECT_EQ(Ed25519PublicKey(back->get()).value(), Ed25519PublicKey(ed->get()).value());
  auto signature = SignEd25519(back->get(), "m");
  ASSERT_THAT(signature, IsOk());
  EXPECT_TRUE(Ed25519Verifies(ed->get(), "m", *signature));

  auto rsa = GenerateRsaKey();
  ASSERT_THAT(rsa, IsOk());
  auto rsa_back = PrivateKeyFromPem(PrivateKeyToPem(rsa->get()).value());
  ASSERT_THAT(rsa_back, IsOk());
  EXPECT_EQ(EVP_PKEY_eq(rsa->get(), rsa_back->get()), 1);
}

TEST(SigningKeysTest, PemReadingRefusesOtherForms) {
  auto ed = GenerateEd25519Key();
  ASSERT_THAT(ed, IsOk());
  BIO* bio = BIO_new(BIO_s_mem());
  const char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio, ed->get(), EVP_aes_256_cbc(), passphrase,
                                          sizeof passphrase - 1, nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  const std::string encrypted(data, static_cast<size_t>(size));
  BIO_free(bio);
  EXPECT_THAT(PrivateKeyFromPem(encrypted),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an unencrypted PKCS#8")));
  EXPECT_THAT(PrivateKeyFromPem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE "
                                "KEY-----\n"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not an unencrypted PKCS#8")));
  EXPECT_THAT(PrivateKeyFromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
              StatusIs(Code::kInvalidArgument, HasSubstr("reading a PKCS#8 PEM private key")));
  EXPECT_THAT(PrivateKeyFromPem(""), StatusIs(Code::kInvalidArgument, ::testing::_));
}

}  // namespace
}  // namespace cairn::server
