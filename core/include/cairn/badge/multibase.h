// Multibase base58btc ("z" prefix) and Ed25519 Multikey encoding, as Data Integrity proofs
// (proofValue) and Multikey verification methods (publicKeyMultibase "z6Mk...") use them.
//
// Thread-safety: pure functions.
#ifndef CAIRN_BADGE_MULTIBASE_H_
#define CAIRN_BADGE_MULTIBASE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge {

// Bitcoin base58 (leading zero bytes become '1').
std::string Base58BtcEncode(std::span<const uint8_t> bytes);
// InvalidArgument naming the first character outside the alphabet, or for text over 1 KiB
// (base58 decoding is quadratic and nothing Cairn reads is that long).
Result<std::vector<uint8_t>> Base58BtcDecode(std::string_view text);

// "z" + base58btc.
std::string MultibaseBase58BtcEncode(std::span<const uint8_t> bytes);
// REQUIRES nothing; InvalidArgument unless `text` is "z" + valid base58btc.
Result<std::vector<uint8_t>> MultibaseBase58BtcDecode(std::string_view text);

// The Multikey form of an Ed25519 public key: "z" + base58btc(0xed 0x01 + key), "z6Mk...".
std::string EncodeEd25519Multikey(std::span<const uint8_t, 32> public_key);
// The 32-byte key of a Multikey; InvalidArgument for another prefix, codec or length.
Result<std::array<uint8_t, 32>> ParseEd25519Multikey(std::string_view multikey);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_MULTIBASE_H_
