// cairn init --server … --enrol … | sync: enrolment with a sync server, and syncing.
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "beast_transport.h"
#include "cairn/sync.h"
#include "commands.h"
#include "format.h"
#include "json_writer.h"
#include "store.h"

namespace cairn::cli {
namespace {

Result<std::unique_ptr<BeastTransport>> TransportFor(const SyncSettings& settings) {
  TransportOptions options;
  options.server_url = settings.server_url;
  options.pin_sha256 = settings.pin_sha256;
  options.ca_file = settings.ca_file;
  return BeastTransport::Create(options);
}

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "cairn cli";
  return name;
}

}  // namespace

int EnrolStore(Invocation& inv, Device& device, const std::string& db_path, bool created) {
  const std::optional<std::string> server = inv.option("server");
  const std::optional<std::string> code = inv.option("enrol");
  if (!code) return inv.UsageError("--server needs --enrol CODE (cairn-server enrol-code USER)");
  SyncSettings settings;
  settings.server_url = *server;
  settings.pin_sha256 = inv.option("pin").value_or("");
  settings.ca_file = inv.option("ca-file").value_or("");
  Status s = [&]() -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<BeastTransport> transport, TransportFor(settings));
    return Enrol(device.replica(), *transport, settings, *code,
                 inv.option("device-name").value_or(HostName()));
  }();
  if (!s.ok()) {
    if (!created) return inv.Fail(s.Annotate("enrolling with " + *server));
    // Nothing half-made stays behind: the same command can simply be run again.
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db_path + suffix, ec);
    }
    return inv.Fail(s.Annotate("enrolling with " + *server + " (no device store was kept)"));
  }
  Result<std::optional<SyncSettings>> saved = LoadSyncSettings(device.replica());
  if (!saved.ok() || !saved->has_value()) return inv.Fail(saved.status());
  inv.out() << "enrolled with " << (*saved)->server_url << " as user " << (*saved)->user_id << " ("
            << (*saved)->role << ")\n";
  return kExitOk;
}

int RunSync(Invocation& inv) {
  Result<Device*> device = inv.OpenDevice();
  if (!device.ok()) return inv.Fail(device.status());
  Replica& replica = (*device)->replica();
  Result<std::optional<SyncSettings>> settings = LoadSyncSettings(replica);
  if (!settings.ok()) return inv.Fail(settings.status());
  if (!settings->has_value()) {
    return inv.Fail(FailedPrecondition(
        "this device is not enrolled with a server; create an enrolled store with "
        "'cairn init --server URL --enrol CODE'"));
  }
  Result<std::unique_ptr<BeastTransport>> transport = TransportFor(**settings);
  if (!transport.ok()) return inv.Fail(transport.status());
  Result<SyncReport> report = cairn::RunSync(replica, **transport);
  if (!report.ok()) {
    inv.Fail(report.status().Annotate("sync with " + (*settings)->server_url));
    return report.status().code() == Code::kUnavailable ? kExitUnreachable : kExitError;
  }
  const SyncReport& r = *report;
  if (inv.json()) {
    JsonWriter json(inv.out());
    json.BeginObject()
        .Key("pushed")
        .Uint(r.pushed)
        .Key("duplicates")
        .Uint(r.duplicates)
        .Key("pulled")
        .Uint(r.pulled)
        .Key("requests")
        .Uint(r.push_requests + r.pull_requests)
        .Key("bytes_sent")
        .Uint((*transport)->bytes_sent())
        .Key("bytes_received")
        .Uint((*transport)->bytes_received())
        .Key("refused")
        .BeginArray();
    for (const RefusedChangeReport& refused : r.refused) {
      json.BeginObject()
          .Key("seq")
          .Uint(refused.seq)
          .Key("code")
          .String(CodeName(refused.code))
          .Key("message")
          .String(refused.message)
          .Key("blocked")
          .Bool(refused.blocked)
          .EndObject();
    }
    json.EndArray().EndObject();
    inv.out() << "\n";
  } else {
    inv.out() << "pushed " << Plural(r.pushed, "change");
    if (r.duplicates > 0) inv.out() << " (" << r.duplicates << " the server already had)";
    inv.out() << ", pulled " << Plural(r.pulled, "change") << " in "
              << Plural(r.push_requests + r.pull_requests, "request") << " ("
              << (*transport)->bytes_sent() << " bytes sent, " << (*transport)->bytes_received()
              << " received)\n";
    size_t blocked = 0;
    for (const RefusedChangeReport& refused : r.refused) {
      if (refused.blocked) {
        ++blocked;
      } else {
        inv.out() << "refused change " << refused.seq << ": " << refused.message << "\n";
      }
    }
    if (blocked > 0) {
      inv.out() << Plural(blocked, "later change")
                << " wait behind the refused one and will go once it is fixed\n";
    }
  }
  return r.refused.empty() ? kExitOk : kExitRefused;
}

}  // namespace cairn::cli
