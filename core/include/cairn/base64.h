// Base64 (RFC 4648 §4, padded) and base64url (§5, unpadded), the way JOSE, data URIs and Cairn's
// tokens write bytes as text.
//
// Decoding is strict: one canonical spelling per byte string. A decoder refuses characters outside
// the alphabet (including whitespace), impossible lengths, padding where none belongs (base64url)
// or missing padding (base64), and non-zero bits after the last byte — so that a signature or key
// cannot be altered in its text form without the change being seen.
//
// Thread-safety: pure functions.
#ifndef CAIRN_BASE64_H_
#define CAIRN_BASE64_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn {

// Standard alphabet, '=' padding to a multiple of four characters.
std::string Base64Encode(std::string_view bytes);
// URL-safe alphabet ('-', '_'), no padding.
std::string Base64UrlEncode(std::string_view bytes);
std::string Base64UrlEncode(std::span<const uint8_t> bytes);

// The bytes of padded standard base64; InvalidArgument naming the offending offset otherwise.
Result<std::string> Base64Decode(std::string_view text);
// The bytes of unpadded base64url; InvalidArgument naming the offending offset otherwise.
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace cairn

#endif  // CAIRN_BASE64_H_
