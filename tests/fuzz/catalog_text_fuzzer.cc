// libFuzzer target for the catalog text format (docs/catalog-format.md): an issuer's file, read
// by the same CatalogChecker that `catalog import` and `catalog publish` run, both as a whole
// cairn.v1.Catalog file and as one repository file (a micro-credential). Every badge image path
// reads the demo catalog's real PNG. Nothing may crash; a refusal locates every error in the
// file it names; a catalog that passes is one every device can read: it serialises and parses
// back (proto3 refuses invalid UTF-8 in strings, the defect that once bricked devices).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/catalog_check.h"
#include "cairn/v1/catalog.pb.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "catalog_text_fuzzer: %s\n", what.c_str());
  std::abort();
}

class DemoImages : public cairn::CatalogFiles {
 public:
  DemoImages() {
    std::ifstream in(CAIRN_DEMO_PNG, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    png_ = bytes.str();
    if (png_.empty()) Fail("cannot read " CAIRN_DEMO_PNG);
  }
  cairn::Result<std::string> Read(std::string_view path, uint64_t max_bytes) override {
    if (!path.ends_with(".png")) return cairn::NotFound("is not in the repository at this commit");
    if (png_.size() > max_bytes)
      return cairn::TooLarge("is " + std::to_string(png_.size()) + " bytes");
    return png_;
  }

 private:
  std::string png_;
};

void Check(bool whole_catalog, std::string_view text) {
  static DemoImages images;
  const std::string path = whole_catalog ? "catalog.textproto" : "micro-credentials/fuzz.textproto";
  cairn::CatalogChecker checker;
  if (whole_catalog) {
    checker.AddCatalogFile(path, text);
  } else {
    checker.AddRepositoryFile(path, text);
  }
  std::vector<cairn::CatalogError> errors;
  cairn::Result<cairn::v1::Catalog> catalog = checker.Finish("0123456789abcdef", &images, &errors);
  if (!catalog.ok()) {
    if (errors.empty()) Fail("refused without an error: " + catalog.status().ToString());
    const long lines = std::count(text.begin(), text.end(), '\n') + 1;
    for (const cairn::CatalogError& e : errors) {
      if (e.message.empty()) Fail("an error without a message");
      // Cross-file rules may name another file (a stack's micro-credential); a line is always
      // inside the file it names.
      if (e.path == path && (e.line < 0 || e.line > lines)) {
        Fail("an error at line " + std::to_string(e.line) + " of a " + std::to_string(lines) +
             "-line file: " + e.ToString());
      }
    }
    return;
  }
  const std::string bytes = catalog->SerializeAsString();
  cairn::v1::Catalog again;
  if (!again.ParseFromString(bytes)) Fail("an accepted catalog that does not parse back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(true, text);
  Check(false, text);
  return 0;
}
