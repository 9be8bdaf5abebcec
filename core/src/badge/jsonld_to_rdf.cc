// JSON-LD 1.1 toRdf (Processing Algorithms §7.1 node map generation, §7.2-7.4) over the expanded
// form, in safe mode: anything that would not become a quad is an error, never silently lost.
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "badge/json_canonical.h"
#include "badge/jsonld_context.h"
#include "badge/jsonld_expand.h"
#include "cairn/badge/jsonld.h"

namespace cairn::badge {
namespace json = boost::json;
using jsonld_internal::IsAbsoluteIri;
using jsonld_internal::IsKeyword;

namespace {

constexpr std::string_view kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view kXsd = "http://www.w3.org/2001/XMLSchema#";

std::string RdfIri(std::string_view local) { return std::string(kRdf) + std::string(local); }
std::string XsdIri(std::string_view local) { return std::string(kXsd) + std::string(local); }

class NodeMapper {
 public:
  explicit NodeMapper(json::storage_ptr storage) : storage_(std::move(storage)) {}

  // graph name -> subject -> node object; std::map keeps them in code point order.
  using Graph = std::map<std::string, json::object, std::less<>>;
  std::map<std::string, Graph, std::less<>> graphs;

  Status Map(const json::value& element, const std::string& active_graph,
             const std::string* active_subject, const std::string* active_property,
             json::array* list) {
    if (const json::array* items = element.if_array()) {
      for (const json::value& item : *items) {
        CAIRN_RETURN_IF_ERROR(Map(item, active_graph, active_subject, active_property, list));
      }
      return Status::Ok();
    }
    const json::object* object = element.if_object();
    if (object == nullptr) return Internal("toRdf met a non-object in expanded JSON-LD");
    Graph& graph = graphs[active_graph];
    auto add_to_subject = [&](json::value item, bool unique) {
      json::value& slot = graph[*active_subject][*active_property];
      if (!slot.is_array()) slot = json::array(storage_);
      json::array& values = slot.get_array();
      if (unique) {
        for (const json::value& existing : values) {
          if (existing == item) return;
        }
      }
      values.push_back(std::move(item));
    };
    if (object->contains("@value")) {
      if (list != nullptr) {
        list->push_back(element);
      } else {
        add_to_subject(element, true);
      }
      return Status::Ok();
    }
    if (const json::value* items = object->if_contains("@list")) {
      json::array members(storage_);
      CAIRN_RETURN_IF_ERROR(Map(*items, active_graph, active_subject, active_property, &members));
      json::object result(storage_);
      result["@list"] = std::move(members);
      if (list != nullptr) {
        list->push_back(std::move(result));
      } else {
        add_to_subject(std::move(result), false);
      }
      return Status::Ok();
    }
    std::string id;
    if (const json::value* raw = object->if_contains("@id")) {
      id = Relabel(raw->get_string());
    } else {
      id = NewBlankNode();
    }
    if (!graph.contains(id)) {
      json::object node(storage_);
      node["@id"] = id;
      graph.emplace(id, std::move(node));
    }
    if (active_property != nullptr) {
      json::object reference(storage_);
      reference["@id"] = id;
      if (list != nullptr) {
        list->push_back(std::move(reference));
      } else {
        add_to_subject(std::move(reference), true);
      }
    }
    if (const json::value* types = object->if_contains("@type")) {
      json::value& slot = graph[id]["@type"];
      if (!slot.is_array()) slot = json::array(storage_);
      for (const json::value& type : types->get_array()) {
        json::string label(Relabel(type.get_string()), storage_);
        bool present = false;
        for (const json::value& existing : slot.get_array()) present |= existing == label;
        if (!present) slot.get_array().push_back(std::move(label));
      }
    }
    if (const json::value* inner = object->if_contains("@graph")) {
      CAIRN_RETURN_IF_ERROR(Map(*inner, id, nullptr, nullptr, nullptr));
    }
    std::vector<std::string_view> properties;
    for (const auto& entry : *object) {
      std::string_view key = entry.key();
      if (key == "@id" || key == "@type" || key == "@graph" || key == "@index") continue;
      properties.push_back(key);
    }
    std::sort(properties.begin(), properties.end());
    for (std::string_view key : properties) {
      std::string property(key);
      if (property.starts_with("_:")) {
        return InvalidArgument("the property " + property +
                               " is a blank node, which RDF does not allow as a predicate");
      }
      json::object& node = graph[id];
      if (!node.contains(property)) node[property] = json::array(storage_);
      CAIRN_RETURN_IF_ERROR(Map(object->at(key), active_graph, &id, &property, nullptr));
    }
    return Status::Ok();
  }

 private:
  std::string NewBlankNode() { return "_:b" + std::to_string(counter_++); }
  std::string Relabel(std::string_view id) {
    if (!id.starts_with("_:")) return std::string(id);
    auto it = blank_nodes_.find(id);
    if (it != blank_nodes_.end()) return it->second;
    std::string label = NewBlankNode();
    blank_nodes_.emplace(std::string(id), label);
    return label;
  }

  json::storage_ptr storage_;
  std::map<std::string, std::string, std::less<>> blank_nodes_;
  size_t counter_ = 0;
};

RdfTerm Resource(std::string_view id) {
  RdfTerm term;
  if (id.starts_with("_:")) {
    term.kind = RdfTerm::Kind::kBlankNode;
    term.value = std::string(id.substr(2));
  } else {
    term.kind = RdfTerm::Kind::kIri;
    term.value = std::string(id);
  }
  return term;
}

class Deserializer {
 public:
  explicit Deserializer(RdfDataset& dataset) : dataset_(dataset) {}

  Status Run(const NodeMapper& mapper) {
    for (const auto& [graph_name, graph] : mapper.graphs) {
      RdfTerm graph_term;
      if (graph_name != "@default") {
        if (!IsAbsoluteIri(graph_name)) {
          return InvalidArgument("the graph name " + graph_name + " is not an absolute IRI");
        }
        graph_term = Resource(graph_name);
      }
      for (const auto& [subject, node] : graph) {
        if (!IsAbsoluteIri(subject)) {
          return InvalidArgument("the subject " + subject + " is not an absolute IRI");
        }
        RdfTerm subject_term = Resource(subject);
        std::vector<std::string_view> properties;
        for (const auto& entry : node) properties.push_back(entry.key());
        std::sort(properties.begin(), properties.end());
        for (std::string_view property : properties) {
          const json::array& values =
              node.at(property).is_array() ? node.at(property).get_array() : empty_;
          if (property == "@type") {
            for (const json::value& type : values) {
              std::string_view iri = type.get_string();
              if (!IsAbsoluteIri(iri)) {
                return InvalidArgument("the type " + std::string(iri) + " is not an absolute IRI");
              }
              Emit(subject_term, Iri(RdfIri("type")), Resource(iri), graph_term);
            }
            continue;
          }
          if (IsKeyword(property)) continue;
          if (!IsAbsoluteIri(property)) {
            return InvalidArgument("the property " + std::string(property) +
                                   " is not an absolute IRI");
          }
          for (const json::value& item : values) {
            CAIRN_ASSIGN_OR_RETURN(RdfTerm object, ObjectToRdf(item, graph_term));
            Emit(subject_term, Iri(std::string(property)), std::move(object), graph_term);
            for (RdfQuad& quad : pending_lists_) dataset_.push_back(std::move(quad));
            pending_lists_.clear();
          }
        }
      }
    }
    return Status::Ok();
  }

 private:
  static RdfTerm Iri(std::string iri) {
    RdfTerm term;
    term.kind = RdfTerm::Kind::kIri;
    term.value = std::move(iri);
    return term;
  }

  void Emit(const RdfTerm& subject, RdfTerm predicate, RdfTerm object, const RdfTerm& graph) {
    dataset_.push_back(RdfQuad{subject, std::move(predicate), std::move(object), graph});
  }

  Result<RdfTerm> ObjectToRdf(const json::value& item, const RdfTerm& graph) {
    const json::object& object = item.get_object();
    if (const json::value* id = object.if_contains("@id");
        id != nullptr && !object.contains("@value")) {
      std::string_view iri = id->get_string();
      if (!IsAbsoluteIri(iri)) {
        return InvalidArgument("the reference " + std::string(iri) + " is not an absolute IRI");
      }
      return Resource(iri);
    }
    if (const json::value* list = object.if_contains("@list")) {
      return ListToRdf(list->get_array(), graph);
    }
    const json::value& value = object.at("@value");
    std::optional<std::string> datatype;
    if (const json::value* type = object.if_contains("@type"))
      datatype = std::string(type->get_string());
    RdfTerm literal;
    literal.kind = RdfTerm::Kind::kLiteral;
    if (datatype == "@json") {
      CAIRN_ASSIGN_OR_RETURN(literal.value, jsonld_internal::CanonicalJson(value));
      literal.datatype = RdfIri("JSON");
    } else if (value.is_bool()) {
      literal.value = value.get_bool() ? "true" : "false";
      literal.datatype = datatype.value_or(XsdIri("boolean"));
    } else if (value.is_number()) {
      CAIRN_ASSIGN_OR_RETURN(double number, jsonld_internal::JsonNumberAsDouble(value));
      // jsonld.js calls a number a double when JavaScript prints it with a '.', or >= 1e21.
      std::string printed = jsonld_internal::EcmaNumberToString(number);
      bool is_double = printed.find('.') != std::string::npos || std::fabs(number) >= 1e21;
      if (is_double || datatype == XsdIri("double")) {
        literal.value = jsonld_internal::XsdDoubleLexical(number);
        literal.datatype = datatype.value_or(XsdIri("double"));
      } else if (number == std::floor(number)) {
        literal.value = number == 0 ? "0" : printed;
        literal.datatype = datatype.value_or(XsdIri("integer"));
      } else {
        return InvalidArgument("the number " + printed +
                               " has no faithful RDF form here; write it as a string");
      }
    } else if (datatype == XsdIri("double")) {
      return InvalidArgument("a string typed xsd:double is not supported; use a JSON number");
    } else if (const json::value* language = object.if_contains("@language")) {
      literal.value = std::string(value.get_string());
      literal.datatype = RdfIri("langString");
      literal.language = std::string(language->get_string());
    } else {
      literal.value = std::string(value.get_string());
      literal.datatype = datatype.value_or(XsdIri("string"));
    }
    return literal;
  }

  Result<RdfTerm> ListToRdf(const json::array& items, const RdfTerm& graph) {
    if (items.empty()) return Iri(RdfIri("nil"));
    std::vector<RdfTerm> nodes;
    for (size_t i = 0; i < items.size(); ++i) {
      RdfTerm node;
      node.kind = RdfTerm::Kind::kBlankNode;
      node.value = "l" + std::to_string(list_counter_++);
      nodes.push_back(std::move(node));
    }
    std::vector<RdfQuad> quads;
    for (size_t i = 0; i < items.size(); ++i) {
      std::vector<RdfQuad> saved = std::move(pending_lists_);
      pending_lists_.clear();
      CAIRN_ASSIGN_OR_RETURN(RdfTerm object, ObjectToRdf(items[i], graph));
      quads.push_back(RdfQuad{nodes[i], Iri(RdfIri("first")), std::move(object), graph});
      for (RdfQuad& quad : pending_lists_) quads.push_back(std::move(quad));
      pending_lists_ = std::move(saved);
      RdfTerm rest = i + 1 < items.size() ? nodes[i + 1] : Iri(RdfIri("nil"));
      quads.push_back(RdfQuad{nodes[i], Iri(RdfIri("rest")), std::move(rest), graph});
    }
    for (RdfQuad& quad : quads) pending_lists_.push_back(std::move(quad));
    return nodes[0];
  }

  RdfDataset& dataset_;
  std::vector<RdfQuad> pending_lists_;
  size_t list_counter_ = 0;
  json::array empty_;
};

}  // namespace

Result<json::array> ExpandJsonLd(const json::value& document) {
  return jsonld_internal::Expand(document, json::storage_ptr());
}

Result<RdfDataset> JsonLdToRdf(const json::value& document) {
  json::storage_ptr storage = json::make_shared_resource<json::monotonic_resource>();
  CAIRN_ASSIGN_OR_RETURN(json::array expanded, jsonld_internal::Expand(document, storage));
  NodeMapper mapper(storage);
  static const std::string kDefault = "@default";
  CAIRN_RETURN_IF_ERROR(mapper.Map(expanded, kDefault, nullptr, nullptr, nullptr));
  RdfDataset dataset;
  Deserializer deserializer(dataset);
  CAIRN_RETURN_IF_ERROR(deserializer.Run(mapper));
  return dataset;
}

}  // namespace cairn::badge
