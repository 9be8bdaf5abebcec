// The JSON-LD contexts compiled into the library (schemas/jsonld/, embedded by
// embed_contexts.cmake) and the closed-world loader over them.
//
// The table is static data; ShippedContext parses each file once, on first use, into a value
// that lives for the whole program. Thread-safety: safe from any thread (the parse is guarded by
// a function-local static).
#ifndef CAIRN_SRC_BADGE_JSONLD_SHIPPED_H_
#define CAIRN_SRC_BADGE_JSONLD_SHIPPED_H_

#include <boost/json.hpp>
#include <span>
#include <string_view>

#include "cairn/status.h"

namespace cairn::badge::jsonld_internal {

struct ShippedContextFile {
  std::string_view url;
  std::string_view file_name;
  std::string_view bytes;
};

// Generated at build time from schemas/jsonld/contexts.txt.
std::span<const ShippedContextFile> ShippedContextFiles();

// The parsed document for `url` (the whole file, with its "@context" entry), or InvalidArgument
// naming the URL when it is not shipped. The pointer stays valid for the life of the program.
Result<const boost::json::object*> ShippedContext(std::string_view url);

}  // namespace cairn::badge::jsonld_internal

#endif  // CAIRN_SRC_BADGE_JSONLD_SHIPPED_H_
