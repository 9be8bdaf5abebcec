// Hex: every byte value round-trips; anything that is not an even run of hex digits is refused.
#include "cairn/hex.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn {
namespace {

TEST(HexTest, EveryByteRoundTripsInLowerCase) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string hex = LowerHex(all);
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 6), "000102");
  EXPECT_EQ(hex.substr(506), "fdfeff");
  EXPECT_EQ(ParseHex(hex), all);
}

TEST(HexTest, AcceptsUpperCaseAndRefusesWhatIsNotHex) {
  EXPECT_EQ(ParseHex("ABcd"), std::string("\xab\xcd"));
  EXPECT_EQ(ParseHex(""), std::string());
  EXPECT_EQ(ParseHex("abc"), std::nullopt);
  EXPECT_EQ(ParseHex("zz"), std::nullopt);
  EXPECT_EQ(ParseHex("0g"), std::nullopt);
}

}  // namespace
}  // namespace cairn
