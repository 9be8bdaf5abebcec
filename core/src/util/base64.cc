#include "cairn/base64.h"

#include <array>
#include <string>

namespace cairn {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (const char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 0x3F]);
  if (pad) {
    while (out.size() % 4 != 0) out.push_back('=');
  }
  return out;
}

std::array<int8_t, 256> ReverseTable(std::string_view alphabet) {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

// `text` without padding; `name` names the encoding in messages.
Result<std::string> Decode(std::string_view text, const std::array<int8_t, 256>& table,
                           std::string_view name) {
  if (text.size() % 4 == 1) {
    return InvalidArgument(std::string(name) + ": length " + std::to_string(text.size()) +
                           " is impossible (one character left over)");
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int8_t v = table[static_cast<uint8_t>(text[i])];
    if (v < 0) {
      const auto c = static_cast<uint8_t>(text[i]);
      const std::string shown =
          c >= 0x21 && c < 0x7F ? std::string("'") + text[i] + "'" : "byte " + std::to_string(c);
      return InvalidArgument(std::string(name) + ": " + shown + " at offset " + std::to_string(i) +
                             " is not in the alphabet");
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero: otherwise two spellings would decode to the same bytes.
  if (bits > 0 && (buffer & ((1U << bits) - 1)) != 0) {
    return InvalidArgument(std::string(name) +
                           ": the last character has non-zero unused bits (not canonical)");
  }
  return out;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kStandard, true); }

std::string Base64UrlEncode(std::string_view bytes) { return Encode(bytes, kUrl, false); }

std::string Base64UrlEncode(std::span<const uint8_t> bytes) {
  return Base64UrlEncode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<std::string> Base64Decode(std::string_view text) {
  static const std::array<int8_t, 256> kTable = ReverseTable(kStandard);
  if (text.size() % 4 != 0) {
    return InvalidArgument("base64: length " + std::to_string(text.size()) +
                           " is not a multiple of 4 (padding missing?)");
  }
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  return Decode(text.substr(0, text.size() - pad), kTable, "base64");
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  static const std::array<int8_t, 256> kTable = ReverseTable(kUrl);
  return Decode(text, kTable, "base64url");
}

}  // namespace cairn
