#include "badge/jsonld_expand.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "badge/jsonld_context.h"

namespace cairn::badge::jsonld_internal {
namespace json = boost::json;

namespace {

using Property = std::optional<std::string_view>;

bool IsScalar(const json::value& value) {
  return value.is_string() || value.is_number() || value.is_bool();
}

// BCP 47 well-formedness as jsonld.js checks it.
bool IsWellFormedLanguage(std::string_view tag) {
  size_t start = 0;
  bool first = true;
  while (start <= tag.size()) {
    size_t end = tag.find('-', start);
    if (end == std::string_view::npos) end = tag.size();
    std::string_view part = tag.substr(start, end - start);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool digit = c >= '0' && c <= '9';
      if (!alpha && !(digit && !first)) return false;
    }
    first = false;
    if (end == tag.size()) break;
    start = end + 1;
  }
  return !tag.empty();
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

class Expander {
 public:
  explicit Expander(json::storage_ptr storage) : storage_(std::move(storage)) {}

  Result<json::value> Expand(ContextPtr active, Property property, const json::value& element,
                             bool inside_list);

 private:
  Result<json::value> ExpandObject(ContextPtr active, Property property,
                                   const json::object& element, bool inside_list);
  Status ExpandEntries(const ContextPtr& active, const ContextPtr& type_scoped, Property property,
                       const json::object& element, std::string_view input_type,
                       json::object& result);
  Result<json::value> ExpandValue(const ActiveContext& active, std::string_view property,
                                  const json::value& value);
  Result<json::value> ExpandLanguageMap(const ActiveContext& active, const json::object& map);
  Status PostProcess(json::value& result, Property property, const ActiveContext& active,
                     bool inside_list);

  Result<ContextPtr> Process(const ContextPtr& active, const json::value& local,
                             bool override_protected, bool propagate, bool shipped = false) {
    Result<ContextPtr> processed =
        contexts_.Process(active, local, override_protected, propagate, shipped);
    if (!processed.ok()) return Fail(processed.status().message());
    return processed;
  }

  // An InvalidArgument naming the current JSON path.
  Status Fail(std::string_view what) const {
    std::string where;
    for (const std::string& segment : path_) where += segment;
    if (!where.empty() && where[0] == '.') where.erase(0, 1);
    if (where.empty()) where = "the document";
    return InvalidArgument(where + ": " + std::string(what));
  }

  json::storage_ptr storage_;
  ContextProcessor contexts_;
  std::vector<std::string> path_;
};

struct PathScope {
  PathScope(std::vector<std::string>& path, std::string segment) : path_(path) {
    path_.push_back(std::move(segment));
  }
  ~PathScope() { path_.pop_back(); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;
  std::vector<std::string>& path_;
};

std::vector<std::string_view> SortedKeys(const json::object& object) {
  std::vector<std::string_view> keys;
  keys.reserve(object.size());
  for (const auto& entry : object) keys.push_back(entry.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Append(json::object& result, std::string_view key, json::value value,
            const json::storage_ptr& storage) {
  json::value& slot = result[key];
  if (!slot.is_array()) slot = json::array(storage);
  json::array& items = slot.get_array();
  if (json::array* values = value.if_array()) {
    for (json::value& item : *values) items.push_back(std::move(item));
  } else {
    items.push_back(std::move(value));
  }
}

Result<json::value> Expander::Expand(ContextPtr active, Property property,
                                     const json::value& element, bool inside_list) {
  if (element.is_null()) return json::value(nullptr);
  const TermDefinition* definition = property ? active->Find(*property) : nullptr;
  if (IsScalar(element)) {
    if (!property || *property == "@graph") {
      return Fail("a bare value outside any property would be dropped (free-floating scalar)");
    }
    if (definition != nullptr && definition->context != nullptr) {
      CAIRN_ASSIGN_OR_RETURN(
          active, Process(active, *definition->context, true, true, definition->shipped));
    }
    return ExpandValue(*active, *property, element);
  }
  if (const json::array* items = element.if_array()) {
    bool list = inside_list || (definition != nullptr && (definition->container & kContainerList));
    json::array result(storage_);
    for (size_t i = 0; i < items->size(); ++i) {
      PathScope scope(path_, "[" + std::to_string(i) + "]");
      CAIRN_ASSIGN_OR_RETURN(json::value expanded, Expand(active, property, (*items)[i], list));
      if (list && expanded.is_array()) {
        json::object wrapped(storage_);
        wrapped["@list"] = std::move(expanded);
        expanded = std::move(wrapped);
      }
      if (expanded.is_null()) continue;
      if (json::array* nested = expanded.if_array()) {
        for (json::value& item : *nested) result.push_back(std::move(item));
      } else {
        result.push_back(std::move(expanded));
      }
    }
    return json::value(std::move(result));
  }
  return ExpandObject(std::move(active), property, element.get_object(), inside_list);
}

Result<json::value> Expander::ExpandObject(ContextPtr active, Property property,
                                           const json::object& element, bool inside_list) {
  const TermDefinition* definition = property ? active->Find(*property) : nullptr;
  const json::value* property_scoped = definition != nullptr ? definition->context : nullptr;
  bool property_scoped_shipped = definition != nullptr && definition->shipped;

  // A type-scoped context applies to its node only: revert it for a new node object, but not for
  // a value object or a bare reference (JSON-LD 1.1 §5.1.2 step 7).
  if (active->previous != nullptr) {
    bool keep = false;
    if (element.size() <= 2 && !element.contains("@context")) {
      for (const auto& entry : element) {
        std::optional<std::string> expanded = ExpandIri(*active, entry.key(), true);
        if (expanded == "@value" || (expanded == "@id" && element.size() == 1)) keep = true;
      }
    }
    if (!keep) active = active->previous;
  }
  if (property_scoped != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(active,
                           Process(active, *property_scoped, true, true, property_scoped_shipped));
  }
  if (const json::value* local = element.if_contains("@context")) {
    PathScope scope(path_, ".@context");
    CAIRN_ASSIGN_OR_RETURN(active, Process(active, *local, false, true));
  }
  ContextPtr type_scoped = active;
  std::vector<std::string_view> keys = SortedKeys(element);
  std::string input_type;
  bool seen_type_key = false;
  for (std::string_view key : keys) {
    if (ExpandIri(*active, key, true) != "@type") continue;
    const json::value& value = element.at(key);
    std::vector<std::string_view> types;
    if (const json::string* text = value.if_string()) types.push_back(*text);
    if (const json::array* items = value.if_array()) {
      for (const json::value& item : *items) {
        if (const json::string* text = item.if_string()) types.push_back(*text);
      }
    }
    if (!seen_type_key && !types.empty()) {
      input_type = ExpandIri(*type_scoped, types.back(), true).value_or("");
    }
    seen_type_key = true;
    std::sort(types.begin(), types.end());
    for (std::string_view type : types) {
      const TermDefinition* type_definition = type_scoped->Find(type);
      if (type_definition != nullptr && type_definition->context != nullptr) {
        PathScope scope(path_, "." + std::string(key));
        CAIRN_ASSIGN_OR_RETURN(active, Process(active, *type_definition->context, false, false,
                                               type_definition->shipped));
      }
    }
  }

  json::object result(storage_);
  CAIRN_RETURN_IF_ERROR(ExpandEntries(active, type_scoped, property, element, input_type, result));
  json::value value(std::move(result));
  CAIRN_RETURN_IF_ERROR(PostProcess(value, property, *active, inside_list));
  return value;
}

Status Expander::ExpandEntries(const ContextPtr& active, const ContextPtr& type_scoped,
                               Property property, const json::object& element,
                               std::string_view input_type, json::object& result) {
  std::vector<std::string_view> nests;
  for (std::string_view key : SortedKeys(element)) {
    if (key == "@context") continue;
    PathScope scope(path_, "." + std::string(key));
    const json::value& value = element.at(key);
    std::optional<std::string> expanded_property = ExpandIri(*active, key, true);
    if (!expanded_property ||
        !(IsKeyword(*expanded_property) || IsAbsoluteIri(*expanded_property))) {
      return Fail("the term " + Quote(key) + " is not defined by the credential's contexts");
    }
    const std::string& name = *expanded_property;
    if (IsKeyword(name)) {
      if (result.contains(name) && name != "@type") {
        return Fail("two entries expand to the keyword " + name);
      }
      if (name == "@id") {
        const json::string* text = value.if_string();
        if (text == nullptr) return Fail("an id must be a string");
        std::optional<std::string> id = ExpandIri(*active, *text, false);
        if (!id || !IsAbsoluteIri(*id)) {
          return Fail("the id " + Quote(*text) + " is not an absolute IRI");
        }
        result["@id"] = json::string(*id, storage_);
      } else if (name == "@type") {
        std::vector<const json::value*> items;
        if (const json::array* array = value.if_array()) {
          for (const json::value& item : *array) items.push_back(&item);
        } else {
          items.push_back(&value);
        }
        json::array types(storage_);
        if (json::value* existing = result.if_contains("@type")) {
          if (json::array* array = existing->if_array()) {
            types = *array;
          } else {
            types.push_back(*existing);
          }
        }
        for (const json::value* item : items) {
          const json::string* text = item->if_string();
          if (text == nullptr) return Fail("a type must be a string or an array of strings");
          std::optional<std::string> type = ExpandIri(*type_scoped, *text, true);
          if (!type || (*type != "@json" && !IsAbsoluteIri(*type))) {
            return Fail("the type " + Quote(*text) +
                        " is not defined by the credential's contexts (it does not expand to an "
                        "IRI)");
          }
          types.push_back(json::string(*type, storage_));
        }
        if (value.is_string() && types.size() == 1) {
          result["@type"] = std::move(types[0]);
        } else {
          result["@type"] = std::move(types);
        }
      } else if (name == "@graph") {
        CAIRN_ASSIGN_OR_RETURN(json::value graph, Expand(active, "@graph", value, false));
        if (!graph.is_array()) {
          json::array wrapped(storage_);
          if (!graph.is_null()) wrapped.push_back(std::move(graph));
          graph = std::move(wrapped);
        }
        result["@graph"] = std::move(graph);
      } else if (name == "@value") {
        // An @json value may be any JSON; any other must be a scalar.
        if (input_type != "@json") {
          if (value.is_null()) return Fail("a null @value would drop the value");
          if (!IsScalar(value)) return Fail("@value must be a string, number or boolean");
        }
        result["@value"] = json::value(value, storage_);
      } else if (name == "@language") {
        const json::string* text = value.if_string();
        if (text == nullptr) return Fail("@language must be a string");
        if (!IsWellFormedLanguage(*text)) {
          return Fail("the language tag " + Quote(*text) + " is not well-formed BCP 47");
        }
        // jsonld.js lowercases tags (JSON-LD lets processors normalize them), so must we.
        std::string lower(*text);
        for (char& c : lower) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        result["@language"] = json::string(lower, storage_);
      } else if (name == "@index") {
        if (!value.is_string()) return Fail("@index must be a string");
        result["@index"] = json::value(value, storage_);
      } else if (name == "@list") {
        if (!property || *property == "@graph") {
          return Fail("a list outside any property would be dropped");
        }
        CAIRN_ASSIGN_OR_RETURN(json::value list, Expand(active, property, value, true));
        if (!list.is_array()) {
          json::array wrapped(storage_);
          if (!list.is_null()) wrapped.push_back(std::move(list));
          list = std::move(wrapped);
        }
        result["@list"] = std::move(list);
      } else if (name == "@set") {
        CAIRN_ASSIGN_OR_RETURN(json::value set, Expand(active, property, value, false));
        result["@set"] = std::move(set);
      } else if (name == "@nest") {
        nests.push_back(key);
      } else {
        return Fail("the keyword " + name + " is not supported here");
      }
      continue;
    }

    const TermDefinition* definition = active->Find(key);
    uint8_t container = definition != nullptr ? definition->container : 0;
    json::value expanded;
    if (definition != nullptr && definition->type_mapping == "@json") {
      json::object literal(storage_);
      literal["@value"] = json::value(value, storage_);
      literal["@type"] = "@json";
      expanded = std::move(literal);
    } else if ((container & kContainerLanguage) && value.is_object()) {
      CAIRN_ASSIGN_OR_RETURN(expanded, ExpandLanguageMap(*active, value.get_object()));
    } else if ((container & (kContainerIndex | kContainerId | kContainerType)) &&
               value.is_object()) {
      return Fail("index, id and type maps are not supported");
    } else {
      CAIRN_ASSIGN_OR_RETURN(expanded, Expand(active, key, value, false));
    }
    if (expanded.is_null()) continue;
    if ((container & kContainerList) &&
        !(expanded.is_object() && expanded.get_object().contains("@list"))) {
      json::array items(storage_);
      if (json::array* array = expanded.if_array()) {
        items = std::move(*array);
      } else {
        items.push_back(std::move(expanded));
      }
      json::object list(storage_);
      list["@list"] = std::move(items);
      expanded = std::move(list);
    }
    if ((container & kContainerGraph) && !(container & (kContainerId | kContainerIndex))) {
      json::array graphs(storage_);
      auto wrap = [&](json::value item) {
        json::array inner(storage_);
        inner.push_back(std::move(item));
        json::object graph(storage_);
        graph["@graph"] = std::move(inner);
        graphs.push_back(std::move(graph));
      };
      if (json::array* array = expanded.if_array()) {
        for (json::value& item : *array) wrap(std::move(item));
      } else {
        wrap(std::move(expanded));
      }
      expanded = std::move(graphs);
    }
    Append(result, name, std::move(expanded), storage_);
  }

  std::sort(nests.begin(), nests.end());
  for (std::string_view nest : nests) {
    PathScope scope(path_, "." + std::string(nest));
    const json::value& value = element.at(nest);
    std::vector<const json::object*> nested;
    if (const json::object* object = value.if_object()) nested.push_back(object);
    if (const json::array* array = value.if_array()) {
      for (const json::value& item : *array) {
        if (!item.is_object()) return Fail("@nest values must be objects");
        nested.push_back(&item.get_object());
      }
    }
    if (nested.empty()) return Fail("@nest values must be objects");
    for (const json::object* object : nested) {
      for (const auto& entry : *object) {
        if (ExpandIri(*active, entry.key(), true) == "@value") {
          return Fail("a nested object cannot be a value object");
        }
      }
      CAIRN_RETURN_IF_ERROR(ExpandEntries(active, type_scoped, property, *object, "", result));
    }
  }
  return Status::Ok();
}

Result<json::value> Expander::ExpandValue(const ActiveContext& active, std::string_view property,
                                          const json::value& value) {
  const TermDefinition* definition = active.Find(property);
  std::optional<std::string> type_mapping =
      definition != nullptr ? definition->type_mapping : std::nullopt;
  if ((type_mapping == "@id" || type_mapping == "@vocab") && value.is_string()) {
    std::optional<std::string> id = ExpandIri(active, value.get_string(), type_mapping == "@vocab");
    if (!id || !IsAbsoluteIri(*id)) {
      return Fail("the value " + Quote(value.get_string()) + " of \"" + std::string(property) +
                  "\" must be an absolute IRI");
    }
    json::object reference(storage_);
    reference["@id"] = json::string(*id, storage_);
    return json::value(std::move(reference));
  }
  json::object result(storage_);
  result["@value"] = json::value(value, storage_);
  if (type_mapping && *type_mapping != "@id" && *type_mapping != "@vocab" &&
      *type_mapping != "@none") {
    result["@type"] = json::string(*type_mapping, storage_);
  } else if (value.is_string()) {
    std::optional<std::string> language = active.default_language;
    if (definition != nullptr && definition->has_language) language = definition->language;
    if (language) result["@language"] = json::string(*language, storage_);
  }
  return json::value(std::move(result));
}

Result<json::value> Expander::ExpandLanguageMap(const ActiveContext& active,
                                                const json::object& map) {
  json::array result(storage_);
  for (std::string_view language : SortedKeys(map)) {
    PathScope scope(path_, "." + std::string(language));
    const json::value& value = map.at(language);
    std::vector<const json::value*> items;
    if (const json::array* array = value.if_array()) {
      for (const json::value& item : *array) items.push_back(&item);
    } else {
      items.push_back(&value);
    }
    bool none = ExpandIri(active, language, true) == "@none";
    if (!none && !IsWellFormedLanguage(language)) {
      return Fail("the language tag " + Quote(language) + " is not well-formed BCP 47");
    }
    for (const json::value* item : items) {
      if (item->is_null()) continue;
      if (!item->is_string()) return Fail("language map values must be strings");
      json::object literal(storage_);
      literal["@value"] = json::value(*item, storage_);
      if (!none) {
        std::string lower(language);
        for (char& c : lower) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        literal["@language"] = json::string(lower, storage_);
      }
      result.push_back(std::move(literal));
    }
  }
  return json::value(std::move(result));
}

Status Expander::PostProcess(json::value& value, Property property, const ActiveContext& active,
                             bool inside_list) {
  json::object& result = value.get_object();
  if (result.contains("@value")) {
    for (const auto& entry : result) {
      std::string_view key = entry.key();
      if (key != "@value" && key != "@language" && key != "@type" && key != "@index") {
        return Fail("a value object cannot also have " + std::string(key));
      }
    }
    const json::value* type = result.if_contains("@type");
    if (type != nullptr && result.contains("@language")) {
      return Fail("a value cannot have both a type and a language");
    }
    if (type != nullptr && !type->is_string()) return Fail("a value's type must be one IRI");
    bool is_json = type != nullptr && type->get_string() == "@json";
    if (!is_json) {
      if (result.contains("@language") && !result.at("@value").is_string()) {
        return Fail("only strings can have a language");
      }
      if (type != nullptr &&
          (!IsAbsoluteIri(type->get_string()) || type->get_string().starts_with("_:"))) {
        return Fail("the value's datatype " + Quote(type->get_string()) +
                    " is not an absolute IRI");
      }
    }
  } else if (json::value* type = result.if_contains("@type");
             type != nullptr && !type->is_array()) {
    json::array types(storage_);
    types.push_back(std::move(*type));
    *type = std::move(types);
  } else if (result.contains("@set") || result.contains("@list")) {
    if (result.size() > 2 || (result.size() == 2 && !result.contains("@index"))) {
      return Fail("a @set or @list object can only have @index besides");
    }
    if (result.contains("@set")) {
      json::value set = std::move(result["@set"]);
      value = std::move(set);
      return Status::Ok();
    }
  }
  if (result.size() == 1 && result.contains("@language")) {
    return Fail("an object with only a language would be dropped");
  }
  const TermDefinition* definition = property ? active.Find(*property) : nullptr;
  bool top = !property || *property == "@graph" ||
             (definition != nullptr && (definition->container & kContainerGraph));
  if (top && !inside_list) {
    if (result.empty()) return Fail("an empty object would be dropped");
    if (result.contains("@value") || result.contains("@list")) {
      return Fail("a value outside any node would be dropped");
    }
    if (result.size() == 1 && result.contains("@id")) {
      return Fail("an object with only an id would be dropped");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<json::array> Expand(const json::value& document, const json::storage_ptr& storage) {
  Expander expander(storage);
  CAIRN_ASSIGN_OR_RETURN(json::value expanded,
                         expander.Expand(ContextProcessor::Empty(), std::nullopt, document, false));
  if (json::object* object = expanded.if_object()) {
    if (object->size() == 1 && object->contains("@graph")) {
      json::value graph = std::move((*object)["@graph"]);
      expanded = std::move(graph);
    }
  }
  if (expanded.is_null()) return json::array(storage);
  if (json::array* array = expanded.if_array()) return std::move(*array);
  json::array result(storage);
  result.push_back(std::move(expanded));
  return result;
}

}  // namespace cairn::badge::jsonld_internal
