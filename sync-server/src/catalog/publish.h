// Publishing a catalog on the server: its micro-credentials become changes of the catalog
// scope's actor, which every device pulls (DESIGN.md §5). The git import of issuers'
// repositories feeds this; so does `cairn-server catalog publish FILE` for a text-format file.
//
// Thread-safety: as ServerStore.
#ifndef CAIRN_SERVER_CATALOG_PUBLISH_H_
#define CAIRN_SERVER_CATALOG_PUBLISH_H_

#include <cstdint>
#include <string>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"
#include "store/server_store.h"

namespace cairn::server {

// How many micro-credential versions were new; versions already published are left alone.
Result<size_t> PublishCatalog(ServerStore& store, const v1::Catalog& catalog, int64_t now_ms);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_CATALOG_PUBLISH_H_
