#include "catalog/publish.h"

#include <utility>

#include "cairn/change.h"
#include "store/server_store_impl.h"

namespace cairn::server {

Result<CatalogPublication> PublishCatalog(ServerStore& store, const v1::Catalog& catalog,
                                          int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog published, store.LoadPublishedCatalog());
  CAIRN_ASSIGN_OR_RETURN(CatalogPublication publication,
                         PlanCatalogPublication(catalog, published, now_ms));
  if (publication.ops.empty()) return publication;
  if (publication.ops.size() > kMaxOpsPerChange) {
    return TooLarge("the catalog publishes " + std::to_string(publication.ops.size()) +
                    " values at once, more than one change holds (" +
                    std::to_string(kMaxOpsPerChange) +
                    "); split the catalog into several repositories");
  }
  CAIRN_RETURN_IF_ERROR(
      store.CommitServerChange(kCatalogScope, std::move(publication.ops)).status());
  publication.ops.clear();
  return publication;
}

}  // namespace cairn::server
