// JSON-LD 1.1 active contexts: context processing, term definitions and IRI expansion
// (JSON-LD 1.1 Processing Algorithms §4.1, §4.2, §5.2), restricted to the shipped contexts.
//
// An ActiveContext is immutable once built and shared through ContextPtr; processing a local
// context returns a new one. Term definitions point at scoped contexts inside JSON the caller
// keeps alive: the shipped contexts (static) or the document being expanded. ContextProcessor
// memoizes results for one document and, for contexts built only from shipped ones, for the whole
// process (behind a mutex: those are pure functions of static data). A ContextProcessor is not
// thread-safe; use one per expansion.
#ifndef CAIRN_SRC_BADGE_JSONLD_CONTEXT_H_
#define CAIRN_SRC_BADGE_JSONLD_CONTEXT_H_

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cairn/status.h"

namespace cairn::badge::jsonld_internal {

// Container mapping bits.
enum : uint8_t {
  kContainerList = 1,
  kContainerSet = 2,
  kContainerGraph = 4,
  kContainerId = 8,
  kContainerIndex = 16,
  kContainerLanguage = 32,
  kContainerType = 64,
};

struct TermDefinition {
  std::optional<std::string> iri;  // nullopt: the term is defined as null (explicitly unmapped)
  bool prefix = false;
  bool is_protected = false;
  std::optional<std::string> type_mapping;
  uint8_t container = 0;
  const boost::json::value* context = nullptr;  // the scoped context, if any
  bool has_language = false;                    // a language mapping is set (possibly to null)
  std::optional<std::string> language;
  std::optional<std::string> nest;
  // Defined by a shipped context, so `context` points into static JSON.
  bool shipped = false;

  // Equal in everything but the protected flag (JSON-LD 1.1 §4.2.2 step 28.1).
  bool SameAs(const TermDefinition& other) const;
};

struct ActiveContext;
using ContextPtr = std::shared_ptr<const ActiveContext>;

struct ActiveContext {
  std::map<std::string, std::shared_ptr<const TermDefinition>, std::less<>> terms;
  std::optional<std::string> vocab;
  std::optional<std::string> default_language;
  ContextPtr previous;  // set by non-propagated (type-scoped) contexts
  // Built only from shipped contexts: a pure function of static data, so shareable process-wide.
  bool shipped_only = false;

  const TermDefinition* Find(std::string_view term) const {
    auto it = terms.find(term);
    return it == terms.end() ? nullptr : it->second.get();
  }
};

bool IsKeyword(std::string_view value);
// "@" followed by ASCII letters only: reserved for future keywords, ignored by processors.
bool HasKeywordForm(std::string_view value);
// jsonld.js's test for an absolute IRI or blank node identifier: a scheme, ':' and no whitespace.
bool IsAbsoluteIri(std::string_view value);

// IRI expansion against a finished active context (no term creation). nullopt for null.
// The base IRI is always null (as jsonld.js canonize sets it), so relative values stay relative.
std::optional<std::string> ExpandIri(const ActiveContext& context, std::string_view value,
                                     bool vocab);

class ContextProcessor {
 public:
  ContextProcessor() = default;
  ContextProcessor(const ContextProcessor&) = delete;
  ContextProcessor& operator=(const ContextProcessor&) = delete;

  static ContextPtr Empty();

  // Context Processing (§4.1.2) of `local` on top of `active`. `local_is_shipped`: `local` is a
  // scoped context inside a shipped context (TermDefinition::shipped).
  Result<ContextPtr> Process(const ContextPtr& active, const boost::json::value& local,
                             bool override_protected, bool propagate,
                             bool local_is_shipped = false);

 private:
  struct Frame;  // the state of one context definition being processed

  Result<ContextPtr> Compute(const ContextPtr& active, const boost::json::value& local,
                             bool override_protected, bool propagate, bool shipped);
  Status ProcessInto(ActiveContext& result, const boost::json::value& local,
                     bool override_protected, bool propagate, bool shipped,
                     std::vector<std::string>& remote_contexts);
  Status ProcessDefinition(ActiveContext& result, const boost::json::object& definition,
                           bool override_protected, bool shipped, std::string_view where);
  Status CreateTermDefinition(ActiveContext& result, Frame& frame, std::string_view term);
  Result<std::optional<std::string>> ExpandIriDefining(ActiveContext& result, Frame& frame,
                                                       std::string_view value, bool vocab);

  std::map<std::tuple<const ActiveContext*, const boost::json::value*, bool, bool>, ContextPtr>
      memo_;
  std::vector<ContextPtr> keep_alive_;  // keys of memo_ point into these
};

}  // namespace cairn::badge::jsonld_internal

#endif  // CAIRN_SRC_BADGE_JSONLD_CONTEXT_H_
