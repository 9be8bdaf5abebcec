#include "badge/qr_svg.h"

#include <qrencode.h>

#include <memory>

#include "api/html.h"

namespace cairn::server {
namespace {

constexpr int kQuietZone = 4;  // modules of light margin on each side (ISO/IEC 18004)

struct QrcodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

Result<std::string> QrSvg(std::string_view text, std::string_view label) {
  if (text.find('\0') != std::string_view::npos) {
    return InvalidArgument("a QR code's text may not hold a NUL byte");
  }
  const std::string owned(text);
  const std::unique_ptr<QRcode, QrcodeFree> code(
      QRcode_encodeString8bit(owned.c_str(), /*version=*/0, QR_ECLEVEL_M));
  if (code == nullptr) {
    return InvalidArgument("a link of " + std::to_string(text.size()) +
                           " bytes is too long for a QR code; at most 2,331 fit");
  }
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  // One path of unit squares, one per dark module: "M x y h1 v1 h-1 z". Crisp at any scale.
  std::string path;
  path.reserve(static_cast<size_t>(width) * static_cast<size_t>(width) * 6);
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      // Bit 0 of each byte is the module's colour (1 = dark); the rest describe its role.
      if ((code->data[(y * width) + x] & 1U) == 0) continue;
      path +=
          "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h1v1h-1z";
    }
  }
  const std::string side = std::to_string(size);
  const std::string pixels = std::to_string(size * 4);
  return R"(<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 )" + side + " " + side +
         R"(" width=")" + pixels + R"(" height=")" + pixels + R"(" role="img" aria-label=")" +
         EscapeHtml(label) + R"(" shape-rendering="crispEdges"><rect width=")" + side +
         R"(" height=")" + side + R"(" fill="#fff"/><path fill="#000" d=")" + path + R"("/></svg>)";
}

}  // namespace cairn::server
