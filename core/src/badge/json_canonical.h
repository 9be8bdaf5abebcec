// JSON as JavaScript writes it, which JSON-LD's toRdf fixes byte for byte: the JSON
// Canonicalization Scheme (RFC 8785) for rdf:JSON literals, ECMAScript Number::toString, and
// the xsd:double and xsd:integer lexical forms jsonld.js produces.
//
// Thread-safety: pure functions.
#ifndef CAIRN_SRC_BADGE_JSON_CANONICAL_H_
#define CAIRN_SRC_BADGE_JSON_CANONICAL_H_

#include <boost/json.hpp>
#include <string>

#include "cairn/status.h"

namespace cairn::badge::jsonld_internal {

// RFC 8785 canonical form of `value` (keys sorted by UTF-16 code units, ES number format).
Result<std::string> CanonicalJson(const boost::json::value& value);

// ECMAScript Number::toString of `number` (e.g. 1e21, 0.000001, 1.5e-7, 100).
std::string EcmaNumberToString(double number);

// The number as a JavaScript double; InvalidArgument if an integer does not fit one exactly.
Result<double> JsonNumberAsDouble(const boost::json::value& number);

// jsonld.js's xsd:double lexical form: toExponential(15) with trailing zeros dropped, "1.1E0".
std::string XsdDoubleLexical(double number);

}  // namespace cairn::badge::jsonld_internal

#endif  // CAIRN_SRC_BADGE_JSON_CANONICAL_H_
