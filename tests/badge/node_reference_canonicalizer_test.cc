// Differential tests against the reference canonicalizer (jsonld.js 9 + rdf-canonize from the
// OB3 kit, safe mode, shipped contexts only): every fixture must canonicalize to the same bytes,
// or be rejected by both. Needs node and `bash scripts/ob3-kit.sh <build>/ob3`; without the kit
// these tests fail, they never skip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cairn/badge/jsonld.h"
#include "jsonld_test_util.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using jsonld_testing::JsonFilesIn;
using jsonld_testing::KitProblem;
using jsonld_testing::ReadJsonFile;
using jsonld_testing::RunReference;
using jsonld_testing::TestdataPath;

constexpr std::string_view kDeepIterations = "Maximum deep iterations exceeded";

std::vector<std::string> AllFixtures() {
  std::vector<std::string> files = JsonFilesIn("shapes");
  for (const std::string& file : JsonFilesIn("jsonld")) files.push_back(file);
  files.push_back(TestdataPath("eddsa-rdfc-2022/signed-credential.json"));
  return files;
}

void ExpectSameAsReference(const std::string& file) {
  SCOPED_TRACE(file);
  boost::json::value document = ReadJsonFile(file);
  jsonld_testing::ReferenceOutput reference = RunReference(file);
  ASSERT_TRUE(reference.ran) << reference.output;
  Result<std::string> ours = CanonicalNQuads(document);
  if (reference.exit_code != 0 && reference.output.find(kDeepIterations) != std::string::npos) {
    // Both stop at the same default work bound; compare with a larger one.
    EXPECT_THAT(ours, testing::StatusIs(Code::kTooLarge, ::testing::_));
    reference = RunReference(file, "--max-work-factor 3");
    ours = CanonicalNQuads(document, RdfcOptions{3});
  }
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  CAIRN_ASSERT_OK(ours);
  EXPECT_EQ(*ours, reference.output);
}

TEST(NodeReferenceCanonicalizer, KitIsSetUp) { EXPECT_EQ(KitProblem(), ""); }

TEST(NodeReferenceCanonicalizer, EveryFixtureCanonicalizesToTheSameBytes) {
  ASSERT_EQ(KitProblem(), "");
  std::vector<std::string> files = AllFixtures();
  ASSERT_GE(files.size(), 8u);
  for (const std::string& file : files) ExpectSameAsReference(file);
}

TEST(NodeReferenceCanonicalizer, EveryNegativeFixtureIsRejectedByBoth) {
  ASSERT_EQ(KitProblem(), "");
  std::vector<std::string> files = JsonFilesIn("negative");
  ASSERT_GE(files.size(), 5u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    jsonld_testing::ReferenceOutput reference = RunReference(file);
    ASSERT_TRUE(reference.ran);
    EXPECT_NE(reference.exit_code, 0) << "the reference accepted it:\n" << reference.output;
    Result<std::string> ours = CanonicalNQuads(ReadJsonFile(file));
    EXPECT_FALSE(ours.ok()) << "Cairn accepted it:\n" << (ours.ok() ? *ours : "");
  }
}

RdfTerm Iri(std::string value) { return {RdfTerm::Kind::kIri, std::move(value), "", ""}; }
RdfTerm Blank(std::string label) { return {RdfTerm::Kind::kBlankNode, std::move(label), "", ""}; }
RdfTerm Text(std::string value) {
  return {RdfTerm::Kind::kLiteral, std::move(value), "http://www.w3.org/2001/XMLSchema#string", ""};
}

// Datasets whose blank nodes only Hash N-Degree Quads tells apart, written as N-Quads for the
// reference (its N-Quads input mode) and canonicalized by both.
std::vector<RdfDataset> HardDatasets() {
  const RdfTerm p = Iri("http://example.org/p");
  const RdfTerm q = Iri("http://example.org/q");
  const RdfTerm g = Iri("http://example.org/graph");
  std::vector<RdfDataset> sets;
  sets.push_back({{Blank("x"), p, Text("a"), {}}, {Blank("y"), p, Text("a"), {}}});
  sets.push_back({{Blank("a"), p, Blank("b"), {}},
                  {Blank("b"), p, Blank("c"), {}},
                  {Blank("c"), p, Blank("a"), {}}});
  sets.push_back({{Blank("a"), p, Blank("b"), {}},
                  {Blank("b"), p, Blank("a"), {}},
                  {Blank("c"), p, Blank("d"), {}},
                  {Blank("d"), p, Blank("c"), {}},
                  {Blank("a"), q, Text("left"), {}}});
  sets.push_back({{Blank("a"), p, Blank("b"), Blank("g1")},
                  {Blank("b"), p, Blank("a"), Blank("g2")},
                  {Blank("g1"), q, Text("graph"), {}},
                  {Blank("g2"), q, Text("graph"), {}},
                  {Blank("a"), q, Text("x"), g}});
  RdfDataset ring;
  for (int i = 0; i < 6; ++i) {
    ring.push_back(
        {Blank("r" + std::to_string(i)), p, Blank("r" + std::to_string((i + 1) % 6)), {}});
    ring.push_back(
        {Blank("r" + std::to_string(i)), q, Blank("r" + std::to_string((i + 3) % 6)), {}});
  }
  sets.push_back(ring);
  RdfDataset clique;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      if (i != j)
        clique.push_back({Blank("k" + std::to_string(i)), p, Blank("k" + std::to_string(j)), {}});
    }
  }
  sets.push_back(clique);
  return sets;
}

TEST(NodeReferenceCanonicalizer, HashNDegreeQuadsCasesMatch) {
  ASSERT_EQ(KitProblem(), "");
  std::string path = ::testing::TempDir() + "/cairn_rdfc_case_" + std::to_string(getpid()) + ".nq";
  int index = 0;
  for (const RdfDataset& dataset : HardDatasets()) {
    SCOPED_TRACE("dataset " + std::to_string(index++));
    std::string nquads;
    for (const RdfQuad& quad : dataset) nquads += SerializeNQuad(quad);
    std::ofstream(path, std::ios::binary) << nquads;
    for (uint32_t factor : {1u, 3u}) {
      jsonld_testing::ReferenceOutput reference =
          RunReference(path, "--nquads --max-work-factor " + std::to_string(factor));
      ASSERT_TRUE(reference.ran);
      Result<std::string> ours = CanonicalizeDataset(dataset, RdfcOptions{factor});
      if (reference.exit_code != 0) {
        EXPECT_THAT(reference.output, ::testing::HasSubstr(kDeepIterations));
        EXPECT_THAT(ours, testing::StatusIs(Code::kTooLarge, ::testing::_));
        continue;
      }
      CAIRN_ASSERT_OK(ours);
      EXPECT_EQ(*ours, reference.output) << "input:\n" << nquads;
    }
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace cairn::badge
