#include "badge/png_chunks.h"

#include <array>

namespace cairn::badge::png_internal {
namespace {

constexpr uint32_t kMaxChunkLength = 0x7FFFFFFF;  // PNG §5.3: lengths are at most 2^31 - 1

uint32_t ReadBigEndian32(std::string_view bytes, size_t at) {
  return static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

void AppendBigEndian32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

bool IsChunkType(std::string_view type) {
  for (const char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

std::string Where(size_t index, std::string_view type, size_t offset) {
  return "chunk " + std::to_string(index) + (type.empty() ? "" : " (" + std::string(type) + ")") +
         " at byte " + std::to_string(offset);
}

}  // namespace

uint32_t Crc32(std::string_view bytes, uint32_t crc) {
  static const std::array<uint32_t, 256> kTable = MakeCrcTable();
  crc ^= 0xFFFFFFFFU;
  for (const char b : bytes) crc = kTable[(crc ^ static_cast<uint8_t>(b)) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFU;
}

std::string EncodePngChunk(std::string_view type, std::string_view data) {
  std::string out;
  out.reserve(data.size() + 12);
  AppendBigEndian32(out, static_cast<uint32_t>(data.size()));
  out.append(type);
  out.append(data);
  AppendBigEndian32(out, Crc32(data, Crc32(type)));
  return out;
}

Result<std::vector<PngChunk>> ReadPngChunks(std::string_view png) {
  if (png.substr(0, kPngSignature.size()) != kPngSignature) {
    return InvalidArgument("not a PNG: the file does not start with the PNG signature");
  }
  std::vector<PngChunk> chunks;
  size_t offset = kPngSignature.size();
  while (true) {
    const size_t index = chunks.size() + 1;  // counted from 1 in messages
    if (offset == png.size()) {
      return InvalidArgument("PNG is truncated: it ends after " + std::to_string(chunks.size()) +
                             " chunks without an IEND chunk");
    }
    if (png.size() - offset < 12) {
      return InvalidArgument("PNG is truncated: " + Where(index, "", offset) + " is cut short");
    }
    const uint32_t length = ReadBigEndian32(png, offset);
    const std::string_view type = png.substr(offset + 4, 4);
    if (!IsChunkType(type)) {
      return InvalidArgument("PNG is damaged: " + Where(index, "", offset) +
                             " has a type that is not four ASCII letters");
    }
    if (length > kMaxChunkLength || length > png.size() - offset - 12) {
      return InvalidArgument("PNG is truncated: " + Where(index, type, offset) + " declares " +
                             std::to_string(length) + " data bytes but only " +
                             std::to_string(png.size() - offset - 12) + " remain");
    }
    const std::string_view data = png.substr(offset + 8, length);
    if (ReadBigEndian32(png, offset + 8 + length) != Crc32(data, Crc32(type))) {
      return InvalidArgument("PNG is damaged: bad CRC in " + Where(index, type, offset));
    }
    if (chunks.empty() && (type != "IHDR" || length != 13)) {
      return InvalidArgument("PNG is damaged: the first chunk must be a 13-byte IHDR, not " +
                             std::string(type));
    }
    chunks.push_back({offset, type, data});
    offset += 12 + length;
    if (type == "IEND") break;
  }
  if (offset != png.size()) {
    return InvalidArgument("PNG has " + std::to_string(png.size() - offset) +
                           " bytes after its IEND chunk");
  }
  return chunks;
}

}  // namespace cairn::badge::png_internal
