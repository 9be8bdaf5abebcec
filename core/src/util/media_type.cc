#include "cairn/media_type.h"

#include <algorithm>

namespace cairn {

std::string MediaTypeOf(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  const size_t first = content_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  content_type = content_type.substr(first, content_type.find_last_not_of(" \t") - first + 1);
  std::string out(content_type);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

}  // namespace cairn
