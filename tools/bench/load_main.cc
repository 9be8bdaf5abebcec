// The load driver: many simulated devices syncing against one cairn-server process over
// keep-alive TLS connections (load_client.h), for a fixed time after a warm-up. Prints one JSON
// line: syncs/s, latency per sync and per request (p50/p90/p99/max), errors, the client's CPU,
// and the server's CPU and peak RSS read from /proc/PID of the server process.
//
//   cairn_bench_load --port P --pin SHA256 --codes FILE [--devices 1000] [--server-pid PID]
//                    [--ramp-s 5] [--warmup-s 10] [--duration-s 30] [--interval-ms 0]
//                    [--devices-per-user 1] [--host 127.0.0.1] [--seed 1]
// FILE holds one enrolment code per line (tools/bench/run load makes them); device i enrols with
// code i. --devices-per-user only labels the output: which codes belong to which user is the
// run script's choice.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "load_client.h"

namespace cairn::bench {
namespace {

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

// Raises the soft limit on open files to the hard limit; returns the limit in force.
uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process from /proc/PID/stat, in seconds; -1 if unreadable.
double ProcessCpuSeconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may hold spaces
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A "VmHWM:"-style line of /proc/PID/status, in KiB; -1 if unreadable.
long ProcessStatusKb(const std::string& pid, const std::string& key) {
  std::ifstream in("/proc/" + pid + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

std::string NormalisePin(std::string pin) {
  std::erase(pin, ':');
  std::transform(pin.begin(), pin.end(), pin.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return pin;
}

int Main(int argc, char** argv) {
  LoadConfig config;
  config.host = Arg(argc, argv, "host", "127.0.0.1");
  config.port = static_cast<uint16_t>(std::stoi(Arg(argc, argv, "port", "0")));
  config.pin_sha256 = NormalisePin(Arg(argc, argv, "pin", ""));
  config.ramp = std::chrono::milliseconds(
      static_cast<int64_t>(std::stod(Arg(argc, argv, "ramp-s", "5")) * 1000));
  config.warmup = std::chrono::milliseconds(
      static_cast<int64_t>(std::stod(Arg(argc, argv, "warmup-s", "10")) * 1000));
  config.duration = std::chrono::milliseconds(
      static_cast<int64_t>(std::stod(Arg(argc, argv, "duration-s", "30")) * 1000));
  config.interval = std::chrono::milliseconds(std::stoll(Arg(argc, argv, "interval-ms", "0")));
  config.seed = std::stoull(Arg(argc, argv, "seed", "1"));
  const size_t devices = std::stoul(Arg(argc, argv, "devices", "1000"));
  const std::string server_pid = Arg(argc, argv, "server-pid", "");
  const std::string codes_path = Arg(argc, argv, "codes", "");
  if (config.port == 0 || config.pin_sha256.size() != 64 || codes_path.empty()) {
    std::fprintf(stderr, "usage: %s --port P --pin SHA256 --codes FILE [--devices N] ...\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> codes;
  std::istringstream lines(ReadFileOrDie(codes_path));
  for (std::string line; std::getline(lines, line) && codes.size() < devices;) {
    if (!line.empty()) codes.push_back(line);
  }
  if (codes.size() < devices) Die("fewer enrolment codes than devices in " + codes_path);
  const uint64_t open_files = RaiseOpenFileLimit();
  if (open_files < devices + 64) Die("RLIMIT_NOFILE is " + std::to_string(open_files));

  double client_cpu = 0;
  double server_cpu = 0;
  const auto on_window = [&](bool start) {
    const double sign = start ? -1 : 1;
    client_cpu += sign * CpuSeconds();
    if (!server_pid.empty()) server_cpu += sign * ProcessCpuSeconds(server_pid);
  };
  LoadResults r = RunLoad(config, codes, on_window);
  const double window = r.window_s > 0 ? r.window_s : 1;
  std::printf(
      "{\"bench\":\"load\",\"impl\":\"cairn\",\"devices\":%zu,\"devices_per_user\":%s,"
      "\"interval_ms\":%lld,\"warmup_s\":%.1f,\"window_s\":%.2f,\"enrolled\":%llu,"
      "\"connections\":%llu,\"syncs\":%llu,\"syncs_per_s\":%.1f,\"requests_per_s\":%.1f,"
      "\"sync_ms\":%s,\"request_ms\":%s,\"push_ms\":%s,\"pull_ms\":%s,"
      "\"changes_pushed\":%llu,\"changes_pulled\":%llu,"
      "\"errors\":{\"http\":%llu,\"network\":%llu,\"refused_changes\":%llu},"
      "\"client_cpu_pct\":%.1f,\"server_cpu_pct\":%.1f,\"server_peak_rss_kb\":%ld,"
      "\"server_rss_kb\":%ld,\"client_peak_rss_kb\":%ld,\"open_file_limit\":%llu}\n",
      codes.size(), Arg(argc, argv, "devices-per-user", "1").c_str(),
      static_cast<long long>(config.interval.count()),
      static_cast<double>(config.warmup.count()) / 1000.0, window,
      static_cast<unsigned long long>(r.enrolled), static_cast<unsigned long long>(r.connections),
      static_cast<unsigned long long>(r.syncs), static_cast<double>(r.syncs) / window,
      static_cast<double>(r.requests) / window, r.sync.Json().c_str(), r.request.Json().c_str(),
      r.push.Json().c_str(), r.pull.Json().c_str(),
      static_cast<unsigned long long>(r.changes_pushed),
      static_cast<unsigned long long>(r.changes_pulled),
      static_cast<unsigned long long>(r.http_errors),
      static_cast<unsigned long long>(r.network_errors), static_cast<unsigned long long>(r.refused),
      100 * client_cpu / window, server_pid.empty() ? -1.0 : 100 * server_cpu / window,
      server_pid.empty() ? -1L : ProcessStatusKb(server_pid, "VmHWM"),
      server_pid.empty() ? -1L : ProcessStatusKb(server_pid, "VmRSS"), PeakRssKb(),
      static_cast<unsigned long long>(open_files));
  const bool clean =
      r.enrolled == codes.size() && r.http_errors == 0 && r.network_errors == 0 && r.refused == 0;
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace cairn::bench

int main(int argc, char** argv) { return cairn::bench::Main(argc, argv); }
