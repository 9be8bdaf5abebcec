// Turning a checked catalog (catalog_check.h) into catalog-scope changes: which micro-credential,
// stack and issuer entries to write, given what is published already.
//
// Entries: a micro-credential version is the entity named "cairn:micro_credential:<id>@<commit>"
// and a stack version "cairn:stack:<id>@<commit>"; both are immutable once written (a
// submission pins (id, version)). An issuer is one entity per id, "cairn:issuer:<id>", updated
// in place: devices show the issuer's current profile. Every entry has the fields slug,
// version, title, definition (the serialised message) and published_at_ms; the current entry of
// an id is the one whose definition was written last.
//
// An import publishes a new version only of what changed: a micro-credential whose definition
// equals the current one stays at the version it has, so importing a new commit in which one
// file changed writes one entry. Importing an older commit again makes its versions current
// again (their definitions are rewritten, byte for byte the same).
//
// Thread-safety: PublishedCatalog is a value; use it from one thread.
#ifndef CAIRN_CATALOG_PUBLISH_H_
#define CAIRN_CATALOG_PUBLISH_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/change.h"
#include "cairn/ids.h"
#include "cairn/schema.h"
#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn {

// Entity type names of the catalog scope.
inline constexpr std::string_view kMicroCredentialType = "micro_credential";
inline constexpr std::string_view kStackType = "stack";
inline constexpr std::string_view kIssuerType = "issuer";

// The entity of a catalog entry ("cairn:<type>:<id>@<version>"; issuers have no version).
EntityId CatalogEntryId(std::string_view type, std::string_view id, std::string_view version);

// What the catalog already holds, as the publisher compares a new import with it.
class PublishedCatalog {
 public:
  // Records that `entity`, an entry of `type` for `id`, was published with `definition`.
  // Call in publishing order: the last call for a (type, id) makes that entry current.
  void Add(const EntityId& entity, std::string_view type, std::string_view id,
           std::string definition);

  // The definition `entity` was last published with; null if it was never published.
  const std::string* DefinitionOf(const EntityId& entity) const;
  // The current entry's definition for (type, id); null if none.
  const std::string* Current(std::string_view type, std::string_view id) const;

 private:
  std::map<EntityId, std::string> definitions_;
  std::map<std::pair<std::string, std::string>, EntityId, std::less<>> current_;
};

// How many entries of one kind an import published (new versions, or older versions made
// current again) and left unchanged.
struct PublishCounts {
  size_t published = 0;
  size_t unchanged = 0;
};

struct CatalogPublication {
  std::vector<Op> ops;  // empty when nothing changed
  PublishCounts micro_credentials;
  PublishCounts stacks;
  PublishCounts issuers;
};

// The ops that publish `catalog` (checked; catalog.commit() versions it) over `published`.
// InvalidArgument for a catalog without commit or with an entry without id.
Result<CatalogPublication> PlanCatalogPublication(const v1::Catalog& catalog,
                                                  const PublishedCatalog& published,
                                                  int64_t now_ms);

}  // namespace cairn

#endif  // CAIRN_CATALOG_PUBLISH_H_
