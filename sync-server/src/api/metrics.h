// Metrics: the counters and histograms the server exposes at /metrics in the Prometheus text
// format (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Thread-safety: every method may be called from any thread; counters are atomics and the
// per-route table is guarded by a mutex.
#ifndef CAIRN_SERVER_API_METRICS_H_
#define CAIRN_SERVER_API_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cairn::server {

class Metrics {
 public:
  // One HTTP exchange: its route ("/v1/push", or "other" for unknown paths, so that hostile
  // paths cannot grow the table), status, wall time, and body sizes on the wire.
  void CountRequest(std::string_view route, int status, double seconds, uint64_t bytes_in,
                    uint64_t bytes_out);
  // Changes of one push: applied, already held, refused (including blocked).
  void CountChanges(uint64_t accepted, uint64_t duplicates, uint64_t refused);
  // Changes sent in pull answers.
  void CountPulled(uint64_t changes);
  // One chunk upload request: body bytes taken, bytes of chunks verified and written, chunks
  // refused for not matching their hash, and whether it completed its blob.
  void CountBlobUpload(uint64_t received, uint64_t verified, uint64_t refused, bool completed);
  void ConnectionOpened();
  void ConnectionClosed();

  std::string RenderPrometheus() const;

  // Upper bounds (seconds) of the latency histogram's buckets.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

 private:
  struct RouteStats {
    std::map<int, uint64_t> by_status;
    std::array<uint64_t, kLatencyBuckets.size() + 1> buckets{};  // last = +Inf
    double seconds_sum = 0;
    uint64_t count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, RouteStats, std::less<>> routes_;
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
  std::atomic<uint64_t> changes_accepted_{0};
  std::atomic<uint64_t> changes_duplicate_{0};
  std::atomic<uint64_t> changes_refused_{0};
  std::atomic<uint64_t> changes_pulled_{0};
  std::atomic<uint64_t> blob_bytes_received_{0};
  std::atomic<uint64_t> blob_bytes_verified_{0};
  std::atomic<uint64_t> blob_chunks_refused_{0};
  std::atomic<uint64_t> blobs_completed_{0};
  std::atomic<int64_t> connections_open_{0};
  std::atomic<uint64_t> connections_total_{0};
};

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_METRICS_H_
