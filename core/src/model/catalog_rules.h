// The rules catalog.proto's comments state for each message on its own (required fields,
// slugs, URLs, media types, word limits, the rubric's consistency), and where a message's
// fields were written so that each error points at the right line. The rules that span files
// (references, unique ids, stacks and micro-credentials agreeing) are in catalog_check.cc.
//
// Thread-safety: free functions and a value type; no shared state.
#ifndef CAIRN_MODEL_CATALOG_RULES_H_
#define CAIRN_MODEL_CATALOG_RULES_H_

#include <google/protobuf/text_format.h>

#include <string>
#include <string_view>
#include <vector>

#include "cairn/catalog_check.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn::model {

// A message as written in a source file: the file, the parser's record of where each field
// was, and where the message itself starts (errors about a missing field point there).
class SourceNode {
 public:
  SourceNode(const std::string& path, const google::protobuf::Descriptor* type,
             const google::protobuf::TextFormat::ParseInfoTree* tree, int line, int column);

  const std::string& path() const { return *path_; }

  // An error at field `field` (element `index` of a repeated field, -1 for a singular one), or
  // at this message when the field was not written.
  CatalogError At(std::string_view field, int index, std::string message) const;
  // An error at the start of this message.
  CatalogError Here(std::string message) const;
  // The node of a sub-message: field `field`, element `index` (-1 for a singular field).
  SourceNode Nested(std::string_view field, int index) const;

 private:
  const google::protobuf::FieldDescriptor* Field(std::string_view name) const;

  const std::string* path_;
  const google::protobuf::Descriptor* type_;
  const google::protobuf::TextFormat::ParseInfoTree* tree_;  // null when nothing was written
  int line_;                                                 // 1-based
  int column_;                                               // 1-based
};

// Trims leading and trailing whitespace from every string in `message`, recursively, as
// catalog.proto promises authors.
void TrimStrings(google::protobuf::Message& message);

// Reports every string field of `message` (recursively; bytes fields aside) that is not valid
// UTF-8, at the field. Proto3 promises UTF-8 text, and a device refuses to parse a message that
// breaks the promise, so such text must never be published. False if any was found.
bool CheckUtf8(const google::protobuf::Message& message, const SourceNode& node,
               std::vector<CatalogError>& errors);

// "slug" as catalog.proto defines it.
bool IsSlug(std::string_view text);

void CheckIssuer(const v1::Issuer& issuer, const SourceNode& node,
                 std::vector<CatalogError>& errors);
void CheckStack(const v1::Stack& stack, const SourceNode& node, std::vector<CatalogError>& errors);
void CheckMicroCredential(const v1::MicroCredential& mc, const SourceNode& node,
                          std::vector<CatalogError>& errors);

}  // namespace cairn::model

#endif  // CAIRN_MODEL_CATALOG_RULES_H_
