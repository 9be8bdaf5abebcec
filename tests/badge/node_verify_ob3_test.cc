// Independent checks of the VC-JWT signer and the bakers: the OB 3.0 reference verifier
// (verify-ob3.mjs: jose + Ajv over the OB schema), pngcheck and png_itxt.py judge what Cairn
// writes, and Cairn's verifier and extractors judge what the reference kit writes.
//
// Needs the kit: bash scripts/ob3-kit.sh <build dir>/ob3 (node, npm ci), plus pngcheck and
// python3 on PATH.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "badge/jose_test_util.h"
#include "badge/vc_jwt_signer.h"
#include "cairn/badge/baking.h"
#include "cairn/badge/jws.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using cairn::testing::IsOk;
using cairn::testing::StatusIs;
using ::testing::HasSubstr;
using testing::IssuerKey;
using testing::ReadFileOrDie;
using testing::RunCommand;
using testing::WriteFileOrDie;

const std::string kKit = CAIRN_OB3_KIT;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

class NodeVerifyOb3 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kKit + "/verify/node_modules/jose") ||
        !std::filesystem::exists(kKit + "/tools/png_itxt.py")) {
      GTEST_FAIL() << "the OB 3.0 reference kit is missing at " << kKit
                   << "; run: bash scripts/ob3-kit.sh " << kKit;
    }
    dir_ = testing::MakeTempDir();
    jws_ = testing::SignedFixture();
    json_ = boost::json::serialize(testing::Credential());
    png_ = testing::TinyPng(4, 4);
    Write("issuer-jwks.json", testing::JwksJson(IssuerKey()));
    Write("other-jwks.json", testing::JwksJson(testing::OtherKey()));
  }

  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) std::filesystem::remove_all(dir_);
  }

  std::string Write(const std::string& name, std::string_view data) {
    WriteFileOrDie(dir_ + "/" + name, data);
    return dir_ + "/" + name;
  }

  // Runs verify-ob3.mjs; returns its exit code and fills `line` with its verdict line.
  int VerifyOb3(const std::string& file, const std::string& jwks, std::string* line,
                const std::string& now = "2026-01-01T00:00:00Z") {
    return RunCommand("node " + Quoted(kKit + "/verify/verify-ob3.mjs") + " " + Quoted(file) + " " +
                          Quoted(dir_ + "/" + jwks) + " --now " + now + " 2>&1",
                      line);
  }

  std::string dir_;
  std::string jws_;
  std::string json_;
  std::string png_;
};

TEST_F(NodeVerifyOb3, SignedJwsIsValid) {
  std::string line;
  EXPECT_EQ(VerifyOb3(Write("badge.jws", jws_), "issuer-jwks.json", &line), 0) << line;
  EXPECT_THAT(line, HasSubstr("\"verdict\":\"valid\""));
  EXPECT_THAT(line, HasSubstr("\"schema\":\"valid\""));
  EXPECT_THAT(line, HasSubstr("\"errors\":[]"));
  // The one warning: status lists are not fetched offline.
  EXPECT_THAT(line, HasSubstr("\"warnings\":[\"credentialStatus of type 1EdTechRevocationList "
                              "not checked (offline)\"]"));
}

TEST_F(NodeVerifyOb3, BakedPngIsValid) {
  std::string line;
  const std::string png = Write("badge.png", BakePng(png_, jws_).value());
  EXPECT_EQ(VerifyOb3(png, "issuer-jwks.json", &line), 0) << line;
  EXPECT_THAT(line, HasSubstr("\"verdict\":\"valid\""));
  EXPECT_THAT(line, HasSubstr("\"input\":\"png\""));
}

TEST_F(NodeVerifyOb3, BakedSvgIsValid) {
  std::string line;
  const std::string svg =
      Write("badge.svg", BakeSvg("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 4 4\">"
                                 "<rect width=\"4\" height=\"4\"/></svg>\n",
                                 jws_)
                             .value());
  EXPECT_EQ(VerifyOb3(svg, "issuer-jwks.json", &line), 0) << line;
  EXPECT_THAT(line, HasSubstr("\"verdict\":\"valid\""));
  EXPECT_THAT(line, HasSubstr("\"input\":\"svg\""));
  // The PNG-wrapping SVG works as a carrier too.
  const std::string wrapped =
      Write("wrapped.svg", BakeSvg(SvgWrappingPng(png_, 40, 40), jws_).value());
  EXPECT_EQ(VerifyOb3(wrapped, "issuer-jwks.json", &line), 0) << line;
}

TEST_F(NodeVerifyOb3, TamperedOrMisdatedIsInvalid) {
  std::string line;
  std::string tampered = jws_;
  const size_t at = tampered.find('.') + 40;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyOb3(Write("tampered.jws", tampered), "issuer-jwks.json", &line), 1) << line;
  EXPECT_THAT(line, HasSubstr("\"verdict\":\"invalid\""));
  EXPECT_EQ(
      VerifyOb3(Write("tampered.png", BakePng(png_, tampered).value()), "issuer-jwks.json", &line),
      1)
      << line;
  EXPECT_EQ(VerifyOb3(Write("good.jws", jws_), "other-jwks.json", &line), 1) << line;
  EXPECT_EQ(VerifyOb3(dir_ + "/good.jws", "issuer-jwks.json", &line, "2025-01-01T00:00:00Z"), 1)
      << line;
  EXPECT_EQ(VerifyOb3(dir_ + "/good.jws", "issuer-jwks.json", &line, "2031-01-01T00:00:00Z"), 1)
      << line;
}

TEST_F(NodeVerifyOb3, PngcheckAndPngItxtAgreeWithTheBaker) {
  for (const std::string& text : {jws_, json_}) {
    const std::string png = Write("baked.png", BakePng(png_, text).value());
    std::string out;
    EXPECT_EQ(RunCommand("pngcheck -v " + Quoted(png) + " 2>&1", &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("openbadgecredential"));
    EXPECT_EQ(
        RunCommand("python3 " + Quoted(kKit + "/tools/png_itxt.py") + " extract " + Quoted(png),
                   &out),
        0);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.substr(0, out.size() - 1), text);  // png_itxt.py adds a newline
  }
}

TEST_F(NodeVerifyOb3, CairnReadsWhatPngItxtBakes) {
  const std::string plain = Write("plain.png", png_);
  const std::string text = Write("cred.jws", jws_);
  std::string out;
  ASSERT_EQ(RunCommand("python3 " + Quoted(kKit + "/tools/png_itxt.py") + " bake " + Quoted(plain) +
                           " " + Quoted(dir_ + "/out.png") + " " + Quoted(text),
                       &out),
            0)
      << out;
  EXPECT_EQ(ExtractPng(ReadFileOrDie(dir_ + "/out.png")).value(), jws_);
}

TEST_F(NodeVerifyOb3, CairnJudgesTheKitsVectorsAsTheKitDoes) {
  const std::string vectors = dir_ + "/vectors";
  std::string out;
  ASSERT_EQ(RunCommand("cd " + Quoted(kKit + "/verify") + " && node make-test-vectors.mjs " +
                           Quoted(vectors) + " 2>&1",
                       &out),
            0)
      << out;
  auto jwks = ParseJwks(ReadFileOrDie(vectors + "/jwks.json"));
  ASSERT_THAT(jwks, IsOk());
  const int64_t now = testing::kNowMs;
  auto verify = [&](const std::string& name) {
    std::string jws = ReadFileOrDie(vectors + "/" + name);
    while (!jws.empty() && jws.back() == '\n') jws.pop_back();
    return VerifyVcJwt(jws, *jwks, now);
  };
  EXPECT_THAT(verify("good.jws"), IsOk());
  EXPECT_THAT(verify("good-jwk.jws"), IsOk());
  EXPECT_THAT(verify("tampered.jws"),
              StatusIs(Code::kUnauthenticated, HasSubstr("does not verify")));
  EXPECT_THAT(verify("claims-mismatch.jws"), StatusIs(Code::kInvalidArgument, HasSubstr("jti")));
  EXPECT_THAT(verify("legacy-vc-claim.jws"), StatusIs(Code::kInvalidArgument, HasSubstr("\"vc\"")));
  EXPECT_THAT(verify("bad-header.jws"), StatusIs(Code::kInvalidArgument, HasSubstr("header")));
  EXPECT_THAT(verify("expired.jws"), StatusIs(Code::kFailedPrecondition, HasSubstr("expired")));
  auto other = ParseJwks(ReadFileOrDie(vectors + "/other-jwks.json"));
  ASSERT_THAT(other, IsOk());
  std::string good = ReadFileOrDie(vectors + "/good.jws");
  good.pop_back();
  EXPECT_THAT(VerifyVcJwt(good, *other, now), StatusIs(Code::kUnauthenticated, ::testing::_));

  EXPECT_THAT(ExtractPng(ReadFileOrDie(vectors + "/compressed.png")),
              StatusIs(Code::kInvalidArgument, HasSubstr("must not be compressed")));
  EXPECT_THAT(ExtractPng(ReadFileOrDie(vectors + "/twice.png")),
              StatusIs(Code::kInvalidArgument, HasSubstr("a PNG must hold one")));
  EXPECT_THAT(ExtractPng(ReadFileOrDie(vectors + "/plain.png")),
              StatusIs(Code::kNotFound, ::testing::_));
  EXPECT_EQ(ExtractSvg(ReadFileOrDie(vectors + "/good.svg")).value(), good);
}

}  // namespace
}  // namespace cairn::badge
