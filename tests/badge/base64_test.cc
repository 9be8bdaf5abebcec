#include "cairn/base64.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes.push_back(static_cast<char>(i * 7));
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)).value(), bytes);
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)).value(), bytes);
  }
}

TEST(Base64Test, UrlDecodingIsStrict) {
  EXPECT_THAT(
      Base64UrlDecode("Zg=="),
      StatusIs(Code::kInvalidArgument, HasSubstr("'=' at offset 2 is not in the alphabet")));
  EXPECT_THAT(Base64UrlDecode("Zm+v"), StatusIs(Code::kInvalidArgument, HasSubstr("'+'")));
  EXPECT_THAT(Base64UrlDecode("Zm 9"), StatusIs(Code::kInvalidArgument, HasSubstr("byte 32")));
  EXPECT_THAT(Base64UrlDecode("Zm9vY"),
              StatusIs(Code::kInvalidArgument, HasSubstr("one character left over")));
  // "Zh" decodes to "f" too if the unused bits are ignored.
  EXPECT_THAT(Base64UrlDecode("Zh"), StatusIs(Code::kInvalidArgument, HasSubstr("not canonical")));
}

TEST(Base64Test, StandardDecodingRequiresPadding) {
  EXPECT_EQ(Base64Decode("Zm8=").value(), "fo");
  EXPECT_THAT(Base64Decode("Zm8"), StatusIs(Code::kInvalidArgument, HasSubstr("multiple of 4")));
  EXPECT_THAT(Base64Decode("Z==="), StatusIs(Code::kInvalidArgument, HasSubstr("'='")));
  EXPECT_THAT(Base64Decode("Zm-v"), StatusIs(Code::kInvalidArgument, HasSubstr("'-'")));
}

}  // namespace
}  // namespace cairn
