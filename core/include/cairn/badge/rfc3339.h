// RFC 3339 date-times (the `date-time` of JSON Schema), as Open Badges writes validFrom and
// validUntil: "2026-01-01T00:00:00Z", "2026-01-01T09:30:00.5+02:00".
//
// Parsing is strict: a full date, 'T', a full time, and 'Z' or a numeric offset (a date-time
// without an offset is refused — OB requires one). Fractions of a second beyond milliseconds are
// truncated. Leap seconds (":60") are refused: JavaScript's Date, which most verifiers use,
// cannot represent them either.
//
// Thread-safety: pure functions.
#ifndef CAIRN_BADGE_RFC3339_H_
#define CAIRN_BADGE_RFC3339_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::badge {

// Milliseconds since 1970-01-01T00:00:00Z. Years 0000-9999.
Result<int64_t> ParseRfc3339(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", with ".mmm" before the Z when `unix_ms` is not a whole second.
// REQUIRES: `unix_ms` lies in years 0000-9999.
std::string FormatRfc3339(int64_t unix_ms);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_RFC3339_H_
