// W3 of ../shared/workloads/README.md for Cairn: a resumable upload of 1 GiB over loopback TLS to
// a `cairn-server serve` process, through the real device upload engine — BlobStore::Capture
// (encryption at rest), then RunBlobUploads (blob_sync.h) over BeastTransport, as `cairn sync`
// does. Prints one JSON line.
//
//   cairn_bench_w3 run --dir D --src FILE --url https://127.0.0.1:PORT --pin SHA256
//                      --codes CODE_A,CODE_B --server-pid PID --server-data DATA
//       Two devices of two educators (CODE_A, CODE_B: enrol codes of different users, so that
//       the second upload is not answered "present" by the first) share one blob store in D:
//       1. capture: device A captures FILE (timed on its own, reported apart: it is not upload);
//          both devices record it as evidence of a pursuit and sync the change.
//       2. upload: a child process uploads it for device A, straight to the server; throughput
//          = size / time from its first request to the answer that says PRESENT (MB = 10^6).
//       3. kill+resume: device B talks to the server through a counting TCP relay in this
//          process (FaultProxy, no faults); a child uploads, is SIGKILLed once the server's
//          partial file holds half of the blob, and a new child resumes. Reported: the relay's
//          bytes client->server over both runs against the file size, and the server's own count
//          of chunk bytes it received (its /metrics) minus the file size: the bytes sent twice.
//       Then the server's blob file is hashed against the source's SHA-256, and the server's
//       peak RSS read from /proc/PID/status (VmHWM).
//       --compress 0 turns off the transport's zstd attempt on request bodies (diagnosis only;
//       `cairn sync` leaves it on).
//   cairn_bench_w3 upload --db DB --blobs DIR --key FILE [--compress 0]
//       the child: uploads every blob device DB's evidence needs; prints one JSON line with its
//       timing, the uploader's and the transport's counters and its own VmHWM.
//
// Peak RSS of a child is its own VmHWM (/proc/self/status, or /proc/PID/status just before the
// kill): getrusage's ru_maxrss of a forked child would carry the parent's high-water mark
// across exec.
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill, SIGKILL
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "beast_transport.h"
#include "bench_util.h"
#include "cairn/blob_store.h"
#include "cairn/blob_sync.h"
#include "cairn/device.h"
#include "cairn/sync.h"
#include "cairn/v1/blob.pb.h"
#include "faultproxy.h"

namespace cairn::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kMicroCredential = "exit-tickets";  // tools/cli/demo_catalog
constexpr std::string_view kRequirement = "classroom-video";

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 2; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

std::string RequiredArg(int argc, char** argv, const std::string& name) {
  std::string value = Arg(argc, argv, name, "");
  if (value.empty()) Die("missing --" + name);
  return value;
}

template <typename T>
T Check(Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what + ": " + result.status().ToString());
  return std::move(result).value();
}

void Check(const Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

// VmHWM of /proc/PID/status ("self" for this process), in KiB; 0 if unreadable.
uint64_t PeakRssKbOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6));
  }
  return 0;
}

// User + system CPU time of process PID so far (/proc/PID/stat), in ms; 0 if unreadable.
double CpuMsOf(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  std::getline(in, stat);
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state; 14 utime, 15 stime
    if (i == 14 || i == 15) ticks += std::strtod(field.c_str(), nullptr);
    if (i == 15) break;
  }
  return ticks * 1e3 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double MbPerS(uint64_t bytes, double ms) {
  return ms <= 0 ? 0 : static_cast<double>(bytes) / 1e6 / (ms / 1e3);
}

// Records when the first request starts and the last answer ends.
class TimedTransport final : public Transport {
 public:
  explicit TimedTransport(Transport& inner) : inner_(inner) {}
  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    if (!first_) first_ = Clock::now();
    ++requests_;
    Result<HttpResponse> response = inner_.RoundTrip(request);
    last_ = Clock::now();
    return response;
  }
  bool StreamsBodies() const override { return inner_.StreamsBodies(); }
  Result<HttpResponse> RoundTripStreamed(const HttpRequest& head, uint64_t body_size,
                                         BodySource& body) override {
    if (!first_) first_ = Clock::now();
    ++requests_;
    Result<HttpResponse> response = inner_.RoundTripStreamed(head, body_size, body);
    last_ = Clock::now();
    return response;
  }
  double ElapsedMs() const {
    if (!first_) return 0;
    return std::chrono::duration<double, std::milli>(last_ - *first_).count();
  }
  uint64_t requests() const { return requests_; }

 private:
  Transport& inner_;
  std::optional<Clock::time_point> first_;
  Clock::time_point last_{};
  uint64_t requests_ = 0;
};

std::unique_ptr<BeastTransport> TransportTo(const std::string& url, const std::string& pin,
                                            bool compress = true) {
  TransportOptions options;
  options.server_url = url;
  options.pin_sha256 = pin;
  options.compress = compress;
  options.request_timeout = std::chrono::minutes(5);
  return Check(BeastTransport::Create(options), "transport to " + url);
}

// ---------------------------------------------------------------------------------------------
// The child: one upload run.

int Upload(int argc, char** argv) {
  const std::string db = RequiredArg(argc, argv, "db");
  const std::string blob_dir = RequiredArg(argc, argv, "blobs");
  const std::string key_file = RequiredArg(argc, argv, "key");

  std::unique_ptr<Device> device = Check(Device::Open(db), "opening " + db);
  FileKeyProvider keys(key_file);
  std::unique_ptr<BlobStore> store = Check(BlobStore::Open(blob_dir, keys), "blob store");
  std::optional<SyncSettings> settings =
      Check(LoadSyncSettings(device->replica()), "sync settings");
  if (!settings) Die("the device store is not enrolled");
  // --compress 0 is for diagnosis only: `cairn sync` compresses (TransportOptions' default).
  std::unique_ptr<BeastTransport> beast = TransportTo(settings->server_url, settings->pin_sha256,
                                                      Arg(argc, argv, "compress", "1") != "0");
  TimedTransport transport(*beast);

  BlobTransferOptions options;  // as `cairn sync`: no policy hold on an unmetered network
  UploadReport report;
  const Stopwatch wall;
  const Status status =
      RunBlobUploads(device->replica(), *store, transport, options, nullptr, &report);
  const double wall_ms = wall.ElapsedMs();
  if (!status.ok()) Die("upload: " + status.ToString());
  if (!report.failed.empty()) Die("upload refused: " + report.failed[0].second.ToString());

  const double ms = transport.ElapsedMs();
  std::ostringstream out;
  out << "{\"ms\":" << ms << ",\"wall_ms\":" << wall_ms << ",\"uploaded\":" << report.uploaded
      << ",\"already_present\":" << report.already_present
      << ",\"known_uploaded\":" << report.known_uploaded
      << ",\"chunk_bytes_sent\":" << report.chunk_bytes_sent << ",\"requests\":" << report.requests
      << ",\"failed_requests\":" << report.failed_requests
      << ",\"http_bytes_sent\":" << beast->bytes_sent()
      << ",\"http_bytes_received\":" << beast->bytes_received()
      << ",\"connections\":" << beast->connections_opened()
      << ",\"client_cpu_ms\":" << CpuMsOf("self")
      << ",\"client_max_rss_kb\":" << PeakRssKbOf("self") << "}";
  std::printf("%s\n", out.str().c_str());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The parent.

struct Child {
  pid_t pid = -1;
  std::string out_file;
};

Child SpawnUpload(const std::string& self, const std::string& db, const std::string& blobs,
                  const std::string& key, const std::string& compress,
                  const std::string& out_file) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) Die("fork: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    const int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) _exit(127);
    ::close(fd);
    std::vector<std::string> args = {self,  "upload", "--db", db,           "--blobs",
                                     blobs, "--key",  key,    "--compress", compress};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(self.c_str(), argv.data());
    _exit(127);
  }
  return {pid, out_file};
}

// Waits for the child; returns its exit status (128 + signal when killed).
int WaitFor(const Child& child) {
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR) Die("waitpid: " + std::string(std::strerror(errno)));
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::string ChildJson(const Child& child) {
  std::ifstream in(child.out_file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.starts_with("{")) last = line;
  }
  if (last.empty()) Die("the upload child printed no result (" + child.out_file + ")");
  return last;
}

// A number from a flat JSON object ("key":N); 0 if absent.
double JsonNumber(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const size_t at = json.find(k);
  if (at == std::string::npos) return 0;
  return std::strtod(json.c_str() + at + k.size(), nullptr);
}

// A device store enrolled with the server at `url` (the direct one or the relay's), with the
// catalog pulled and one pursuit.
struct DeviceSetup {
  std::unique_ptr<Device> device;
  EntityId pursuit;
  std::string token;
};

DeviceSetup MakeDevice(const std::string& home, const std::string& url, const std::string& pin,
                       const std::string& code, const std::string& name) {
  fs::create_directories(home);
  DeviceSetup d;
  d.device = Check(Device::Open(home + "/device.db"), "creating the store in " + home);
  std::unique_ptr<BeastTransport> transport = TransportTo(url, pin);
  SyncSettings server;
  server.server_url = url;
  server.pin_sha256 = pin;
  Check(Enrol(d.device->replica(), *transport, server, code, name), "enrolling " + name);
  Check(RunSync(d.device->replica(), *transport).status(), "first sync of " + name);
  d.pursuit = Check(d.device->StartPursuit(kMicroCredential), "pursuit");
  std::optional<SyncSettings> saved = Check(LoadSyncSettings(d.device->replica()), "settings");
  d.token = saved->token;
  return d;
}

void RecordEvidence(DeviceSetup& d, const EvidenceRef& ref, const std::string& url,
                    const std::string& pin) {
  Check(d.device->AddEvidence(d.pursuit, kRequirement, ref, "W3 upload").status(), "evidence");
  std::unique_ptr<BeastTransport> transport = TransportTo(url, pin);
  SyncReport report = Check(RunSync(d.device->replica(), *transport), "sync of the evidence");
  if (!report.refused.empty()) Die("the server refused the evidence change");
}

v1::BlobStatus BlobStatusOf(Transport& transport, const std::string& token,
                            const std::string& hex) {
  HttpRequest request{"GET", "/v1/blobs/" + hex + "/status", "Bearer " + token, "", ""};
  HttpResponse response = Check(transport.RoundTrip(request), "GET blob status");
  // 503 while a cut request is still taking in the bytes that were on their way: ask again.
  for (int i = 0; i < 100 && response.status == 503; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    response = Check(transport.RoundTrip(request), "GET blob status");
  }
  if (response.status != 200) Die("GET blob status: " + StatusFromHttp(response).ToString());
  v1::BlobStatus status;
  if (!status.ParseFromString(response.body)) Die("GET blob status: not a BlobStatus");
  return status;
}

// The server's Prometheus counters, by name.
std::map<std::string, double> Metrics(Transport& transport) {
  HttpResponse response =
      Check(transport.RoundTrip({"GET", "/metrics", "", "", ""}), "GET /metrics");
  std::map<std::string, double> out;
  std::istringstream in(response.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

std::string FileSha256Hex(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) Die("open " + path + ": " + std::strerror(errno));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  ssize_t n = 0;
  while ((n = ::read(fd, buffer.data(), buffer.size())) > 0) {
    EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  std::array<unsigned char, 32> digest{};
  EVP_DigestFinal_ex(ctx, digest.data(), nullptr);
  EVP_MD_CTX_free(ctx);
  Sha256 sha;
  std::copy(digest.begin(), digest.end(), sha.begin());
  return cairn::Sha256Hex(sha);
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// DATA/blobs/partial/<scope>/<sha>, once it exists.
std::string PartialFile(const std::string& data, const std::string& hex) {
  std::error_code ec;
  for (const auto& scope : fs::directory_iterator(data + "/blobs/partial", ec)) {
    const fs::path candidate = scope.path() / hex;
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  return "";
}

int Run(int argc, char** argv) {
  const std::string dir = RequiredArg(argc, argv, "dir");
  const std::string src = RequiredArg(argc, argv, "src");
  const std::string url = RequiredArg(argc, argv, "url");
  const std::string pin = RequiredArg(argc, argv, "pin");
  const std::string codes = RequiredArg(argc, argv, "codes");
  const std::string server_pid = RequiredArg(argc, argv, "server-pid");
  const std::string data = RequiredArg(argc, argv, "server-data");
  const std::string compress = Arg(argc, argv, "compress", "1");
  const size_t comma = codes.find(',');
  if (comma == std::string::npos) Die("--codes needs two enrol codes, CODE_A,CODE_B");
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  fs::create_directories(dir);
  const std::string blobs = dir + "/blobs";
  const std::string key = dir + "/blob.key";

  // 1. Capture (device A), and the evidence change on both devices.
  DeviceSetup a = MakeDevice(dir + "/a", url, pin, codes.substr(0, comma), "w3-a");
  FileKeyProvider keys(key);
  std::unique_ptr<BlobStore> store = Check(BlobStore::Open(blobs, keys), "blob store");
  const Stopwatch capture_watch;
  const EvidenceRef ref = Check(store->Capture(src), "capture of " + src);
  const double capture_ms = capture_watch.ElapsedMs();
  const uint64_t capture_rss_kb = PeakRssKbOf("self");
  const std::string hex = cairn::Sha256Hex(ref.sha256);
  store.reset();
  RecordEvidence(a, ref, url, pin);

  FaultProxy::Options relay_options;
  const size_t colon = url.rfind(':');
  relay_options.target_port = static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
  FaultProxy relay(relay_options);
  Check(relay.Start(), "starting the counting relay");
  const std::string relay_url = "https://127.0.0.1:" + std::to_string(relay.port());
  DeviceSetup b = MakeDevice(dir + "/b", relay_url, pin, codes.substr(comma + 1), "w3-b");
  RecordEvidence(b, ref, relay_url, pin);
  a.device.reset();  // the children open the stores
  b.device.reset();

  std::unique_ptr<BeastTransport> direct = TransportTo(url, pin);
  ::sync();

  // 2. Uninterrupted upload.
  const double server_cpu0 = CpuMsOf(server_pid);
  const Child up =
      SpawnUpload(self, dir + "/a/device.db", blobs, key, compress, dir + "/upload-a.json");
  if (const int rc = WaitFor(up); rc != 0) Die("the upload child exited " + std::to_string(rc));
  const std::string up_json = ChildJson(up);
  const double up_ms = JsonNumber(up_json, "ms");
  if (BlobStatusOf(*direct, a.token, hex).state() != v1::BLOB_STATE_PRESENT) {
    Die("after the upload the server does not say PRESENT");
  }
  const double server_cpu_ms = CpuMsOf(server_pid) - server_cpu0;
  const uint64_t server_rss_after_upload = PeakRssKbOf(server_pid);
  ::sync();

  // 3. Kill at half, resume.
  const std::map<std::string, double> metrics_before = Metrics(*direct);
  const FaultProxy::Stats relay0 = relay.stats();
  const Child first =
      SpawnUpload(self, dir + "/b/device.db", blobs, key, compress, dir + "/upload-b1.json");
  const uint64_t kill_at = ref.size / 2;
  uint64_t stored_at_kill = 0;
  uint64_t killed_child_rss_kb = 0;
  const Stopwatch first_watch;
  std::string partial;
  while (true) {
    int status = 0;
    if (::waitpid(first.pid, &status, WNOHANG) == first.pid) {
      Die("the upload child ended before it was killed; the blob may be too small to kill at 50%");
    }
    if (partial.empty()) partial = PartialFile(data, hex);
    if (!partial.empty()) {
      stored_at_kill = FileSize(partial);
      if (stored_at_kill >= kill_at) {
        killed_child_rss_kb = PeakRssKbOf(std::to_string(first.pid));
        ::kill(first.pid, SIGKILL);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const int killed = WaitFor(first);
  const double first_ms = first_watch.ElapsedMs();
  // Where the server says to resume, once it has settled (it may still be writing what it had
  // received when the connection was cut).
  uint64_t verified_after_kill = 0;
  for (int same = 0, i = 0; same < 3 && i < 100; ++i) {
    const uint64_t v = BlobStatusOf(*direct, b.token, hex).verified_bytes();
    same = v == verified_after_kill ? same + 1 : 0;
    verified_after_kill = v;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const FaultProxy::Stats relay1 = relay.stats();
  const Child second =
      SpawnUpload(self, dir + "/b/device.db", blobs, key, compress, dir + "/upload-b2.json");
  if (const int rc = WaitFor(second); rc != 0) {
    Die("the resuming child exited " + std::to_string(rc));
  }
  const std::string resume_json = ChildJson(second);
  const FaultProxy::Stats relay2 = relay.stats();
  const std::map<std::string, double> metrics_after = Metrics(*direct);
  relay.Stop();
  if (BlobStatusOf(*direct, b.token, hex).state() != v1::BLOB_STATE_PRESENT) {
    Die("after the resumed upload the server does not say PRESENT");
  }

  // 4. The server's copy, hashed.
  const std::string stored = data + "/blobs/" + hex.substr(0, 2) + "/" + hex;
  const std::string stored_hex = FileSha256Hex(stored);
  const std::string src_hex = FileSha256Hex(src);
  const uint64_t server_rss = PeakRssKbOf(server_pid);

  const auto delta = [&](const std::string& name) {
    const auto after = metrics_after.find(name);
    const auto before = metrics_before.find(name);
    if (after == metrics_after.end()) return -1.0;
    return after->second - (before == metrics_before.end() ? 0.0 : before->second);
  };
  const double received = delta("cairn_blob_bytes_received_total");
  const uint64_t wire1 = relay1.bytes_client_to_server - relay0.bytes_client_to_server;
  const uint64_t wire = relay2.bytes_client_to_server - relay0.bytes_client_to_server;
  const auto size = static_cast<double>(ref.size);

  std::ostringstream out;
  out.precision(10);
  out << R"({"bench":"w3","impl":"cairn","size":)" << ref.size << R"(,"chunk":)" << kBlobChunkBytes
      << R"(,"sha256":")" << hex << R"(","media_type":")" << ref.media_type << "\""
      << R"(,"capture":{"ms":)" << capture_ms << R"(,"mb_per_s":)" << MbPerS(ref.size, capture_ms)
      << R"(,"max_rss_kb":)" << capture_rss_kb << "}"
      << R"(,"upload":{"ms":)" << up_ms << R"(,"mb_per_s":)" << MbPerS(ref.size, up_ms)
      << R"(,"child":)" << up_json << R"(,"server_cpu_ms":)" << server_cpu_ms
      << R"(,"server_max_rss_kb":)" << server_rss_after_upload << "}"
      << R"(,"resume":{"kill_at":)" << kill_at << R"(,"killed_signal":)" << (killed - 128)
      << R"(,"stored_at_kill":)" << stored_at_kill << R"(,"first_ms":)" << first_ms
      << R"(,"killed_client_max_rss_kb":)" << killed_child_rss_kb << R"(,"offset_after_kill":)"
      << verified_after_kill << R"(,"resume_ms":)" << JsonNumber(resume_json, "ms")
      << R"(,"child":)" << resume_json << R"(,"wire_bytes_phase1":)" << wire1
      << R"(,"phase1_wire_bytes_not_kept":)" << static_cast<int64_t>(wire1 - verified_after_kill)
      << R"(,"wire_bytes_total":)" << wire << R"(,"wire_overhead_bytes":)"
      << static_cast<int64_t>(wire - ref.size) << R"(,"wire_ratio":)"
      << static_cast<double>(wire) / size << R"(,"server_chunk_bytes_received":)" << received
      << R"(,"resent_chunk_bytes":)" << (received < 0 ? -1 : received - size)
      << R"(,"resent_chunks":)" << (received < 0 ? -1 : (received - size) / kBlobChunkBytes)
      << R"(,"server_sha256_matches":)" << (stored_hex == hex && src_hex == hex ? "true" : "false")
      << "}"
      << R"(,"server_max_rss_kb":)" << server_rss << "}";
  std::printf("%s\n", out.str().c_str());
  if (stored_hex != hex || src_hex != hex) Die("the server's copy does not hash to the source's");
  return 0;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "run") return cairn::bench::Run(argc, argv);
  if (mode == "upload") return cairn::bench::Upload(argc, argv);
  std::fprintf(stderr,
               "usage: cairn_bench_w3 run --dir D --src FILE --url URL --pin SHA256 "
               "--codes A,B --server-pid PID --server-data DIR\n"
               "       cairn_bench_w3 upload --db DB --blobs DIR --key FILE\n");
  return 2;
}
