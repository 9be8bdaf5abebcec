#include "w2_setup.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>

#include "bench_util.h"
#include "cairn/device.h"
#include "cairn/hlc.h"
#include "cairn/sync.h"
#include "workload.h"

namespace cairn::bench {
namespace {

// Changes applied to A and pushed to the server per step of the setup.
constexpr size_t kSetupBatch = 10'000;

template <typename T>
T OrDie(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(result).value();
}

void OrDie(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

Value ToValue(FieldValue v) {
  if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
  return std::get<int64_t>(v);
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Makes A's changes as Replica::Commit would (A's actor, the next seq, a growing HLC, no deps:
// A has seen nobody else's changes), applies them to A and pushes them to the server as A.
class HistoryWriter {
 public:
  HistoryWriter(Replica& a, server::ServerStore& store, server::Principal principal)
      : a_(a),
        store_(store),
        principal_(std::move(principal)),
        // A minute in the past: every stamp stays behind the server's clock (1M changes move
        // the 16-bit counter into the milliseconds by only ~16 ms).
        hlc_(MakeHlc(WallMillis() - 60'000, 0)) {}

  void Add(std::vector<Op> ops) {
    Change change;
    change.actor = a_.actor();
    change.seq = ++seq_;
    change.hlc = ++hlc_;
    change.ops = std::move(ops);
    batch_.push_back(std::move(change));
    if (batch_.size() == kSetupBatch) Flush();
  }

  // Applies and pushes what is pending; returns the last seq.
  uint64_t Flush() {
    if (batch_.empty()) return seq_;
    const ApplyStats stats = OrDie(a_.Apply(batch_), "applying A's history");
    if (stats.applied != batch_.size()) Die("A's history was not applied whole");
    const server::PushResult pushed = OrDie(store_.Push(principal_, batch_), "pushing history");
    if (pushed.accepted != batch_.size()) {
      Die("the server refused A's history: " +
          (pushed.refused.empty() ? std::string("?") : pushed.refused[0].error.ToString()));
    }
    batch_.clear();
    return seq_;
  }

 private:
  Replica& a_;
  server::ServerStore& store_;
  server::Principal principal_;
  Hlc hlc_;
  uint64_t seq_ = 0;
  std::vector<Change> batch_;
};

void Enrol(Replica& device, InProcessServer& server, const std::string& user_id,
           const std::string& name) {
  const std::string code = OrDie(server.store->NewEnrolCode(user_id), "new enrol code");
  SyncSettings settings;
  settings.server_url = "https://127.0.0.1";  // the in-process variant ignores it
  OrDie(cairn::Enrol(device, *server.transport, settings, code, name), "enrolling " + name);
}

}  // namespace

std::unique_ptr<Replica> OpenDevice(const std::string& path) {
  ReplicaOptions options;
  options.schema = &CairnSchema();
  options.durability = Durability::kProcessCrash;
  return OrDie(Replica::Open(path, options), "opening " + path);
}

std::unique_ptr<InProcessServer> OpenInProcessServer(const W2Paths& paths) {
  std::filesystem::create_directories(paths.server_dir());
  ::chmod(paths.server_dir().c_str(), 0700);  // as cairn-server makes its data directory
  auto server = std::make_unique<InProcessServer>();
  server->store = OrDie(server::ServerStore::Open(paths.server_db()), "opening the server store");
  server->service = std::make_unique<server::Service>(*server->store, server->metrics);
  server->transport = std::make_unique<InProcessTransport>(*server->service);
  return server;
}

std::vector<EntityId> BuildW2History(const W2Paths& paths, InProcessServer& server, Replica& a,
                                     Replica& b, uint64_t history) {
  const server::User user =
      OrDie(server.store->AddUser("W2 educator", server::Role::kEducator), "adding the user");
  Enrol(a, server, user.id, "device 1 (A)");
  Enrol(b, server, user.id, "device 2 (B)");
  SyncSettings settings_a = OrDie(LoadSyncSettings(a), "A's settings").value();
  server::Principal principal =
      OrDie(server.store->Authenticate(settings_a.token), "authenticating A");

  HistoryWriter writer(a, *server.store, principal);
  // The W1 base: one change per record; a pursuit's first change puts its type.
  Mulberry32 rng(kBaseSeed);
  std::vector<EntityId> ids;
  ids.reserve(kRecords);
  for (int r = 0; r < kRecords; ++r) {
    const EntityId id = a.NewEntityId();
    ids.push_back(id);
    std::vector<Op> ops;
    ops.reserve(kFields + 1);
    ops.push_back(Op::Put(id, std::string(kTypeField), std::string(kPursuitType)));
    for (int f = 0; f < kFields; ++f) {
      ops.push_back(Op::Put(id, kFieldNames[f], ToValue(RandomFieldValue(rng, f))));
    }
    writer.Add(std::move(ops));
  }
  UpdateStream updates(kW2HistorySeed);
  for (uint64_t i = 0; i < history; ++i) {
    Update u = updates.Next();
    writer.Add({Op::Put(ids[u.record], kFieldNames[u.field], ToValue(std::move(u.value)))});
  }
  settings_a.acknowledged_seq = writer.Flush();
  OrDie(SaveSyncSettings(a, settings_a), "saving A's settings");

  // B pulls the history through the sync engine; A pulls too, which moves its cursor past its
  // own changes (the server skips them), as after a real sync.
  OrDie(RunSync(b, *server.transport), "B's first sync");
  OrDie(RunSync(a, *server.transport), "A's first sync");

  std::string table;
  for (const EntityId& id : ids) table.append(id.AsBytes());
  WriteFileOrDie(paths.entities(), table);
  return ids;
}

std::vector<EntityId> ReadEntityIds(const W2Paths& paths) {
  const std::string bytes = ReadFileOrDie(paths.entities());
  std::vector<EntityId> ids;
  for (size_t pos = 0; pos + 16 <= bytes.size(); pos += 16) {
    ids.push_back(Id128::FromBytes(std::string_view(bytes).substr(pos, 16)));
  }
  if (ids.size() != kRecords) Die("the entity table " + paths.entities() + " is damaged");
  return ids;
}

}  // namespace cairn::bench
