#include "api/issuer_json.h"

#include <string>

namespace cairn::server {
namespace {

std::string FieldPath(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

}  // namespace

Result<boost::json::object> ParseJsonObject(std::string_view body) {
  if (body.size() > kMaxIssuerJsonBytes) {
    return TooLarge("the body has " + std::to_string(body.size()) +
                    " bytes; the issuer API takes at most " + std::to_string(kMaxIssuerJsonBytes));
  }
  boost::json::stream_parser parser;
  boost::system::error_code error;
  const size_t used = parser.write(body.data(), body.size(), error);
  if (!error) parser.finish(error);
  if (error) {
    // Where it stopped, as line:column (1-based), for a person fixing the document by hand.
    const size_t at = std::min(used, body.size());
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < at; ++i) {
      if (body[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return InvalidArgument("the body is not JSON: " + error.message() + " at line " +
                           std::to_string(line) + ", column " + std::to_string(column));
  }
  boost::json::value value = parser.release();
  if (!value.is_object()) return InvalidArgument("the body must be a JSON object ({...})");
  return std::move(value.get_object());
}

Status CheckKnownFields(const boost::json::object& object, std::string_view path,
                        std::initializer_list<std::string_view> known) {
  for (const auto& member : object) {
    const std::string_view key(member.key().data(), member.key().size());
    bool found = false;
    for (const std::string_view k : known) found = found || k == key;
    if (found) continue;
    std::string names;
    for (const std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
    return InvalidArgument(FieldPath(path, key) + ": unknown field; the fields here are " + names);
  }
  return {};
}

Result<std::string> StringField(const boost::json::object& object, std::string_view path,
                                std::string_view name, bool required) {
  const boost::json::value* value = object.if_contains(name);
  if (value == nullptr || value->is_null()) {
    if (required) return InvalidArgument(FieldPath(path, name) + ": required, a string");
    return std::string();
  }
  const boost::json::string* text = value->if_string();
  if (text == nullptr) {
    return InvalidArgument(FieldPath(path, name) + ": must be a string, not " +
                           std::string(boost::json::to_string(value->kind())));
  }
  if (required && text->empty()) {
    return InvalidArgument(FieldPath(path, name) + ": must not be empty");
  }
  return std::string(text->data(), text->size());
}

std::string ToJson(const boost::json::value& value) { return boost::json::serialize(value); }

}  // namespace cairn::server
