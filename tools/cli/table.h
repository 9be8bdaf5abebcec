// A plain-text table for `cairn` output: a header row and rows, columns padded to their widest
// cell (counting UTF-8 code points), the last column unpadded.
#ifndef CAIRN_TOOLS_CLI_TABLE_H_
#define CAIRN_TOOLS_CLI_TABLE_H_

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "format.h"

namespace cairn::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void Print(std::ostream& out) const {
    std::vector<size_t> widths(rows_[0].size(), 0);
    for (const auto& row : rows_) {
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
    for (const auto& row : rows_) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        line += i + 1 == row.size() ? row[i] : Pad(row[i], widths[i] + 2);
      }
      out << line << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_TABLE_H_
