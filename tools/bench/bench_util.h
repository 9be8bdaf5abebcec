// Small helpers shared by the benchmark drivers: timing, peak RSS, compressed sizes, files.
#ifndef CAIRN_TOOLS_BENCH_BENCH_UTIL_H_
#define CAIRN_TOOLS_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double ElapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Peak resident set size of this process so far, in KiB (getrusage ru_maxrss).
long PeakRssKb();

size_t GzipSize(std::string_view data, int level = 6);
size_t ZstdSize(std::string_view data, int level = 3);

// `{"bytes":N,"gzip6":N,"zstd3":N}`
std::string SizesJson(std::string_view data);

// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, std::string_view data);

// Aborts the benchmark with a message when a Cairn call fails: a benchmark that silently
// measures an error is worse than none.
[[noreturn]] void Die(const std::string& message);

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_BENCH_UTIL_H_
