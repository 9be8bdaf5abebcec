// SimulatedDevice: the client side of one device in the load test, without a Replica. It makes
// small changes as a teacher's phone would (one pursuit, then 1 to 5 edits of its reflection and
// answers per sync), and speaks the sync protocol (schemas/cairn/v1/sync.proto) exactly as the
// sync engine does: enrol once, push every unacknowledged change, pull from its cursor until the
// server says no more. It is sans-I/O: it makes request bodies and consumes response bodies.
//
// Why no Replica: 1,000 devices with an SQLite store each would spend the 2-core machine's CPU
// (and fsyncs: the engine makes a store durable before every push) on the clients, when the load
// test is about the server; the server side stays the real thing.
//
// Thread-safety: not thread-safe; one device, one strand of control.
#ifndef CAIRN_TOOLS_BENCH_LOAD_DEVICE_H_
#define CAIRN_TOOLS_BENCH_LOAD_DEVICE_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/change.h"
#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn::bench {

class SimulatedDevice {
 public:
  SimulatedDevice(uint64_t seed, std::string enrol_code);

  bool enrolled() const { return !token_.empty(); }
  const std::string& token() const { return token_; }

  // POST /v1/enrol body, and its answer.
  std::string EnrolBody() const;
  Status HandleEnrol(std::string_view body);

  // Makes 1 to 5 new changes (the first ever also creates the device's pursuit).
  void Edit();
  bool HasUnsent() const { return !unsent_.empty(); }

  // POST /v1/push body with every unacknowledged change, and its answer. Refused changes are
  // counted and dropped (a device would show them to the teacher).
  std::string PushBody() const;
  Status HandlePush(std::string_view body);

  // POST /v1/pull body, and its answer; `*more` says whether to pull again.
  std::string PullBody() const;
  Status HandlePull(std::string_view body, bool* more);

  uint64_t pushed() const { return pushed_; }
  uint64_t pulled() const { return pulled_; }
  uint64_t refused() const { return refused_; }

 private:
  Hlc Tick();
  std::string RandomText(size_t length);

  std::mt19937_64 rng_;
  std::string code_;
  ActorId actor_;
  std::string token_;
  EntityId pursuit_;
  uint64_t seq_ = 0;
  Hlc hlc_ = 0;
  uint64_t cursor_ = 0;
  std::vector<Change> unsent_;
  uint64_t pushed_ = 0;
  uint64_t pulled_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_LOAD_DEVICE_H_
