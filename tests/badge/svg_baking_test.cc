// Baking credentials into SVGs: round trips, placement, replacement, and every refusal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "badge/jose_test_util.h"
#include "cairn/badge/baking.h"
#include "cairn/base64.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using cairn::testing::IsOk;
using cairn::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kJws = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln";
constexpr std::string_view kSvg =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- badge -->\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"80px\" "
    "viewBox=\"0 0 120 80\"><rect width=\"120\" height=\"80\" fill=\"#2a6\"/></svg>\n";
constexpr std::string_view kNs = R"(xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0")";

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(SvgBakingTest, BakesJwsIntoVerifyRightAfterTheRoot) {
  auto baked = BakeSvg(kSvg, kJws);
  ASSERT_THAT(baked, IsOk());
  EXPECT_NE(baked->find(std::string(kNs) + ">" + "<openbadges:credential verify=\"" +
                        std::string(kJws) + "\"/><rect"),
            std::string::npos)
      << *baked;
  EXPECT_EQ(Count(*baked, kNs), 1U);
  EXPECT_EQ(ExtractSvg(*baked).value(), kJws);
  EXPECT_EQ(ExtractBaked(*baked).value(), kJws);
}

TEST(SvgBakingTest, BakesJsonIntoCdata) {
  const std::string json = testing::ReadFileOrDie(std::string(CAIRN_SOURCE_DIR) +
                                                  "/tests/badge/testdata/ob3_credential.json");
  auto baked = BakeSvg(kSvg, json);
  ASSERT_THAT(baked, IsOk());
  EXPECT_NE(baked->find("<openbadges:credential><![CDATA[{"), std::string::npos);
  EXPECT_EQ(baked->find("verify="), std::string::npos);
  auto extracted = ExtractSvg(*baked);
  ASSERT_THAT(extracted, IsOk());
  EXPECT_EQ(boost::json::parse(*extracted), boost::json::parse(json));
}

TEST(SvgBakingTest, CdataTerminatorInJsonCannotEndTheSection) {
  const std::string json = R"({"name":"a]]>b<c&d","x":["]]>"]})";
  auto baked = BakeSvg(kSvg, json);
  ASSERT_THAT(baked, IsOk());
  auto extracted = ExtractSvg(*baked);
  ASSERT_THAT(extracted, IsOk());
  EXPECT_EQ(extracted->find("]]>"), std::string::npos);
  EXPECT_EQ(boost::json::parse(*extracted), boost::json::parse(json));
}

TEST(SvgBakingTest, BakingAgainReplacesTheCredential) {
  const std::string first = BakeSvg(kSvg, kJws).value();
  const std::string second = BakeSvg(first, R"({"id":"urn:uuid:1"})").value();
  EXPECT_EQ(Count(second, "<openbadges:credential"), 1U);
  EXPECT_EQ(Count(second, kNs), 1U);
  EXPECT_EQ(ExtractSvg(second).value(), R"({"id":"urn:uuid:1"})");
  const std::string third = BakeSvg(second, kJws).value();
  EXPECT_EQ(ExtractSvg(third).value(), kJws);
  EXPECT_EQ(third, first);
}

TEST(SvgBakingTest, SelfClosingRootIsOpened) {
  auto baked = BakeSvg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", kJws);
  ASSERT_THAT(baked, IsOk());
  EXPECT_EQ(*baked, "<svg xmlns=\"http://www.w3.org/2000/svg\" " + std::string(kNs) +
                        "><openbadges:credential verify=\"" + std::string(kJws) + "\"/></svg>");
}

TEST(SvgBakingTest, BakeRefusesWhatIsNeitherJsonNorJws) {
  EXPECT_THAT(BakeSvg(kSvg, "hello world"),
              StatusIs(Code::kInvalidArgument, HasSubstr("neither JSON")));
  EXPECT_THAT(BakeSvg(kSvg, "{not json"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a JSON object")));
  EXPECT_THAT(
      BakeSvg("<svg xmlns:openbadges=\"urn:other\"/>", kJws),
      StatusIs(Code::kInvalidArgument, HasSubstr("binds xmlns:openbadges to \"urn:other\"")));
}

TEST(SvgBakingTest, ExtractErrors) {
  EXPECT_THAT(
      ExtractSvg("<html><body/></html>"),
      StatusIs(Code::kInvalidArgument, HasSubstr("not an SVG: the root element is <html>")));
  EXPECT_THAT(ExtractSvg("just text"), StatusIs(Code::kInvalidArgument, HasSubstr("text outside")));
  EXPECT_THAT(ExtractSvg(kSvg),
              StatusIs(Code::kNotFound, HasSubstr("no <openbadges:credential> element")));
  const std::string open = "<svg " + std::string(kNs) + ">";
  EXPECT_THAT(ExtractSvg(open + "<openbadges:credential verify=\"a.b.c\"/>"
                                "<openbadges:credential verify=\"a.b.c\"/></svg>"),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("2 <openbadges:credential> elements; an SVG must hold one")));
  EXPECT_THAT(ExtractSvg(open + "<openbadges:credential verify=\"a.b.c\"><![CDATA[{}]]>"
                                "</openbadges:credential></svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("both a verify attribute and a body")));
  EXPECT_THAT(ExtractSvg(open + "<openbadges:credential>{\"a\":1}</openbadges:credential></svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("must be wrapped in <![CDATA[")));
  EXPECT_THAT(ExtractSvg(open + "<openbadges:credential/></svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("is empty")));
  EXPECT_THAT(ExtractSvg(open + "<openbadges:credential><g/></openbadges:credential></svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("only a CDATA section")));
  EXPECT_THAT(ExtractSvg("<svg><openbadges:credential verify=\"a.b.c\"/></svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("has no xmlns:openbadges=")));
}

TEST(SvgBakingTest, FindsCredentialUnderAnotherPrefixAndResolvesEntities) {
  const std::string svg =
      "<svg xmlns:ob=\"https://purl.imsglobal.org/ob/v3p0\"><!-- c -->\n"
      "  <ob:credential verify=' a.b&#x2e;c '/>\n</svg>";
  EXPECT_EQ(ExtractSvg(svg).value(), "a.b.c");
}

TEST(SvgBakingTest, DoctypeAndEntitiesAreRefused) {
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<svg>&x;</svg>";
  EXPECT_THAT(ExtractSvg(xxe), StatusIs(Code::kInvalidArgument, HasSubstr("XXE")));
  EXPECT_THAT(BakeSvg(xxe, kJws), StatusIs(Code::kInvalidArgument, HasSubstr("DOCTYPE")));
  EXPECT_THAT(InspectSvg(xxe), StatusIs(Code::kInvalidArgument, HasSubstr("DOCTYPE")));
  EXPECT_THAT(ExtractSvg("<svg>&x;</svg>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("entity &x; which is not defined")));
  EXPECT_THAT(ExtractSvg("<svg a=\"&#0;\"/>"), StatusIs(Code::kInvalidArgument, HasSubstr("&#0;")));
}

TEST(SvgBakingTest, MalformedDocumentsAreRefused) {
  const char* const cases[] = {
      "<svg><g></svg>",                      // mismatched
      "<svg><g>",                            // unclosed
      "<svg a=\"1\" a=\"2\"/>",              // duplicate attribute
      "<svg a=1/>",                          // unquoted
      "<svg a=\"<\"/>",                      // '<' in a value
      "<svg><!-- a -- b --></svg>",          // "--" in a comment
      "<svg/><svg/>",                        // two roots
      "<svg><![CDATA[x</svg>",               // unterminated CDATA
      "<svg></svg><?xml version=\"1.0\"?>",  // late declaration
      "<svg a=\"1\"b=\"2\"/>",               // no space between attributes
      "<svg>\xff</svg>",                     // not UTF-8
      "<svg>\x01</svg>",                     // a control character
      "",
  };
  for (const char* svg : cases) {
    EXPECT_THAT(ExtractSvg(svg), StatusIs(Code::kInvalidArgument, ::testing::_)) << svg;
  }
}

TEST(SvgBakingTest, InspectReadsSizes) {
  auto info = InspectSvg(kSvg);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->width, "120");
  EXPECT_EQ(info->height, "80px");
  ASSERT_TRUE(info->view_box.has_value());
  EXPECT_EQ(info->view_box->width, 120);
  EXPECT_EQ(info->view_box->height, 80);
  auto bare = InspectSvg("<svg viewBox=\"-5,-5 10.5 10\"/>");
  ASSERT_THAT(bare, IsOk());
  EXPECT_FALSE(bare->width.has_value());
  EXPECT_EQ(bare->view_box->min_x, -5);
  EXPECT_EQ(bare->view_box->width, 10.5);
  EXPECT_THAT(InspectSvg("<svg viewBox=\"0 0 10\"/>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("four numbers")));
  EXPECT_THAT(InspectSvg("<svg viewBox=\"0 0 0 10\"/>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("positive")));
  EXPECT_THAT(InspectSvg("<svg viewBox=\"0 0 a 10\"/>"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a number")));
}

TEST(SvgBakingTest, SvgWrappingPngEmbedsThePngAndCanBeBaked) {
  const std::string png = testing::TinyPng(4, 3);
  const std::string svg = SvgWrappingPng(png, 40, 30);
  EXPECT_THAT(svg, StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find("data:image/png;base64," + Base64Encode(png) + "\""), std::string::npos);
  auto info = InspectSvg(svg);
  ASSERT_THAT(info, IsOk());
  EXPECT_EQ(info->width, "40");
  EXPECT_EQ(info->height, "30");
  EXPECT_EQ(info->view_box->height, 30);
  EXPECT_EQ(ExtractSvg(BakeSvg(svg, kJws).value()).value(), kJws);
}

}  // namespace
}  // namespace cairn::badge

namespace cairn::badge {
namespace {

// Every single-byte change of a baked SVG either extracts or fails with a Status: never crashes,
// never reads out of bounds (run under the asan preset to check the latter).
TEST(SvgBakingTest, SingleByteDamageNeverCrashes) {
  const std::string baked = BakeSvg(kSvg, R"({"a":"]]>"})").value();
  const char replacements[] = {'<', '>', '"', '\'', '&', '/', '!', '?', '-', '[', ']', ' ', '\0'};
  for (size_t i = 0; i < baked.size(); ++i) {
    for (const char r : replacements) {
      std::string damaged = baked;
      damaged[i] = r;
      (void)ExtractSvg(damaged);
      (void)InspectSvg(damaged);
      (void)BakeSvg(damaged, kJws);
    }
    (void)ExtractSvg(baked.substr(0, i));
  }
}

}  // namespace
}  // namespace cairn::badge
