// Strict JSON for JOSE: objects parsed without exceptions, with duplicate member names refused
// (RFC 7515 §4 lets a parser reject them; accepting them lets two readers of the same token see
// different claims).
//
// Thread-safety: pure functions.
#ifndef CAIRN_BADGE_JOSE_JSON_H_
#define CAIRN_BADGE_JOSE_JSON_H_

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::badge::jose_internal {

// Parses `text` as one JSON object (UTF-8, no comments, no duplicate member names at any depth).
// `what` names the text in errors: "header", "payload".
Result<boost::json::object> ParseStrictObject(std::string_view text, std::string_view what);

// A JSON value in messages, shortened to about 80 characters.
std::string Quote(const boost::json::value& value);

}  // namespace cairn::badge::jose_internal

#endif  // CAIRN_BADGE_JOSE_JSON_H_
