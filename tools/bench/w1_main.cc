// W1 of ../shared/workloads/README.md for Cairn: a 10,000-record base, 4 actors each making
// 25,000 single-field updates offline (one change per update), and a server replica merging the
// 4 deltas into a durable SQLite store. Prints one JSON line per mode with the reference
// scripts' keys.
//
//   cairn_bench_w1 prepare --dir D                 base + 4 actors; deltas written to D
//   cairn_bench_w1 merge --dir D --order 0,1,2,3   fresh durable server replica + 4 deltas
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "cairn/replica.h"
#include "workload.h"

namespace cairn::bench {
namespace {

namespace fs = std::filesystem;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

std::unique_ptr<Replica> OpenOrDie(const std::string& path, Durability durability) {
  ReplicaOptions options;
  options.durability = durability;
  auto replica = Replica::Open(path, options);
  if (!replica.ok()) Die(replica.status().ToString());
  return std::move(replica).value();
}

Value ToValue(FieldValue v) {
  if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
  return std::get<int64_t>(v);
}

std::string EntityTable(const std::vector<EntityId>& ids) {
  std::string out;
  for (const EntityId& id : ids) out.append(id.AsBytes());
  return out;
}

std::vector<EntityId> ReadEntityTable(const std::string& path) {
  const std::string bytes = ReadFileOrDie(path);
  std::vector<EntityId> ids;
  for (size_t pos = 0; pos + 16 <= bytes.size(); pos += 16) {
    ids.push_back(Id128::FromBytes(std::string_view(bytes).substr(pos, 16)));
  }
  if (ids.size() != kRecords) Die("entity table in " + path + " is damaged");
  return ids;
}

int Prepare(const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  Stopwatch build;
  auto base = OpenOrDie(dir + "/base.db", Durability::kProcessCrash);
  Mulberry32 rng(kBaseSeed);
  std::vector<EntityId> ids;
  ids.reserve(kRecords);
  for (int r = 0; r < kRecords; ++r) {
    const EntityId id = base->NewEntityId();
    ids.push_back(id);
    std::vector<Op> ops;
    ops.reserve(kFields);
    for (int f = 0; f < kFields; ++f) {
      ops.push_back(Op::Put(id, kFieldNames[f], ToValue(RandomFieldValue(rng, f))));
    }
    if (auto c = base->Commit(std::move(ops)); !c.ok()) Die(c.status().ToString());
  }
  auto base_bytes = base->ExportSince({});
  if (!base_bytes.ok()) Die(base_bytes.status().ToString());
  const double base_build_ms = build.ElapsedMs();
  const VersionVector base_version = base->Version();
  WriteFileOrDie(dir + "/base.bin", *base_bytes);
  WriteFileOrDie(dir + "/entities.bin", EntityTable(ids));
  base.reset();

  std::ostringstream actors;
  double update_ms_max = 0;
  double update_ms_sum = 0;
  size_t delta_bytes = 0;
  size_t delta_gzip = 0;
  size_t delta_zstd = 0;
  for (int k = 0; k < kW1Actors; ++k) {
    auto actor = OpenOrDie(dir + "/actor" + std::to_string(k) + ".db", Durability::kProcessCrash);
    if (auto s = actor->ApplyEncoded(*base_bytes); !s.ok()) Die(s.status().ToString());
    UpdateStream updates(W1ActorSeed(k));
    Stopwatch timer;
    for (int i = 0; i < kW1UpdatesPerActor; ++i) {
      Update u = updates.Next();
      auto c = actor->Commit({Op::Put(ids[u.record], kFieldNames[u.field], ToValue(u.value))});
      if (!c.ok()) Die(c.status().ToString());
    }
    const double update_ms = timer.ElapsedMs();
    Stopwatch encode;
    auto delta = actor->ExportSince(base_version);
    if (!delta.ok()) Die(delta.status().ToString());
    const double delta_encode_ms = encode.ElapsedMs();
    WriteFileOrDie(dir + "/a" + std::to_string(k) + ".bin", *delta);
    update_ms_max = std::max(update_ms_max, update_ms);
    update_ms_sum += update_ms;
    delta_bytes += delta->size();
    delta_gzip += GzipSize(*delta);
    delta_zstd += ZstdSize(*delta);
    actors << (k ? "," : "") << "{\"actor\":" << k << ",\"update_ms\":" << update_ms
           << ",\"updates_per_s\":" << kW1UpdatesPerActor / (update_ms / 1000)
           << ",\"delta_encode_ms\":" << delta_encode_ms << ",\"delta\":" << SizesJson(*delta)
           << "}";
  }
  std::printf(
      "{\"bench\":\"w1\",\"impl\":\"cairn\",\"mode\":\"prepare\",\"base_build_ms\":%.1f,"
      "\"base\":%s,\"actors\":[%s],\"update_ms_max_actor\":%.1f,\"update_ms_mean_actor\":%.1f,"
      "\"delta_bytes_total\":%zu,\"delta_gzip6_total\":%zu,\"delta_zstd3_total\":%zu,"
      "\"bytes_per_update\":%.2f,\"zstd3_bytes_per_update\":%.2f}\n",
      base_build_ms, SizesJson(*base_bytes).c_str(), actors.str().c_str(), update_ms_max,
      update_ms_sum / kW1Actors, delta_bytes, delta_gzip, delta_zstd,
      static_cast<double>(delta_bytes) / (kW1Actors * kW1UpdatesPerActor),
      static_cast<double>(delta_zstd) / (kW1Actors * kW1UpdatesPerActor));
  return 0;
}

// Canonical JSON of the materialised records (sorted keys), as the reference scripts hash it.
std::string CanonicalJson(Replica& replica, const std::vector<EntityId>& ids) {
  std::string json = "{";
  for (int r = 0; r < kRecords; ++r) {
    auto entity = replica.Get(ids[r]);
    if (!entity.ok() || !entity->has_value()) Die("record " + RecordKey(r) + " is missing");
    json.append(r ? ",\"" : "\"").append(RecordKey(r)).append("\":{");
    bool first = true;
    for (const auto& [name, reg] : (*entity)->fields) {  // std::map: sorted names
      json.append(first ? "\"" : ",\"").append(name).append("\":");
      first = false;
      const Value& v = reg.back().value;
      if (const auto* s = std::get_if<std::string>(&v)) {
        json.append("\"").append(*s).append("\"");  // the workload's alphabet needs no escaping
      } else {
        json.append(std::to_string(std::get<int64_t>(v)));
      }
    }
    json.append("}");
  }
  json.append("}");
  return json;
}

int Merge(const std::string& dir, const std::string& order_text) {
  std::vector<int> order;
  std::stringstream order_stream(order_text);
  for (std::string item; std::getline(order_stream, item, ',');) order.push_back(std::stoi(item));
  const std::string base_bytes = ReadFileOrDie(dir + "/base.bin");
  std::vector<std::string> deltas;
  deltas.reserve(order.size());
  for (int k : order) deltas.push_back(ReadFileOrDie(dir + "/a" + std::to_string(k) + ".bin"));
  const std::vector<EntityId> ids = ReadEntityTable(dir + "/entities.bin");

  const std::string path = dir + "/server-" + order_text + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  auto server = OpenOrDie(path, Durability::kPowerLoss);
  Stopwatch load;
  if (auto s = server->ApplyEncoded(base_bytes); !s.ok()) Die(s.status().ToString());
  const double load_base_ms = load.ElapsedMs();

  std::ostringstream per_actor;
  Stopwatch merge;
  for (size_t i = 0; i < deltas.size(); ++i) {
    Stopwatch one;
    auto stats = server->ApplyEncoded(deltas[i]);
    if (!stats.ok()) Die(stats.status().ToString());
    per_actor << (i ? "," : "") << one.ElapsedMs();
  }
  const double merge_ms = merge.ElapsedMs();
  const long rss_after_merge_kb = PeakRssKb();
  // Merged changes are durable in the log; this writes their effect into the entity table too
  // (what the replica otherwise does when its cache fills, before scans, or at close).
  Stopwatch checkpoint;
  if (Status s = server->Checkpoint(); !s.ok()) Die(s.ToString());
  const double checkpoint_ms = checkpoint.ElapsedMs();

  Stopwatch save;
  auto full = server->ExportSince({});
  if (!full.ok()) Die(full.status().ToString());
  const double save_ms = save.ElapsedMs();
  Stopwatch materialize;
  const std::string json = CanonicalJson(*server, ids);
  const double materialize_ms = materialize.ElapsedMs();
  auto state_hash = server->StateHash();
  if (!state_hash.ok()) Die(state_hash.status().ToString());
  std::printf(
      "{\"bench\":\"w1\",\"impl\":\"cairn\",\"mode\":\"merge\",\"order\":\"%s\","
      "\"load_base_ms\":%.1f,\"merge_ms\":%.1f,\"per_actor_ms\":[%s],\"rss_after_merge_kb\":%ld,"
      "\"checkpoint_ms\":%.1f,"
      "\"save_ms\":%.1f,\"full\":%s,\"materialize_ms\":%.1f,\"records\":%d,"
      "\"changes\":%llu,\"state_sha256\":\"%s\",\"replica_state_hash\":\"%s\"}\n",
      order_text.c_str(), load_base_ms, merge_ms, per_actor.str().c_str(), rss_after_merge_kb,
      checkpoint_ms, save_ms, SizesJson(*full).c_str(), materialize_ms, kRecords,
      static_cast<unsigned long long>(server->ChangeCount()), Sha256Hex(json).c_str(),
      state_hash->c_str());
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  const std::string dir = cairn::bench::Arg(argc, argv, "dir", "tmp/w1");
  if (mode == "prepare") return cairn::bench::Prepare(dir);
  if (mode == "merge") {
    return cairn::bench::Merge(dir, cairn::bench::Arg(argc, argv, "order", "0,1,2,3"));
  }
  std::fprintf(stderr, "usage: %s prepare|merge [--dir D] [--order 0,1,2,3]\n", argv[0]);
  return 2;
}
