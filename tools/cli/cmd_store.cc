// cairn init | status | conflicts | resolve | log | export | import | help
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "command_table.h"
#include "commands.h"
#include "files.h"
#include "format.h"
#include "store.h"
#include "views.h"

namespace cairn::cli {

int RunInit(Invocation& inv) {
  Result<std::string> home = inv.Home();
  if (!home.ok()) return inv.Fail(home.status());
  for (const char* needs_server : {"enrol", "pin", "ca-file", "device-name"}) {
    if (inv.option(needs_server) && !inv.option("server")) {
      return inv.UsageError("--" + std::string(needs_server) + " goes with --server URL");
    }
  }
  if (inv.option("server") && std::filesystem::exists(DatabasePath(*home))) {
    // An existing store that has been used offline is enrolled as it is.
    Result<Device*> existing = inv.OpenDevice();
    if (!existing.ok()) return inv.Fail(existing.status());
    return EnrolStore(inv, **existing, DatabasePath(*home), /*created=*/false);
  }
  Result<std::unique_ptr<Device>> device = CreateStore(*home, inv.err());
  if (!device.ok()) return inv.Fail(device.status());
  inv.out() << "created device store " << DatabasePath(*home) << "\n"
            << "actor " << (*device)->replica().actor().ToString() << "\n";
  if (inv.option("server")) {
    return EnrolStore(inv, **device, DatabasePath(*home), /*created=*/true);
  }
  return kExitOk;
}

int RunStatus(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = PrintStatus(**device, inv.json(), inv.out()); !s.ok()) return inv.Fail(s);
  return kExitOk;
}

int RunConflicts(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = PrintConflicts(**device, inv.json(), inv.out()); !s.ok()) return inv.Fail(s);
  return kExitOk;
}

int RunResolve(Invocation& inv) {
  const std::optional<EntityId> entity = inv.IdArg(0, "ENTITY");
  if (!entity) return kExitUsage;
  const std::string text = inv.TextArg(2);
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = (*device)->Resolve(*entity, inv.arg(1), text); !s.ok()) return inv.Fail(s);
  inv.out() << "resolved " << inv.arg(1) << " of " << entity->ToString() << "\n";
  return kExitOk;
}

int RunLog(Invocation& inv) {
  LogOptions options;
  options.json = inv.json();
  if (const std::optional<std::string> limit = inv.option("limit")) {
    size_t n = 0;
    const char* end = limit->data() + limit->size();
    const auto [ptr, ec] = std::from_chars(limit->data(), end, n);
    if (ec != std::errc() || ptr != end || n == 0) {
      return inv.UsageError("--limit '" + *limit + "' is not a number of changes greater than 0");
    }
    options.limit = n;
  }
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  if (Status s = PrintLog((*device)->replica(), options, inv.out()); !s.ok()) return inv.Fail(s);
  return kExitOk;
}

int RunExport(Invocation& inv) {
  const std::string& path = inv.arg(0);
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  // Everything: the export starts from the empty version vector.
  Result<std::string> batch = (*device)->replica().ExportSince({});
  if (!batch.ok()) return inv.Fail(batch.status());
  const uint64_t changes = (*device)->replica().ChangeCount();
  if (path == "-") {
    inv.out().write(batch->data(), static_cast<std::streamsize>(batch->size()));
    inv.out().flush();
    inv.err() << "exported " << Plural(changes, "change") << " (" << HumanSize(batch->size())
              << ")\n";
    return kExitOk;
  }
  if (Status s = WriteFileAtomically(path, *batch); !s.ok()) return inv.Fail(s);
  inv.out() << "exported " << Plural(changes, "change") << " (" << HumanSize(batch->size())
            << ") to " << path << "\n";
  return kExitOk;
}

int RunImport(Invocation& inv) {
  const std::string& path = inv.arg(0);
  Result<std::string> batch = std::string();
  if (path == "-") {
    batch = std::string{std::istreambuf_iterator<char>(inv.in()), std::istreambuf_iterator<char>()};
  } else {
    batch = ReadWholeFile(path);
  }
  if (!batch.ok()) return inv.Fail(batch.status());
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Result<ApplyStats> stats = (*device)->replica().ApplyEncoded(*batch);
  if (!stats.ok()) return inv.Fail(stats.status().Annotate("cannot import " + path));
  inv.out() << "applied " << Plural(stats->applied, "change") << ", " << stats->duplicates
            << " duplicate" << (stats->duplicates == 1 ? "" : "s") << "\n";
  return kExitOk;
}

int RunHelp(Invocation& inv) {
  if (inv.args().empty()) {
    inv.out() << HelpText();
    return kExitOk;
  }
  size_t words = 0;
  const CommandSpec* spec = FindCommand(inv.args(), &words);
  if (spec == nullptr && inv.args().size() == 1 && IsCommandGroup(inv.arg(0))) {
    inv.out() << GroupUsage(inv.arg(0));
    return kExitOk;
  }
  if (spec == nullptr || words != inv.args().size()) {
    std::string name;
    for (const std::string& word : inv.args()) name += (name.empty() ? "" : " ") + word;
    return inv.UsageError("no command '" + name + "'; 'cairn help' lists them");
  }
  inv.out() << CommandHelp(*spec);
  return kExitOk;
}

}  // namespace cairn::cli
