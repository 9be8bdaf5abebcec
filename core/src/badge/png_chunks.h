// Reading and writing PNG chunks (PNG spec §5.3), for baking credentials into badge images.
//
// Thread-safety: pure functions. ReadPngChunks' chunks point into the input; they live as long
// as it does.
#ifndef CAIRN_BADGE_PNG_CHUNKS_H_
#define CAIRN_BADGE_PNG_CHUNKS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge::png_internal {

inline constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

struct PngChunk {
  size_t offset = 0;      // of the length field, from the start of the file
  std::string_view type;  // four ASCII letters
  std::string_view data;
};

// Every chunk from IHDR to IEND, each length and CRC checked; IHDR first with 13 bytes, IEND
// last, nothing after it.
Result<std::vector<PngChunk>> ReadPngChunks(std::string_view png);

// CRC-32 as PNG (and zlib) computes it.
uint32_t Crc32(std::string_view bytes, uint32_t crc = 0);

// Length, type, data and CRC of a chunk, ready to append to a file.
// REQUIRES: type.size() == 4, data.size() < 2^31.
std::string EncodePngChunk(std::string_view type, std::string_view data);

}  // namespace cairn::badge::png_internal

#endif  // CAIRN_BADGE_PNG_CHUNKS_H_
