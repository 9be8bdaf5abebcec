#include "badge/json_canonical.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <system_error>
#include <vector>

namespace cairn::badge::jsonld_internal {
namespace json = boost::json;

namespace {

// 2^53: integers beyond it are not exact in JavaScript, so a verifier would see another value.
constexpr double kMaxExactInteger = 9007199254740992.0;

std::u16string Utf16(std::string_view text) {
  std::u16string out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : 4;
    if (i + length > text.size()) length = 1;
    char32_t cp = length == 1 ? lead : lead & (0x3f >> (length - 1));
    for (size_t k = 1; k < length; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    i += length;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

void AppendString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(kHex[(c >> 4) & 0xf]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

Status Append(const json::value& value, std::string& out, int depth) {
  if (depth > 128) return InvalidArgument("a @json value nests deeper than 128 levels");
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      return Status::Ok();
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return Status::Ok();
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: {
      CAIRN_ASSIGN_OR_RETURN(double number, JsonNumberAsDouble(value));
      out += EcmaNumberToString(number);
      return Status::Ok();
    }
    case json::kind::string:
      AppendString(value.get_string(), out);
      return Status::Ok();
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        CAIRN_RETURN_IF_ERROR(Append(item, out, depth + 1));
      }
      out.push_back(']');
      return Status::Ok();
    }
    case json::kind::object: {
      std::vector<std::pair<std::u16string, const json::key_value_pair*>> entries;
      for (const json::key_value_pair& entry : value.get_object()) {
        entries.emplace_back(Utf16(entry.key()), &entry);
      }
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      bool first = true;
      for (const auto& [key, entry] : entries) {
        if (!first) out.push_back(',');
        first = false;
        AppendString(entry->key(), out);
        out.push_back(':');
        CAIRN_RETURN_IF_ERROR(Append(entry->value(), out, depth + 1));
      }
      out.push_back('}');
      return Status::Ok();
    }
  }
  return Internal("unknown JSON kind");
}

}  // namespace

Result<double> JsonNumberAsDouble(const json::value& number) {
  if (number.is_double()) return number.get_double();
  double value = number.is_int64() ? static_cast<double>(number.get_int64())
                                   : static_cast<double>(number.get_uint64());
  if (std::fabs(value) > kMaxExactInteger) {
    return InvalidArgument("the integer " + json::serialize(number) +
                           " does not fit a JavaScript number exactly; write it as a string");
  }
  return value;
}

std::string EcmaNumberToString(double number) {
  if (number == 0) return "0";
  if (number < 0) return "-" + EcmaNumberToString(-number);
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof buffer, number, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<size_t>(end - buffer));
  size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(),
                  exponent);
  int k = static_cast<int>(digits.size());
  int n = exponent + 1;
  if (k <= n && n <= 21) return digits + std::string(static_cast<size_t>(n - k), '0');
  if (0 < n && n <= 21) {
    return digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  }
  if (-6 < n && n <= 0) return "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  std::string out = digits.substr(0, 1);
  if (k > 1) out += "." + digits.substr(1);
  out += n - 1 >= 0 ? "e+" : "e-";
  out += std::to_string(std::abs(n - 1));
  return out;
}

std::string XsdDoubleLexical(double number) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15e", number);
  std::string_view text(buffer);
  size_t e = text.find('e');
  std::string mantissa(text.substr(0, e));
  while (mantissa.size() > 1 && mantissa.back() == '0' && mantissa[mantissa.size() - 2] != '.') {
    mantissa.pop_back();
  }
  int exponent = 0;
  std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(),
                  exponent);
  return mantissa + "E" + std::to_string(exponent);
}

Result<std::string> CanonicalJson(const json::value& value) {
  std::string out;
  CAIRN_RETURN_IF_ERROR(Append(value, out, 0));
  return out;
}

}  // namespace cairn::badge::jsonld_internal
