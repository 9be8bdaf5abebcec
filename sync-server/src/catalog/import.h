// `cairn-server catalog import`: an issuer's catalog repository at a ref, checked as a whole
// and published only if it has no error (DESIGN.md §5, docs/catalog-format.md).
//
// Thread-safety: as ServerStore.
#ifndef CAIRN_SERVER_CATALOG_IMPORT_H_
#define CAIRN_SERVER_CATALOG_IMPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/catalog_check.h"
#include "cairn/catalog_publish.h"
#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server {

struct CatalogImportRequest {
  std::string source;      // a local path (working tree or bare repository) or a URL
  std::string ref;         // branch, tag, commit id; empty = HEAD
  std::string cache_root;  // where URLs are cloned: DATA/catalog-sources
  int64_t now_ms = 0;
};

struct CatalogImport {
  std::string commit;  // the commit the ref resolved to
  // Every problem of the repository; when not empty, nothing was published.
  std::vector<CatalogError> errors;
  CatalogPublication publication;  // what was published (no ops)
};

// Reads, checks and publishes. A Status error means the repository could not be read at all
// (unreachable, not a repository, unknown ref, store failure); problems in its files come back
// in `errors`.
Result<CatalogImport> ImportCatalog(ServerStore& store, const CatalogImportRequest& request);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_CATALOG_IMPORT_H_
