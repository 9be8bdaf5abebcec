// Searching the catalog on a device, offline: which micro-credentials match what a teacher
// typed, best first.
//
// Thread-safety: a free function with no shared state.
#ifndef CAIRN_CATALOG_SEARCH_H_
#define CAIRN_CATALOG_SEARCH_H_

#include <string>
#include <string_view>
#include <vector>

#include "cairn/v1/catalog.pb.h"

namespace cairn {

struct CatalogMatch {
  const v1::MicroCredential* micro_credential = nullptr;  // points into the searched list
  int score = 0;                                          // higher is better
  // Where the query matched, best first: "title", "topics", "stack", "competency", "summary".
  std::vector<std::string> matched;
};

// The micro-credentials in which every word of `query` occurs (case-insensitively; ASCII letters
// are folded, other characters compared as written) in the title, summary, competency, a topic
// or the title of a stack the micro-credential belongs to. Ranked by where the words occur:
// title, then topics, then stack titles, then competency and summary; the whole query as a
// phrase in the title, or equal to a topic, ranks first. Ties keep title order. Empty for a
// query without words.
std::vector<CatalogMatch> SearchCatalog(const std::vector<v1::MicroCredential>& micro_credentials,
                                        const std::vector<v1::Stack>& stacks,
                                        std::string_view query);

}  // namespace cairn

#endif  // CAIRN_CATALOG_SEARCH_H_
