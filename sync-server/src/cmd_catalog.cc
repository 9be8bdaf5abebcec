// `cairn-server catalog publish FILE` and `cairn-server catalog import REPO [--ref REF]`:
// publish a catalog (checked as a whole first) as changes of the catalog scope, which every
// device pulls on its next sync. docs/catalog-format.md describes both inputs.
#include <filesystem>

#include "cairn/catalog_text.h"
#include "catalog/import.h"
#include "catalog/publish.h"
#include "commands.h"

namespace cairn::server::cli {
namespace {

std::string Plural(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// "  micro-credentials  2 published, 10 unchanged", columns aligned.
void PrintCounts(std::ostream& out, std::string_view kind, const PublishCounts& counts) {
  out << "  " << kind << std::string(kind.size() < 19 ? 19 - kind.size() : 1, ' ')
      << counts.published << " published, " << counts.unchanged << " unchanged\n";
}

void PrintPublication(std::ostream& out, const CatalogPublication& publication) {
  PrintCounts(out, "micro-credentials", publication.micro_credentials);
  PrintCounts(out, "stacks", publication.stacks);
  PrintCounts(out, "issuers", publication.issuers);
}

}  // namespace

int RunCatalogPublish(Invocation& inv) {
  const std::string& path = inv.args()[0];
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxCatalogFileBytes) {
    return inv.Fail(InvalidArgument(path + ":1:1: the file is " + std::to_string(size) +
                                    " bytes; catalog files are at most " +
                                    std::to_string(kMaxCatalogFileBytes) +
                                    " bytes (1 MiB): import a repository instead "
                                    "(docs/catalog-format.md)"));
  }
  // Badge images are read from the file's directory.
  Result<v1::Catalog> catalog = ParseCatalogFile(path);
  if (!catalog.ok()) return inv.Fail(catalog.status());
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<CatalogPublication> published =
      PublishCatalog(**store, *catalog, SystemEnv().clock->NowMillis());
  if (!published.ok()) return inv.Fail(published.status().Annotate("publishing " + path));
  inv.out() << "published commit " << catalog->commit() << " of " << path << "\n";
  PrintPublication(inv.out(), *published);
  return kExitOk;
}

int RunCatalogImport(Invocation& inv) {
  CatalogImportRequest request;
  request.source = inv.args()[0];
  request.ref = inv.Option("ref").value_or("");
  request.cache_root = inv.DataDir() + "/catalog-sources";
  request.now_ms = SystemEnv().clock->NowMillis();
  if (Status s = inv.EnsureDataDir(); !s.ok()) return inv.Fail(s);
  Result<std::unique_ptr<ServerStore>> store = inv.OpenStore();
  if (!store.ok()) return inv.Fail(store.status());
  Result<CatalogImport> imported = ImportCatalog(**store, request);
  if (!imported.ok()) return inv.Fail(imported.status());
  const std::string ref = request.ref.empty() ? "HEAD" : request.ref;
  if (!imported->errors.empty()) {
    for (const CatalogError& error : imported->errors) inv.err() << error.ToString() << "\n";
    return inv.Fail(InvalidArgument(request.source + " at " + ref + " (commit " + imported->commit +
                                    ") has " + Plural(imported->errors.size(), "error") +
                                    "; nothing was published. Fix them, commit and import again"));
  }
  inv.out() << "imported commit " << imported->commit << " (" << ref << ") of " << request.source
            << "\n";
  PrintPublication(inv.out(), imported->publication);
  return kExitOk;
}

}  // namespace cairn::server::cli
