#include "model/catalog_rules.h"

#include <cmath>
#include <map>
#include <set>

#include "cairn/email.h"
#include "util/utf8.h"

namespace cairn::model {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMaxTitleChars = 200;
constexpr size_t kMaxLabelChars = 100;
constexpr size_t kMaxTopicChars = 60;
constexpr size_t kMaxSlugChars = 100;
constexpr size_t kMaxUrlBytes = 2048;
constexpr uint32_t kMaxValidForYears = 50;

using Errors = std::vector<CatalogError>;

// Code points, not bytes: limits are in characters.
size_t Chars(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

std::string Quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A required text field: present, and at most `max_chars` characters when that is not 0.
void RequireText(const SourceNode& node, std::string_view field, const std::string& value,
                 std::string_view owner, std::string_view hint, Errors& errors,
                 size_t max_chars = 0) {
  if (value.empty()) {
    errors.push_back(node.At(field, -1,
                             std::string(owner) + " has no " + std::string(field) + "; add " +
                                 std::string(field) + ": \"" + std::string(hint) + "\""));
    return;
  }
  if (max_chars > 0 && Chars(value) > max_chars) {
    errors.push_back(node.At(field, -1,
                             std::string(field) + " is " + std::to_string(Chars(value)) +
                                 " characters long; shorten it to at most " +
                                 std::to_string(max_chars)));
  }
}

// A field that must hold a slug; `index` for repeated fields.
void RequireSlug(const SourceNode& node, std::string_view field, int index,
                 const std::string& value, std::string_view owner, Errors& errors) {
  if (value.empty()) {
    errors.push_back(node.At(field, index,
                             std::string(owner) + " has no " + std::string(field) + "; add " +
                                 std::string(field) + ": \"a-lower-case-slug\""));
  } else if (!IsSlug(value)) {
    errors.push_back(node.At(
        field, index,
        std::string(field) + " " + Quoted(value) +
            " is not a slug; use 1 to 100 lower-case letters, digits and single hyphens, e.g. "
            "\"exit-tickets\""));
  }
}

// An optional URL (`required` makes it required).
void CheckUrl(const SourceNode& node, std::string_view field, int index, const std::string& url,
              bool required, std::string_view owner, Errors& errors) {
  if (url.empty()) {
    if (required) {
      errors.push_back(node.At(field, index,
                               std::string(owner) + " has no " + std::string(field) + "; add " +
                                   std::string(field) + ": \"https://...\""));
    }
    return;
  }
  const auto fail = [&](const std::string& why) {
    errors.push_back(node.At(field, index, std::string(field) + " " + Quoted(url) + " " + why));
  };
  if (url.starts_with("http://")) {
    fail("is not secure; use the https:// address of the page");
  } else if (!url.starts_with("https://") || url.size() == 8 || url[8] == '/') {
    fail("is not an absolute https:// URL; write it as https://host/path");
  } else if (url.size() > kMaxUrlBytes) {
    fail("is longer than 2048 bytes; link to a shorter address");
  } else if (url.find_first_of(" \t\r\n\"<>") != std::string::npos) {
    fail("contains a space or a character not allowed in a URL; percent-encode it (%20)");
  }
}

// Why `type` is not an acceptable media type pattern, or empty if it is.
std::string MediaTypeProblem(std::string_view type) {
  const auto token = [](std::string_view part) {
    if (part.empty()) return false;
    for (const char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' ||
                      c == '.' || c == '_';
      if (!ok) return false;
    }
    return true;
  };
  if (type.find(';') != std::string_view::npos) {
    return "has parameters; write the type alone, without \";...\"";
  }
  for (const char c : type) {
    if (c >= 'A' && c <= 'Z') return "has capital letters; write media types in lower case";
  }
  const size_t slash = type.find('/');
  if (slash == std::string_view::npos) {
    return "is not a media type; write type/subtype (\"application/pdf\") or a family "
           "(\"video/*\")";
  }
  const std::string_view top = type.substr(0, slash);
  const std::string_view sub = type.substr(slash + 1);
  if (top == "*") {
    return R"(accepts anything; name the families you accept, e.g. "video/*", "image/*")";
  }
  static const std::set<std::string_view> kTopLevel = {"application", "audio",     "font", "image",
                                                       "model",       "multipart", "text", "video"};
  if (!token(top) || !kTopLevel.contains(top)) {
    return "has an unknown top-level type " + Quoted(top) +
           "; use one of application, audio, font, image, model, multipart, text, video";
  }
  if (sub != "*" && !token(sub)) {
    return "has an invalid subtype " + Quoted(sub) +
           R"(; write type/subtype ("application/pdf") or a family ("video/*"))";
  }
  return {};
}

void CheckArtifact(const v1::ArtifactRequirement& a, const SourceNode& node, Errors& errors) {
  RequireSlug(node, "id", -1, a.id(), "the artifact", errors);
  RequireText(node, "title", a.title(), "artifact " + Quoted(a.id()), "Student work samples",
              errors, kMaxTitleChars);
  RequireText(node, "description", a.description(), "artifact " + Quoted(a.id()),
              "what to capture and what it must show", errors);
  if (a.media_types().empty()) {
    errors.push_back(node.Here("artifact " + Quoted(a.id()) +
                               " accepts no media type; add media_types: \"video/*\" (one line "
                               "per accepted type)"));
  }
  std::set<std::string_view> seen;
  for (int i = 0; i < a.media_types_size(); ++i) {
    const std::string& type = a.media_types(i);
    if (const std::string problem = MediaTypeProblem(type); !problem.empty()) {
      errors.push_back(node.At("media_types", i, "media type " + Quoted(type) + " " + problem));
    } else if (!seen.insert(type).second) {
      errors.push_back(
          node.At("media_types", i, "media type " + Quoted(type) + " is listed twice; remove one"));
    }
  }
  if (a.max_count() == 0) {
    errors.push_back(node.At(
        "max_count", -1,
        "artifact " + Quoted(a.id()) + " has no max_count; add max_count: N (1 or more files)"));
  } else if (a.min_count() > a.max_count()) {
    errors.push_back(node.At("min_count", -1,
                             "min_count " + std::to_string(a.min_count()) +
                                 " is more than max_count " + std::to_string(a.max_count()) +
                                 "; lower min_count or raise max_count"));
  }
}

void CheckWordLimit(const SourceNode& node, uint32_t limit, std::string_view owner,
                    Errors& errors) {
  if (limit == 0) {
    errors.push_back(node.At("word_limit", -1,
                             std::string(owner) +
                                 " has no word limit; set word_limit to the most words an "
                                 "answer may have (1 or more), e.g. word_limit: 300"));
  }
}

void CheckRequirements(const v1::SubmissionRequirements& req, const SourceNode& node,
                       Errors& errors) {
  for (int i = 0; i < req.overview_questions_size(); ++i) {
    const v1::OverviewQuestion& q = req.overview_questions(i);
    const SourceNode qn = node.Nested("overview_questions", i);
    RequireSlug(qn, "id", -1, q.id(), "the overview question", errors);
    RequireText(qn, "prompt", q.prompt(), "question " + Quoted(q.id()), "the question", errors);
    CheckWordLimit(qn, q.word_limit(), "question " + Quoted(q.id()), errors);
    if (q.word_limit() > 0 && q.min_words() > q.word_limit()) {
      errors.push_back(qn.At("min_words", -1,
                             "min_words " + std::to_string(q.min_words()) +
                                 " is more than word_limit " + std::to_string(q.word_limit()) +
                                 "; lower min_words or raise word_limit"));
    }
  }
  if (req.artifacts().empty()) {
    errors.push_back(
        node.Here("the requirements ask for no artifact; add at least one artifacts { ... }: a "
                  "micro-credential is earned from classroom evidence"));
  }
  for (int i = 0; i < req.artifacts_size(); ++i) {
    CheckArtifact(req.artifacts(i), node.Nested("artifacts", i), errors);
  }
  if (!req.has_reflection()) {
    errors.push_back(
        node.Here("the requirements have no reflection; add reflection { id: ... prompt: ... "
                  "word_limit: ... }"));
  } else {
    const v1::ReflectionPrompt& r = req.reflection();
    const SourceNode rn = node.Nested("reflection", -1);
    RequireSlug(rn, "id", -1, r.id(), "the reflection", errors);
    RequireText(rn, "prompt", r.prompt(), "the reflection", "the reflection prompt", errors);
    CheckWordLimit(rn, r.word_limit(), "the reflection", errors);
  }

  // Requirement ids share one id space.
  std::set<std::string_view> ids;
  const auto unique = [&](const SourceNode& at, const std::string& id) {
    if (!id.empty() && !ids.insert(id).second) {
      errors.push_back(at.At("id", -1,
                             "requirement id " + Quoted(id) +
                                 " is used twice; overview questions, artifacts and the "
                                 "reflection each need their own id"));
    }
  };
  for (int i = 0; i < req.overview_questions_size(); ++i) {
    unique(node.Nested("overview_questions", i), req.overview_questions(i).id());
  }
  for (int i = 0; i < req.artifacts_size(); ++i) {
    unique(node.Nested("artifacts", i), req.artifacts(i).id());
  }
  if (req.has_reflection()) unique(node.Nested("reflection", -1), req.reflection().id());
}

void CheckRubric(const v1::Rubric& rubric, const v1::SubmissionRequirements& req,
                 const SourceNode& node, Errors& errors) {
  std::map<std::string_view, int> levels;  // id -> position
  bool passing = false;
  bool not_passing = false;
  for (int i = 0; i < rubric.levels_size(); ++i) {
    const v1::RubricLevel& level = rubric.levels(i);
    const SourceNode ln = node.Nested("levels", i);
    RequireSlug(ln, "id", -1, level.id(), "the rubric level", errors);
    RequireText(ln, "label", level.label(), "level " + Quoted(level.id()), "Pass", errors,
                kMaxLabelChars);
    if (!level.id().empty() && !levels.emplace(level.id(), i).second) {
      errors.push_back(ln.At(
          "id", -1, "level id " + Quoted(level.id()) + " is used twice in the rubric; rename one"));
    }
    (level.passing() ? passing : not_passing) = true;
  }
  if (rubric.levels_size() < 2 || !passing || !not_passing) {
    errors.push_back(node.Here(
        "the rubric needs at least one passing level (passing: true) and one that is not, "
        "e.g. levels { id: \"pass\" label: \"Pass\" passing: true } levels { id: \"not-yet\" "
        "label: \"Not yet\" }"));
  }

  std::set<std::string_view> requirement_ids;
  for (const auto& q : req.overview_questions()) requirement_ids.insert(q.id());
  for (const auto& a : req.artifacts()) requirement_ids.insert(a.id());
  if (req.has_reflection()) requirement_ids.insert(req.reflection().id());
  std::string known;
  for (const std::string_view id : requirement_ids) {
    if (!id.empty()) known += (known.empty() ? "" : ", ") + std::string(id);
  }

  if (rubric.criteria().empty()) {
    errors.push_back(node.Here(
        "the rubric has no criteria; add criteria { id: ... requirement_id: ... description: "
        "... descriptors { ... } } for each requirement"));
  }
  std::set<std::string_view> criterion_ids;
  std::set<std::string_view> judged;
  for (int i = 0; i < rubric.criteria_size(); ++i) {
    const v1::RubricCriterion& c = rubric.criteria(i);
    const SourceNode cn = node.Nested("criteria", i);
    RequireSlug(cn, "id", -1, c.id(), "the rubric criterion", errors);
    if (!c.id().empty() && !criterion_ids.insert(c.id()).second) {
      errors.push_back(
          cn.At("id", -1, "criterion id " + Quoted(c.id()) + " is used twice; rename one"));
    }
    if (c.requirement_id().empty()) {
      errors.push_back(cn.At("requirement_id", -1,
                             "criterion " + Quoted(c.id()) +
                                 " judges no requirement; add requirement_id: naming one of " +
                                 known));
    } else if (!requirement_ids.contains(c.requirement_id())) {
      errors.push_back(cn.At("requirement_id", -1,
                             "criterion " + Quoted(c.id()) + " judges requirement " +
                                 Quoted(c.requirement_id()) +
                                 ", which the requirements do not define; use one of " + known));
    } else {
      judged.insert(c.requirement_id());
    }
    RequireText(cn, "description", c.description(), "criterion " + Quoted(c.id()),
                "what the assessor looks for", errors);

    // Exactly one descriptor per level, in the levels' order.
    std::set<std::string_view> described;
    int previous = -1;
    for (int d = 0; d < c.descriptors_size(); ++d) {
      const v1::LevelDescriptor& descriptor = c.descriptors(d);
      const SourceNode dn = cn.Nested("descriptors", d);
      RequireText(dn, "text", descriptor.text(), "the descriptor",
                  "what evidence at this level looks like", errors);
      const auto level = levels.find(descriptor.level_id());
      if (descriptor.level_id().empty()) {
        errors.push_back(dn.At("level_id", -1,
                               "the descriptor names no level; add level_id: naming a level of "
                               "the rubric"));
      } else if (level == levels.end()) {
        errors.push_back(dn.At("level_id", -1,
                               "level " + Quoted(descriptor.level_id()) +
                                   " is not a level of the rubric; use one of the levels' ids"));
      } else if (!described.insert(descriptor.level_id()).second) {
        errors.push_back(dn.At("level_id", -1,
                               "level " + Quoted(descriptor.level_id()) +
                                   " is described twice for criterion " + Quoted(c.id()) +
                                   "; keep one descriptor per level"));
      } else if (level->second < previous) {
        errors.push_back(dn.At("level_id", -1,
                               "the descriptor for level " + Quoted(descriptor.level_id()) +
                                   " is out of order; write descriptors in the order of the "
                                   "rubric's levels"));
      } else {
        previous = level->second;
      }
    }
    for (const auto& [id, position] : levels) {
      if (!described.contains(id)) {
        errors.push_back(cn.Here("criterion " + Quoted(c.id()) + " does not describe level " +
                                 Quoted(id) + "; add descriptors { level_id: \"" + std::string(id) +
                                 R"(" text: "..." })"));
      }
    }
  }
  for (const std::string_view id : requirement_ids) {
    if (!id.empty() && !judged.contains(id)) {
      errors.push_back(node.Here("no criterion judges requirement " + Quoted(id) +
                                 "; add criteria { requirement_id: \"" + std::string(id) +
                                 "\" ... }"));
    }
  }

  if (!rubric.has_award_rule()) {
    errors.push_back(
        node.Here("the rubric has no award rule; add award_rule { kind: "
                  "AWARD_RULE_KIND_ALL_CRITERIA_PASSING }"));
    return;
  }
  const v1::AwardRule& rule = rubric.award_rule();
  const SourceNode rn = node.Nested("award_rule", -1);
  switch (rule.kind()) {
    case v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING:
      if (rule.min_passing() != 0) {
        errors.push_back(rn.At("min_passing", -1,
                               "min_passing means nothing when every criterion must pass; "
                               "remove it, or use kind: AWARD_RULE_KIND_MIN_PASSING_CRITERIA"));
      }
      break;
    case v1::AWARD_RULE_KIND_MIN_PASSING_CRITERIA:
      if (rule.min_passing() < 1 ||
          rule.min_passing() > static_cast<uint32_t>(rubric.criteria_size())) {
        errors.push_back(rn.At("min_passing", -1,
                               "min_passing is " + std::to_string(rule.min_passing()) +
                                   "; it must be between 1 and the number of criteria (" +
                                   std::to_string(rubric.criteria_size()) + ")"));
      }
      break;
    default:
      errors.push_back(rn.At("kind", -1,
                             "the award rule has no kind; add kind: "
                             "AWARD_RULE_KIND_ALL_CRITERIA_PASSING or "
                             "AWARD_RULE_KIND_MIN_PASSING_CRITERIA"));
  }
}

}  // namespace

SourceNode::SourceNode(const std::string& path, const google::protobuf::Descriptor* type,
                       const google::protobuf::TextFormat::ParseInfoTree* tree, int line,
                       int column)
    : path_(&path), type_(type), tree_(tree), line_(line), column_(column) {}

const FieldDescriptor* SourceNode::Field(std::string_view name) const {
  return type_->FindFieldByName(std::string(name));
}

CatalogError SourceNode::At(std::string_view field, int index, std::string message) const {
  const FieldDescriptor* descriptor = Field(field);
  if (tree_ != nullptr && descriptor != nullptr) {
    const auto where = tree_->GetLocation(descriptor, descriptor->is_repeated() ? index : -1);
    if (where.line >= 0) return {*path_, where.line + 1, where.column + 1, std::move(message)};
  }
  return Here(std::move(message));
}

CatalogError SourceNode::Here(std::string message) const {
  return {*path_, line_, column_, std::move(message)};
}

SourceNode SourceNode::Nested(std::string_view field, int index) const {
  const FieldDescriptor* descriptor = Field(field);
  const int i = descriptor != nullptr && descriptor->is_repeated() ? index : -1;
  if (tree_ == nullptr || descriptor == nullptr || descriptor->message_type() == nullptr) {
    return *this;
  }
  const auto where = tree_->GetLocation(descriptor, i);
  if (where.line < 0) return *this;
  return SourceNode(*path_, descriptor->message_type(), tree_->GetTreeForNested(descriptor, i),
                    where.line + 1, where.column + 1);
}

void TrimStrings(Message& message) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  const auto trim = [](const std::string& text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::string();
    const size_t last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
  };
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          reflection->SetRepeatedString(&message, field, i,
                                        trim(reflection->GetRepeatedString(message, field, i)));
        }
      } else {
        reflection->SetString(&message, field, trim(reflection->GetString(message, field)));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          TrimStrings(*reflection->MutableRepeatedMessage(&message, field, i));
        }
      } else {
        TrimStrings(*reflection->MutableMessage(&message, field));
      }
    }
  }
}

bool IsSlug(std::string_view text) {
  if (text.empty() || text.size() > kMaxSlugChars) return false;
  if (text.front() == '-' || text.back() == '-') return false;
  char previous = 0;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || (c == '-' && previous == '-')) return false;
    previous = c;
  }
  return true;
}

void CheckIssuer(const v1::Issuer& issuer, const SourceNode& node, Errors& errors) {
  RequireSlug(node, "id", -1, issuer.id(), "the issuer", errors);
  RequireText(node, "name", issuer.name(), "issuer " + Quoted(issuer.id()),
              "the organisation's name", errors, kMaxTitleChars);
  CheckUrl(node, "url", -1, issuer.url(), /*required=*/true, "issuer " + Quoted(issuer.id()),
           errors);
  const std::string& email = issuer.email();
  if (!email.empty()) {
    if (!IsEmailAddress(email)) {
      errors.push_back(node.At(
          "email", -1,
          "email " + Quoted(email) + " is not an e-mail address; write it as name@example.org"));
    }
  }
}

void CheckStack(const v1::Stack& stack, const SourceNode& node, Errors& errors) {
  RequireSlug(node, "id", -1, stack.id(), "the stack", errors);
  RequireText(node, "title", stack.title(), "stack " + Quoted(stack.id()), "the stack's title",
              errors, kMaxTitleChars);
  RequireSlug(node, "issuer_id", -1, stack.issuer_id(), "stack " + Quoted(stack.id()), errors);
  if (stack.micro_credential_ids().empty()) {
    errors.push_back(node.Here("stack " + Quoted(stack.id()) +
                               " lists no micro-credential; add micro_credential_ids: \"...\" "
                               "for each one, in the order to pursue them"));
  }
  std::set<std::string_view> seen;
  for (int i = 0; i < stack.micro_credential_ids_size(); ++i) {
    const std::string& id = stack.micro_credential_ids(i);
    RequireSlug(node, "micro_credential_ids", i, id, "the stack", errors);
    if (!id.empty() && !seen.insert(id).second) {
      errors.push_back(
          node.At("micro_credential_ids", i,
                  "micro-credential " + Quoted(id) + " is listed twice in the stack; remove one"));
    }
  }
}

void CheckMicroCredential(const v1::MicroCredential& mc, const SourceNode& node, Errors& errors) {
  const std::string owner = "micro-credential " + Quoted(mc.id());
  RequireSlug(node, "id", -1, mc.id(), "the micro-credential", errors);
  RequireText(node, "title", mc.title(), owner, "the title", errors, kMaxTitleChars);
  RequireSlug(node, "issuer_id", -1, mc.issuer_id(), owner, errors);
  RequireText(node, "summary", mc.summary(), owner, "one or two sentences for list views", errors);
  RequireText(node, "competency", mc.competency(), owner,
              "what the educator is able to do when awarded", errors);
  RequireText(node, "key_method", mc.key_method(), owner, "the evidence-based practice", errors);
  for (int i = 0; i < mc.method_components_size(); ++i) {
    const SourceNode cn = node.Nested("method_components", i);
    RequireText(cn, "name", mc.method_components(i).name(), "the method component",
                "the component's name", errors, kMaxTitleChars);
    RequireText(cn, "description", mc.method_components(i).description(), "the method component",
                "what the educator does", errors);
  }
  for (int i = 0; i < mc.supporting_research_size(); ++i) {
    const v1::Citation& c = mc.supporting_research(i);
    const SourceNode cn = node.Nested("supporting_research", i);
    if (c.authors().empty()) {
      errors.push_back(
          cn.Here("the citation has no author; add authors: \"Surname, I.\" (one "
                  "line per author)"));
    }
    for (int a = 0; a < c.authors_size(); ++a) {
      if (c.authors(a).empty()) {
        errors.push_back(cn.At("authors", a, "an author is empty; write the name or remove it"));
      }
    }
    RequireText(cn, "title", c.title(), "the citation", "the work's title", errors);
    if (c.year() != 0 && (c.year() < 1000 || c.year() > 9999)) {
      errors.push_back(cn.At("year", -1,
                             "year " + std::to_string(c.year()) +
                                 " is not a four-digit year; write e.g. year: 1998, or leave it "
                                 "out if unknown"));
    }
    CheckUrl(cn, "url", -1, c.url(), /*required=*/false, "the citation", errors);
  }
  for (int i = 0; i < mc.resources_size(); ++i) {
    const v1::Resource& r = mc.resources(i);
    const SourceNode rn = node.Nested("resources", i);
    RequireText(rn, "title", r.title(), "the resource", "the resource's title", errors);
    CheckUrl(rn, "url", -1, r.url(), /*required=*/true, "the resource", errors);
    if (r.kind() == v1::RESOURCE_KIND_UNSPECIFIED) {
      errors.push_back(rn.At("kind", -1,
                             "the resource has no kind; add kind: RESOURCE_KIND_ARTICLE, "
                             "RESOURCE_KIND_VIDEO, RESOURCE_KIND_TEMPLATE or "
                             "RESOURCE_KIND_OTHER"));
    }
  }
  if (!mc.has_requirements()) {
    errors.push_back(node.Here(owner +
                               " has no submission requirements; add requirements { artifacts "
                               "{ ... } reflection { ... } }"));
  } else {
    CheckRequirements(mc.requirements(), node.Nested("requirements", -1), errors);
  }
  if (!mc.has_rubric()) {
    errors.push_back(node.Here(owner +
                               " has no rubric; add rubric { levels { ... } criteria { ... } "
                               "award_rule { ... } }"));
  } else {
    CheckRubric(mc.rubric(), mc.requirements(), node.Nested("rubric", -1), errors);
  }
  if (!(mc.estimated_hours() > 0) || !std::isfinite(mc.estimated_hours())) {
    errors.push_back(node.At("estimated_hours", -1,
                             owner + " needs estimated_hours greater than 0, e.g. "
                                     "estimated_hours: 15"));
  }
  std::set<std::string_view> topics;
  for (int i = 0; i < mc.topics_size(); ++i) {
    const std::string& topic = mc.topics(i);
    if (topic.empty()) {
      errors.push_back(node.At("topics", i, "a topic is empty; write it or remove the line"));
    } else if (Chars(topic) > kMaxTopicChars) {
      errors.push_back(node.At("topics", i,
                               "topic " + Quoted(topic) +
                                   " is longer than 60 characters; "
                                   "shorten it"));
    } else if (!topics.insert(topic).second) {
      errors.push_back(
          node.At("topics", i, "topic " + Quoted(topic) + " is listed twice; remove one"));
    }
  }
  std::set<int> bands;
  for (int i = 0; i < mc.grade_bands_size(); ++i) {
    const int band = mc.grade_bands(i);
    if (band == v1::GRADE_BAND_UNSPECIFIED) {
      errors.push_back(node.At("grade_bands", i,
                               "GRADE_BAND_UNSPECIFIED is not a grade band; name one such as "
                               "GRADE_BAND_GRADES_6_8, or leave grade_bands out"));
    } else if (!bands.insert(band).second) {
      errors.push_back(
          node.At("grade_bands", i, v1::GradeBand_Name(band) + " is listed twice; remove one"));
    }
  }
  std::set<std::string_view> stacks;
  for (int i = 0; i < mc.stack_ids_size(); ++i) {
    RequireSlug(node, "stack_ids", i, mc.stack_ids(i), owner, errors);
    if (!stacks.insert(mc.stack_ids(i)).second) {
      errors.push_back(node.At(
          "stack_ids", i, "stack " + Quoted(mc.stack_ids(i)) + " is listed twice; remove one"));
    }
  }
  if (mc.valid_for_years() > kMaxValidForYears) {
    errors.push_back(node.At("valid_for_years", -1,
                             "valid_for_years is " + std::to_string(mc.valid_for_years()) +
                                 "; a credential may stay valid at most " +
                                 std::to_string(kMaxValidForYears) +
                                 " years (0 means it does not expire)"));
  }
}

bool CheckUtf8(const Message& message, const SourceNode& node, Errors& errors) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  bool ok = true;
  const auto check = [&](const FieldDescriptor* field, int index, const std::string& text) {
    if (IsValidUtf8(text)) return;
    ok = false;
    errors.push_back(node.At(
        field->name(), index,
        field->name() +
            " is not valid UTF-8 text; catalog files are UTF-8: save the file as UTF-8 and write "
            "the characters themselves (an escape such as \\377 or \\xff must spell UTF-8 "
            "bytes)"));
  };
  for (const FieldDescriptor* field : fields) {
    const bool repeated = field->is_repeated();
    const int count = repeated ? reflection->FieldSize(message, field) : 1;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      for (int i = 0; i < count; ++i) {
        check(field, repeated ? i : -1,
              repeated ? reflection->GetRepeatedString(message, field, i)
                       : reflection->GetString(message, field));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int i = 0; i < count; ++i) {
        const Message& nested = repeated ? reflection->GetRepeatedMessage(message, field, i)
                                         : reflection->GetMessage(message, field);
        ok = CheckUtf8(nested, node.Nested(field->name(), repeated ? i : -1), errors) && ok;
      }
    }
  }
  return ok;
}

}  // namespace cairn::model
