// InspectSvg, BakeSvg, ExtractSvg, SvgWrappingPng: the <openbadges:credential> element
// (OB 3.0 §5.3.2).
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "badge/xml_scan.h"
#include "cairn/badge/baking.h"
#include "cairn/base64.h"

namespace cairn::badge {
namespace {

using xml_internal::EscapeAttribute;
using xml_internal::FindAttribute;
using xml_internal::ResolveEntities;
using xml_internal::ScanXml;
using xml_internal::XmlToken;

constexpr std::string_view kPrefix = "openbadges";

bool IsTag(const XmlToken& token) {
  return token.kind == XmlToken::Kind::kStartTag || token.kind == XmlToken::Kind::kEmptyTag;
}

std::string_view Trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// The scanned document and where its root and credential elements are.
struct SvgDocument {
  std::vector<XmlToken> tokens;
  size_t root = 0;                    // index of the root's start (or empty) tag
  std::vector<std::string> prefixes;  // prefixes the root binds to the OB 3.0 namespace
};

Result<SvgDocument> ScanSvg(std::string_view svg) {
  SvgDocument doc;
  CAIRN_ASSIGN_OR_RETURN(doc.tokens, ScanXml(svg));
  const auto root = std::find_if(doc.tokens.begin(), doc.tokens.end(), IsTag);
  doc.root = static_cast<size_t>(root - doc.tokens.begin());
  if (root->name != "svg") {
    return InvalidArgument("not an SVG: the root element is <" + std::string(root->name) +
                           ">, not <svg>");
  }
  for (const auto& attribute : root->attributes) {
    if (attribute.name.starts_with("xmlns:") &&
        ResolveEntities(attribute.raw_value) == kOb3SvgNamespace) {
      doc.prefixes.emplace_back(attribute.name.substr(6));
    }
  }
  return doc;
}

// Whether `name` is prefix:credential for an OB prefix, or openbadges:credential at all (so that
// a credential whose namespace was never declared is found, and refused, rather than missed).
bool IsCredentialName(const SvgDocument& doc, std::string_view name) {
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos || name.substr(colon + 1) != "credential") return false;
  const std::string_view prefix = name.substr(0, colon);
  return prefix == kPrefix ||
         std::find(doc.prefixes.begin(), doc.prefixes.end(), prefix) != doc.prefixes.end();
}

// [first, last] token indexes of each credential element.
std::vector<std::pair<size_t, size_t>> CredentialElements(const SvgDocument& doc) {
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < doc.tokens.size(); ++i) {
    const XmlToken& token = doc.tokens[i];
    if (!IsTag(token) || !IsCredentialName(doc, token.name)) continue;
    size_t last = i;
    if (token.kind == XmlToken::Kind::kStartTag) {
      while (!(doc.tokens[last].kind == XmlToken::Kind::kEndTag &&
               doc.tokens[last].depth == token.depth - 1 && last > i)) {
        ++last;
      }
    }
    out.emplace_back(i, last);
    i = last;
  }
  return out;
}

Result<double> Number(std::string_view text, std::string_view where) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("SVG " + std::string(where) + ": \"" + std::string(text) +
                           "\" is not a number");
  }
  return v;
}

Result<SvgInfo::ViewBox> ParseViewBox(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '\t' ||
                               text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '\t' &&
           text[i] != '\n' && text[i] != '\r') {
      ++i;
    }
    if (i > start) parts.push_back(text.substr(start, i - start));
  }
  if (parts.size() != 4) {
    return InvalidArgument("SVG viewBox \"" + std::string(text) + "\" does not have four numbers");
  }
  SvgInfo::ViewBox box;
  CAIRN_ASSIGN_OR_RETURN(box.min_x, Number(parts[0], "viewBox"));
  CAIRN_ASSIGN_OR_RETURN(box.min_y, Number(parts[1], "viewBox"));
  CAIRN_ASSIGN_OR_RETURN(box.width, Number(parts[2], "viewBox"));
  CAIRN_ASSIGN_OR_RETURN(box.height, Number(parts[3], "viewBox"));
  if (!(box.width > 0) || !(box.height > 0)) {
    return InvalidArgument("SVG viewBox \"" + std::string(text) + "\" has no positive size");
  }
  return box;
}

bool LooksLikeCompactJws(std::string_view text) {
  if (std::count(text.begin(), text.end(), '.') != 2) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// `json` with every "]]>" written "]]\u003e". "]]>" cannot occur in JSON outside a string (">"
// is no JSON token), and inside one the escape denotes the same character.
std::string CDataSafeJson(std::string_view json) {
  std::string out;
  size_t from = 0;
  for (size_t at = json.find("]]>"); at != std::string_view::npos; at = json.find("]]>", from)) {
    out.append(json.substr(from, at - from));
    out.append("]]\\u003e");
    from = at + 3;
  }
  out.append(json.substr(from));
  return out;
}

}  // namespace

Result<SvgInfo> InspectSvg(std::string_view svg) {
  CAIRN_ASSIGN_OR_RETURN(const SvgDocument doc, ScanSvg(svg));
  const XmlToken& root = doc.tokens[doc.root];
  SvgInfo info;
  if (const auto* width = FindAttribute(root, "width"))
    info.width = ResolveEntities(width->raw_value);
  if (const auto* height = FindAttribute(root, "height")) {
    info.height = ResolveEntities(height->raw_value);
  }
  if (const auto* box = FindAttribute(root, "viewBox")) {
    CAIRN_ASSIGN_OR_RETURN(info.view_box, ParseViewBox(ResolveEntities(box->raw_value)));
  }
  return info;
}

Result<std::string> ExtractSvg(std::string_view svg) {
  CAIRN_ASSIGN_OR_RETURN(const SvgDocument doc, ScanSvg(svg));
  const auto elements = CredentialElements(doc);
  if (elements.empty()) {
    return NotFound("SVG has no <openbadges:credential> element (not baked)");
  }
  if (elements.size() > 1) {
    return InvalidArgument("SVG has " + std::to_string(elements.size()) +
                           " <openbadges:credential> elements; an SVG must hold one");
  }
  const auto [first, last] = elements.front();
  const XmlToken& tag = doc.tokens[first];
  const std::string_view name = tag.name;
  if (std::find(doc.prefixes.begin(), doc.prefixes.end(), name.substr(0, name.find(':'))) ==
      doc.prefixes.end()) {
    return InvalidArgument("SVG: <" + std::string(name) +
                           "> is used but the root <svg> has no "
                           "xmlns:" +
                           std::string(name.substr(0, name.find(':'))) + "=\"" +
                           std::string(kOb3SvgNamespace) + "\"");
  }
  std::string body;
  bool text_outside_cdata = false;
  for (size_t i = first + 1; i < last; ++i) {
    const XmlToken& token = doc.tokens[i];
    if (token.kind == XmlToken::Kind::kCData) {
      body.append(token.content);
    } else if (token.kind == XmlToken::Kind::kText) {
      text_outside_cdata = text_outside_cdata || !Trim(token.content).empty();
    } else if (token.kind != XmlToken::Kind::kComment) {
      return InvalidArgument("SVG: <" + std::string(name) +
                             "> must hold only a CDATA section, not other markup");
    }
  }
  const auto* verify = FindAttribute(tag, "verify");
  if (verify != nullptr) {
    if (!Trim(body).empty() || text_outside_cdata) {
      return InvalidArgument("SVG: <" + std::string(name) +
                             "> has both a verify attribute and a body; it must hold one");
    }
    const std::string jws = ResolveEntities(verify->raw_value);
    if (Trim(jws).empty()) return InvalidArgument("SVG: the verify attribute is empty");
    return std::string(Trim(jws));
  }
  if (text_outside_cdata) {
    return InvalidArgument("SVG: the credential JSON in <" + std::string(name) +
                           "> must be wrapped in <![CDATA[...]]>");
  }
  if (Trim(body).empty()) {
    return InvalidArgument("SVG: <" + std::string(name) +
                           "> is empty: no verify attribute and no CDATA body");
  }
  return std::string(Trim(body));
}

Result<std::string> BakeSvg(std::string_view svg, std::string_view json_or_jws) {
  const std::string_view credential = Trim(json_or_jws);
  std::string element;
  if (credential.starts_with("{")) {
    boost::json::error_code ec;
    const boost::json::value parsed = boost::json::parse(credential, ec);
    if (ec || !parsed.is_object()) {
      return InvalidArgument("BakeSvg: the credential starts with '{' but is not a JSON object" +
                             (ec ? " (" + ec.message() + ")" : std::string()));
    }
    element = "<openbadges:credential><![CDATA[" + CDataSafeJson(credential) +
              "]]></openbadges:credential>";
  } else if (LooksLikeCompactJws(credential)) {
    element = "<openbadges:credential verify=\"" + EscapeAttribute(credential) + "\"/>";
  } else {
    return InvalidArgument(
        "BakeSvg: the credential is neither JSON (starting with '{') nor a compact JWS");
  }
  CAIRN_ASSIGN_OR_RETURN(const SvgDocument doc, ScanSvg(svg));
  const XmlToken& root = doc.tokens[doc.root];
  const auto* declared = FindAttribute(root, "xmlns:openbadges");
  if (declared != nullptr && ResolveEntities(declared->raw_value) != kOb3SvgNamespace) {
    return InvalidArgument("BakeSvg: the root <svg> binds xmlns:openbadges to \"" +
                           ResolveEntities(declared->raw_value) + "\", not \"" +
                           std::string(kOb3SvgNamespace) + "\"");
  }
  const bool empty_root = root.kind == XmlToken::Kind::kEmptyTag;
  const size_t attributes_end = root.end - (empty_root ? 2 : 1);
  std::string out(svg.substr(0, attributes_end));
  if (declared == nullptr) {
    out += " xmlns:openbadges=\"" + std::string(kOb3SvgNamespace) + "\"";
  }
  out += ">";
  out += element;
  if (empty_root) {
    out += "</svg>";
    out.append(svg.substr(root.end));
    return out;
  }
  // Copy the rest, leaving out any credential already baked in.
  size_t from = root.end;
  for (const auto& [first, last] : CredentialElements(doc)) {
    out.append(svg.substr(from, doc.tokens[first].begin - from));
    from = doc.tokens[last].end;
  }
  out.append(svg.substr(from));
  return out;
}

Result<std::string> ExtractBaked(std::string_view image) {
  if (image.starts_with("\x89PNG")) return ExtractPng(image);
  return ExtractSvg(image);
}

std::string SvgWrappingPng(std::string_view png, int width, int height) {
  const std::string w = std::to_string(width);
  const std::string h = std::to_string(height);
  // xlink:href rather than SVG 2's href: older renderers (and some badge tools) know only it.
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
         "width=\"" +
         w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\"><image width=\"" + w +
         "\" height=\"" + h + "\" xlink:href=\"data:image/png;base64," + Base64Encode(png) +
         "\"/></svg>\n";
}

}  // namespace cairn::badge
