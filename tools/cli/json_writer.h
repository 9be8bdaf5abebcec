// A small streaming JSON writer for `--json` output: compact, one document per command.
//
//   JsonWriter json(out);
//   json.BeginObject().Key("id").String(id).Key("count").Int(3).EndObject();
//
// Commas are placed automatically. Strings are escaped per RFC 8259; UTF-8 passes through.
#ifndef CAIRN_TOOLS_CLI_JSON_WRITER_H_
#define CAIRN_TOOLS_CLI_JSON_WRITER_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::cli {

class JsonWriter {
 public:
  explicit JsonWriter(std::ostream& out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  // Writes already-serialised JSON (e.g. from protobuf's JSON printer) as one value.
  JsonWriter& Raw(std::string_view json);

 private:
  // Writes the comma before a value or key when needed.
  void BeforeValue();

  std::ostream& out_;
  // One entry per open object or array: whether it has had an element yet.
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

// `text` as a JSON string literal, with the quotes.
std::string JsonQuote(std::string_view text);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_JSON_WRITER_H_
