// The mobile bridge's figures (issue 13): what the C ABI costs over the C++ API it wraps, and
// the memory of a long capture through the stream API.
//
//   answer:  cairn_pursuit_answer against Device::Answer on a twin store (each call one change
//            committed to SQLite): the ABI adds the UTF-8 check, the id parse, the lock and the
//            error plumbing.
//   list:    cairn_catalog_list (the list serialised to protobuf bytes and copied out) against
//            Device::ListMicroCredentials.
//   sync:    with a server (BRIDGE_SERVER, BRIDGE_PIN, and enrol codes BRIDGE_CODE_CPP and
//            BRIDGE_CODE_ABI of two educators), a sync of BRIDGE_SYNC_CHANGES (default 1000)
//            fresh changes: RunSyncSession over BeastTransport against cairn_sync_run (the same
//            session and transport behind the ABI), BRIDGE_SYNC_ROUNDS (default 5) interleaved.
//   capture: BRIDGE_CAPTURE_BYTES (default 1 GiB) through cairn_capture_write in 256 KiB
//            pieces, against BlobStore::Capture of a file of the same size: throughput of each,
//            and the growth of peak RSS over the capture (it must stay near two chunks, not
//            grow with the recording).
//
// Each small call runs BRIDGE_CALLS times (default 2000), the two sides interleaved in rounds so
// that drift of a noisy machine falls on both. Prints one JSON line.
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "beast_transport.h"
#include "bench_util.h"
#include "cairn.h"
#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "cairn/sync_session.h"

namespace cairn::bench {
namespace {

constexpr uint8_t kKeyFill = 0x5a;

class FillKey final : public KeyProvider {
 public:
  Result<BlobKeyBytes> BlobKey() override {
    BlobKeyBytes key;
    key.fill(kKeyFill);
    return key;
  }
};

cairn_code AbiKey(void* /*user_data*/, uint8_t* key, size_t key_len) {
  for (size_t i = 0; i < key_len; ++i) key[i] = kKeyFill;
  return CAIRN_OK;
}

template <typename T>
T Must(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(*result);
}

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoull(value, nullptr, 10) : fallback;
}

// A store in `dir` with the demo catalog published; the pursuit id of exit-tickets.
std::string MakeStore(const std::string& dir, const v1::Catalog& catalog) {
  std::filesystem::create_directories(dir);
  std::unique_ptr<Device> device = Must(Device::Open(dir + "/device.db"), "open " + dir);
  Must(device->PublishCatalog(catalog), "publish the demo catalog");
  return Must(device->StartPursuit("exit-tickets"), "pursue").ToString();
}

std::string EnvText(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The sync figures: milliseconds per sync of `changes` fresh changes, C++ and ABI, or an empty
// object without a server.
boost::json::object MeasureSync(const std::string& work, uint64_t changes, uint64_t rounds) {
  const std::string url = EnvText("BRIDGE_SERVER");
  if (url.empty()) return {};
  SyncSettings server;
  server.server_url = url;
  server.pin_sha256 = EnvText("BRIDGE_PIN");
  TransportOptions options;
  options.server_url = url;
  options.pin_sha256 = server.pin_sha256;
  std::unique_ptr<BeastTransport> transport =
      Must(BeastTransport::Create(options), "the transport");
  const auto no_sleep = [](std::chrono::milliseconds) {};

  // The C++ device: enrolled, the catalog pulled, a pursuit started.
  std::filesystem::create_directories(work + "/cpp-sync");
  std::unique_ptr<Device> device = Must(Device::Open(work + "/cpp-sync/device.db"), "open");
  {
    SyncSession enrol = Must(SyncSession::Enrol(device->replica(), nullptr, server,
                                                EnvText("BRIDGE_CODE_CPP"), "bench cpp", {}),
                             "enrol cpp");
    if (Status s = RunSyncSession(enrol, *transport, no_sleep); !s.ok()) Die(s.ToString());
  }
  const EntityId cpp_pursuit = Must(device->StartPursuit("exit-tickets"), "pursue cpp");

  // The ABI store, the same way.
  const std::string dir = work + "/abi-sync";
  cairn_store* store = nullptr;
  cairn_error* error = nullptr;
  const auto must_ok = [&error](cairn_code code, const std::string& what) {
    if (code == CAIRN_OK) return;
    Die(what + ": " + (error != nullptr ? std::string(error->message) : "no message"));
  };
  must_ok(cairn_store_open(dir.data(), dir.size(), AbiKey, nullptr, &store, &error), "open abi");
  const std::string code = EnvText("BRIDGE_CODE_ABI");
  cairn_sync* sync = nullptr;
  must_ok(cairn_enrol_begin(store, url.data(), url.size(), server.pin_sha256.data(),
                            server.pin_sha256.size(), code.data(), code.size(), "bench abi", 9,
                            nullptr, &sync, &error),
          "enrol abi");
  must_ok(cairn_sync_run(sync, &error), "enrol abi");
  cairn_sync_free(sync);
  cairn_buffer pursuit{nullptr, 0};
  must_ok(cairn_pursuit_start(store, "exit-tickets", 12, &pursuit, &error), "pursue abi");

  double cpp_ms = 0;
  double abi_ms = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    for (uint64_t i = 0; i < changes; ++i) {
      const std::string text = "Draft " + std::to_string(round * changes + i);
      if (Status s = device->Answer(cpp_pursuit, "context", text); !s.ok()) Die(s.ToString());
      must_ok(cairn_pursuit_answer(store, reinterpret_cast<const char*>(pursuit.data), pursuit.len,
                                   "context", 7, text.data(), text.size(), &error),
              "answer abi");
    }
    {
      Stopwatch watch;
      SyncSession session = Must(SyncSession::Start(device->replica(), nullptr, {}), "sync cpp");
      if (Status s = RunSyncSession(session, *transport, no_sleep); !s.ok()) Die(s.ToString());
      if (session.changes().pushed < changes) Die("the C++ sync did not push every change");
      cpp_ms += watch.ElapsedMs();
    }
    {
      Stopwatch watch;
      must_ok(cairn_sync_begin(store, nullptr, &sync, &error), "sync abi");
      must_ok(cairn_sync_run(sync, &error), "sync abi");
      cairn_sync_free(sync);
      abi_ms += watch.ElapsedMs();
    }
  }
  cairn_buffer_free(&pursuit);
  cairn_store_free(store);
  const auto n = static_cast<double>(rounds);
  return {{"changes", changes},
          {"rounds", rounds},
          {"cpp_ms", cpp_ms / n},
          {"abi_ms", abi_ms / n},
          {"abi_over_cpp", abi_ms / cpp_ms}};
}

// Peak RSS growth in KiB while `body` runs.
template <typename Body>
long PeakGrowthKb(Body&& body) {
  const long before = PeakRssKb();
  body();
  return PeakRssKb() - before;
}

}  // namespace
}  // namespace cairn::bench

int main() {
  using namespace cairn;         // NOLINT(google-build-using-namespace): a driver's main
  using namespace cairn::bench;  // NOLINT(google-build-using-namespace)
  const uint64_t calls = EnvOr("BRIDGE_CALLS", 2000);
  const uint64_t capture_bytes = EnvOr("BRIDGE_CAPTURE_BYTES", uint64_t{1} << 30);
  const std::string work =
      std::filesystem::temp_directory_path() / ("cairn-bench-bridge-" + std::to_string(::getpid()));
  v1::Catalog catalog;
  if (!google::protobuf::TextFormat::ParseFromString(ReadFileOrDie(CAIRN_DEMO_CATALOG), &catalog)) {
    Die("the demo catalog does not parse");
  }

  // The C++ side.
  const std::string cpp_pursuit_text = MakeStore(work + "/cpp", catalog);
  std::unique_ptr<Device> device = Must(Device::Open(work + "/cpp/device.db"), "open cpp");
  FillKey keys;
  std::unique_ptr<BlobStore> blobs = Must(BlobStore::Open(work + "/cpp/blobs", keys), "blobs");
  const EntityId cpp_pursuit = Must(EntityId::Parse(cpp_pursuit_text), "pursuit id");

  // The ABI side.
  const std::string abi_pursuit = MakeStore(work + "/abi", catalog);
  const std::string abi_dir = work + "/abi";
  cairn_store* store = nullptr;
  cairn_error* error = nullptr;
  // Reads `error` after the call it is given the result of has filled it.
  const auto must_ok = [&error](cairn_code code, const std::string& what) {
    if (code == CAIRN_OK) return;
    Die(what + ": " + (error != nullptr ? std::string(error->message) : "no message"));
  };
  must_ok(cairn_store_open(abi_dir.data(), abi_dir.size(), AbiKey, nullptr, &store, &error),
          "cairn_store_open");

  double cpp_answer_ms = 0;
  double abi_answer_ms = 0;
  double cpp_list_ms = 0;
  double abi_list_ms = 0;
  constexpr uint64_t kRounds = 10;
  for (uint64_t round = 0; round < kRounds; ++round) {
    const uint64_t n = calls / kRounds;
    {
      Stopwatch watch;
      for (uint64_t i = 0; i < n; ++i) {
        const std::string text = "Answer " + std::to_string(round * n + i) + " of the context.";
        if (Status s = device->Answer(cpp_pursuit, "context", text); !s.ok()) Die(s.ToString());
      }
      cpp_answer_ms += watch.ElapsedMs();
    }
    {
      Stopwatch watch;
      for (uint64_t i = 0; i < n; ++i) {
        const std::string text = "Answer " + std::to_string(round * n + i) + " of the context.";
        must_ok(cairn_pursuit_answer(store, abi_pursuit.data(), abi_pursuit.size(), "context", 7,
                                     text.data(), text.size(), &error),
                "cairn_pursuit_answer");
      }
      abi_answer_ms += watch.ElapsedMs();
    }
    {
      Stopwatch watch;
      for (uint64_t i = 0; i < n; ++i) {
        if (Must(device->ListMicroCredentials(), "list").empty()) Die("an empty catalog");
      }
      cpp_list_ms += watch.ElapsedMs();
    }
    {
      Stopwatch watch;
      for (uint64_t i = 0; i < n; ++i) {
        cairn_buffer out{nullptr, 0};
        must_ok(cairn_catalog_list(store, &out, &error), "cairn_catalog_list");
        if (out.len == 0) Die("an empty catalog");
        cairn_buffer_free(&out);
      }
      abi_list_ms += watch.ElapsedMs();
    }
  }
  const uint64_t made = calls / kRounds * kRounds;  // whole rounds
  const auto done = static_cast<double>(made);

  const boost::json::object sync =
      MeasureSync(work, EnvOr("BRIDGE_SYNC_CHANGES", 1000), EnvOr("BRIDGE_SYNC_ROUNDS", 5));

  // The long capture: first through the stream API, then a file of the same size as the
  // baseline (a sparse file, so that making it costs no time; zeros seal like any bytes).
  std::string piece(size_t{256} * 1024, '\0');
  const std::string mp4_head(
      "\x00\x00\x00\x18"
      "ftypmp42",
      12);
  piece.replace(0, mp4_head.size(), mp4_head);
  double stream_ms = 0;
  const long stream_rss_kb = PeakGrowthKb([&] {
    Stopwatch watch;
    cairn_capture* capture = nullptr;
    must_ok(cairn_capture_begin(store, abi_pursuit.data(), abi_pursuit.size(), "classroom-video",
                                15, nullptr, 0, &capture, &error),
            "cairn_capture_begin");
    for (uint64_t at = 0; at < capture_bytes; at += piece.size()) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), capture_bytes - at));
      must_ok(
          cairn_capture_write(capture, reinterpret_cast<const uint8_t*>(piece.data()), n, &error),
          "cairn_capture_write");
      if (at == 0) piece.replace(0, mp4_head.size(), std::string(mp4_head.size(), '\0'));
    }
    cairn_buffer id{nullptr, 0};
    must_ok(cairn_capture_finish(capture, &id, &error), "cairn_capture_finish");
    cairn_buffer_free(&id);
    cairn_capture_free(capture);
    stream_ms = watch.ElapsedMs();
  });
  const std::string file = work + "/recording.mp4";
  {
    FILE* f = std::fopen(file.c_str(), "wb");
    if (f == nullptr) Die("cannot make " + file);
    // Different first bytes than the stream's, so that the blob is not held already.
    std::fwrite(
        "\x00\x00\x00\x18"
        "ftypisom",
        1, 12, f);
    std::fclose(f);
    std::filesystem::resize_file(file, capture_bytes);
  }
  Stopwatch file_watch;
  const EvidenceRef from_file = Must(blobs->Capture(file), "capture the file");
  const double file_ms = file_watch.ElapsedMs();
  if (from_file.size != capture_bytes) Die("the file capture has the wrong size");

  cairn_store_free(store);
  blobs.reset();
  device.reset();
  std::filesystem::remove_all(work);

  const double mb = static_cast<double>(capture_bytes) / 1e6;
  boost::json::object out;
  out["workload"] = "bridge";
  out["calls"] = made;
  out["answer_us"] = {{"cpp", cpp_answer_ms * 1000 / done},
                      {"abi", abi_answer_ms * 1000 / done},
                      {"abi_over_cpp", abi_answer_ms / cpp_answer_ms}};
  out["catalog_list_us"] = {{"cpp", cpp_list_ms * 1000 / done},
                            {"abi", abi_list_ms * 1000 / done},
                            {"abi_over_cpp", abi_list_ms / cpp_list_ms}};
  if (!sync.empty()) out["sync"] = sync;
  out["capture"] = {{"bytes", capture_bytes},
                    {"stream_mb_per_s", mb / (stream_ms / 1000)},
                    {"file_mb_per_s", mb / (file_ms / 1000)},
                    {"stream_over_file", file_ms / stream_ms},
                    {"stream_peak_rss_growth_kib", stream_rss_kb},
                    {"peak_rss_kib", PeakRssKb()}};
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
