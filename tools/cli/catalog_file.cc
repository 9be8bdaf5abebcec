#include "catalog_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "cairn/catalog_text.h"

namespace cairn::cli {
namespace {

constexpr std::string_view kDemoCatalog =
#include "demo_catalog.inc"
    ;

}  // namespace

Result<v1::Catalog> ReadCatalogFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return NotFound("cannot read catalog file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return DataLoss("error reading catalog file " + path);
  return cairn::ParseCatalogText(text.str(), path);
}

std::string_view DemoCatalogText() { return kDemoCatalog; }

}  // namespace cairn::cli
