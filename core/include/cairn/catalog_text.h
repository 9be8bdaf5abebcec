// A whole catalog in one file: a cairn.v1.Catalog in protobuf text format (catalog.proto), as
// `catalog publish FILE` takes it and as the CLI's demo catalog is written. Issuers keep their
// catalogs as repositories instead (catalog_check.h, docs/catalog-format.md).
//
// Thread-safety: a free function with no shared state.
#ifndef CAIRN_CATALOG_TEXT_H_
#define CAIRN_CATALOG_TEXT_H_

#include <memory>
#include <string>
#include <string_view>

#include "cairn/catalog_check.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn {

// Parses `text` as a Catalog and checks it against every rule of catalog.proto (CatalogChecker).
// The catalog's own `commit` versions its micro-credentials and stacks. `name` is what error
// messages call the input (a file name); on failure the InvalidArgument lists every error as
// "name:line:column: what is wrong; how to fix it", lines and columns counted from 1. Badge
// images are read through `files` (null: none can be read, and each image is an error).
Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name,
                                     CatalogFiles* files);

// The files of a single-file catalog: paths relative to the directory `dir` of the local file
// system. Regular files only (a symbolic link is refused, as in a repository).
std::unique_ptr<CatalogFiles> DirectoryCatalogFiles(std::string dir);

// Reads the catalog file at `path` and parses it with ParseCatalogText, its badge images read
// from the file's directory. NotFound or DataLoss when the file cannot be read.
Result<v1::Catalog> ParseCatalogFile(const std::string& path);

}  // namespace cairn

#endif  // CAIRN_CATALOG_TEXT_H_
