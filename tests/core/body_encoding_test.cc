// How devices encode request bodies and decode answers (compression.h), the same over the
// Beast transport and an app's HTTP stack, and how header names and codings compare
// (media_type.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "cairn/compression.h"
#include "cairn/media_type.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::IsOk;
using ::cairn::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kText(4096, 'a');

TEST(BodyEncodingTest, ProtocolBodiesAreCompressedWhenThatPaysAndRoundTrip) {
  const std::optional<std::string> compressed =
      CompressRequestBody(kText, "Application/X-Protobuf; charset=binary");
  ASSERT_TRUE(compressed.has_value());
  EXPECT_LT(compressed->size(), kText.size() / 10);
  Result<std::string> decoded = DecodeResponseBody(*compressed, "ZSTD", kText.size());
  ASSERT_THAT(decoded.status(), IsOk());
  EXPECT_EQ(*decoded, kText);
}

TEST(BodyEncodingTest, SmallBodiesRawBytesAndIncompressibleOnesGoAsTheyAre) {
  EXPECT_FALSE(
      CompressRequestBody(std::string(kMinCompressBytes - 1, 'a'), "application/x-protobuf"));
  EXPECT_TRUE(CompressRequestBody(std::string(kMinCompressBytes, 'a'), "application/x-protobuf"));
  // Evidence chunks: the blob routes take no Content-Encoding.
  EXPECT_FALSE(CompressRequestBody(kText, " application/octet-stream "));
  std::string noise(4096, '\0');
  uint32_t x = 1;
  for (char& c : noise) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  EXPECT_FALSE(CompressRequestBody(noise, "application/x-protobuf"));
}

TEST(BodyEncodingTest, AnswersDecodeOnlyCodingsADeviceAsksFor) {
  EXPECT_EQ(*DecodeResponseBody("plain", "", 10), "plain");
  EXPECT_EQ(*DecodeResponseBody("plain", "Identity", 10), "plain");
  EXPECT_THAT(DecodeResponseBody("plain", "gzip", 10).status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("\"gzip\", which was not asked for")));
  // A zstd answer larger than the bound is refused before it is spent.
  EXPECT_THAT(DecodeResponseBody(ZstdCompress(kText), "zstd", 100).status(),
              StatusIs(Code::kTooLarge, HasSubstr("expands past 100")));
}

TEST(BodyEncodingTest, HeaderNamesCompareWithoutAsciiCase) {
  EXPECT_TRUE(EqualsIgnoringCase("Content-Range", "content-RANGE"));
  EXPECT_FALSE(EqualsIgnoringCase("Content-Range", "Content-Rang"));
  EXPECT_FALSE(EqualsIgnoringCase("a", "b"));
  EXPECT_TRUE(EqualsIgnoringCase("", ""));
}

}  // namespace
}  // namespace cairn
