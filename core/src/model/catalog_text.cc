#include "cairn/catalog_text.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <vector>

namespace cairn {
namespace {

// Collects the parser's errors as "name:line:column: message" (1-based).
class CatalogErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit CatalogErrorCollector(std::string_view name) : name_(name) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The tokenizer names the token it found; at the end of the input that is nothing.
    const bool at_end = message.ends_with("got: ");
    errors_.push_back(Where(line, column) + message + (at_end ? "the end of the file" : ""));
  }

  // Every error, one per line; a generic message if the parser failed without reporting one.
  std::string Message() const {
    if (errors_.empty()) return name_ + ": not a valid cairn.v1.Catalog in text format";
    std::string out;
    for (const std::string& error : errors_) out += (out.empty() ? "" : "\n") + error;
    return out;
  }

 private:
  std::string Where(int line, int column) const {
    // The parser reports -1 for errors that belong to no position (e.g. at end of input).
    if (line < 0) return name_ + ": ";
    return name_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": ";
  }

  std::string name_;
  std::vector<std::string> errors_;
};

}  // namespace

Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name) {
  CatalogErrorCollector errors(name);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  v1::Catalog catalog;
  if (!parser.ParseFromString(std::string(text), &catalog)) {
    return InvalidArgument(errors.Message());
  }
  return catalog;
}

}  // namespace cairn
