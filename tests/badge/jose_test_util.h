// Shared fixtures for the VC-JWT, JWK and baking tests: the OB 3.0 credential fixture, a cached
// RSA test key, a tiny real PNG, raw JWS signing (for tokens the signer would never make), files
// and subprocesses.
//
// Thread-safety: test-only; the cached keys are built once, on first use.
#ifndef CAIRN_TESTS_BADGE_JOSE_TEST_UTIL_H_
#define CAIRN_TESTS_BADGE_JOSE_TEST_UTIL_H_

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "badge/signing_keys.h"
#include "cairn/badge/jws.h"

namespace cairn::badge::testing {

inline constexpr std::string_view kTestKid =
    "https://badges.cairn.example/issuers/district-17/keys/1";
// Inside the fixture's validity: validFrom 2025-03-01T09:00:00Z, validUntil 2030-03-01T09:00:00Z.
inline constexpr int64_t kNowMs = 1767225600000;  // 2026-01-01T00:00:00Z
inline constexpr std::string_view kNowIso = "2026-01-01T00:00:00Z";

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, std::string_view data);

// tests/badge/testdata/ob3_credential.json, parsed.
boost::json::object Credential();

// RSA-2048 keys made once per process: the issuer's, and another issuer's.
EVP_PKEY* IssuerKey();
EVP_PKEY* OtherKey();

// {"keys":[RsaPublicJwk(key, kid)]} as JSON text, and parsed.
std::string JwksJson(EVP_PKEY* key, std::string_view kid = kTestKid);
Jwks ParsedJwks(EVP_PKEY* key, std::string_view kid = kTestKid);

// A compact JWS of any header and payload text, RS256-signed with `key`.
std::string SignRaw(std::string_view header_json, std::string_view payload_json, EVP_PKEY* key);

// The fixture signed by SignVcJwt with IssuerKey() under kTestKid.
std::string SignedFixture();

// A valid width x height 8-bit RGBA PNG (stored deflate; no zlib needed).
std::string TinyPng(uint32_t width, uint32_t height);

// A PNG chunk with a correct CRC.
std::string PngChunk(std::string_view type, std::string_view data);

// Runs `command` through the shell; returns its exit status and fills `output` with stdout.
int RunCommand(const std::string& command, std::string* output);

// A fresh empty directory under the test temp dir.
std::string MakeTempDir();

}  // namespace cairn::badge::testing

#endif  // CAIRN_TESTS_BADGE_JOSE_TEST_UTIL_H_
