#include "cairn/env.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstdlib>

namespace cairn {
namespace {

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class SystemRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override {
    // OpenSSL's CSPRNG only fails when the OS entropy source is gone; nothing sensible can go on
    // without randomness for ids and keys.
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
  }
};

}  // namespace

Env SystemEnv() {
  static SystemClock clock;
  static SystemRandom random;
  return Env{&clock, &random};
}

}  // namespace cairn
