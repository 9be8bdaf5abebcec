#include "cairn/catalog_text.h"

#include "cairn/catalog_check.h"

namespace cairn {

Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name) {
  if (text.size() > kMaxCatalogFileBytes) {
    return CatalogErrorsStatus(
        {{std::string(name), 1, 1,
          "the file is " + std::to_string(text.size()) + " bytes; catalog files are at most " +
              std::to_string(kMaxCatalogFileBytes) +
              " bytes (1 MiB): split it into an issuer repository (docs/catalog-format.md)"}});
  }
  CatalogChecker checker;
  checker.AddCatalogFile(name, text);
  return checker.Finish(/*commit=*/{});
}

}  // namespace cairn
