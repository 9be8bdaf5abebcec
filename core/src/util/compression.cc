#include "cairn/compression.h"

#include <zstd.h>

#include <memory>
#include <utility>

#include "cairn/media_type.h"

namespace cairn {
namespace {

constexpr int kMaxWindowLog = 24;  // 16 MiB

}  // namespace

std::string ZstdCompress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  // Compression into a buffer of ZSTD_compressBound bytes cannot fail for valid levels.
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view data, size_t max_bytes) {
  const auto too_big = [&] {
    return TooLarge("the compressed body expands past " + std::to_string(max_bytes) +
                    " bytes, the most accepted; send smaller batches");
  };
  // Stream, so that a frame without a declared size (or a lying one) is still bounded.
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  if (ctx == nullptr) return Internal("zstd: cannot allocate a decompression context");
  // A frame may ask for a window of up to 2 GiB before a byte is produced; bodies are at most
  // tens of MiB, so larger windows are refused instead of allocated.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  const unsigned long long declared = ZSTD_getFrameContentSize(data.data(), data.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return InvalidArgument("the body is marked zstd but is not a zstd frame");
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > max_bytes) return too_big();
  std::string out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  size_t last = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer buffer{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(ctx.get(), &buffer, &in);
    if (ZSTD_isError(last)) {
      return InvalidArgument(std::string("the zstd body is damaged: ") + ZSTD_getErrorName(last));
    }
    if (out.size() + buffer.pos > max_bytes) return too_big();
    out.append(chunk.data(), buffer.pos);
    if (last == 0 && in.pos < in.size) {
      return InvalidArgument("the zstd body has bytes after its frame");
    }
    if (buffer.pos == 0 && in.pos == in.size) break;
  }
  // Flush what the decoder still holds once all input is consumed.
  while (last != 0) {
    ZSTD_outBuffer buffer{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(ctx.get(), &buffer, &in);
    if (ZSTD_isError(last)) {
      return InvalidArgument(std::string("the zstd body is damaged: ") + ZSTD_getErrorName(last));
    }
    if (out.size() + buffer.pos > max_bytes) return too_big();
    out.append(chunk.data(), buffer.pos);
    if (buffer.pos == 0) {
      if (last != 0) return InvalidArgument("the zstd body is truncated");
      break;
    }
  }
  return out;
}

std::optional<std::string> CompressRequestBody(std::string_view body,
                                               std::string_view content_type) {
  if (body.size() < kMinCompressBytes || MediaTypeOf(content_type) == "application/octet-stream") {
    return std::nullopt;
  }
  std::string compressed = ZstdCompress(body);
  if (compressed.size() >= body.size()) return std::nullopt;
  return compressed;
}

Result<std::string> DecodeResponseBody(std::string body, std::string_view content_encoding,
                                       size_t max_bytes) {
  if (content_encoding.empty() || EqualsIgnoringCase(content_encoding, "identity")) return body;
  if (EqualsIgnoringCase(content_encoding, "zstd")) return ZstdDecompress(body, max_bytes);
  return InvalidArgument("the answer came with Content-Encoding \"" +
                         std::string(content_encoding) +
                         "\", which was not asked for (only zstd is)");
}

}  // namespace cairn
