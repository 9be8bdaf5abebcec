// W3C Bitstring Status List v1.0, the reading half: a status list credential's `encodedList`
// decoded into its bitstring, and one credential's bit read from it.
//
// encodedList is multibase base64url ('u' then unpadded base64url) of the GZIP of the
// bitstring; index i is bit (7 - i % 8) of byte i / 8, i.e. index 0 is the most significant bit
// of the first byte. The input comes from the network, so the decompressed size is bounded
// (a small GZIP can inflate to gigabytes).
//
// Thread-safety: pure functions.
#ifndef CAIRN_BADGE_BITSTRING_STATUS_H_
#define CAIRN_BADGE_BITSTRING_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::badge {

// The smallest list the specification allows: 16 KiB of bits, so that a list does not tell how
// many credentials its issuer has issued.
inline constexpr uint64_t kMinStatusListEntries = 131072;
// The largest bitstring accepted: 16 MiB, 134 million entries.
inline constexpr uint64_t kMaxStatusListBytes = uint64_t{16} << 20;

// The bitstring `encoded_list` carries. InvalidArgument naming the step that failed: not
// 'u'-prefixed, not base64url, not GZIP (or damaged, or with bytes after its end), larger than
// kMaxStatusListBytes, or shorter than kMinStatusListEntries bits.
Result<std::string> DecodeBitstringStatusList(std::string_view encoded_list);

// Whether bit `index` of `bitstring` is set (index 0 = most significant bit of byte 0).
// OutOfRange when the list has no such entry.
Result<bool> BitstringStatusAt(std::string_view bitstring, uint64_t index);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_BITSTRING_STATUS_H_
