// W2 of ../shared/workloads/README.md for Cairn: the cost of syncing 100 new updates between two
// devices of one educator as the history behind them grows (H = 10k, 100k, 1M updates). Prints
// one JSON line with the reference scripts' keys where they exist.
//
//   cairn_bench_w2 inproc --dir D --h H [--reps 5]
//       builds the history in D (w2_setup.h, untimed), then `reps` times: B commits 100 updates
//       (seed 3000 + rep, one change each, untimed) and the timed exchange runs — RunSync(B)
//       (push the 100, pull) then RunSync(A) (pull the 100), again while A and B differ — over an
//       in-process transport to the real server store.
//   cairn_bench_w2 tls --dir D --url https://127.0.0.1:PORT --pin SHA256 [--reps 5] [--h H]
//       the same exchange on the stores an `inproc` run left in D, against `cairn-server --data
//       D/server serve` over TLS on loopback (BeastTransport, one keep-alive connection per
//       device); B's updates use seeds 3000 + reps + rep so they differ from the inproc ones.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "beast_transport.h"
#include "bench_util.h"
#include "cairn/sync.h"
#include "w2_setup.h"
#include "workload.h"

namespace cairn::bench {
namespace {

constexpr int kNewUpdates = 100;

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

Value ToValue(FieldValue v) {
  if (auto* s = std::get_if<std::string>(&v)) return std::move(*s);
  return std::get<int64_t>(v);
}

// B's 100 new updates, one Commit (one change, one transaction) each.
void MakeUpdates(Replica& b, const std::vector<EntityId>& ids, uint32_t seed) {
  UpdateStream updates(seed);
  for (int i = 0; i < kNewUpdates; ++i) {
    Update u = updates.Next();
    auto c = b.Commit({Op::Put(ids[u.record], kFieldNames[u.field], ToValue(std::move(u.value)))});
    if (!c.ok()) Die("B's update: " + c.status().ToString());
  }
}

// CPU time (user + system) of the calling thread, in ms: with the in-process server, the
// exchange's CPU work on both sides, without its waits for fsync.
double ThreadCpuMs() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
}

struct Exchange {
  double ms = 0;
  double cpu_ms = 0;
  double b_ms = 0;  // B's syncs (push the 100, pull nothing new)
  double a_ms = 0;  // A's syncs (pull the 100)
  int syncs = 0;
  uint64_t bytes_up = 0;    // request bodies, both devices
  uint64_t bytes_down = 0;  // response bodies
  uint64_t requests = 0;
  uint64_t pushed = 0;
  uint64_t pulled = 0;
};

void Add(Exchange& e, const SyncReport& r) {
  if (!r.refused.empty())
    Die("the server refused change " + std::to_string(r.refused[0].seq) + ": " +
        r.refused[0].message);
  e.bytes_up += r.bytes_sent;
  e.bytes_down += r.bytes_received;
  e.requests += r.push_requests + r.pull_requests;
  e.pushed += r.pushed;
  e.pulled += r.pulled;
  ++e.syncs;
}

// The timed exchange: B then A sync until both hold the same changes.
Exchange RunExchange(Replica& a, Transport& to_a, Replica& b, Transport& to_b) {
  Exchange e;
  const double cpu_start = ThreadCpuMs();
  Stopwatch total;
  for (int round = 0; round < 4; ++round) {
    Stopwatch b_time;
    auto rb = RunSync(b, to_b);
    if (!rb.ok()) Die("B's sync: " + rb.status().ToString());
    e.b_ms += b_time.ElapsedMs();
    Add(e, *rb);
    Stopwatch a_time;
    auto ra = RunSync(a, to_a);
    if (!ra.ok()) Die("A's sync: " + ra.status().ToString());
    e.a_ms += a_time.ElapsedMs();
    Add(e, *ra);
    if (a.Version() == b.Version()) break;
  }
  e.ms = total.ElapsedMs();
  e.cpu_ms = ThreadCpuMs() - cpu_start;
  return e;
}

std::string HashOrDie(Replica& replica) {
  auto hash = replica.StateHash();
  if (!hash.ok()) Die(hash.status().ToString());
  return *hash;
}

double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

// The "sync" object of the JSON line: times over the repetitions, sizes of the median one.
std::string SyncJson(const std::vector<Exchange>& reps, const std::string& extra) {
  std::vector<double> ms, b_ms, a_ms, cpu_ms;
  for (const Exchange& e : reps) {
    ms.push_back(e.ms);
    cpu_ms.push_back(e.cpu_ms);
    b_ms.push_back(e.b_ms);
    a_ms.push_back(e.a_ms);
  }
  const Exchange& last = reps.back();
  std::ostringstream out;
  out << "{\"ms\":" << Median(ms) << ",\"min_ms\":" << *std::min_element(ms.begin(), ms.end())
      << ",\"max_ms\":" << *std::max_element(ms.begin(), ms.end())
      << ",\"cpu_ms\":" << Median(cpu_ms) << ",\"b_sync_ms\":" << Median(b_ms)
      << ",\"a_sync_ms\":" << Median(a_ms) << ",\"bytes\":" << last.bytes_up + last.bytes_down
      << ",\"bytes_up\":" << last.bytes_up << ",\"bytes_down\":" << last.bytes_down
      << ",\"requests\":" << last.requests << ",\"syncs\":" << last.syncs
      << ",\"pushed\":" << last.pushed << ",\"pulled\":" << last.pulled << extra << ",\"reps\":[";
  for (size_t i = 0; i < ms.size(); ++i) out << (i ? "," : "") << ms[i];
  out << "]}";
  return out.str();
}

// What the Beast transport and the server put on the wire for these bodies: zstd level 3 for
// bodies of 1 KiB and more when that is smaller.
uint64_t WireBodyBytes(const std::vector<std::string>& bodies) {
  uint64_t total = 0;
  for (const std::string& body : bodies) {
    total += body.size() >= BeastTransport::kMinCompressBytes
                 ? std::min(body.size(), ZstdSize(body))
                 : body.size();
  }
  return total;
}

int RunInProcess(const W2Paths& paths, uint64_t history, int reps) {
  std::filesystem::remove_all(paths.dir);
  std::filesystem::create_directories(paths.dir);
  Stopwatch setup;
  auto server = OpenInProcessServer(paths);
  auto a = OpenDevice(paths.a());
  auto b = OpenDevice(paths.b());
  const std::vector<EntityId> ids = BuildW2History(paths, *server, *a, *b, history);
  const double setup_ms = setup.ElapsedMs();
  const long setup_rss_kb = PeakRssKb();
  if (HashOrDie(*a) != HashOrDie(*b)) Die("A and B differ after the setup");

  std::vector<Exchange> results;
  bool converged = true;
  uint64_t zstd_up = 0;
  uint64_t zstd_down = 0;
  std::vector<double> server_ms;
  for (int rep = 0; rep < reps; ++rep) {
    MakeUpdates(*b, ids, kW2NewSeed + static_cast<uint32_t>(rep));
    server->transport->StartRecording();
    results.push_back(RunExchange(*a, *server->transport, *b, *server->transport));
    server->transport->StopRecording();
    server_ms.push_back(server->transport->server_ms());
    zstd_up = WireBodyBytes(server->transport->sent());
    zstd_down = WireBodyBytes(server->transport->received());
    converged = converged && HashOrDie(*a) == HashOrDie(*b);
  }
  std::ostringstream extra;
  extra << ",\"zstd_bytes\":" << zstd_up + zstd_down << ",\"zstd_bytes_up\":" << zstd_up
        << ",\"zstd_bytes_down\":" << zstd_down << ",\"server_ms\":" << Median(server_ms);
  std::printf(
      "{\"bench\":\"w2\",\"impl\":\"cairn\",\"variant\":\"inproc\",\"H\":%llu,"
      "\"new_updates\":%d,\"reps\":%d,\"setup_ms\":%.0f,\"history_changes\":%llu,"
      "\"sync\":%s,\"converged\":%s,\"state_hash\":\"%s\",\"setup_rss_kb\":%ld,\"rss_kb\":%ld}\n",
      static_cast<unsigned long long>(history), kNewUpdates, reps, setup_ms,
      static_cast<unsigned long long>(a->ChangeCount()), SyncJson(results, extra.str()).c_str(),
      converged ? "true" : "false", HashOrDie(*a).c_str(), setup_rss_kb, PeakRssKb());
  return converged ? 0 : 1;
}

std::unique_ptr<BeastTransport> Connect(const std::string& url, const std::string& pin) {
  TransportOptions options;
  options.server_url = url;
  options.pin_sha256 = pin;
  auto transport = BeastTransport::Create(options);
  if (!transport.ok()) Die("transport: " + transport.status().ToString());
  return std::move(transport).value();
}

int RunTls(const W2Paths& paths, const std::string& url, const std::string& pin,
           const std::string& history, int reps) {
  const std::vector<EntityId> ids = ReadEntityIds(paths);
  auto a = OpenDevice(paths.a());
  auto b = OpenDevice(paths.b());
  auto to_a = Connect(url, pin);
  auto to_b = Connect(url, pin);
  // Connections (TCP + TLS) are made by a first, empty sync of each device, outside the timing:
  // the exchange is measured on warm keep-alive connections, as the in-process one.
  Stopwatch connect;
  RunExchange(*a, *to_a, *b, *to_b);
  const double connect_ms = connect.ElapsedMs();

  std::vector<Exchange> results;
  bool converged = true;
  uint64_t wire_up = 0;
  uint64_t wire_down = 0;
  for (int rep = 0; rep < reps; ++rep) {
    MakeUpdates(*b, ids, kW2NewSeed + static_cast<uint32_t>(reps + rep));
    const uint64_t up0 = to_a->bytes_sent() + to_b->bytes_sent();
    const uint64_t down0 = to_a->bytes_received() + to_b->bytes_received();
    results.push_back(RunExchange(*a, *to_a, *b, *to_b));
    wire_up = to_a->bytes_sent() + to_b->bytes_sent() - up0;
    wire_down = to_a->bytes_received() + to_b->bytes_received() - down0;
    converged = converged && HashOrDie(*a) == HashOrDie(*b);
  }
  std::ostringstream extra;
  extra << ",\"wire_bytes\":" << wire_up + wire_down << ",\"wire_bytes_up\":" << wire_up
        << ",\"wire_bytes_down\":" << wire_down
        << ",\"connections\":" << to_a->connections_opened() + to_b->connections_opened()
        << ",\"connect_ms\":" << connect_ms;
  std::printf(
      "{\"bench\":\"w2\",\"impl\":\"cairn\",\"variant\":\"tls\",\"H\":%s,\"new_updates\":%d,"
      "\"reps\":%d,\"history_changes\":%llu,\"sync\":%s,\"converged\":%s,\"rss_kb\":%ld}\n",
      history.c_str(), kNewUpdates, reps, static_cast<unsigned long long>(a->ChangeCount()),
      SyncJson(results, extra.str()).c_str(), converged ? "true" : "false", PeakRssKb());
  return converged ? 0 : 1;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  using cairn::bench::Arg;
  const std::string mode = argc > 1 ? argv[1] : "";
  const cairn::bench::W2Paths paths(Arg(argc, argv, "dir", "tmp/w2"));
  const int reps = std::stoi(Arg(argc, argv, "reps", "5"));
  if (mode == "inproc") {
    return cairn::bench::RunInProcess(paths, std::stoull(Arg(argc, argv, "h", "10000")), reps);
  }
  if (mode == "tls") {
    return cairn::bench::RunTls(paths, Arg(argc, argv, "url", ""), Arg(argc, argv, "pin", ""),
                                Arg(argc, argv, "h", "null"), reps);
  }
  std::fprintf(stderr,
               "usage: %s inproc --dir D --h H [--reps 5]\n"
               "       %s tls --dir D --url URL --pin SHA256 [--reps 5] [--h H]\n",
               argv[0], argv[0]);
  return 2;
}
