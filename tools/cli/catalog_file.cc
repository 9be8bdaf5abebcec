#include "catalog_file.h"

#include "cairn/catalog_text.h"

namespace cairn::cli {
namespace {

constexpr std::string_view kDemoCatalog =
#include "demo_catalog.inc"
    ;

// A char array rather than a string_view literal: the PNG holds NUL bytes, so its size must
// come from the array, not from the first NUL.
constexpr char kDemoBadge[] =
#include "demo_badge.inc"
    ;

}  // namespace

Result<v1::Catalog> ReadCatalogFile(const std::string& path) {
  return cairn::ParseCatalogFile(path);
}

std::string_view DemoCatalogText() { return kDemoCatalog; }

std::string_view DemoBadgePng() { return {kDemoBadge, sizeof(kDemoBadge) - 1}; }

}  // namespace cairn::cli
