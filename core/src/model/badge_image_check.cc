#include "model/badge_image_check.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <vector>

#include "cairn/badge/baking.h"

namespace cairn::model {
namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

std::string Pixels(uint32_t width, uint32_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view SkipSpace(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  return text;
}

bool ContainsNoCase(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(a) == lower(b);
         }) != text.end();
}

// An SVG length: a number and its unit ("" for user units and "px", which are the same).
struct Length {
  double value = 0;
  std::string unit;
};

std::optional<double> Number(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// nullopt for a missing, relative ("100%") or malformed length: it does not fix a size.
std::optional<Length> ParseLength(const std::optional<std::string>& attribute) {
  if (!attribute) return std::nullopt;
  std::string_view text = SkipSpace(*attribute);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  size_t unit_at = text.size();
  while (unit_at > 0 && ((text[unit_at - 1] >= 'a' && text[unit_at - 1] <= 'z') ||
                         (text[unit_at - 1] >= 'A' && text[unit_at - 1] <= 'Z'))) {
    --unit_at;
  }
  const std::optional<double> value = Number(text.substr(0, unit_at));
  if (!value || *value <= 0) return std::nullopt;
  std::string unit(text.substr(unit_at));
  if (unit == "px") unit.clear();
  return Length{*value, unit};
}

bool Equal(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(a, b); }

std::string Format(double value) {
  std::array<char, 32> text{};
  const auto [end, ec] = std::to_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() ? std::string(text.data(), end) : "?";
}

std::string BadgeFileTooLarge(std::string_view path, uint64_t size, bool svg) {
  return std::string(path) + " is " + std::to_string(size) + " bytes; " + BadgeFileLimit(svg);
}

}  // namespace

std::string BadgeFileLimit(bool svg) {
  const uint64_t max = svg ? kMaxBadgeSvgBytes : kMaxBadgePngBytes;
  return std::string("a badge ") + (svg ? "SVG" : "PNG") + " may be at most " +
         std::to_string(max) + " bytes (" + std::to_string(max >> 10U) + " KiB): " +
         (svg ? "simplify the drawing, or leave svg_path out"
              : "export it smaller (600x600 is plenty) or optimise it (e.g. optipng)");
}

std::string BadgePngProblem(std::string_view path, std::string_view png, PngHeader& header) {
  const std::string name(path);
  if (png.size() > kMaxBadgePngBytes) return BadgeFileTooLarge(path, png.size(), false);
  if (!png.starts_with(kPngSignature)) {
    return name +
           " is not a PNG file (it does not start with the PNG signature); export the badge as "
           "PNG: renaming a file to .png does not convert it";
  }
  // The structure (chunk lengths, CRCs, IHDR first, IEND last) is badge::InspectPng's; the
  // rules for a badge are the catalog's.
  Result<badge::PngInfo> info = badge::InspectPng(png);
  if (!info.ok()) {
    return name + " is a damaged PNG (" + info.status().message() + "); export it again";
  }
  header.width = info->width;
  header.height = info->height;
  header.bit_depth = info->bit_depth;
  header.color_type = info->color_type;
  header.interlace = info->interlaced ? 1 : 0;
  const bool rgb = (header.color_type == 2 || header.color_type == 6) && header.bit_depth == 8;
  const bool palette = header.color_type == 3 && header.bit_depth <= 8;
  if (!rgb && !palette) {
    return name + " is a " + std::to_string(header.bit_depth) + "-bit " +
           (header.color_type == 0 || header.color_type == 4
                ? "greyscale"
                : "colour type " + std::to_string(header.color_type)) +
           " PNG; save it as 8-bit RGB or RGBA, or with a palette (badge wallets expect colour)";
  }
  if (header.width != header.height) {
    const uint32_t side = std::max(header.width, header.height);
    return name + " is " + Pixels(header.width, header.height) +
           " pixels; a badge image is square: crop or pad it to " + Pixels(side, side);
  }
  if (header.width < kMinBadgePixels) {
    return name + " is " + Pixels(header.width, header.height) +
           " pixels; a badge image must be at least " + Pixels(kMinBadgePixels, kMinBadgePixels);
  }
  if (header.width > kMaxBadgePixels) {
    return name + " is " + Pixels(header.width, header.height) +
           " pixels; a badge image may be at most " + Pixels(kMaxBadgePixels, kMaxBadgePixels) +
           ": scale it down (600x600 is plenty)";
  }
  return {};
}

std::string BadgeSvgProblem(std::string_view path, std::string_view svg) {
  const std::string name(path);
  if (svg.size() > kMaxBadgeSvgBytes) return BadgeFileTooLarge(path, svg.size(), true);
  // A DOCTYPE can declare entities (and so expand or fetch things); none is needed in a badge.
  if (ContainsNoCase(svg, "<!DOCTYPE") || ContainsNoCase(svg, "<!ENTITY")) {
    return name +
           " has a DOCTYPE; remove the <!DOCTYPE ...> declaration (badge SVGs may not declare a "
           "DTD or entities)";
  }
  Result<badge::SvgInfo> info = badge::InspectSvg(svg);
  if (!info.ok()) {
    return name + " is not an SVG image Cairn accepts (" + info.status().message() +
           "); export the badge as plain SVG (not compressed .svgz), its root element <svg>";
  }
  const std::optional<Length> width = ParseLength(info->width);
  const std::optional<Length> height = ParseLength(info->height);
  if (width && height && width->unit == height->unit) {
    if (!Equal(width->value, height->value)) {
      return name + " is " + Format(width->value) + width->unit + " by " + Format(height->value) +
             height->unit +
             " (the width and height of its <svg> element); a badge is square: make them equal";
    }
    return {};
  }
  if (info->view_box) {
    if (!Equal(info->view_box->width, info->view_box->height)) {
      return name + " has a viewBox of " + Format(info->view_box->width) + " by " +
             Format(info->view_box->height) +
             "; a badge is square: make its width and height equal";
    }
    return {};
  }
  return name +
         " has no usable size; give its <svg> element width and height (in the same unit) or a "
         "viewBox=\"0 0 W W\", describing a square";
}

}  // namespace cairn::model
