// A small, strict XML tokenizer for badge SVGs: enough XML to find the root element and the
// baked credential, and to refuse what a full parser would be dangerous or ambiguous with.
//
// Accepts: an optional XML declaration, comments, processing instructions, one root element
// with properly nested children, attributes in single or double quotes (unique per element),
// CDATA sections, the five predefined entities and character references. Refuses: DOCTYPE and
// any other "<!" markup (DTDs define entities: XXE, "billion laughs"), undefined entities, "--"
// inside comments, mismatched or unclosed tags, text outside the root.
//
// Thread-safety: pure functions. Tokens point into the scanned text.
#ifndef CAIRN_BADGE_XML_SCAN_H_
#define CAIRN_BADGE_XML_SCAN_H_

#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge::xml_internal {

struct XmlAttribute {
  std::string_view name;
  std::string_view raw_value;  // between the quotes, entities not yet resolved
};

struct XmlToken {
  enum class Kind { kText, kStartTag, kEndTag, kEmptyTag, kComment, kCData, kInstruction };
  Kind kind = Kind::kText;
  size_t begin = 0;  // offsets of the whole token in the document
  size_t end = 0;
  std::string_view name;     // tags
  std::string_view content;  // text (raw), CDATA inner text, comment text
  std::vector<XmlAttribute> attributes;
  int depth = 0;  // 0 for tokens outside the root; 1 for the root's own tags, and so on
};

// Tokenizes and checks `doc` (a leading UTF-8 byte-order mark is skipped).
Result<std::vector<XmlToken>> ScanXml(std::string_view doc);

// `raw` with entity and character references resolved.
// REQUIRES: `raw` came from a token of ScanXml (references already checked).
std::string ResolveEntities(std::string_view raw);

// The attribute named `name` (exactly, prefix included), or nullptr.
const XmlAttribute* FindAttribute(const XmlToken& tag, std::string_view name);

// Escapes &, <, > and " for an attribute value in double quotes.
std::string EscapeAttribute(std::string_view text);

}  // namespace cairn::badge::xml_internal

#endif  // CAIRN_BADGE_XML_SCAN_H_
