// Closed-world JSON-LD 1.1 expansion and toRdf, RDF Dataset Canonicalization (RDFC-1.0) and
// canonical N-Quads: the graph half of the `eddsa-rdfc-2022` Data Integrity cryptosuite.
//
// Only the contexts shipped in schemas/jsonld/ are ever used; a remote context that is not
// shipped is an error naming its URL, nothing is fetched. Expansion runs in safe mode, the way
// verifiers canonicalize (jsonld.js `safe: true`): any property the active context does not
// define, any type or @id that does not expand to an absolute IRI, and any value expansion
// would silently drop is an error naming the term and its JSON path, e.g.
// `credentialSubject.result[0].foo: the term "foo" is not defined by the credential's contexts`.
// Features the shipped contexts do not need (@reverse, @included, @direction, @index/@id/@type
// maps, @import, @base, ...) are rejected with a clear error rather than given a wrong graph.
//
// All functions are pure: they take values, return values and keep no state other than the
// parsed shipped contexts (built once, on first use). Thread-safety: safe from any thread.
#ifndef CAIRN_BADGE_JSONLD_H_
#define CAIRN_BADGE_JSONLD_H_

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge {

// One RDF term. Blank node values are labels without the "_:" prefix.
struct RdfTerm {
  enum class Kind : uint8_t { kIri, kBlankNode, kLiteral, kDefaultGraph };
  Kind kind = Kind::kDefaultGraph;
  std::string value;     // the IRI, the blank node label or the literal's lexical form
  std::string datatype;  // literals only: the datatype IRI (rdf:langString when language is set)
  std::string language;  // literals only: the language tag, or empty

  friend bool operator==(const RdfTerm&, const RdfTerm&) = default;
};

struct RdfQuad {
  RdfTerm subject;    // kIri or kBlankNode
  RdfTerm predicate;  // kIri
  RdfTerm object;     // kIri, kBlankNode or kLiteral
  RdfTerm graph;      // kDefaultGraph, kIri or kBlankNode

  friend bool operator==(const RdfQuad&, const RdfQuad&) = default;
};

// An RDF dataset; duplicate quads are allowed on input and removed by canonicalization.
using RdfDataset = std::vector<RdfQuad>;

// Bounds the work Hash N-Degree Quads may do on graphs with indistinguishable blank nodes, which
// adversarial input can make factorial. As in rdf-canonize (what verifiers run), at most
// n^max_work_factor Hash N-Degree Quads calls are made, n being the number of blank nodes whose
// first-degree hashes are shared; so a default-limit result here is one verifiers can reproduce.
struct RdfcOptions {
  uint32_t max_work_factor = 1;
};

// The JSON-LD expanded form of `document` (an array of node objects), safe mode, shipped
// contexts only.
Result<boost::json::array> ExpandJsonLd(const boost::json::value& document);

// The RDF dataset `document` denotes (expansion + JSON-LD toRdf, blank nodes labelled b0, b1...).
Result<RdfDataset> JsonLdToRdf(const boost::json::value& document);

// RDFC-1.0 canonical N-Quads of `dataset`: canonical labels c14n0..., one quad a line, sorted.
// TooLarge past the work bound.
Result<std::string> CanonicalizeDataset(const RdfDataset& dataset, const RdfcOptions& options = {});

// JsonLdToRdf then CanonicalizeDataset: the exact bytes eddsa-rdfc-2022 hashes.
Result<std::string> CanonicalNQuads(const boost::json::value& document,
                                    const RdfcOptions& options = {});

// One quad in canonical N-Quads form, ending in " .\n" (escaping as RDF 1.2 canonical N-Quads:
// \b \t \n \f \r \" \\ in literals, \uXXXX for other control characters; UTF-8 stays raw).
std::string SerializeNQuad(const RdfQuad& quad);

// The URLs of the contexts compiled into the library, in schemas/jsonld/contexts.txt order.
std::vector<std::string_view> ShippedContextUrls();

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_JSONLD_H_
