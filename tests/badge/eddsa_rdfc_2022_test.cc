// The 1EdTech Open Badges 3.0 eddsa-rdfc-2022 test vector, byte for byte: canonical N-Quads of
// the credential and the proof configuration, both hashes, the signature and proofValue, then
// verification and its failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cairn/badge/data_integrity.h"
#include "cairn/badge/jsonld.h"
#include "cairn/badge/multibase.h"
#include "cairn/hex.h"
#include "jsonld_test_util.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

namespace json = boost::json;
using jsonld_testing::ReadJsonFile;
using jsonld_testing::ReadTestFile;
using jsonld_testing::TestdataPath;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::StatusIs;

struct Vector {
  json::object all;
  json::object unsigned_credential;
  json::object proof_options;
  json::object signed_credential;
  json::object expected;
};

const Vector& TheVector() {
  static const Vector* const kVector = [] {
    auto* vector = new Vector();
    vector->all = ReadJsonFile(TestdataPath("eddsa-rdfc-2022/vector.json")).as_object();
    vector->unsigned_credential = vector->all.at("unsignedCredential").as_object();
    vector->proof_options = vector->all.at("proofOptions").as_object();
    vector->signed_credential =
        ReadJsonFile(TestdataPath("eddsa-rdfc-2022/signed-credential.json")).as_object();
    vector->expected = vector->all.at("expected").as_object();
    return vector;
  }();
  return *kVector;
}

std::string Expected(std::string_view key) {
  return std::string(TheVector().expected.at(key).as_string());
}

std::array<uint8_t, 32> PublicKey() {
  Result<std::array<uint8_t, 32>> key = ParseEd25519Multikey(
      TheVector().all.at("key").as_object().at("publicKeyMultibase").as_string());
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? *key : std::array<uint8_t, 32>{};
}

std::string Hex(std::span<const uint8_t> bytes) {
  return LowerHex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::vector<uint8_t> SignWithVectorSeed(std::span<const uint8_t> message) {
  std::string secret = *ParseHex(
      TheVector().all.at("key").as_object().at("secretKeyHex_seed_then_public").as_string());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                   reinterpret_cast<const uint8_t*>(secret.data()), 32),
      EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  std::vector<uint8_t> signature(64);
  size_t length = signature.size();
  EXPECT_EQ(EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key.get()), 1);
  EXPECT_EQ(
      EVP_DigestSign(context.get(), signature.data(), &length, message.data(), message.size()), 1);
  return signature;
}

const json::object& SignedProof() { return TheVector().signed_credential.at("proof").as_object(); }

TEST(EddsaRdfc2022Vector, DocumentCanonicalNQuadsMatchByteForByte) {
  Result<std::string> nquads = CanonicalNQuads(TheVector().unsigned_credential);
  CAIRN_ASSERT_OK(nquads);
  EXPECT_EQ(*nquads, ReadTestFile(TestdataPath("eddsa-rdfc-2022/document-canon.txt")));
}

TEST(EddsaRdfc2022Vector, ProofConfigCanonicalNQuadsMatchByteForByte) {
  json::object config = TheVector().proof_options;
  config["@context"] = TheVector().unsigned_credential.at("@context");
  Result<std::string> nquads = CanonicalNQuads(config);
  CAIRN_ASSERT_OK(nquads);
  EXPECT_EQ(*nquads, ReadTestFile(TestdataPath("eddsa-rdfc-2022/proof-canon.txt")));
}

TEST(EddsaRdfc2022Vector, HashDataIsProofHashThenDocumentHash) {
  Result<std::array<uint8_t, 64>> hash_data =
      EddsaRdfc2022HashData(TheVector().unsigned_credential, TheVector().proof_options);
  CAIRN_ASSERT_OK(hash_data);
  std::string hex = Hex(*hash_data);
  EXPECT_EQ(hex.substr(0, 64), Expected("proofHashHex"));
  EXPECT_EQ(hex.substr(64), Expected("documentHashHex"));
  EXPECT_EQ(hex, Expected("dataToSignHex_proofHash_then_documentHash"));
}

TEST(EddsaRdfc2022Vector, SigningTheHashDataReproducesTheProofValue) {
  Result<std::array<uint8_t, 64>> hash_data =
      EddsaRdfc2022HashData(TheVector().unsigned_credential, TheVector().proof_options);
  CAIRN_ASSERT_OK(hash_data);
  std::vector<uint8_t> signature = SignWithVectorSeed(*hash_data);
  EXPECT_EQ(Hex(signature), Expected("signatureHex"));
  EXPECT_EQ(MultibaseBase58BtcEncode(signature), Expected("proofValue"));
  EXPECT_EQ(std::string(SignedProof().at("proofValue").as_string()), Expected("proofValue"));
}

TEST(EddsaRdfc2022Vector, SignedCredentialVerifies) {
  CAIRN_EXPECT_OK(VerifyEddsaRdfc2022(TheVector().signed_credential, SignedProof(), PublicKey()));
}

TEST(EddsaRdfc2022Vector, ProofInAnArrayVerifiesToo) {
  json::object secured = TheVector().signed_credential;
  json::array proofs;
  proofs.push_back(SignedProof());
  secured["proof"] = proofs;
  CAIRN_EXPECT_OK(VerifyEddsaRdfc2022(secured, SignedProof(), PublicKey()));
}

// Calls `visit` with every string in `value` (keys excluded), by pointer so it can be changed.
void ForEachString(json::value& value, const std::function<void(json::string&)>& visit) {
  if (json::string* text = value.if_string()) visit(*text);
  if (json::array* items = value.if_array()) {
    for (json::value& item : *items) ForEachString(item, visit);
  }
  if (json::object* object = value.if_object()) {
    for (auto& entry : *object) ForEachString(entry.value(), visit);
  }
}

TEST(EddsaRdfc2022Vector, FlippingAnyByteOfTheCredentialFails) {
  json::value document = TheVector().signed_credential;
  document.as_object().erase("proof");
  std::vector<json::string*> strings;
  ForEachString(document, [&](json::string& text) { strings.push_back(&text); });
  ASSERT_GT(strings.size(), 10u);
  size_t flips = 0;
  for (json::string* text : strings) {
    for (size_t i = 0; i < text->size(); ++i) {
      char original = (*text)[i];
      (*text)[i] = static_cast<char>(original ^ 0x01);
      json::object secured = document.as_object();
      secured["proof"] = SignedProof();
      Status status = VerifyEddsaRdfc2022(secured, SignedProof(), PublicKey());
      EXPECT_FALSE(status.ok()) << "flipping byte " << i << " of \"" << *text << "\" verified";
      EXPECT_FALSE(status.message().empty());
      (*text)[i] = original;
      ++flips;
    }
  }
  EXPECT_GT(flips, 500u);
}

TEST(EddsaRdfc2022Vector, FlippingAnyByteOfTheProofFails) {
  json::value proof = SignedProof();
  std::vector<json::string*> strings;
  ForEachString(proof, [&](json::string& text) { strings.push_back(&text); });
  for (json::string* text : strings) {
    for (size_t i = 0; i < text->size(); ++i) {
      char original = (*text)[i];
      (*text)[i] = static_cast<char>(original ^ 0x01);
      json::object secured = TheVector().signed_credential;
      secured["proof"] = proof;
      Status status = VerifyEddsaRdfc2022(secured, proof.as_object(), PublicKey());
      EXPECT_FALSE(status.ok()) << "flipping byte " << i << " of \"" << *text << "\" verified";
      EXPECT_THAT(status.message(), AnyOf(HasSubstr("proof"), HasSubstr("term")));
      (*text)[i] = original;
    }
  }
}

TEST(EddsaRdfc2022Vector, AChangedSignatureIsUnauthenticated) {
  json::object proof = SignedProof();
  std::string value(proof.at("proofValue").as_string());
  value[10] = value[10] == 'A' ? 'B' : 'A';
  proof["proofValue"] = value;
  EXPECT_THAT(VerifyEddsaRdfc2022(TheVector().signed_credential, proof, PublicKey()),
              StatusIs(Code::kUnauthenticated, HasSubstr("does not verify")));
}

TEST(EddsaRdfc2022Vector, AnotherKeyIsUnauthenticated) {
  std::array<uint8_t, 32> key = PublicKey();
  key[0] ^= 0x80;
  Status status = VerifyEddsaRdfc2022(TheVector().signed_credential, SignedProof(), key);
  EXPECT_FALSE(status.ok());
}

TEST(EddsaRdfc2022Vector, ProofFieldsAreCheckedWithReasons) {
  auto with = [](std::string_view key, json::value value) {
    json::object proof = SignedProof();
    if (value.is_null()) {
      proof.erase(key);
    } else {
      proof[key] = std::move(value);
    }
    return VerifyEddsaRdfc2022(TheVector().signed_credential, proof, PublicKey());
  };
  EXPECT_THAT(with("type", "Ed25519Signature2020"),
              StatusIs(Code::kInvalidArgument, HasSubstr("proof.type")));
  EXPECT_THAT(with("cryptosuite", "ecdsa-rdfc-2019"),
              StatusIs(Code::kInvalidArgument, HasSubstr("proof.cryptosuite")));
  EXPECT_THAT(with("proofPurpose", "authentication"),
              StatusIs(Code::kInvalidArgument, HasSubstr("proof.proofPurpose")));
  EXPECT_THAT(with("proofValue", nullptr),
              StatusIs(Code::kInvalidArgument, HasSubstr("proof.proofValue is missing")));
  EXPECT_THAT(with("proofValue", "u5x9aCBYov"),
              StatusIs(Code::kInvalidArgument, HasSubstr("must start with 'z'")));
  EXPECT_THAT(with("proofValue", "z5x9aCBYov"),
              StatusIs(Code::kInvalidArgument, HasSubstr("an Ed25519 signature is 64")));
  EXPECT_THAT(with("proofValue", "z0OIl"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not base58btc")));
}

TEST(EddsaRdfc2022Vector, HashDataRejectsOtherSuitesAndAProofValue) {
  json::object options = TheVector().proof_options;
  options["cryptosuite"] = "eddsa-jcs-2022";
  EXPECT_THAT(EddsaRdfc2022HashData(TheVector().unsigned_credential, options),
              StatusIs(Code::kInvalidArgument, HasSubstr("cryptosuite")));
  options = TheVector().proof_options;
  options["proofValue"] = "z1";
  EXPECT_THAT(EddsaRdfc2022HashData(TheVector().unsigned_credential, options),
              StatusIs(Code::kInvalidArgument, HasSubstr("proofValue")));
}

}  // namespace
}  // namespace cairn::badge
