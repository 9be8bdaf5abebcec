// A whole catalog in one file: a cairn.v1.Catalog in protobuf text format (catalog.proto), as
// `catalog publish FILE` takes it and as the CLI's demo catalog is written. Issuers keep their
// catalogs as repositories instead (catalog_check.h, docs/catalog-format.md).
//
// Thread-safety: a free function with no shared state.
#ifndef CAIRN_CATALOG_TEXT_H_
#define CAIRN_CATALOG_TEXT_H_

#include <string_view>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn {

// Parses `text` as a Catalog and checks it against every rule of catalog.proto (CatalogChecker).
// The catalog's own `commit` versions its micro-credentials and stacks. `name` is what error
// messages call the input (a file name); on failure the InvalidArgument lists every error as
// "name:line:column: what is wrong; how to fix it", lines and columns counted from 1.
Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name);

}  // namespace cairn

#endif  // CAIRN_CATALOG_TEXT_H_
