#include "badge/jsonld_context.h"

#include <array>
#include <cstddef>
#include <mutex>
#include <utility>

#include "badge/jsonld_shipped.h"

namespace cairn::badge::jsonld_internal {
namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 25> kKeywords = {
    "@base",      "@container",  "@context",     "@default",  "@direction",
    "@embed",     "@explicit",   "@graph",       "@id",       "@import",
    "@included",  "@index",      "@json",        "@language", "@list",
    "@nest",      "@none",       "@omitDefault", "@prefix",   "@preserve",
    "@protected", "@requireAll", "@reverse",     "@set",      "@type"};

// A small bound on remote context chains; the shipped contexts never import each other.
constexpr size_t kMaxRemoteContexts = 32;

bool IsGenDelim(char c) {
  return c == ':' || c == '/' || c == '?' || c == '#' || c == '[' || c == ']' || c == '@';
}

// Decodes one UTF-8 code point at text[*i], advancing *i; malformed bytes decode as themselves.
char32_t NextCodePoint(std::string_view text, size_t* i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(*i);
  size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xe ? 3 : 4;
  if (*i + length > text.size() || length == 1) {
    ++*i;
    return lead;
  }
  char32_t cp = lead & (0x3f >> (length - 1));
  for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (byte(*i + k) & 0x3f);
  *i += length;
  return cp;
}

// JavaScript's \s, which jsonld.js's absolute-IRI test excludes.
bool IsJsWhitespace(char32_t c) {
  return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == ' ' || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f ||
         c == 0x205f || c == 0x3000 || c == 0xfeff;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string In(std::string_view where) {
  return where.empty() ? std::string("in the credential's own @context")
                       : "in the context " + std::string(where);
}

}  // namespace

bool IsKeyword(std::string_view value) {
  for (std::string_view keyword : kKeywords) {
    if (keyword == value) return true;
  }
  return value == "@value" || value == "@vocab" || value == "@version" || value == "@propagate";
}

bool HasKeywordForm(std::string_view value) {
  if (value.size() < 2 || value[0] != '@') return false;
  for (size_t i = 1; i < value.size(); ++i) {
    if (!IsAlpha(value[i])) return false;
  }
  return true;
}

bool IsAbsoluteIri(std::string_view value) {
  size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view scheme = value.substr(0, colon);
  if (scheme != "_") {
    if (!IsAlpha(scheme[0])) return false;
    for (char c : scheme.substr(1)) {
      // jsonld.js writes [A-Za-z0-9+-.]: the range '+'..'.' also admits ','.
      if (!IsAlpha(c) && !IsDigit(c) && !(c >= '+' && c <= '.')) return false;
    }
  }
  for (size_t i = colon + 1; i < value.size();) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte < 0x80) {
      if (byte == ' ' || (byte >= '\t' && byte <= '\r')) return false;
      ++i;
    } else if (IsJsWhitespace(NextCodePoint(value, &i))) {
      return false;
    }
  }
  return true;
}

bool TermDefinition::SameAs(const TermDefinition& other) const {
  bool same_context = context == other.context || (context != nullptr && other.context != nullptr &&
                                                   *context == *other.context);
  return iri == other.iri && prefix == other.prefix && type_mapping == other.type_mapping &&
         container == other.container && same_context && has_language == other.has_language &&
         language == other.language && nest == other.nest;
}

std::optional<std::string> ExpandIri(const ActiveContext& context, std::string_view value,
                                     bool vocab) {
  if (IsKeyword(value)) return std::string(value);
  if (HasKeywordForm(value)) return std::nullopt;
  const TermDefinition* definition = context.Find(value);
  if (definition != nullptr && definition->iri && IsKeyword(*definition->iri)) {
    return definition->iri;
  }
  if (vocab && definition != nullptr) return definition->iri;
  size_t colon = value.find(':', 1);
  if (colon != std::string_view::npos) {
    std::string_view prefix = value.substr(0, colon);
    std::string_view suffix = value.substr(colon + 1);
    if (prefix == "_" || suffix.starts_with("//")) return std::string(value);
    const TermDefinition* prefix_definition = context.Find(prefix);
    if (prefix_definition != nullptr && prefix_definition->iri && prefix_definition->prefix) {
      return *prefix_definition->iri + std::string(suffix);
    }
    if (IsAbsoluteIri(value)) return std::string(value);
  }
  if (vocab && context.vocab) return *context.vocab + std::string(value);
  return std::string(value);
}

struct ContextProcessor::Frame {
  const json::object& local;
  std::map<std::string, bool, std::less<>> defined;
  bool protected_default = false;
  bool override_protected = false;
  bool shipped = false;
  std::string_view where;
};

namespace {

// Contexts built only from shipped contexts, shared by every document in the process. Keys hold
// raw pointers to contexts the cache itself keeps alive, and to static JSON.
struct SharedCache {
  using Key = std::tuple<const ActiveContext*, std::string, const json::value*, bool, bool>;
  // Bounds memory (each entry is a full term map) against documents naming many URL orders.
  static constexpr size_t kMaxEntries = 1024;
  std::mutex mutex;
  std::map<Key, ContextPtr> entries;
  std::vector<ContextPtr> keep_alive;
};

SharedCache& Shared() {
  static auto* const kCache = new SharedCache();
  return *kCache;
}

// The URLs `local` lists, '\n'-joined, if it is only context URLs; nullopt otherwise.
std::optional<std::string> UrlList(const json::value& local) {
  if (const json::string* url = local.if_string()) return std::string(*url);
  const json::array* items = local.if_array();
  if (items == nullptr) return std::nullopt;
  std::string joined;
  for (const json::value& item : *items) {
    const json::string* url = item.if_string();
    if (url == nullptr) return std::nullopt;
    joined.append(url->data(), url->size());
    joined.push_back('\n');
  }
  return joined;
}

}  // namespace

ContextPtr ContextProcessor::Empty() {
  static const ContextPtr kEmpty = [] {
    auto empty = std::make_shared<ActiveContext>();
    empty->shipped_only = true;
    return ContextPtr(std::move(empty));
  }();
  return kEmpty;
}

Result<ContextPtr> ContextProcessor::Process(const ContextPtr& active, const json::value& local,
                                             bool override_protected, bool propagate,
                                             bool local_is_shipped) {
  auto key = std::make_tuple(active.get(), &local, override_protected, propagate);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  std::optional<SharedCache::Key> shared_key;
  if (active->shipped_only) {
    if (local_is_shipped) {
      shared_key.emplace(active.get(), std::string(), &local, override_protected, propagate);
    } else if (std::optional<std::string> urls = UrlList(local)) {
      shared_key.emplace(active.get(), std::move(*urls), nullptr, override_protected, propagate);
    }
  }
  ContextPtr result;
  if (shared_key) {
    SharedCache& cache = Shared();
    std::lock_guard<std::mutex> lock(cache.mutex);
    if (auto it = cache.entries.find(*shared_key); it != cache.entries.end()) result = it->second;
  }
  if (result == nullptr) {
    CAIRN_ASSIGN_OR_RETURN(result,
                           Compute(active, local, override_protected, propagate, local_is_shipped));
    if (shared_key) {
      SharedCache& cache = Shared();
      std::lock_guard<std::mutex> lock(cache.mutex);
      if (cache.entries.size() < SharedCache::kMaxEntries) {
        cache.keep_alive.push_back(active);
        cache.entries.emplace(*shared_key, result);
      }
    }
  }
  keep_alive_.push_back(active);
  memo_.emplace(key, result);
  return result;
}

Result<ContextPtr> ContextProcessor::Compute(const ContextPtr& active, const json::value& local,
                                             bool override_protected, bool propagate,
                                             bool shipped) {
  auto result = std::make_shared<ActiveContext>(*active);
  result->shipped_only = active->shipped_only && (shipped || UrlList(local).has_value());
  if (const json::object* object = local.if_object()) {
    if (const json::value* value = object->if_contains("@propagate")) {
      if (!value->is_bool()) return InvalidArgument("@propagate must be true or false");
      propagate = value->get_bool();
    }
  }
  if (!propagate && result->previous == nullptr) result->previous = active;
  std::vector<std::string> remote_contexts;
  CAIRN_RETURN_IF_ERROR(
      ProcessInto(*result, local, override_protected, propagate, shipped, remote_contexts));
  return ContextPtr(std::move(result));
}

Status ContextProcessor::ProcessInto(ActiveContext& result, const json::value& local,
                                     bool override_protected, bool propagate, bool shipped,
                                     std::vector<std::string>& remote_contexts) {
  auto process_one = [&](const json::value& item, std::string_view where) -> Status {
    if (item.is_null()) {
      if (!override_protected) {
        for (const auto& [term, definition] : result.terms) {
          if (definition->is_protected) {
            return InvalidArgument("a null @context cannot clear the protected term \"" + term +
                                   "\" " + In(where));
          }
        }
      }
      ContextPtr previous = propagate ? nullptr : std::make_shared<const ActiveContext>(result);
      bool shipped_only = result.shipped_only;
      result = ActiveContext();
      result.previous = std::move(previous);
      result.shipped_only = shipped_only;
      return Status::Ok();
    }
    if (const json::string* url = item.if_string()) {
      if (!IsAbsoluteIri(*url)) {
        return InvalidArgument("the context reference " + Quote(*url) +
                               " is relative; only the shipped absolute context URLs are allowed");
      }
      if (remote_contexts.size() >= kMaxRemoteContexts) {
        return InvalidArgument("more than 32 remote contexts are chained");
      }
      remote_contexts.emplace_back(*url);
      CAIRN_ASSIGN_OR_RETURN(const json::object* document, ShippedContext(*url));
      const json::value* context = document->if_contains("@context");
      if (context == nullptr) {
        return Internal("the shipped context " + std::string(*url) + " has no @context entry");
      }
      // Contexts a remote document names are processed as remote ones: never overriding
      // protected terms, always propagated (JSON-LD 1.1 §4.1.2 step 5.2.6).
      return ProcessInto(result, *context, false, true, true, remote_contexts);
    }
    if (const json::object* definition = item.if_object()) {
      return ProcessDefinition(result, *definition, override_protected, shipped, where);
    }
    return InvalidArgument("a @context entry must be a URL, an object or null " + In(where));
  };
  std::string where = remote_contexts.empty() ? std::string() : remote_contexts.back();
  if (const json::array* items = local.if_array()) {
    for (const json::value& item : *items) CAIRN_RETURN_IF_ERROR(process_one(item, where));
    return Status::Ok();
  }
  return process_one(local, where);
}

Status ContextProcessor::ProcessDefinition(ActiveContext& result, const json::object& definition,
                                           bool override_protected, bool shipped,
                                           std::string_view where) {
  Frame frame{definition, {}, false, override_protected, shipped, where};
  for (const auto& entry : definition) {
    std::string_view key = entry.key();
    const json::value& value = entry.value();
    if (key == "@version") {
      if (!value.is_double() || value.get_double() != 1.1) {
        return InvalidArgument("@version must be 1.1 " + In(where));
      }
    } else if (key == "@import" || key == "@base" || key == "@direction") {
      return InvalidArgument(std::string(key) + " is not supported in contexts (" + In(where) +
                             ")");
    } else if (key == "@protected") {
      if (!value.is_bool()) return InvalidArgument("@protected must be true or false " + In(where));
      frame.protected_default = value.get_bool();
    } else if (key == "@propagate") {
      if (!value.is_bool()) return InvalidArgument("@propagate must be true or false " + In(where));
    }
  }
  if (const json::value* vocab = definition.if_contains("@vocab")) {
    if (vocab->is_null()) {
      result.vocab.reset();
    } else if (const json::string* text = vocab->if_string()) {
      std::optional<std::string> expanded = ExpandIri(result, *text, true);
      if (!expanded || !IsAbsoluteIri(*expanded)) {
        return InvalidArgument("@vocab " + Quote(*text) + " is not an absolute IRI " + In(where));
      }
      result.vocab = std::move(expanded);
    } else {
      return InvalidArgument("@vocab must be a string or null " + In(where));
    }
  }
  if (const json::value* language = definition.if_contains("@language")) {
    if (language->is_null()) {
      result.default_language.reset();
    } else if (const json::string* text = language->if_string()) {
      result.default_language = Lower(*text);
    } else {
      return InvalidArgument("@language must be a string or null " + In(where));
    }
  }
  for (const auto& entry : definition) {
    std::string_view key = entry.key();
    if (key == "@base" || key == "@direction" || key == "@import" || key == "@language" ||
        key == "@propagate" || key == "@protected" || key == "@version" || key == "@vocab") {
      continue;
    }
    CAIRN_RETURN_IF_ERROR(CreateTermDefinition(result, frame, key));
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ContextProcessor::ExpandIriDefining(ActiveContext& result,
                                                                       Frame& frame,
                                                                       std::string_view value,
                                                                       bool vocab) {
  if (IsKeyword(value)) return std::optional<std::string>(std::string(value));
  if (HasKeywordForm(value)) return std::optional<std::string>();
  auto needs_definition = [&](std::string_view term) {
    if (!frame.local.contains(term)) return false;
    auto it = frame.defined.find(term);
    return it == frame.defined.end() || !it->second;
  };
  if (needs_definition(value)) CAIRN_RETURN_IF_ERROR(CreateTermDefinition(result, frame, value));
  size_t colon = value.find(':', 1);
  if (colon != std::string_view::npos) {
    std::string_view prefix = value.substr(0, colon);
    std::string_view suffix = value.substr(colon + 1);
    if (prefix != "_" && !suffix.starts_with("//") && needs_definition(prefix)) {
      CAIRN_RETURN_IF_ERROR(CreateTermDefinition(result, frame, prefix));
    }
  }
  return ExpandIri(result, value, vocab);
}

Status ContextProcessor::CreateTermDefinition(ActiveContext& result, Frame& frame,
                                              std::string_view term) {
  if (auto it = frame.defined.find(term); it != frame.defined.end()) {
    if (it->second) return Status::Ok();
    return InvalidArgument("the term " + Quote(term) + " has a cyclic IRI mapping " +
                           In(frame.where));
  }
  if (term.empty()) return InvalidArgument("a context defines the empty term " + In(frame.where));
  frame.defined.emplace(std::string(term), false);
  const json::value& raw = frame.local.at(term);
  if (IsKeyword(term)) {
    return InvalidArgument("the context redefines the keyword " + std::string(term) + " " +
                           In(frame.where) + "; that is not supported");
  }
  if (HasKeywordForm(term)) {
    return InvalidArgument("the context defines the reserved term " + Quote(term) + " " +
                           In(frame.where));
  }
  std::shared_ptr<const TermDefinition> previous;
  if (auto it = result.terms.find(term); it != result.terms.end()) {
    previous = it->second;
    result.terms.erase(it);
  }

  json::object expanded_form;
  const json::object* value = nullptr;
  bool simple_term = false;
  if (raw.is_null()) {
    expanded_form["@id"] = nullptr;
    value = &expanded_form;
  } else if (raw.is_string()) {
    expanded_form["@id"] = raw;
    value = &expanded_form;
    simple_term = true;
  } else if (raw.is_object()) {
    value = &raw.get_object();
  } else {
    return InvalidArgument("the definition of the term " + Quote(term) + " " + In(frame.where) +
                           " must be a string, an object or null");
  }
  auto invalid = [&](std::string_view what) {
    return InvalidArgument("the definition of the term " + Quote(term) + " " + In(frame.where) +
                           ": " + std::string(what));
  };

  auto definition = std::make_shared<TermDefinition>();
  definition->is_protected = frame.protected_default;
  definition->shipped = frame.shipped;
  for (const auto& entry : *value) {
    std::string_view key = entry.key();
    if (key != "@id" && key != "@container" && key != "@context" && key != "@language" &&
        key != "@nest" && key != "@prefix" && key != "@protected" && key != "@type") {
      return invalid(std::string(key) + " is not supported");
    }
  }
  if (const json::value* flag = value->if_contains("@protected")) {
    if (!flag->is_bool()) return invalid("@protected must be true or false");
    definition->is_protected = flag->get_bool();
  }
  if (const json::value* type = value->if_contains("@type")) {
    const json::string* text = type->if_string();
    if (text == nullptr) return invalid("@type must be a string");
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> expanded,
                           ExpandIriDefining(result, frame, *text, true));
    if (!expanded || !(*expanded == "@id" || *expanded == "@json" || *expanded == "@none" ||
                       *expanded == "@vocab" || IsAbsoluteIri(*expanded))) {
      return invalid("@type " + Quote(*text) + " is not an IRI, @id, @vocab, @json or @none");
    }
    definition->type_mapping = std::move(expanded);
  }

  const json::value* id = value->if_contains("@id");
  if (id != nullptr && !(id->is_string() && id->get_string() == term)) {
    if (id->is_null()) {
      definition->iri.reset();
    } else {
      const json::string* text = id->if_string();
      if (text == nullptr) return invalid("@id must be a string or null");
      if (!IsKeyword(*text) && HasKeywordForm(*text)) {
        return invalid("@id " + Quote(*text) + " has the form of a reserved keyword");
      }
      CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> expanded,
                             ExpandIriDefining(result, frame, *text, true));
      if (!expanded || !(IsKeyword(*expanded) || IsAbsoluteIri(*expanded))) {
        return invalid("@id " + Quote(*text) + " does not expand to an absolute IRI");
      }
      if (*expanded == "@context") return invalid("@context cannot be aliased");
      size_t inner_colon =
          term.size() > 2 ? term.substr(1, term.size() - 2).find(':') : std::string_view::npos;
      if (inner_colon != std::string_view::npos || term.find('/') != std::string_view::npos) {
        frame.defined[std::string(term)] = true;
        CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> self,
                               ExpandIriDefining(result, frame, term, true));
        if (self != expanded) {
          return invalid("a term that looks like an IRI must map to that IRI");
        }
      }
      if (term.find(':') == std::string_view::npos && term.find('/') == std::string_view::npos &&
          simple_term && (IsGenDelim(expanded->back()) || expanded->starts_with("_:"))) {
        definition->prefix = true;
      }
      definition->iri = std::move(expanded);
    }
  } else if (size_t colon = term.find(':', 1); colon != std::string_view::npos) {
    std::string_view prefix = term.substr(0, colon);
    if (frame.local.contains(prefix))
      CAIRN_RETURN_IF_ERROR(CreateTermDefinition(result, frame, prefix));
    const TermDefinition* prefix_definition = result.Find(prefix);
    if (prefix_definition != nullptr && prefix_definition->iri) {
      definition->iri = *prefix_definition->iri + std::string(term.substr(colon + 1));
    } else {
      definition->iri = std::string(term);
    }
  } else if (term.find('/') != std::string_view::npos) {
    std::optional<std::string> expanded = ExpandIri(result, term, true);
    if (!expanded || !IsAbsoluteIri(*expanded)) return invalid("the term is a relative IRI");
    definition->iri = std::move(expanded);
  } else if (result.vocab) {
    definition->iri = *result.vocab + std::string(term);
  } else {
    return invalid("it has no @id and the context has no @vocab");
  }

  if (const json::value* container = value->if_contains("@container")) {
    auto add = [&](const json::value& item) -> Status {
      const json::string* text = item.if_string();
      if (text == nullptr) return invalid("@container entries must be strings");
      std::string_view name = *text;
      if (name == "@list") {
        definition->container |= kContainerList;
      } else if (name == "@set") {
        definition->container |= kContainerSet;
      } else if (name == "@graph") {
        definition->container |= kContainerGraph;
      } else if (name == "@id") {
        definition->container |= kContainerId;
      } else if (name == "@index") {
        definition->container |= kContainerIndex;
      } else if (name == "@language") {
        definition->container |= kContainerLanguage;
      } else if (name == "@type") {
        definition->container |= kContainerType;
      } else {
        return invalid("@container " + Quote(name) + " is not a container");
      }
      return Status::Ok();
    };
    if (const json::array* items = container->if_array()) {
      for (const json::value& item : *items) CAIRN_RETURN_IF_ERROR(add(item));
    } else {
      CAIRN_RETURN_IF_ERROR(add(*container));
    }
    if ((definition->container & kContainerList) && definition->container != kContainerList) {
      return invalid("@list cannot be combined with other containers");
    }
    if (definition->container & kContainerType) {
      if (!definition->type_mapping) definition->type_mapping = "@id";
      if (*definition->type_mapping != "@id" && *definition->type_mapping != "@vocab") {
        return invalid("a @type container needs @type @id or @vocab");
      }
    }
  }
  if (const json::value* context = value->if_contains("@context")) definition->context = context;
  if (const json::value* language = value->if_contains("@language");
      language != nullptr && !value->contains("@type")) {
    if (language->is_null()) {
      definition->has_language = true;
    } else if (const json::string* text = language->if_string()) {
      definition->has_language = true;
      definition->language = Lower(*text);
    } else {
      return invalid("@language must be a string or null");
    }
  }
  if (const json::value* nest = value->if_contains("@nest")) {
    const json::string* text = nest->if_string();
    if (text == nullptr || (IsKeyword(*text) && *text != "@nest")) {
      return invalid("@nest must be @nest or a term");
    }
    definition->nest = std::string(*text);
  }
  if (const json::value* prefix = value->if_contains("@prefix")) {
    if (term.find(':') != std::string_view::npos || term.find('/') != std::string_view::npos) {
      return invalid("@prefix is not allowed on a compact IRI or IRI term");
    }
    if (!prefix->is_bool()) return invalid("@prefix must be true or false");
    definition->prefix = prefix->get_bool();
    if (definition->prefix && definition->iri && IsKeyword(*definition->iri)) {
      return invalid("a keyword alias cannot be a prefix");
    }
  }

  std::shared_ptr<const TermDefinition> final_definition = std::move(definition);
  if (!frame.override_protected && previous != nullptr && previous->is_protected) {
    if (!final_definition->SameAs(*previous)) {
      return InvalidArgument("the protected term " + Quote(term) + " is redefined differently " +
                             In(frame.where) + "; a context may not change a protected term");
    }
    final_definition = previous;
  }
  result.terms.insert_or_assign(std::string(term), std::move(final_definition));
  frame.defined[std::string(term)] = true;
  return Status::Ok();
}

}  // namespace cairn::badge::jsonld_internal
