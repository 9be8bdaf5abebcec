// Bitstring Status List decoding (cairn/badge/bitstring_status.h): the bit order the W3C
// specification fixes (index 0 = most significant bit of byte 0), and refusal of every malformed
// or hostile encodedList.
#include "cairn/badge/bitstring_status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "badge/verify_fixture.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using ::cairn::testing::IsOk;
using ::cairn::testing::StatusIs;
using testing::EncodedList;
using testing::GzipForTest;
using ::testing::HasSubstr;

// Bit `index`, failing the test if it cannot be read.
bool Bit(const std::string& bits, uint64_t index) {
  Result<bool> bit = BitstringStatusAt(bits, index);
  EXPECT_THAT(bit, IsOk());
  return bit.ok() && *bit;
}

TEST(BitstringStatus, IndexZeroIsTheMostSignificantBitOfTheFirstByte) {
  Result<std::string> bits = DecodeBitstringStatusList(EncodedList({0, 7, 9, 131071}));
  ASSERT_THAT(bits, IsOk());
  ASSERT_EQ(bits->size(), kMinStatusListEntries / 8);
  EXPECT_EQ(static_cast<unsigned char>((*bits)[0]), 0x81);
  EXPECT_EQ(static_cast<unsigned char>((*bits)[1]), 0x40);
  EXPECT_EQ(static_cast<unsigned char>(bits->back()), 0x01);
  for (const uint64_t set : {0, 7, 9, 131071}) {
    EXPECT_TRUE(Bit(*bits, set)) << set;
  }
  for (const uint64_t clear : {1, 6, 8, 10, 131070}) {
    EXPECT_FALSE(Bit(*bits, clear)) << clear;
  }
}

TEST(BitstringStatus, ByteOrderByHand) {
  // One byte 0b0010'0000: only index 2 is set. (Padded to the minimum list size.)
  std::string bits(kMinStatusListEntries / 8, '\0');
  bits[0] = 0x20;
  EXPECT_TRUE(Bit(bits, 2));
  EXPECT_FALSE(Bit(bits, 5)) << "LSB-first reading would say index 5";
}

TEST(BitstringStatus, IndexPastTheEndIsOutOfRange) {
  const std::string bits(kMinStatusListEntries / 8, '\0');
  EXPECT_THAT(BitstringStatusAt(bits, kMinStatusListEntries),
              StatusIs(Code::kOutOfRange, HasSubstr("past the end of a list of 131072")));
}

TEST(BitstringStatus, RefusesMalformedEncodings) {
  const std::string good = EncodedList({});
  EXPECT_THAT(DecodeBitstringStatusList("z" + good.substr(1)),
              StatusIs(Code::kInvalidArgument, HasSubstr("starting with 'u'")));
  EXPECT_THAT(DecodeBitstringStatusList(""),
              StatusIs(Code::kInvalidArgument, HasSubstr("starts with nothing")));
  EXPECT_THAT(DecodeBitstringStatusList(good + "="),
              StatusIs(Code::kInvalidArgument, HasSubstr("encodedList")));
  EXPECT_THAT(DecodeBitstringStatusList("u" + Base64UrlEncode(std::string_view("not gzip"))),
              StatusIs(Code::kInvalidArgument, HasSubstr("not complete GZIP")));
  const std::string gzip = GzipForTest(std::string(kMinStatusListEntries / 8, '\0'));
  EXPECT_THAT(DecodeBitstringStatusList("u" + Base64UrlEncode(gzip.substr(0, gzip.size() - 6))),
              StatusIs(Code::kInvalidArgument, HasSubstr("truncated")));
  EXPECT_THAT(DecodeBitstringStatusList("u" + Base64UrlEncode(gzip + "junk")),
              StatusIs(Code::kInvalidArgument, HasSubstr("bytes after its GZIP data")));
}

TEST(BitstringStatus, RefusesListsBelowTheMinimumAndGzipBombs) {
  EXPECT_THAT(DecodeBitstringStatusList(EncodedList({}, 1024)),
              StatusIs(Code::kInvalidArgument, HasSubstr("holds 1024 entries")));
  // 17 MiB of zeros compresses to about 17 KiB.
  const std::string bomb = GzipForTest(std::string(17 * 1024 * 1024, '\0'));
  EXPECT_LT(bomb.size(), 64u * 1024);
  EXPECT_THAT(DecodeBitstringStatusList("u" + Base64UrlEncode(bomb)),
              StatusIs(Code::kInvalidArgument, HasSubstr("inflates to more than")));
}

}  // namespace
}  // namespace cairn::badge
