// Baking credentials into PNGs: round trips, placement, replacement, and every refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "badge/jose_test_util.h"
#include "cairn/badge/baking.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using cairn::testing::IsOk;
using cairn::testing::StatusIs;
using ::testing::HasSubstr;
using testing::PngChunk;
using testing::TinyPng;

constexpr std::string_view kJws = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln";
constexpr size_t kIhdrEnd = 8 + 12 + 13;

std::string CredentialChunk(std::string_view text, char flag = '\0') {
  std::string body = "openbadgecredential";
  body += '\0';
  body += flag;
  body += std::string("\0\0\0", 3);
  body += text;
  return PngChunk("iTXt", body);
}

// `png` with `chunk` inserted right after IHDR.
std::string WithChunk(const std::string& png, const std::string& chunk) {
  return png.substr(0, kIhdrEnd) + chunk + png.substr(kIhdrEnd);
}

TEST(PngBakingTest, InspectReadsIhdr) {
  auto info = InspectPng(TinyPng(3, 2));
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->width, 3U);
  EXPECT_EQ(info->height, 2U);
  EXPECT_EQ(info->bit_depth, 8);
  EXPECT_EQ(info->color_type, 6);
  EXPECT_FALSE(info->interlaced);
}

TEST(PngBakingTest, BakesOneUncompressedChunkRightAfterIhdr) {
  const std::string png = TinyPng(2, 2);
  auto baked = BakePng(png, kJws);
  ASSERT_THAT(baked, IsOk());
  EXPECT_EQ(*baked, WithChunk(png, CredentialChunk(kJws)));
  EXPECT_EQ(ExtractPng(*baked).value(), kJws);
  EXPECT_THAT(InspectPng(*baked), IsOk());
}

TEST(PngBakingTest, BakingAgainReplacesTheCredential) {
  const std::string json = R"({"id":"urn:uuid:1","name":"Caf\u00e9 ☕"})";
  const std::string first = BakePng(TinyPng(2, 2), kJws).value();
  const std::string second = BakePng(first, json).value();
  EXPECT_EQ(ExtractPng(second).value(), json);
  EXPECT_EQ(second.size(), first.size() - kJws.size() + json.size());
  // A credential chunk elsewhere (after IDAT) is replaced too.
  const std::string png = TinyPng(2, 2);
  const size_t iend = png.size() - 12;
  const std::string late = png.substr(0, iend) + CredentialChunk("old") + png.substr(iend);
  EXPECT_EQ(ExtractPng(BakePng(late, kJws).value()).value(), kJws);
}

TEST(PngBakingTest, RefusesWhatIsNotAPng) {
  EXPECT_THAT(ExtractPng("GIF89a........"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a PNG")));
  EXPECT_THAT(ExtractPng(""), StatusIs(Code::kInvalidArgument, HasSubstr("not a PNG")));
  EXPECT_THAT(BakePng("<svg/>", kJws), StatusIs(Code::kInvalidArgument, HasSubstr("not a PNG")));
}

TEST(PngBakingTest, EveryTruncationIsRefused) {
  const std::string baked = BakePng(TinyPng(2, 2), kJws).value();
  for (size_t size = 8; size < baked.size(); ++size) {
    EXPECT_THAT(ExtractPng(baked.substr(0, size)),
                StatusIs(Code::kInvalidArgument, HasSubstr("truncated")))
        << "cut at " << size;
  }
}

TEST(PngBakingTest, BadCrcNamesTheChunk) {
  std::string baked = BakePng(TinyPng(2, 2), kJws).value();
  baked[kIhdrEnd + 8 + 3] ^= 0x20;  // a byte of the iTXt keyword
  EXPECT_THAT(ExtractPng(baked),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("bad CRC in chunk 2 (iTXt) at byte " + std::to_string(kIhdrEnd))));
  std::string png = TinyPng(2, 2);
  png[png.size() - 1] ^= 1;  // IEND's CRC
  EXPECT_THAT(InspectPng(png),
              StatusIs(Code::kInvalidArgument, HasSubstr("bad CRC in chunk 3 (IEND)")));
}

TEST(PngBakingTest, RefusesDamagedStructure) {
  const std::string png = TinyPng(2, 2);
  EXPECT_THAT(ExtractPng(png + "junk"),
              StatusIs(Code::kInvalidArgument, HasSubstr("4 bytes after its IEND chunk")));
  const std::string no_ihdr = std::string(png.substr(0, 8)) + png.substr(kIhdrEnd);
  EXPECT_THAT(ExtractPng(no_ihdr),
              StatusIs(Code::kInvalidArgument, HasSubstr("first chunk must be a 13-byte IHDR")));
  std::string huge = png;
  huge[kIhdrEnd] = '\x7f';  // IDAT length now ~2 GB
  EXPECT_THAT(ExtractPng(huge), StatusIs(Code::kInvalidArgument, HasSubstr("declares")));
}

TEST(PngBakingTest, PlainPngHasNoCredential) {
  EXPECT_THAT(
      ExtractPng(TinyPng(2, 2)),
      StatusIs(Code::kNotFound, HasSubstr("no iTXt chunk with keyword \"openbadgecredential\"")));
}

TEST(PngBakingTest, TwoCredentialChunksAreRefused) {
  const std::string twice = WithChunk(TinyPng(2, 2), CredentialChunk(kJws) + CredentialChunk(kJws));
  EXPECT_THAT(ExtractPng(twice),
              StatusIs(Code::kInvalidArgument, HasSubstr("2 iTXt \"openbadgecredential\" chunks; "
                                                         "a PNG must hold one")));
  // Baking cleans that up.
  EXPECT_EQ(ExtractPng(BakePng(twice, "x.y.z").value()).value(), "x.y.z");
}

TEST(PngBakingTest, CompressedCredentialIsRefused) {
  const std::string compressed = WithChunk(TinyPng(2, 2), CredentialChunk("x\x9c...", '\1'));
  EXPECT_THAT(ExtractPng(compressed),
              StatusIs(Code::kInvalidArgument, HasSubstr("must not be compressed")));
}

TEST(PngBakingTest, NonUtf8TextIsRefused) {
  const std::string bad = WithChunk(TinyPng(2, 2), CredentialChunk("caf\xe9"));
  EXPECT_THAT(ExtractPng(bad), StatusIs(Code::kInvalidArgument, HasSubstr("not UTF-8")));
  EXPECT_THAT(BakePng(TinyPng(2, 2), "caf\xe9"),
              StatusIs(Code::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(BakePng(TinyPng(2, 2), ""), StatusIs(Code::kInvalidArgument, HasSubstr("empty")));
}

TEST(PngBakingTest, MalformedCredentialChunkIsRefused) {
  std::string body = "openbadgecredential";
  body += '\0';
  body += '\0';
  const std::string bad = WithChunk(TinyPng(2, 2), PngChunk("iTXt", body));
  EXPECT_THAT(ExtractPng(bad), StatusIs(Code::kInvalidArgument, HasSubstr("malformed")));
}

TEST(PngBakingTest, OtherTextChunksAreKept) {
  std::string other = "Title";
  other += std::string("\0\0\0\0\0", 5);
  other += "Badge";
  const std::string png = WithChunk(TinyPng(2, 2), PngChunk("iTXt", other));
  const std::string baked = BakePng(png, kJws).value();
  EXPECT_NE(baked.find("Title"), std::string::npos);
  EXPECT_EQ(ExtractPng(baked).value(), kJws);
}

TEST(PngBakingTest, InspectRefusesImpossibleHeaders) {
  std::string png = TinyPng(2, 2);
  std::string ihdr = png.substr(16, 13);
  ihdr[8] = 3;  // bit depth 3 is never valid
  png = png.substr(0, 8) + PngChunk("IHDR", ihdr) + png.substr(kIhdrEnd);
  EXPECT_THAT(InspectPng(png), StatusIs(Code::kInvalidArgument,
                                        HasSubstr("bit depth 3 is not allowed with color type 6")));
}

}  // namespace
}  // namespace cairn::badge

namespace cairn::badge {
namespace {

// Every single-byte change of a baked PNG either extracts or fails with a Status.
TEST(PngBakingTest, SingleByteDamageNeverCrashes) {
  const std::string baked = BakePng(TinyPng(2, 2), kJws).value();
  for (size_t i = 0; i < baked.size(); ++i) {
    for (const int delta : {1, 0x80, 0xFF}) {
      std::string damaged = baked;
      damaged[i] = static_cast<char>(damaged[i] ^ delta);
      (void)ExtractPng(damaged);
      (void)InspectPng(damaged);
      (void)BakePng(damaged, kJws);
    }
  }
}

}  // namespace
}  // namespace cairn::badge
