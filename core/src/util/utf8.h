// UTF-8 validation for text that arrives from the network, files or users.
#ifndef CAIRN_UTIL_UTF8_H_
#define CAIRN_UTIL_UTF8_H_

#include <string_view>

namespace cairn {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_UTIL_UTF8_H_
