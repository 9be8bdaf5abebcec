#include "badge/jose_test_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "badge/png_chunks.h"
#include "badge/vc_jwt_signer.h"
#include "cairn/base64.h"

namespace cairn::badge::testing {

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFileOrDie(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) ADD_FAILURE() << "cannot write " << path;
}

boost::json::object Credential() {
  const std::string text =
      ReadFileOrDie(std::string(CAIRN_SOURCE_DIR) + "/tests/badge/testdata/ob3_credential.json");
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) {
    ADD_FAILURE() << "the credential fixture is not a JSON object";
    return {};
  }
  return value.as_object();
}

EVP_PKEY* IssuerKey() {
  static server::PkeyPtr* key = new server::PkeyPtr(std::move(server::GenerateRsaKey().value()));
  return key->get();
}

EVP_PKEY* OtherKey() {
  static server::PkeyPtr* key = new server::PkeyPtr(std::move(server::GenerateRsaKey().value()));
  return key->get();
}

std::string JwksJson(EVP_PKEY* key, std::string_view kid) {
  boost::json::object set;
  set["keys"] = boost::json::array{server::RsaPublicJwk(key, kid).value()};
  return boost::json::serialize(set);
}

Jwks ParsedJwks(EVP_PKEY* key, std::string_view kid) {
  auto jwks = ParseJwks(JwksJson(key, kid));
  EXPECT_TRUE(jwks.ok()) << jwks.status();
  return jwks.ok() ? *jwks : Jwks{};
}

std::string SignRaw(std::string_view header_json, std::string_view payload_json, EVP_PKEY* key) {
  const std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  size_t size = 0;
  EVP_DigestSignInit_ex(md, nullptr, "SHA256", nullptr, nullptr, key, nullptr);
  EVP_DigestSign(md, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string signature(size, '\0');
  EVP_DigestSign(md, reinterpret_cast<unsigned char*>(signature.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(md);
  signature.resize(size);
  return input + "." + Base64UrlEncode(signature);
}

std::string SignedFixture() {
  auto jws = server::SignVcJwt(Credential(), IssuerKey(), kTestKid);
  EXPECT_TRUE(jws.ok()) << jws.status();
  return jws.ok() ? *jws : std::string();
}

std::string PngChunk(std::string_view type, std::string_view data) {
  return png_internal::EncodePngChunk(type, data);
}

std::string TinyPng(uint32_t width, uint32_t height) {
  std::string raw;  // filter byte 0, then RGBA pixels, per row
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back('\0');
    for (uint32_t x = 0; x < width; ++x) {
      raw += static_cast<char>(x * 40);
      raw += static_cast<char>(y * 40);
      raw += static_cast<char>(0x80);
      raw += static_cast<char>(0xFF);
    }
  }
  // zlib stream of one stored deflate block (RFC 1950/1951), then Adler-32.
  std::string z = "\x78\x01";
  z += '\x01';
  const auto len = static_cast<uint16_t>(raw.size());
  z += static_cast<char>(len & 0xFF);
  z += static_cast<char>(len >> 8);
  z += static_cast<char>(~len & 0xFF);
  z += static_cast<char>((~len >> 8) & 0xFF);
  z += raw;
  uint32_t a = 1;
  uint32_t b = 0;
  for (const char c : raw) {
    a = (a + static_cast<uint8_t>(c)) % 65521;
    b = (b + a) % 65521;
  }
  const uint32_t adler = (b << 16) | a;
  for (int shift = 24; shift >= 0; shift -= 8) z += static_cast<char>((adler >> shift) & 0xFF);
  std::string ihdr;
  for (const uint32_t v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) ihdr += static_cast<char>((v >> shift) & 0xFF);
  }
  ihdr += std::string("\x08\x06\x00\x00\x00", 5);
  return std::string(png_internal::kPngSignature) + PngChunk("IHDR", ihdr) + PngChunk("IDAT", z) +
         PngChunk("IEND", "");
}

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  output->clear();
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output->append(buffer.data(), n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string MakeTempDir() {
  std::string path = ::testing::TempDir() + "cairn-jws-XXXXXX";
  if (mkdtemp(path.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
  return path;
}

}  // namespace cairn::badge::testing
