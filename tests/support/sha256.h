// The SHA-256 of bytes as 32 raw bytes, computed with OpenSSL directly: tests check the blob
// store's and the server's own hashing against it.
#ifndef CAIRN_TESTS_SUPPORT_SHA256_H_
#define CAIRN_TESTS_SUPPORT_SHA256_H_

#include <string>
#include <string_view>

namespace cairn::testing {

std::string RawSha(std::string_view data);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_SHA256_H_
