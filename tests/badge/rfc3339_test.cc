#include "cairn/badge/rfc3339.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using cairn::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Rfc3339Test, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00Z").value(), 1767225600000);
  EXPECT_EQ(ParseRfc3339("2026-01-01T02:00:00+02:00").value(), 1767225600000);
  EXPECT_EQ(ParseRfc3339("2025-12-31T19:30:00-04:30").value(), 1767225600000);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.5Z").value(), 1767225600500);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.123999Z").value(), 1767225600123);
  EXPECT_EQ(ParseRfc3339("2024-02-29t12:00:00z").value(), 1709208000000);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z").value(), -1000);
}

TEST(Rfc3339Test, RefusesWhatIsNotAFullDateTime) {
  EXPECT_THAT(ParseRfc3339("2026-01-01"), StatusIs(Code::kInvalidArgument, HasSubstr("'T'")));
  EXPECT_THAT(ParseRfc3339("2026-01-01T00:00:00"),
              StatusIs(Code::kInvalidArgument, HasSubstr("time zone")));
  EXPECT_THAT(ParseRfc3339("2025-02-29T00:00:00Z"),
              StatusIs(Code::kInvalidArgument, HasSubstr("day out of range")));
  EXPECT_THAT(ParseRfc3339("2026-13-01T00:00:00Z"),
              StatusIs(Code::kInvalidArgument, HasSubstr("month")));
  EXPECT_THAT(ParseRfc3339("2026-01-01T24:00:00Z"),
              StatusIs(Code::kInvalidArgument, HasSubstr("hour")));
  EXPECT_THAT(ParseRfc3339("2016-12-31T23:59:60Z"),
              StatusIs(Code::kInvalidArgument, HasSubstr("leap seconds")));
  EXPECT_THAT(ParseRfc3339("2026-01-01T00:00:00.Z"),
              StatusIs(Code::kInvalidArgument, HasSubstr("digits")));
  EXPECT_THAT(ParseRfc3339("2026-01-01T00:00:00+0200"),
              StatusIs(Code::kInvalidArgument, HasSubstr("offset")));
  EXPECT_THAT(ParseRfc3339("2026-01-01T00:00:00Z "),
              StatusIs(Code::kInvalidArgument, HasSubstr("after the time zone")));
  EXPECT_THAT(ParseRfc3339(""), StatusIs(Code::kInvalidArgument, HasSubstr("YYYY-MM-DD")));
}

TEST(Rfc3339Test, FormatsAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1767225600000), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1767225600042), "2026-01-01T00:00:00.042Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  for (int64_t ms = -86400000LL * 800; ms < 86400000LL * 40000; ms += 86400000LL * 7 + 3601001) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(ms)).value(), ms) << FormatRfc3339(ms);
  }
}

}  // namespace
}  // namespace cairn::badge
