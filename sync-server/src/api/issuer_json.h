// JSON for the issuer API (docs/issuer-api.md): parsing request bodies from the network, with
// errors that say where (line and column, or the field's path), and small accessors that never
// throw. Boost.JSON does the parsing; this file's .cc is the one translation unit of the server
// that compiles Boost.JSON's sources (there is no libboost_json to link).
//
// Thread-safety: free functions with no shared state.
#ifndef CAIRN_SERVER_API_ISSUER_JSON_H_
#define CAIRN_SERVER_API_ISSUER_JSON_H_

#include <boost/json.hpp>
#include <initializer_list>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

// The largest JSON body the issuer API reads.
inline constexpr size_t kMaxIssuerJsonBytes = size_t{1} << 20;

// Parses `body` as one JSON object. InvalidArgument "the body is not JSON: <what> at line L,
// column C" or "the body must be a JSON object".
Result<boost::json::object> ParseJsonObject(std::string_view body);

// InvalidArgument naming the first member of `object` (at `path`, e.g. "scores[2]") that is not
// in `known`: a misspelt field is refused rather than ignored.
Status CheckKnownFields(const boost::json::object& object, std::string_view path,
                        std::initializer_list<std::string_view> known);

// The string member `name` of `object` (at `path`). InvalidArgument when it is absent and
// `required`, or not a string; "" when absent and optional.
Result<std::string> StringField(const boost::json::object& object, std::string_view path,
                                std::string_view name, bool required);

// `value` serialised.
std::string ToJson(const boost::json::value& value);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_ISSUER_JSON_H_
