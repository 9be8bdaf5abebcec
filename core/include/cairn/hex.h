// Lower-case hexadecimal, the way Cairn writes hashes and binary ids in paths, URLs, logs and
// messages.
//
// Thread-safety: pure functions.
#ifndef CAIRN_HEX_H_
#define CAIRN_HEX_H_

#include <optional>
#include <string>
#include <string_view>

namespace cairn {

// Two lower-case hex digits per byte.
std::string LowerHex(std::string_view bytes);

// The bytes `text` spells in hex digits (either case); nullopt for an odd length or any other
// character.
std::optional<std::string> ParseHex(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_HEX_H_
