// The importer's checks of badge image files (catalog.proto, BadgeImage): a PNG must be square,
// 200 to 2048 pixels on a side, at most 256 KiB, 8-bit RGB or RGBA or a palette image; an SVG at
// most 128 KiB, its root element <svg>, no DOCTYPE, and a square size (width/height, else
// viewBox).
//
// The files' structure is checked by badge/baking.h (InspectPng: signature, chunk lengths, CRCs,
// IHDR first, IEND last; InspectSvg: well-formed root <svg>, no DOCTYPE), the same reader that
// bakes credentials into them on award, so an image the catalog accepts is one the server can
// bake. What a *badge* must be (square, its size range, colour) is decided here.
//
// Thread-safety: free functions with no shared state.
#ifndef CAIRN_MODEL_BADGE_IMAGE_CHECK_H_
#define CAIRN_MODEL_BADGE_IMAGE_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::model {

inline constexpr uint64_t kMaxBadgePngBytes = uint64_t{256} << 10;
inline constexpr uint64_t kMaxBadgeSvgBytes = uint64_t{128} << 10;
inline constexpr uint32_t kMinBadgePixels = 200;
inline constexpr uint32_t kMaxBadgePixels = 2048;

// What IHDR says.
struct PngHeader {
  uint32_t width = 0;
  uint32_t height = 0;
  uint8_t bit_depth = 0;
  uint8_t color_type = 0;  // 2 RGB, 3 palette, 6 RGBA (0 and 4 are grey)
  uint8_t interlace = 0;
};

// "a badge PNG (SVG) may be at most N bytes (K KiB): <fix>", the end of the error about a file
// that is too large (also one refused unread).
std::string BadgeFileLimit(bool svg);

// Why `png` (the file at `path`) is not an acceptable badge PNG, as "<path> ...; <fix>", or empty
// when it is; `header` receives IHDR's values when the header could be read.
std::string BadgePngProblem(std::string_view path, std::string_view png, PngHeader& header);

// Why `svg` (the file at `path`) is not an acceptable badge SVG, or empty.
std::string BadgeSvgProblem(std::string_view path, std::string_view svg);

}  // namespace cairn::model

#endif  // CAIRN_MODEL_BADGE_IMAGE_CHECK_H_
