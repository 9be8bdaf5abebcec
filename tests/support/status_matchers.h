// GoogleTest matchers for Status and Result: EXPECT_THAT(s, StatusIs(Code::kInvalidArgument,
// HasSubstr("word limit"))).
#ifndef CAIRN_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define CAIRN_TESTS_SUPPORT_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "cairn/status.h"

namespace cairn::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

MATCHER(IsOk, "") {
  const Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.ok();
}

}  // namespace cairn::testing

#define CAIRN_ASSERT_OK(expr) ASSERT_THAT((expr), ::cairn::testing::IsOk())
#define CAIRN_EXPECT_OK(expr) EXPECT_THAT((expr), ::cairn::testing::IsOk())

#endif  // CAIRN_TESTS_SUPPORT_STATUS_MATCHERS_H_
