#include "forward/backoff.h"

#include <algorithm>
#include <array>

namespace cairn::server {

int64_t RetryDelayMs(const BackoffPolicy& policy, uint32_t failed_attempts, Random& random) {
  const int64_t base = std::max<int64_t>(policy.base_ms, 1);
  const int64_t cap = std::max(policy.cap_ms, base);
  int64_t delay = base;
  for (uint32_t i = 1; i < failed_attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  std::array<uint8_t, 8> bytes{};
  random.Fill(bytes);
  uint64_t draw = 0;
  for (const uint8_t b : bytes) draw = (draw << 8) | b;
  const int64_t half = delay / 2;
  return delay - half + static_cast<int64_t>(draw % static_cast<uint64_t>(half + 1));
}

}  // namespace cairn::server
