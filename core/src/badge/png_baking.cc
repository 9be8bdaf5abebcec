// InspectPng, BakePng, ExtractPng: the iTXt "openbadgecredential" chunk (OB 3.0 §5.3.1).
#include "badge/png_chunks.h"
#include "cairn/badge/baking.h"
#include "util/utf8.h"

namespace cairn::badge {
namespace {

using png_internal::EncodePngChunk;
using png_internal::PngChunk;
using png_internal::ReadPngChunks;

// An iTXt chunk's fields (PNG §11.3.4.5).
struct ITxt {
  std::string_view keyword;
  uint8_t compression_flag = 0;
  uint8_t compression_method = 0;
  std::string_view text;
};

Result<ITxt> ParseITxt(const PngChunk& chunk, size_t index) {
  const std::string_view data = chunk.data;
  const std::string where = "PNG iTXt chunk " + std::to_string(index);
  const size_t keyword_end = data.find('\0');
  if (keyword_end == std::string_view::npos || keyword_end == 0 || keyword_end > 79 ||
      data.size() < keyword_end + 3) {
    return InvalidArgument(where + " is malformed: bad keyword or missing compression fields");
  }
  ITxt out;
  out.keyword = data.substr(0, keyword_end);
  out.compression_flag = static_cast<uint8_t>(data[keyword_end + 1]);
  out.compression_method = static_cast<uint8_t>(data[keyword_end + 2]);
  const size_t language_end = data.find('\0', keyword_end + 3);
  const size_t translated_end =
      language_end == std::string_view::npos ? language_end : data.find('\0', language_end + 1);
  if (translated_end == std::string_view::npos) {
    return InvalidArgument(where + " is malformed: language tag or translated keyword not ended");
  }
  out.text = data.substr(translated_end + 1);
  return out;
}

bool IsCredentialChunk(const PngChunk& chunk) {
  return chunk.type == "iTXt" && chunk.data.substr(0, kPngCredentialKeyword.size() + 1) ==
                                     std::string(kPngCredentialKeyword) + '\0';
}

uint32_t BigEndian32(std::string_view bytes) {
  return static_cast<uint32_t>(static_cast<uint8_t>(bytes[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[2])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[3]));
}

bool IsValidDepth(uint8_t color_type, uint8_t depth) {
  switch (color_type) {
    case 0:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
      return depth == 8 || depth == 16;
    default:
      return false;
  }
}

}  // namespace

Result<PngInfo> InspectPng(std::string_view png) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<PngChunk> chunks, ReadPngChunks(png));
  const std::string_view ihdr = chunks.front().data;
  PngInfo info;
  info.width = BigEndian32(ihdr.substr(0, 4));
  info.height = BigEndian32(ihdr.substr(4, 4));
  info.bit_depth = static_cast<uint8_t>(ihdr[8]);
  info.color_type = static_cast<uint8_t>(ihdr[9]);
  if (info.width == 0 || info.height == 0 || info.width > 0x7FFFFFFF || info.height > 0x7FFFFFFF) {
    return InvalidArgument("PNG IHDR: size " + std::to_string(info.width) + "x" +
                           std::to_string(info.height) + " is out of range");
  }
  if (!IsValidDepth(info.color_type, info.bit_depth)) {
    return InvalidArgument("PNG IHDR: bit depth " + std::to_string(info.bit_depth) +
                           " is not allowed with color type " + std::to_string(info.color_type));
  }
  if (ihdr[10] != 0 || ihdr[11] != 0 || (ihdr[12] != 0 && ihdr[12] != 1)) {
    return InvalidArgument("PNG IHDR: unknown compression, filter or interlace method");
  }
  info.interlaced = ihdr[12] == 1;
  return info;
}

Result<std::string> BakePng(std::string_view png, std::string_view text) {
  if (text.empty()) return InvalidArgument("BakePng: the credential text is empty");
  if (text.find('\0') != std::string_view::npos || !IsValidUtf8(text)) {
    return InvalidArgument("BakePng: the credential text must be UTF-8 without NUL bytes");
  }
  CAIRN_RETURN_IF_ERROR(InspectPng(png).status());
  CAIRN_ASSIGN_OR_RETURN(const std::vector<PngChunk> chunks, ReadPngChunks(png));
  std::string body(kPngCredentialKeyword);
  // NUL after the keyword, flag 0, method 0, empty language tag, empty translated keyword.
  body.append(std::string_view("\0\0\0\0\0", 5));
  body.append(text);
  std::string out(png_internal::kPngSignature);
  out.reserve(png.size() + body.size() + 12);
  for (const PngChunk& chunk : chunks) {
    if (IsCredentialChunk(chunk)) continue;
    out.append(png.substr(chunk.offset, chunk.data.size() + 12));
    if (chunk.type == "IHDR") out += EncodePngChunk("iTXt", body);
  }
  return out;
}

Result<std::string> ExtractPng(std::string_view png) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<PngChunk> chunks, ReadPngChunks(png));
  std::optional<ITxt> found;
  size_t count = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (!IsCredentialChunk(chunks[i])) continue;
    CAIRN_ASSIGN_OR_RETURN(ITxt itxt, ParseITxt(chunks[i], i + 1));
    if (itxt.compression_flag != 0) {
      return InvalidArgument("PNG iTXt \"openbadgecredential\" (chunk " + std::to_string(i + 1) +
                             ") is compressed; OB 3.0 says the credential must not be compressed");
    }
    if (itxt.compression_method != 0) {
      return InvalidArgument("PNG iTXt \"openbadgecredential\" (chunk " + std::to_string(i + 1) +
                             ") has unknown compression method " +
                             std::to_string(itxt.compression_method));
    }
    if (++count == 1) found = itxt;
  }
  if (count == 0) {
    return NotFound("PNG has no iTXt chunk with keyword \"openbadgecredential\" (not baked)");
  }
  if (count > 1) {
    return InvalidArgument("PNG has " + std::to_string(count) +
                           " iTXt \"openbadgecredential\" chunks; a PNG must hold one");
  }
  if (!IsValidUtf8(found->text)) {
    return InvalidArgument("PNG iTXt \"openbadgecredential\" text is not UTF-8");
  }
  return std::string(found->text);
}

}  // namespace cairn::badge
