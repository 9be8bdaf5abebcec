// JSON-LD 1.1 expansion (Processing Algorithms §5.1) in safe mode, over the shipped contexts.
//
// Errors name the JSON path of the offending entry. Thread-safety: a pure function.
#ifndef CAIRN_SRC_BADGE_JSONLD_EXPAND_H_
#define CAIRN_SRC_BADGE_JSONLD_EXPAND_H_

#include <boost/json.hpp>

#include "cairn/status.h"

namespace cairn::badge::jsonld_internal {

// The expanded form of `document`, allocated from `storage`.
Result<boost::json::array> Expand(const boost::json::value& document,
                                  const boost::json::storage_ptr& storage);

}  // namespace cairn::badge::jsonld_internal

#endif  // CAIRN_SRC_BADGE_JSONLD_EXPAND_H_
