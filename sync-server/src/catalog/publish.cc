#include "catalog/publish.h"

#include <vector>

#include "cairn/device.h"
#include "store/server_store_impl.h"

namespace cairn::server {

Result<size_t> PublishCatalog(ServerStore& store, const v1::Catalog& catalog, int64_t now_ms) {
  CAIRN_ASSIGN_OR_RETURN(
      std::vector<Op> ops,
      CatalogPublishOps(catalog, now_ms, [&](const EntityId& id) -> Result<bool> {
        return store.HasCatalogEntry(id);
      }));
  if (ops.empty()) return size_t{0};
  size_t entries = 0;
  for (const Op& op : ops) entries += op.field == kTypeField ? 1 : 0;
  CAIRN_RETURN_IF_ERROR(store.CommitServerChange(kCatalogScope, std::move(ops)).status());
  return entries;
}

}  // namespace cairn::server
