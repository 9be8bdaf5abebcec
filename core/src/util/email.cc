#include "cairn/email.h"

#include <algorithm>

namespace cairn {

bool IsEmailAddress(std::string_view address) {
  const size_t at = address.find('@');
  return at != std::string_view::npos && at > 0 &&
         address.find('@', at + 1) == std::string_view::npos &&
         address.find('.', at) != std::string_view::npos && address.back() != '.' &&
         address.find_first_of(" \t\r\n<>,;\"") == std::string_view::npos;
}

std::string NormaliseEmail(std::string_view address) {
  const size_t first = address.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  address = address.substr(first, address.find_last_not_of(" \t\r\n") - first + 1);
  std::string out(address);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

}  // namespace cairn
