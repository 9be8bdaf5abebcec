#include "support/sha256.h"

#include <openssl/sha.h>

namespace cairn::testing {

std::string RawSha(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

}  // namespace cairn::testing
