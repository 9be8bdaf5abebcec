// Baked badges (OB 3.0 §5.3): a credential carried inside the badge image itself, as a compact
// JWS (VC-JWT) or as the credential JSON (embedded proof).
//
//   PNG: one uncompressed iTXt chunk with keyword "openbadgecredential", right after IHDR.
//   SVG: xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" on the root <svg> and one
//        <openbadges:credential> right after its start tag — verify="<JWS>" (empty element) or
//        the JSON in a CDATA section.
//
// Baking replaces a credential already baked in; extraction refuses anything ambiguous (two
// credentials, a compressed chunk, a verify attribute and a body) rather than guessing. Inputs are
// untrusted files: every length and CRC is checked, and SVGs with a DOCTYPE (entities: XXE and
// "billion laughs") are refused outright. Only the XML needed to find the root element and the
// credential is understood: well-formed tags, attributes, comments, CDATA, processing
// instructions and the five predefined entities plus character references.
//
// Nothing here verifies the credential; pass what Extract* returns to VerifyVcJwt (jws.h) or
// the Data Integrity verifier.
//
// Ownership: values in, values out. Thread-safety: pure functions.
#ifndef CAIRN_BADGE_BAKING_H_
#define CAIRN_BADGE_BAKING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::badge {

inline constexpr std::string_view kPngCredentialKeyword = "openbadgecredential";
inline constexpr std::string_view kOb3SvgNamespace = "https://purl.imsglobal.org/ob/v3p0";

// What IHDR says about a PNG.
struct PngInfo {
  uint32_t width = 0;
  uint32_t height = 0;
  uint8_t bit_depth = 0;
  uint8_t color_type = 0;  // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
  bool interlaced = false;
};

// Checks the PNG's structure (signature, chunk lengths, CRCs, IHDR first and valid, IEND last,
// nothing after it) and returns its IHDR. Pixel data is not decoded.
Result<PngInfo> InspectPng(std::string_view png);

// The PNG with `text` in one iTXt "openbadgecredential" chunk right after IHDR (compression
// flag 0, method 0, empty language tag and translated keyword); any such chunk already present
// is dropped. `text` must be non-empty UTF-8 without NUL.
Result<std::string> BakePng(std::string_view png, std::string_view text);

// The text of the PNG's one "openbadgecredential" iTXt chunk. NotFound when there is none;
// InvalidArgument for a damaged PNG, two such chunks, a compressed one, or text that is not
// UTF-8.
Result<std::string> ExtractPng(std::string_view png);

// The root <svg>'s sizing attributes, as written (entities resolved).
struct SvgInfo {
  std::optional<std::string> width;
  std::optional<std::string> height;
  struct ViewBox {
    double min_x = 0;
    double min_y = 0;
    double width = 0;
    double height = 0;
  };
  std::optional<ViewBox> view_box;
};

// Checks that `svg` is a well-formed SVG document Cairn accepts (see above) and returns its
// root's width, height and viewBox (a malformed or non-positive viewBox is an error).
Result<SvgInfo> InspectSvg(std::string_view svg);

// The SVG with `json_or_jws` baked in. Text starting with '{' is taken as credential JSON and
// must parse as a JSON object; it goes into CDATA, with any "]]>" inside JSON strings written as
// "]]\u003e" (the same JSON value) so that the section cannot end early. Anything else must be a
// compact JWS and goes into verify="…". An existing credential element is replaced.
Result<std::string> BakeSvg(std::string_view svg, std::string_view json_or_jws);

// The baked credential: the verify attribute's value, or the CDATA body, trimmed of
// surrounding whitespace. NotFound when there is no credential element; InvalidArgument for
// two, for both a verify attribute and a body, for a body outside CDATA, for an undeclared
// openbadges namespace, or for a malformed or refused document.
Result<std::string> ExtractSvg(std::string_view svg);

// Extracts from a PNG or an SVG, chosen by the PNG signature.
Result<std::string> ExtractBaked(std::string_view image);

// An SVG showing `png` (embedded as a data: URI) at width x height, for badges that exist
// only as a PNG. The result can be passed to BakeSvg.
// REQUIRES: width > 0, height > 0.
std::string SvgWrappingPng(std::string_view png, int width, int height);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_BAKING_H_
