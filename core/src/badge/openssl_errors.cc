#include "cairn/badge/openssl_errors.h"

#include <openssl/err.h>

namespace cairn::badge {

std::string TakeOpenSslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out.empty() ? "no OpenSSL reason" : out;
}

}  // namespace cairn::badge
