// cairn catalog publish | list | search | show
#include "cairn/catalog_search.h"
#include "catalog_file.h"
#include "command_table.h"
#include "commands.h"
#include "format.h"
#include "views.h"

namespace cairn::cli {

int RunCatalogPublish(Invocation& inv) {
  Result<v1::Catalog> catalog = ReadCatalogFile(inv.arg(0));
  if (!catalog.ok()) return inv.Fail(catalog.status());
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<CatalogPublication> published = (*device)->PublishCatalog(*catalog);
  if (!published.ok()) return inv.Fail(published.status());

  const PublishCounts& mcs = published->micro_credentials;
  inv.out() << (mcs.published + published->stacks.published + published->issuers.published > 0
                    ? "published "
                    : "already published: ")
            << Plural(catalog->micro_credentials_size(), "micro-credential") << " at version "
            << catalog->commit() << " (" << mcs.published << " new, " << mcs.unchanged
            << " unchanged)\n";
  for (const v1::MicroCredential& mc : catalog->micro_credentials()) {
    inv.out() << "  " << mc.id() << "  " << mc.title() << "\n";
  }
  return kExitOk;
}

int RunCatalogList(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<std::vector<v1::MicroCredential>> all = (*device)->ListMicroCredentials();
  if (!all.ok()) return inv.Fail(all.status());
  Result<std::vector<v1::Stack>> stacks = (*device)->ListStacks();
  if (!stacks.ok()) return inv.Fail(stacks.status());
  PrintCatalogList(*all, *stacks, inv.json(), inv.out());
  return kExitOk;
}

int RunCatalogSearch(Invocation& inv) {
  const std::string& query = inv.arg(0);
  if (query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return inv.UsageError("TEXT is empty; give a word to look for, e.g. 'exit tickets'");
  }
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<std::vector<v1::MicroCredential>> all = (*device)->ListMicroCredentials();
  if (!all.ok()) return inv.Fail(all.status());
  Result<std::vector<v1::Stack>> stacks = (*device)->ListStacks();
  if (!stacks.ok()) return inv.Fail(stacks.status());
  PrintCatalogSearch(query, SearchCatalog(*all, *stacks, query), *stacks, inv.json(), inv.out());
  return kExitOk;
}

int RunCatalogShow(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<v1::MicroCredential> mc = (*device)->GetMicroCredential(inv.arg(0));
  if (!mc.ok()) return inv.Fail(mc.status());
  Result<std::vector<v1::Stack>> stacks = (*device)->ListStacks();
  if (!stacks.ok()) return inv.Fail(stacks.status());
  if (Status s = PrintMicroCredential(*mc, *stacks, inv.json(), inv.out()); !s.ok()) {
    return inv.Fail(s);
  }
  return kExitOk;
}

}  // namespace cairn::cli
