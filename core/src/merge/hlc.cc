#include "cairn/hlc.h"

#include <algorithm>

namespace cairn {

Hlc HlcClock::Tick() {
  const int64_t now = std::max<int64_t>(clock_->NowMillis(), 0);
  const Hlc physical = MakeHlc(now, 0);
  // Either the wall clock moved past everything seen, or we count on from the last stamp (a
  // full counter carries into the millisecond, which keeps stamps strictly increasing).
  last_ = physical > last_ ? physical : last_ + 1;
  return last_;
}

void HlcClock::Observe(Hlc remote) { last_ = std::max(last_, remote); }

}  // namespace cairn
