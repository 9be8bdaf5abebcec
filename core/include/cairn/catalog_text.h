// Catalog files in protobuf text format (catalog.proto), as issuers author them and as the demo
// catalog is written.
//
// Thread-safety: a free function with no shared state.
#ifndef CAIRN_CATALOG_TEXT_H_
#define CAIRN_CATALOG_TEXT_H_

#include <string_view>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn {

// Parses `text` as a Catalog. `name` is what error messages call the input (a file name); each
// error reads "name:line:column: what is wrong", lines and columns counted from 1.
Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name);

}  // namespace cairn

#endif  // CAIRN_CATALOG_TEXT_H_
