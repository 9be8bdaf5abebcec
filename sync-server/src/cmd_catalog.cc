// `cairn-server catalog publish FILE`: publishes a catalog file (cairn.v1.Catalog in protobuf
// text format) as changes of the catalog scope, which every device pulls on its next sync.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cairn/catalog_text.h"
#include "catalog/publish.h"
#include "commands.h"

namespace cairn::server::cli {

int RunCatalogPublish(Invocation& inv) {
  const std::string& path = inv.args()[0];
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return inv.Fail(NotFound("cannot read catalog file " + path + ": " + std::strerror(errno)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  Result<v1::Catalog> catalog = ParseCatalogText(text.str(), path);
  if (!catalog.ok()) return inv.Fail(catalog.status());
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<size_t> published = PublishCatalog(**store, *catalog, SystemEnv().clock->NowMillis());
  if (!published.ok()) return inv.Fail(published.status().Annotate("publishing " + path));
  inv.out() << "published " << *published << " new micro-credential version"
            << (*published == 1 ? "" : "s") << " of commit " << catalog->commit() << " ("
            << catalog->micro_credentials_size() - static_cast<int>(*published)
            << " already published)\n";
  return kExitOk;
}

}  // namespace cairn::server::cli
