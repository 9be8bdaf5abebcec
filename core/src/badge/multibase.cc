#include "cairn/badge/multibase.h"

#include <algorithm>

namespace cairn::badge {
namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr size_t kMaxBase58Text = 1024;

}  // namespace

std::string Base58BtcEncode(std::span<const uint8_t> bytes) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // Base-58 digits, least significant first; log(256)/log(58) < 1.37.
  std::vector<uint8_t> digits;
  digits.reserve(bytes.size() * 138 / 100 + 1);
  for (size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = bytes[i];
    for (uint8_t& digit : digits) {
      carry += static_cast<unsigned>(digit) << 8;
      digit = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  // Most significant digit first: the digits were made least significant first.
  std::reverse(digits.begin(), digits.end());
  for (const uint8_t digit : digits) out.push_back(kAlphabet[digit]);
  return out;
}

Result<std::vector<uint8_t>> Base58BtcDecode(std::string_view text) {
  if (text.size() > kMaxBase58Text) {
    return InvalidArgument("base58btc text of " + std::to_string(text.size()) +
                           " characters is longer than the 1024 allowed");
  }
  size_t ones = 0;
  while (ones < text.size() && text[ones] == '1') ++ones;
  std::vector<uint8_t> bytes;  // least significant first
  for (size_t i = ones; i < text.size(); ++i) {
    size_t value = kAlphabet.find(text[i]);
    if (value == std::string_view::npos) {
      return InvalidArgument("the character '" + std::string(1, text[i]) + "' at offset " +
                             std::to_string(i) + " is not base58btc");
    }
    auto carry = static_cast<unsigned>(value);
    for (uint8_t& byte : bytes) {
      carry += static_cast<unsigned>(byte) * 58;
      byte = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::vector<uint8_t> out(ones, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

std::string MultibaseBase58BtcEncode(std::span<const uint8_t> bytes) {
  return "z" + Base58BtcEncode(bytes);
}

Result<std::vector<uint8_t>> MultibaseBase58BtcDecode(std::string_view text) {
  if (text.empty() || text[0] != 'z') {
    return InvalidArgument("a multibase base58btc value must start with 'z'");
  }
  Result<std::vector<uint8_t>> bytes = Base58BtcDecode(text.substr(1));
  if (!bytes.ok()) return bytes.status().Annotate("multibase");
  return bytes;
}

std::string EncodeEd25519Multikey(std::span<const uint8_t, 32> public_key) {
  std::vector<uint8_t> bytes = {0xed, 0x01};
  bytes.insert(bytes.end(), public_key.begin(), public_key.end());
  return MultibaseBase58BtcEncode(bytes);
}

Result<std::array<uint8_t, 32>> ParseEd25519Multikey(std::string_view multikey) {
  Result<std::vector<uint8_t>> bytes = MultibaseBase58BtcDecode(multikey);
  if (!bytes.ok()) return bytes.status().Annotate("Ed25519 Multikey");
  if (bytes->size() < 2 || (*bytes)[0] != 0xed || (*bytes)[1] != 0x01) {
    return InvalidArgument(
        "Ed25519 Multikey: the multicodec header is not 0xed 0x01 (ed25519-pub)");
  }
  if (bytes->size() != 34) {
    return InvalidArgument("Ed25519 Multikey: the key is " + std::to_string(bytes->size() - 2) +
                           " bytes, not 32");
  }
  std::array<uint8_t, 32> key;
  std::copy(bytes->begin() + 2, bytes->end(), key.begin());
  return key;
}

}  // namespace cairn::badge
