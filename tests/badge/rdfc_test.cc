// RDFC-1.0 unit cases: ties only Hash N-Degree Quads breaks, canonical N-Quads escaping,
// language tags and datatypes, duplicates, and the work bound against adversarial graphs.
// Expected outputs are rdf-canonize 5.0.0's (see node_reference_canonicalizer_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "cairn/badge/jsonld.h"
#include "support/status_matchers.h"

namespace cairn::badge {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

constexpr std::string_view kXsdString = "http://www.w3.org/2001/XMLSchema#string";

RdfTerm Iri(std::string value) { return {RdfTerm::Kind::kIri, std::move(value), "", ""}; }
RdfTerm Blank(std::string label) { return {RdfTerm::Kind::kBlankNode, std::move(label), "", ""}; }
RdfTerm Literal(std::string value, std::string datatype = std::string(kXsdString),
                std::string language = "") {
  return {RdfTerm::Kind::kLiteral, std::move(value), std::move(datatype), std::move(language)};
}
const RdfTerm kP = Iri("http://example.org/p");

std::string Canonical(const RdfDataset& dataset, uint32_t factor = 1) {
  Result<std::string> out = CanonicalizeDataset(dataset, RdfcOptions{factor});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : "";
}

TEST(Rdfc, StructurallyIdenticalBlankNodesGetConsecutiveLabels) {
  EXPECT_EQ(Canonical({{Blank("x"), kP, Literal("a"), {}}, {Blank("y"), kP, Literal("a"), {}}}),
            "_:c14n0 <http://example.org/p> \"a\" .\n_:c14n1 <http://example.org/p> \"a\" .\n");
}

TEST(Rdfc, ACycleOfIndistinguishableNodesNeedsMoreThanTheDefaultWork) {
  RdfDataset cycle = {{Blank("a"), kP, Blank("b"), {}},
                      {Blank("b"), kP, Blank("c"), {}},
                      {Blank("c"), kP, Blank("a"), {}}};
  // rdf-canonize gives up here too ("Maximum deep iterations exceeded (3)").
  EXPECT_THAT(CanonicalizeDataset(cycle), StatusIs(Code::kTooLarge, HasSubstr("too symmetric")));
  EXPECT_EQ(Canonical(cycle, 3),
            "_:c14n0 <http://example.org/p> _:c14n1 .\n"
            "_:c14n1 <http://example.org/p> _:c14n2 .\n"
            "_:c14n2 <http://example.org/p> _:c14n0 .\n");
}

TEST(Rdfc, LabelsDoNotDependOnInputLabelsOrOrder) {
  RdfDataset one = {{Blank("e0"), kP, Blank("e1"), {}},
                    {Blank("e1"), kP, Blank("e0"), {}},
                    {Blank("e0"), Iri("http://example.org/name"), Literal("x"), {}}};
  RdfDataset two = {{Blank("zz"), Iri("http://example.org/name"), Literal("x"), {}},
                    {Blank("q"), kP, Blank("zz"), {}},
                    {Blank("zz"), kP, Blank("q"), {}}};
  EXPECT_EQ(Canonical(one, 3), Canonical(two, 3));
  EXPECT_EQ(Canonical(one, 3),
            "_:c14n0 <http://example.org/p> _:c14n1 .\n"
            "_:c14n1 <http://example.org/name> \"x\" .\n"
            "_:c14n1 <http://example.org/p> _:c14n0 .\n");
}

TEST(Rdfc, BlankNodeGraphNamesAreCanonicalizedToo) {
  EXPECT_EQ(Canonical({{Iri("http://example.org/s"), kP, Literal("v"), Blank("g")},
                       {Iri("http://example.org/s"), kP, Blank("g"), {}}}),
            "<http://example.org/s> <http://example.org/p> \"v\" _:c14n0 .\n"
            "<http://example.org/s> <http://example.org/p> _:c14n0 .\n");
}

TEST(Rdfc, DuplicateQuadsCollapse) {
  RdfQuad quad{Blank("x"), kP, Literal("a"), {}};
  EXPECT_EQ(Canonical({quad, quad, quad}), "_:c14n0 <http://example.org/p> \"a\" .\n");
}

TEST(Rdfc, LiteralsAreEscapedAsCanonicalNQuadsAndUnicodeStaysRaw) {
  RdfDataset dataset = {
      {Iri("http://example.org/s"),
       kP,
       Literal("line1\nline2\r\"q\" \\ \t tab \x07 bell \x7f del \x01 é 😀"),
       {}},
      {Iri("http://example.org/s"),
       kP,
       Literal("hi", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", "en-us"),
       {}},
      {Iri("http://example.org/s"),
       kP,
       Literal("5", "http://www.w3.org/2001/XMLSchema#integer"),
       {}}};
  EXPECT_EQ(Canonical(dataset),
            "<http://example.org/s> <http://example.org/p> "
            "\"5\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
            "<http://example.org/s> <http://example.org/p> \"hi\"@en-us .\n"
            "<http://example.org/s> <http://example.org/p> \"line1\\nline2\\r\\\"q\\\" \\\\ \\t "
            "tab \\u0007 bell \\u007F del \\u0001 é 😀\" .\n");
}

TEST(Rdfc, IrisEscapeOnlyWhatNQuadsForbids) {
  EXPECT_EQ(SerializeNQuad({Iri("http://example.org/a b<c>\"{|}^`\\é"), kP, Iri("urn:x"), {}}),
            "<http://example.org/a\\u0020b\\u003Cc\\u003E\\u0022\\u007B\\u007C\\u007D\\u005E\\u0060"
            "\\u005Cé> <http://example.org/p> <urn:x> .\n");
}

// Every node points at every other with the same predicate: no hash ever tells them apart, and
// Hash N-Degree Quads would try n! orders. The bound stops it quickly.
RdfDataset Clique(int n) {
  RdfDataset dataset;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (i != j)
        dataset.push_back({Blank("n" + std::to_string(i)), kP, Blank("n" + std::to_string(j)), {}});
    }
  }
  return dataset;
}

TEST(Rdfc, APoisonGraphHitsTheWorkLimitQuickly) {
  auto start = std::chrono::steady_clock::now();
  for (uint32_t factor : {1u, 2u}) {
    EXPECT_THAT(CanonicalizeDataset(Clique(12), RdfcOptions{factor}),
                StatusIs(Code::kTooLarge, HasSubstr("Hash N-Degree Quads")));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Rdfc, ZeroWorkFactorAllowsOnlyFirstDegreeHashes) {
  EXPECT_THAT(
      CanonicalizeDataset({{Blank("x"), kP, Literal("a"), {}}, {Blank("y"), kP, Literal("a"), {}}},
                          RdfcOptions{0}),
      StatusIs(Code::kTooLarge, ::testing::_));
  EXPECT_EQ(Canonical({{Blank("x"), kP, Literal("a"), {}}}, 0),
            "_:c14n0 <http://example.org/p> \"a\" .\n");
}

}  // namespace
}  // namespace cairn::badge
