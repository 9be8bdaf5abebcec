// What the catalog scope holds, replayed from the server log for the catalog import. The server
// does not materialise entities (devices do); the catalog's history is small and an import is
// an administrator's command, so reading the catalog scope's changes once per import is cheap.
#include <map>
#include <utility>

#include "cairn/change_codec.h"
#include "store/server_store_impl.h"

namespace cairn::server {

Result<PublishedCatalog> ServerStore::LoadPublishedCatalog() {
  CAIRN_ASSIGN_OR_RETURN(Impl::Reader reader, impl_->AcquireReader());
  CAIRN_ASSIGN_OR_RETURN(
      store::Statement stmt,
      reader->Prepare("SELECT c.payload FROM changes c JOIN scopes s ON s.id = c.scope_id "
                      "WHERE s.name = ?1 ORDER BY c.server_seq"));
  stmt.BindText(1, kCatalogScope);
  // Each entry's type and slug come before its definition in the change that makes it.
  std::map<EntityId, std::pair<std::string, std::string>> entries;
  PublishedCatalog published;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    CAIRN_ASSIGN_OR_RETURN(const std::vector<Change> changes, DecodeChanges(stmt.ColumnBlob(0)));
    for (const Change& change : changes) {
      for (const Op& op : change.ops) {
        if (op.kind != OpKind::kPut) continue;
        const auto* text = std::get_if<std::string>(&op.value);
        if (op.field == kTypeField && text != nullptr) {
          entries[op.entity].first = *text;
        } else if (op.field == "slug" && text != nullptr) {
          entries[op.entity].second = *text;
        } else if (op.field == "definition") {
          const auto* blob = std::get_if<Blob>(&op.value);
          const auto it = entries.find(op.entity);
          if (blob == nullptr || it == entries.end()) {
            return DataLoss("catalog entry " + op.entity.ToString() +
                            " in the server log has a definition but no type or slug");
          }
          published.Add(op.entity, it->second.first, it->second.second, blob->data);
        }
      }
    }
  }
  return published;
}

}  // namespace cairn::server
