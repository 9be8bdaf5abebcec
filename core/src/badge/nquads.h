// Canonical N-Quads serialization (RDF 1.2 canonical form, as rdf-canonize writes it).
//
// Thread-safety: pure functions.
#ifndef CAIRN_SRC_BADGE_NQUADS_H_
#define CAIRN_SRC_BADGE_NQUADS_H_

#include <string>
#include <string_view>

#include "cairn/badge/jsonld.h"

namespace cairn::badge::nquads_internal {

// Appends `quad` and its " .\n" to `out`, writing each blank node as "_:" + label(value).
template <typename Relabel>
void AppendQuad(const RdfQuad& quad, const Relabel& label, std::string& out);

void AppendIri(std::string_view iri, std::string& out);
void AppendLiteral(const RdfTerm& literal, std::string& out);

template <typename Relabel>
void AppendTerm(const RdfTerm& term, const Relabel& label, std::string& out) {
  switch (term.kind) {
    case RdfTerm::Kind::kIri:
      AppendIri(term.value, out);
      break;
    case RdfTerm::Kind::kBlankNode:
      out += "_:";
      out += label(term.value);
      break;
    case RdfTerm::Kind::kLiteral:
      AppendLiteral(term, out);
      break;
    case RdfTerm::Kind::kDefaultGraph:
      break;
  }
}

template <typename Relabel>
void AppendQuad(const RdfQuad& quad, const Relabel& label, std::string& out) {
  AppendTerm(quad.subject, label, out);
  out.push_back(' ');
  AppendTerm(quad.predicate, label, out);
  out.push_back(' ');
  AppendTerm(quad.object, label, out);
  if (quad.graph.kind != RdfTerm::Kind::kDefaultGraph) {
    out.push_back(' ');
    AppendTerm(quad.graph, label, out);
  }
  out += " .\n";
}

}  // namespace cairn::badge::nquads_internal

#endif  // CAIRN_SRC_BADGE_NQUADS_H_
