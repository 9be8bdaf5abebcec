// docs/protocol.md "Entities" is normative: its tables must list exactly the schema the server
// and devices run (CairnSchema) and exactly what the server lets an educator's device write
// (AuthorizeOp). This test reads the document and holds it to both, so neither can change alone.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cairn/device.h"
#include "cairn/schema.h"
#include "sync/authorization.h"

namespace cairn::server {
namespace {

struct Row {
  std::string field, value, write_once, free_text, writer;
};

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    const size_t first = cell.find_first_not_of(' ');
    const size_t last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}

std::string Unquote(const std::string& text) {
  return text.size() >= 2 && text.front() == '`' && text.back() == '`'
             ? text.substr(1, text.size() - 2)
             : text;
}

// Type name → its table's rows, for every "#### `type`[, `type`…] — …" heading of "## Entities".
std::map<std::string, std::vector<Row>> DocumentedTypes() {
  std::ifstream in(std::string(CAIRN_SOURCE_DIR) + "/docs/protocol.md");
  EXPECT_TRUE(in) << "docs/protocol.md";
  std::map<std::string, std::vector<Row>> types;
  std::vector<std::string> current;
  bool in_section = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) in_section = line == "## Entities";
    if (!in_section) continue;
    if (line.starts_with("#### ")) {
      current.clear();
      const std::string names = line.substr(5, line.find(" — ") - 5);
      for (size_t at = names.find('`'); at != std::string::npos;) {
        const size_t end = names.find('`', at + 1);
        current.push_back(names.substr(at + 1, end - at - 1));
        at = names.find('`', end + 1);
      }
      for (const std::string& type : current) types[type];
    } else if (line.starts_with("| `") && !current.empty()) {
      const std::vector<std::string> cells = Cells(line);
      EXPECT_EQ(cells.size(), 5U) << line;
      if (cells.size() != 5) continue;
      for (const std::string& type : current) {
        types[type].push_back({Unquote(cells[0]), cells[1], cells[2], cells[3], cells[4]});
      }
    }
  }
  return types;
}

Value SampleOf(ValueType type) {
  switch (type) {
    case ValueType::kText:
      return std::string("x");
    case ValueType::kInteger:
      return int64_t{1};
    case ValueType::kReal:
      return 1.0;
    case ValueType::kFlag:
      return true;
    case ValueType::kBlob:
      return Blob{"x"};
    case ValueType::kEvidence:
      return EvidenceRef{};
    case ValueType::kEntity:
      return EntityId{};
  }
  return {};
}

TEST(EntityContractTest, TheProtocolDocumentListsExactlyTheSchema) {
  const Schema& schema = CairnSchema();
  const std::map<std::string, std::vector<Row>> documented = DocumentedTypes();
  std::vector<std::string> types;
  for (const std::string_view type : schema.Types()) types.emplace_back(type);
  std::vector<std::string> documented_types;
  for (const auto& [type, rows] : documented) documented_types.push_back(type);
  ASSERT_EQ(documented_types, types) << "entity types in docs/protocol.md \"## Entities\"";

  for (const auto& [type, rows] : documented) {
    const std::vector<FieldRule>& rules = *schema.FieldsOf(type);
    ASSERT_EQ(rows.size(), rules.size()) << "fields of " << type;
    for (size_t i = 0; i < rules.size(); ++i) {
      const FieldRule& rule = rules[i];
      const Row& row = rows[i];
      SCOPED_TRACE(type + "." + rule.name);
      EXPECT_EQ(rule.kind, FieldKind::kRegister) << "the document says every field is one";
      if (rule.prefix) {
        // A family of fields, documented as `prefix<what follows>`.
        EXPECT_TRUE(row.field.starts_with(rule.name + "<") && row.field.ends_with(">"))
            << row.field;
      } else {
        EXPECT_EQ(row.field, rule.name);
      }
      EXPECT_EQ(row.value, ValueTypeName(rule.type));
      EXPECT_EQ(row.write_once, rule.write_once ? "yes" : "no");
      EXPECT_EQ(row.free_text, rule.free_text ? "yes" : "no");
    }
  }
}

// The last column: "yes", "no", or the only values a device may write ("`a` or `b` only").
TEST(EntityContractTest, TheProtocolDocumentSaysWhatADeviceMayWrite) {
  const Schema& schema = CairnSchema();
  for (const auto& [type, rows] : DocumentedTypes()) {
    const std::vector<FieldRule>& rules = *schema.FieldsOf(type);
    ASSERT_EQ(rows.size(), rules.size()) << type;
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string field = rules[i].prefix ? rules[i].name + "q1" : rules[i].name;
      const std::string& writer = rows[i].writer;
      SCOPED_TRACE(type + "." + field + ": " + writer);
      const auto allowed = [&](const Value& value) {
        return AuthorizeOp(Role::kEducator, type, Op::Put(EntityId{}, field, value)).ok();
      };
      if (writer == "yes" || writer == "no") {
        EXPECT_EQ(allowed(SampleOf(rules[i].type)), writer == "yes");
        continue;
      }
      ASSERT_TRUE(writer.ends_with(" only")) << "yes, no, or the values allowed, then 'only'";
      ASSERT_EQ(rules[i].type, ValueType::kText);
      EXPECT_FALSE(allowed(std::string("x"))) << "a value the document does not list";
      size_t listed = 0;
      for (size_t at = writer.find('`'); at != std::string::npos;) {
        const size_t end = writer.find('`', at + 1);
        EXPECT_TRUE(allowed(writer.substr(at + 1, end - at - 1)));
        ++listed;
        at = writer.find('`', end + 1);
      }
      EXPECT_GT(listed, 0U);
    }
  }
}

}  // namespace
}  // namespace cairn::server
