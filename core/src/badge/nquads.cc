#include "badge/nquads.h"

#include <array>
#include <cstdint>

namespace cairn::badge {
namespace nquads_internal {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";
constexpr std::string_view kXsdString = "http://www.w3.org/2001/XMLSchema#string";
constexpr std::string_view kRdfLangString = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

void AppendUchar(unsigned char c, std::string& out) {
  out += "\\u00";
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

// 1 = escape in an IRI, 2 = escape in a literal.
constexpr std::array<uint8_t, 256> kEscape = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c <= 0x20; ++c) table[static_cast<size_t>(c)] |= 1;
  for (char c : std::string_view("<>\"{}|^`\\")) table[static_cast<unsigned char>(c)] |= 1;
  for (int c = 0; c < 0x20; ++c) table[static_cast<size_t>(c)] |= 2;
  for (char c : std::string_view("\x7f\"\\")) table[static_cast<unsigned char>(c)] |= 2;
  return table;
}();

bool IriNeedsEscape(unsigned char c) { return (kEscape[c] & 1) != 0; }
bool LiteralNeedsEscape(unsigned char c) { return (kEscape[c] & 2) != 0; }

}  // namespace

// Both writers copy runs that need no escaping in one append: no per-character growth.
void AppendIri(std::string_view iri, std::string& out) {
  out.push_back('<');
  size_t run = 0;
  for (size_t i = 0; i < iri.size(); ++i) {
    auto byte = static_cast<unsigned char>(iri[i]);
    if (!IriNeedsEscape(byte)) continue;
    out.append(iri.data() + run, i - run);
    AppendUchar(byte, out);
    run = i + 1;
  }
  out.append(iri.data() + run, iri.size() - run);
  out.push_back('>');
}

void AppendLiteral(const RdfTerm& literal, std::string& out) {
  std::string_view value = literal.value;
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    auto byte = static_cast<unsigned char>(value[i]);
    if (!LiteralNeedsEscape(byte)) continue;
    out.append(value.data() + run, i - run);
    run = i + 1;
    switch (byte) {
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        AppendUchar(byte, out);
    }
  }
  out.append(value.data() + run, value.size() - run);
  out.push_back('"');
  if (literal.datatype == kRdfLangString) {
    if (!literal.language.empty()) {
      out.push_back('@');
      out += literal.language;
    }
  } else if (literal.datatype != kXsdString) {
    out += "^^";
    AppendIri(literal.datatype, out);
  }
}

}  // namespace nquads_internal

std::string SerializeNQuad(const RdfQuad& quad) {
  std::string out;
  nquads_internal::AppendQuad(
      quad, [](const std::string& label) -> const std::string& { return label; }, out);
  return out;
}

}  // namespace cairn::badge
