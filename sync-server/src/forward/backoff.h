// Retry delays of failed deliveries: exponential in the number of failed attempts, capped, with
// jitter so that deliveries failing together (an issuer down for an hour) do not all retry in
// the same instant when it comes back.
//
// Thread-safety: a pure function of its arguments; `random` is used once per call.
#ifndef CAIRN_SERVER_FORWARD_BACKOFF_H_
#define CAIRN_SERVER_FORWARD_BACKOFF_H_

#include <cstdint>

#include "cairn/env.h"

namespace cairn::server {

struct BackoffPolicy {
  // The delay after the first failure; each further failure doubles it.
  int64_t base_ms = 30'000;
  // No delay exceeds this.
  int64_t cap_ms = int64_t{6} * 60 * 60 * 1000;
};

// The delay before the attempt after `failed_attempts` failures (>= 1): d = min(cap, base *
// 2^(failed_attempts - 1)), drawn uniformly from [d/2, d] ("equal jitter": never less than half,
// so a flapping issuer still sees the delays grow).
int64_t RetryDelayMs(const BackoffPolicy& policy, uint32_t failed_attempts, Random& random);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_FORWARD_BACKOFF_H_
