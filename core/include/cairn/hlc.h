// Hybrid logical clock: 48 bits of wall-clock milliseconds and a 16-bit counter in one uint64,
// so that HLCs compare as integers. Advanced on every local change and on every change received,
// so a replica's next stamp is greater than everything it has seen.
//
// Thread-safety: not thread-safe; owned by one replica.
#ifndef CAIRN_HLC_H_
#define CAIRN_HLC_H_

#include <cstdint>

#include "cairn/env.h"

namespace cairn {

using Hlc = uint64_t;

constexpr int kHlcCounterBits = 16;
constexpr int64_t HlcMillis(Hlc hlc) { return static_cast<int64_t>(hlc >> kHlcCounterBits); }
constexpr Hlc MakeHlc(int64_t millis, uint16_t counter) {
  return (static_cast<uint64_t>(millis) << kHlcCounterBits) | counter;
}

class HlcClock {
 public:
  explicit HlcClock(Clock* clock) : clock_(clock) {}

  // A stamp for a new local event: greater than any stamp returned or observed before.
  Hlc Tick();
  // Takes a stamp received from elsewhere into account.
  void Observe(Hlc remote);
  Hlc last() const { return last_; }

 private:
  Clock* clock_;
  Hlc last_ = 0;
};

}  // namespace cairn

#endif  // CAIRN_HLC_H_
