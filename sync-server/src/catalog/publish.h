// Publishing a catalog on the server: its issuers, stacks and micro-credentials become changes
// of the catalog scope's actor, which every device pulls (DESIGN.md §5). The git import of
// issuers' repositories (import.h) feeds this; so does `cairn-server catalog publish FILE` for a
// single text-format file. Only what changed is written (catalog_publish.h), in one change, so
// a publication is all or nothing.
//
// Thread-safety: as ServerStore. Two publications running at once may both write an entry;
// the entry's values are the same, so devices see no difference.
#ifndef CAIRN_SERVER_CATALOG_PUBLISH_H_
#define CAIRN_SERVER_CATALOG_PUBLISH_H_

#include <cstdint>

#include "cairn/catalog_publish.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "store/server_store.h"

namespace cairn::server {

// Publishes `catalog` (already checked) and says how many entries were new or unchanged.
Result<CatalogPublication> PublishCatalog(ServerStore& store, const v1::Catalog& catalog,
                                          int64_t now_ms);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_CATALOG_PUBLISH_H_
