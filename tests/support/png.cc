#include "support/png.h"

namespace cairn::testing {
namespace {

uint32_t Crc32(std::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFU;
  for (const char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1U) ^ (0xEDB88320U & (0U - (crc & 1U)));
  }
  return ~crc;
}

std::string BigEndian(uint32_t value) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((value >> static_cast<uint32_t>(shift)) & 0xFFU);
  }
  return out;
}

}  // namespace

std::string PngChunk(std::string_view type, std::string_view data) {
  const std::string body = std::string(type) + std::string(data);
  return BigEndian(static_cast<uint32_t>(data.size())) + body + BigEndian(Crc32(body));
}

std::string HeaderOnlyPng(uint32_t width, uint32_t height, uint8_t color_type, uint8_t bit_depth,
                          size_t padding) {
  std::string ihdr = BigEndian(width) + BigEndian(height);
  ihdr += static_cast<char>(bit_depth);
  ihdr += static_cast<char>(color_type);
  ihdr += std::string(3, '\0');  // compression, filter, interlace
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("IHDR", ihdr);
  if (padding > 0) png += PngChunk("zzTs", std::string(padding, 'x'));  // ancillary, private
  return png + PngChunk("IDAT", std::string(16, '\0')) + PngChunk("IEND", "");
}

}  // namespace cairn::testing
