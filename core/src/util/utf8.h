// UTF-8 validation for text that arrives from the network, files or users.
#ifndef CAIRN_UTIL_UTF8_H_
#define CAIRN_UTIL_UTF8_H_

#include <string>
#include <string_view>

namespace cairn {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 if it is not one.
size_t Utf8SequenceLength(std::string_view text);

// `text` with every byte that does not start a well-formed sequence replaced by U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_UTIL_UTF8_H_
