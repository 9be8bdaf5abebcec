// Env: the clock and the randomness the core uses, injected so that tests can skew, freeze and
// replay them. The core never reads the system clock or /dev/urandom except through an Env.
//
// Thread-safety: implementations must be safe to call from the thread that owns the replica;
// the system Env is safe from any thread.
#ifndef CAIRN_ENV_H_
#define CAIRN_ENV_H_

#include <cstdint>
#include <span>

namespace cairn {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch. May jump backwards; the HLC copes.
  virtual int64_t NowMillis() = 0;
};

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with unpredictable bytes (cryptographic quality for the system Env).
  virtual void Fill(std::span<uint8_t> out) = 0;
};

struct Env {
  Clock* clock;
  Random* random;
};

// The real clock and OpenSSL's CSPRNG. The returned Env lives for the whole process.
Env SystemEnv();

}  // namespace cairn

#endif  // CAIRN_ENV_H_
