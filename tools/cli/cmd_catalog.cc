// cairn catalog publish | list | show
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
  const uint64_t before = (*device)->replica().ChangeCount();
  if (Status s = (*device)->PublishCatalog(*catalog); !s.ok()) return inv.Fail(s);

  const bool changed = (*device)->replica().ChangeCount() != before;
  inv.out() << (changed ? "published " : "already published: ")
            << Plural(catalog->micro_credentials_size(), "micro-credential") << " at version "
            << catalog->commit() << "\n";
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
  PrintCatalogList(*all, inv.json(), inv.out());
  return kExitOk;
}

int RunCatalogShow(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<v1::MicroCredential> mc = (*device)->GetMicroCredential(inv.arg(0));
  if (!mc.ok()) return inv.Fail(mc.status());
  if (Status s = PrintMicroCredential(*mc, inv.json(), inv.out()); !s.ok()) return inv.Fail(s);
  return kExitOk;
}

}  // namespace cairn::cli
