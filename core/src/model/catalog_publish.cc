#include "cairn/catalog_publish.h"

#include <memory>

namespace cairn {
namespace {

// A definition without its version: two versions with equal content compare equal.
template <typename T>
std::string Content(std::string_view definition) {
  T message;
  if (!message.ParseFromString(std::string(definition))) return std::string(definition);
  if constexpr (!std::is_same_v<T, v1::Issuer>) message.clear_version();
  return message.SerializeAsString();
}

// Plans one entry of `commit`. `versioned` entries are one entity per (id, commit); the others
// (issuers) one entity per id.
template <typename T>
Status PlanEntry(const T& message, std::string_view type, const std::string& commit, bool versioned,
                 std::string_view title, const PublishedCatalog& published, int64_t now_ms,
                 CatalogPublication& out, PublishCounts& counts) {
  if (message.id().empty()) {
    return InvalidArgument("a " + std::string(type) + " in the catalog has no id");
  }
  const std::string definition = message.SerializeAsString();
  // Devices parse every definition they list; one that does not parse back (a string that is
  // not UTF-8 got past the checks) must not be published, or it would be skipped on every
  // device.
  if (T parsed; !parsed.ParseFromString(definition)) {
    return InvalidArgument("the " + std::string(type) + " '" + message.id() +
                           "' does not read back after serialisation (a text field is not valid "
                           "UTF-8?); nothing was published: check the catalog and publish it "
                           "again");
  }
  const std::string content = Content<T>(definition);
  if (const std::string* current = published.Current(type, message.id());
      current != nullptr && Content<T>(*current) == content) {
    ++counts.unchanged;
    return {};
  }
  const EntityId entity = CatalogEntryId(type, message.id(), versioned ? commit : "");
  const std::string* existing = versioned ? published.DefinitionOf(entity) : nullptr;
  if (existing != nullptr && Content<T>(*existing) != content) {
    // A version is immutable: the same commit cannot mean other content.
    ++counts.unchanged;
    return {};
  }
  ++counts.published;
  std::vector<Op>& ops = out.ops;
  if (published.DefinitionOf(entity) == nullptr) {
    ops.push_back(Op::Put(entity, std::string(kTypeField), std::string(type)));
    ops.push_back(Op::Put(entity, "slug", message.id()));
  }
  // An existing version made current again gets its own definition back, byte for byte.
  ops.push_back(Op::Put(entity, "version", commit));
  ops.push_back(Op::Put(entity, "title", std::string(title)));
  ops.push_back(Op::Put(entity, "definition", Blob{existing != nullptr ? *existing : definition}));
  ops.push_back(Op::Put(entity, "published_at_ms", now_ms));
  return {};
}

}  // namespace

EntityId CatalogEntryId(std::string_view type, std::string_view id, std::string_view version) {
  std::string name = "cairn:" + std::string(type) + ":" + std::string(id);
  if (!version.empty()) name += "@" + std::string(version);
  return NameBasedId(name);
}

void PublishedCatalog::Add(const EntityId& entity, std::string_view type, std::string_view id,
                           std::string definition) {
  definitions_[entity] = std::move(definition);
  current_[{std::string(type), std::string(id)}] = entity;
}

const std::string* PublishedCatalog::DefinitionOf(const EntityId& entity) const {
  const auto it = definitions_.find(entity);
  return it == definitions_.end() ? nullptr : &it->second;
}

const std::string* PublishedCatalog::Current(std::string_view type, std::string_view id) const {
  const auto it = current_.find(std::make_pair(std::string(type), std::string(id)));
  return it == current_.end() ? nullptr : DefinitionOf(it->second);
}

Result<CatalogPublication> PlanCatalogPublication(const v1::Catalog& catalog,
                                                  const PublishedCatalog& published,
                                                  int64_t now_ms) {
  if (catalog.commit().empty()) {
    return InvalidArgument("the catalog has no commit id; every version is pinned to one");
  }
  CatalogPublication out;
  // Micro-credentials first: they are what a device's log shows a teacher first.
  for (const v1::MicroCredential& mc : catalog.micro_credentials()) {
    v1::MicroCredential pinned = mc;
    pinned.set_version(catalog.commit());
    CAIRN_RETURN_IF_ERROR(PlanEntry(pinned, kMicroCredentialType, catalog.commit(), true,
                                    mc.title(), published, now_ms, out, out.micro_credentials));
  }
  for (const v1::Stack& stack : catalog.stacks()) {
    v1::Stack pinned = stack;
    pinned.set_version(catalog.commit());
    CAIRN_RETURN_IF_ERROR(PlanEntry(pinned, kStackType, catalog.commit(), true, stack.title(),
                                    published, now_ms, out, out.stacks));
  }
  for (const v1::Issuer& issuer : catalog.issuers()) {
    CAIRN_RETURN_IF_ERROR(PlanEntry(issuer, kIssuerType, catalog.commit(), false, issuer.name(),
                                    published, now_ms, out, out.issuers));
  }
  return out;
}

}  // namespace cairn
