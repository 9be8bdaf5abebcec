#include "badge/xml_scan.h"

#include <charconv>
#include <set>

#include "util/utf8.h"

namespace cairn::badge::xml_internal {
namespace {

// REQUIRES: `digits` are at most six digits of the base.
unsigned long ParseCode(std::string_view digits, bool hex) {
  unsigned long code = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
  return code;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsNameStart(char c) {
  return IsNameChar(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.';
}

Status Malformed(size_t at, std::string_view why) {
  return InvalidArgument("SVG is malformed at byte " + std::to_string(at) + ": " +
                         std::string(why));
}

// Checks every '&' in `raw` starts a reference this scanner can resolve without a DTD.
Status CheckReferences(std::string_view raw, size_t base) {
  for (size_t i = raw.find('&'); i != std::string_view::npos; i = raw.find('&', i + 1)) {
    const size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) return Malformed(base + i, "'&' without ';'");
    const std::string_view name = raw.substr(i + 1, semi - i - 1);
    if (name == "lt" || name == "gt" || name == "amp" || name == "quot" || name == "apos") continue;
    bool ok = name.size() >= 2 && name[0] == '#';
    const bool hex = ok && name[1] == 'x';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    ok = ok && !digits.empty() && digits.size() <= 6;
    for (const char c : digits) {
      ok = ok &&
           ((c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))));
    }
    if (ok) {
      const unsigned long code = ParseCode(digits, hex);
      ok = code > 0 && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
    }
    if (!ok) {
      return InvalidArgument("SVG uses the entity &" + std::string(name) +
                             "; which is not defined (entities need a DTD, which is refused)");
    }
  }
  return Status::Ok();
}

void AppendUtf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

class Scanner {
 public:
  explicit Scanner(std::string_view doc) : doc_(doc) {}

  Result<std::vector<XmlToken>> Run() {
    if (doc_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    if (doc_.substr(pos_, 5) == "<?xml" && doc_.size() > pos_ + 5 && IsSpace(doc_[pos_ + 5])) {
      const size_t end = doc_.find("?>", pos_);
      if (end == std::string_view::npos) return Malformed(pos_, "unterminated XML declaration");
      Push(XmlToken::Kind::kInstruction, pos_, end + 2);
      pos_ = end + 2;
    }
    while (pos_ < doc_.size()) {
      if (doc_[pos_] == '<') {
        CAIRN_RETURN_IF_ERROR(Markup());
      } else {
        CAIRN_RETURN_IF_ERROR(Text());
      }
    }
    if (!open_.empty()) {
      return Malformed(doc_.size(), "<" + std::string(open_.back()) + "> is never closed");
    }
    if (!seen_root_) return InvalidArgument("not an SVG: the document has no root element");
    return std::move(tokens_);
  }

 private:
  XmlToken& Push(XmlToken::Kind kind, size_t begin, size_t end) {
    XmlToken token;
    token.kind = kind;
    token.begin = begin;
    token.end = end;
    token.depth = static_cast<int>(open_.size());
    tokens_.push_back(std::move(token));
    return tokens_.back();
  }

  Status Text() {
    const size_t end = std::min(doc_.find('<', pos_), doc_.size());
    const std::string_view text = doc_.substr(pos_, end - pos_);
    if (open_.empty()) {
      for (const char c : text) {
        if (!IsSpace(c)) return Malformed(pos_, "text outside the root element");
      }
    }
    if (text.find("]]>") != std::string_view::npos) return Malformed(pos_, "\"]]>\" in text");
    CAIRN_RETURN_IF_ERROR(CheckReferences(text, pos_));
    Push(XmlToken::Kind::kText, pos_, end).content = text;
    pos_ = end;
    return Status::Ok();
  }

  Status Markup() {
    const std::string_view rest = doc_.substr(pos_);
    if (rest.starts_with("<!--")) {
      const size_t end = doc_.find("-->", pos_ + 4);
      if (end == std::string_view::npos) return Malformed(pos_, "unterminated comment");
      const std::string_view body = doc_.substr(pos_ + 4, end - pos_ - 4);
      if (body.find("--") != std::string_view::npos || body.ends_with("-")) {
        return Malformed(pos_, "\"--\" inside a comment");
      }
      Push(XmlToken::Kind::kComment, pos_, end + 3).content = body;
      pos_ = end + 3;
      return Status::Ok();
    }
    if (rest.starts_with("<![CDATA[")) {
      if (open_.empty()) return Malformed(pos_, "CDATA outside the root element");
      const size_t end = doc_.find("]]>", pos_ + 9);
      if (end == std::string_view::npos) return Malformed(pos_, "unterminated CDATA section");
      Push(XmlToken::Kind::kCData, pos_, end + 3).content = doc_.substr(pos_ + 9, end - pos_ - 9);
      pos_ = end + 3;
      return Status::Ok();
    }
    if (rest.starts_with("<!")) {
      return InvalidArgument("SVG has a DOCTYPE or other <! declaration at byte " +
                             std::to_string(pos_) + "; DTDs and entities are refused (XXE risk)");
    }
    if (rest.starts_with("<?")) {
      const size_t end = doc_.find("?>", pos_ + 2);
      if (end == std::string_view::npos)
        return Malformed(pos_, "unterminated processing instruction");
      const std::string_view target = doc_.substr(pos_ + 2, 3);
      if ((target == "xml" || target == "XML") && (end == pos_ + 5 || IsSpace(doc_[pos_ + 5]))) {
        return Malformed(pos_, "an XML declaration is allowed only at the start");
      }
      Push(XmlToken::Kind::kInstruction, pos_, end + 2);
      pos_ = end + 2;
      return Status::Ok();
    }
    if (rest.starts_with("</")) return EndTag();
    return StartTag();
  }

  std::string_view Name() {
    const size_t start = pos_;
    if (pos_ < doc_.size() && IsNameStart(doc_[pos_])) {
      while (pos_ < doc_.size() && IsNameChar(doc_[pos_])) ++pos_;
    }
    return doc_.substr(start, pos_ - start);
  }

  void SkipSpace() {
    while (pos_ < doc_.size() && IsSpace(doc_[pos_])) ++pos_;
  }

  Status EndTag() {
    const size_t begin = pos_;
    pos_ += 2;
    const std::string_view name = Name();
    SkipSpace();
    if (name.empty() || pos_ >= doc_.size() || doc_[pos_] != '>') {
      return Malformed(begin, "bad end tag");
    }
    ++pos_;
    if (open_.empty() || open_.back() != name) {
      return Malformed(begin, "</" + std::string(name) + "> does not close " +
                                  (open_.empty() ? std::string("anything")
                                                 : "<" + std::string(open_.back()) + ">"));
    }
    open_.pop_back();
    Push(XmlToken::Kind::kEndTag, begin, pos_).name = name;
    return Status::Ok();
  }

  Status StartTag() {
    const size_t begin = pos_;
    ++pos_;
    const std::string_view name = Name();
    if (name.empty()) return Malformed(begin, "'<' not followed by a tag name");
    if (open_.empty() && seen_root_) return Malformed(begin, "a second root element");
    XmlToken token;
    token.name = name;
    std::set<std::string_view> seen;
    while (true) {
      const size_t before_space = pos_;
      SkipSpace();
      if (pos_ >= doc_.size()) return Malformed(begin, "unterminated tag <" + std::string(name));
      if (doc_[pos_] == '>' || doc_.substr(pos_, 2) == "/>") break;
      if (pos_ == before_space) return Malformed(pos_, "attributes must be separated by space");
      const size_t attr_at = pos_;
      const std::string_view attr = Name();
      if (attr.empty()) return Malformed(attr_at, "bad attribute in <" + std::string(name) + ">");
      SkipSpace();
      if (pos_ >= doc_.size() || doc_[pos_] != '=') return Malformed(pos_, "expected '='");
      ++pos_;
      SkipSpace();
      if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
        return Malformed(pos_, "attribute value must be quoted");
      }
      const char quote = doc_[pos_];
      const size_t close = doc_.find(quote, pos_ + 1);
      if (close == std::string_view::npos) return Malformed(pos_, "unterminated attribute value");
      const std::string_view value = doc_.substr(pos_ + 1, close - pos_ - 1);
      if (value.find('<') != std::string_view::npos) return Malformed(pos_, "'<' in attribute");
      CAIRN_RETURN_IF_ERROR(CheckReferences(value, pos_ + 1));
      if (!seen.insert(attr).second) {
        return Malformed(attr_at, "attribute " + std::string(attr) + " appears twice");
      }
      token.attributes.push_back({attr, value});
      pos_ = close + 1;
    }
    const bool empty = doc_[pos_] == '/';
    pos_ += empty ? 2 : 1;
    token.kind = empty ? XmlToken::Kind::kEmptyTag : XmlToken::Kind::kStartTag;
    token.begin = begin;
    token.end = pos_;
    token.depth = static_cast<int>(open_.size()) + 1;
    seen_root_ = true;
    if (!empty) open_.push_back(name);
    tokens_.push_back(std::move(token));
    return Status::Ok();
  }

  std::string_view doc_;
  size_t pos_ = 0;
  bool seen_root_ = false;
  std::vector<std::string_view> open_;
  std::vector<XmlToken> tokens_;
};

}  // namespace

Result<std::vector<XmlToken>> ScanXml(std::string_view doc) {
  if (!IsValidUtf8(doc)) return InvalidArgument("SVG is not UTF-8");
  // XML 1.0 §2.2 allows no C0 control characters but tab, line feed and carriage return.
  for (size_t i = 0; i < doc.size(); ++i) {
    const auto c = static_cast<unsigned char>(doc[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return Malformed(i, "control character " + std::to_string(c) + " is not allowed in XML");
    }
  }
  return Scanner(doc).Run();
}

std::string ResolveEntities(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out.push_back(raw[i]);
      continue;
    }
    const size_t semi = raw.find(';', i);
    const std::string_view name = raw.substr(i + 1, semi - i - 1);
    if (name == "lt")
      out.push_back('<');
    else if (name == "gt")
      out.push_back('>');
    else if (name == "amp")
      out.push_back('&');
    else if (name == "quot")
      out.push_back('"');
    else if (name == "apos")
      out.push_back('\'');
    else {
      const bool hex = name[1] == 'x';
      AppendUtf8(out, ParseCode(name.substr(hex ? 2 : 1), hex));
    }
    i = semi;
  }
  return out;
}

const XmlAttribute* FindAttribute(const XmlToken& tag, std::string_view name) {
  for (const XmlAttribute& attribute : tag.attributes) {
    if (attribute.name == name) return &attribute;
  }
  return nullptr;
}

std::string EscapeAttribute(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace cairn::badge::xml_internal
