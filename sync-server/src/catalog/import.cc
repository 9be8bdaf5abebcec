#include "catalog/import.h"

#include "catalog/git_source.h"
#include "catalog/publish.h"

namespace cairn::server {

Result<CatalogImport> ImportCatalog(ServerStore& store, const CatalogImportRequest& request) {
  CatalogChecker checker;
  CAIRN_ASSIGN_OR_RETURN(const CatalogTree tree,
                         ReadCatalogTree(request.source, request.ref, request.cache_root, checker));
  CatalogImport out;
  out.commit = tree.commit;
  Result<v1::Catalog> catalog = checker.Finish(tree.commit, tree.files.get(), &out.errors);
  if (!catalog.ok()) {
    if (out.errors.empty()) return catalog.status();
    return out;
  }
  CAIRN_ASSIGN_OR_RETURN(out.publication, PublishCatalog(store, *catalog, request.now_ms));
  return out;
}

}  // namespace cairn::server
