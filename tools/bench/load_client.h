// The load test's client: N simulated devices (load_device.h) on one thread, each with its own
// keep-alive HTTP/1.1-over-TLS connection to a cairn-server, driven by Boost.Asio C++20
// coroutines — one coroutine per device, not a thread (1,000 connections from a 2-core machine
// that also runs the server).
//
// Timeline: devices start over `ramp` (connect, TLS handshake, enrol with their code), then sync
// in a loop: make 1 to 5 changes, push them, pull until the server says no more. With `interval`
// zero the loop is closed (the next sync starts when the last ends: the server is saturated);
// otherwise each device starts a sync every `interval` (jittered), an open loop at a set rate.
// Syncs and requests that complete inside the measurement window [warmup, warmup + duration)
// are recorded; at the end of the window the devices stop.
//
// Thread-safety: RunLoad blocks the calling thread and uses no other.
#ifndef CAIRN_TOOLS_BENCH_LOAD_CLIENT_H_
#define CAIRN_TOOLS_BENCH_LOAD_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cairn::bench {

struct LoadConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // Lower-case hex SHA-256 of the server certificate (DER); the connection fails otherwise.
  std::string pin_sha256;
  std::chrono::milliseconds ramp{5'000};
  std::chrono::milliseconds warmup{10'000};
  std::chrono::milliseconds duration{30'000};
  std::chrono::milliseconds interval{0};
  uint64_t seed = 1;
};

// Latencies in milliseconds.
class LatencyLog {
 public:
  void Add(double ms) { ms_.push_back(static_cast<float>(ms)); }
  size_t count() const { return ms_.size(); }
  // {"n":..,"mean":..,"p50":..,"p90":..,"p99":..,"max":..}
  std::string Json();

 private:
  std::vector<float> ms_;
};

struct LoadResults {
  LatencyLog sync;     // push + pulls of one sync
  LatencyLog push;     // one POST /v1/push
  LatencyLog pull;     // one POST /v1/pull
  LatencyLog request;  // both
  uint64_t syncs = 0;  // completed in the window
  uint64_t requests = 0;
  uint64_t changes_pushed = 0;  // whole run
  uint64_t changes_pulled = 0;
  uint64_t refused = 0;
  uint64_t http_errors = 0;     // non-200 answers (whole run)
  uint64_t network_errors = 0;  // connect, TLS, pin, read/write, timeouts (whole run)
  uint64_t connections = 0;     // established
  uint64_t enrolled = 0;
  double window_s = 0;  // actual length of the measurement window
};

// Runs one device per enrolment code. `on_window` is called at the start and the end of the
// measurement window (true, false), for CPU and memory samples.
LoadResults RunLoad(const LoadConfig& config, const std::vector<std::string>& codes,
                    const std::function<void(bool start)>& on_window);

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_LOAD_CLIENT_H_
