// `cairn catalog list`, `cairn catalog search` and `cairn catalog show` output.
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "format.h"
#include "views.h"

namespace cairn::cli {
namespace {

std::string_view GradeBandName(int band) {
  switch (band) {
    case v1::GRADE_BAND_PRE_K:
      return "pre-K";
    case v1::GRADE_BAND_K_2:
      return "K-2";
    case v1::GRADE_BAND_GRADES_3_5:
      return "3-5";
    case v1::GRADE_BAND_GRADES_6_8:
      return "6-8";
    case v1::GRADE_BAND_GRADES_9_12:
      return "9-12";
    case v1::GRADE_BAND_ADULT:
      return "adult";
    default:
      return "?";
  }
}

std::string_view ResourceKindName(v1::ResourceKind kind) {
  switch (kind) {
    case v1::RESOURCE_KIND_ARTICLE:
      return "article";
    case v1::RESOURCE_KIND_VIDEO:
      return "video";
    case v1::RESOURCE_KIND_TEMPLATE:
      return "template";
    default:
      return "link";
  }
}

std::string JoinTexts(const google::protobuf::RepeatedPtrField<std::string>& items,
                      std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::string Hours(double hours) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", hours);
  return text;
}

// "2 questions, 2 artifacts and a reflection".
std::string RequirementsSummary(const v1::SubmissionRequirements& req) {
  std::string out = Plural(req.overview_questions_size(), "question") + ", " +
                    Plural(req.artifacts_size(), "artifact");
  if (req.has_reflection()) out += " and a reflection";
  return out;
}

// "20 to 200 words", "up to 150 words".
std::string WordRange(uint32_t min_words, uint32_t limit) {
  if (min_words > 0) return std::to_string(min_words) + " to " + std::to_string(limit) + " words";
  return "up to " + std::to_string(limit) + " words";
}

std::string CountRange(uint32_t min_count, uint32_t max_count) {
  if (min_count == max_count) return Plural(min_count, "item");
  if (min_count == 0) return "up to " + Plural(max_count, "item") + ", optional";
  return std::to_string(min_count) + " to " + std::to_string(max_count) + " items";
}

void Section(std::string_view title, std::ostream& out) { out << "\n" << title << "\n"; }

// The stacks that list `mc` (membership is by id, whatever the version), each with the
// micro-credential's position in it.
std::vector<std::pair<const v1::Stack*, int>> StacksOf(const v1::MicroCredential& mc,
                                                       const std::vector<v1::Stack>& stacks) {
  std::vector<std::pair<const v1::Stack*, int>> out;
  for (const v1::Stack& stack : stacks) {
    for (int i = 0; i < stack.micro_credential_ids_size(); ++i) {
      if (stack.micro_credential_ids(i) == mc.id()) out.emplace_back(&stack, i);
    }
  }
  return out;
}

// "Formative Assessment [formative] (2 of 4), ..."; empty when in no stack.
std::string StackLine(const v1::MicroCredential& mc, const std::vector<v1::Stack>& stacks) {
  std::string line;
  for (const auto& [stack, position] : StacksOf(mc, stacks)) {
    line += (line.empty() ? "" : ", ") + stack->title() + " [" + stack->id() + "] (" +
            std::to_string(position + 1) + " of " +
            std::to_string(stack->micro_credential_ids_size()) + ")";
  }
  return line;
}

void WriteStackIds(const v1::MicroCredential& mc, const std::vector<v1::Stack>& stacks,
                   JsonWriter& writer) {
  writer.Key("stacks").BeginArray();
  for (const auto& entry : StacksOf(mc, stacks)) writer.String(entry.first->id());
  writer.EndArray();
}

void PrintRequirements(const v1::SubmissionRequirements& req, std::ostream& out) {
  Section("Submission requirements", out);
  for (int i = 0; i < req.overview_questions_size(); ++i) {
    const v1::OverviewQuestion& q = req.overview_questions(i);
    out << "  Question " << i + 1 << " [" << q.id() << "], "
        << WordRange(q.has_min_words() ? q.min_words() : 0, q.word_limit()) << "\n"
        << Wrap(q.prompt(), 4);
  }
  for (int i = 0; i < req.artifacts_size(); ++i) {
    const v1::ArtifactRequirement& a = req.artifacts(i);
    out << "  Artifact " << i + 1 << " [" << a.id() << "] '" << a.title() << "', "
        << CountRange(a.min_count(), a.max_count()) << " of " << JoinTexts(a.media_types(), " or ")
        << "\n"
        << Wrap(a.description(), 4);
  }
  if (req.has_reflection()) {
    const v1::ReflectionPrompt& r = req.reflection();
    out << "  Reflection [" << r.id() << "], " << WordRange(0, r.word_limit()) << "\n"
        << Wrap(r.prompt(), 4);
  }
}

void PrintRubric(const v1::Rubric& rubric, std::ostream& out) {
  std::string levels;
  for (const v1::RubricLevel& level : rubric.levels()) {
    levels += (levels.empty() ? "" : " / ") + level.label();
  }
  std::string rule;
  switch (rubric.award_rule().kind()) {
    case v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING:
      rule = "awarded when every criterion is at a passing level";
      break;
    case v1::AWARD_RULE_KIND_MIN_PASSING_CRITERIA:
      rule = "awarded when at least " + std::to_string(rubric.award_rule().min_passing()) +
             " criteria are at a passing level";
      break;
    default:
      rule = "no award rule";
  }
  Section("Rubric (" + levels + "; " + rule + ")", out);
  for (const v1::RubricCriterion& criterion : rubric.criteria()) {
    out << "  [" << criterion.requirement_id() << "] " << criterion.id() << "\n"
        << Wrap(criterion.description(), 4);
    for (const v1::LevelDescriptor& descriptor : criterion.descriptors()) {
      out << Wrap(descriptor.level_id() + ": " + descriptor.text(), 6);
    }
  }
}

}  // namespace

void PrintCatalogList(const std::vector<v1::MicroCredential>& all,
                      const std::vector<v1::Stack>& stacks, bool json, std::ostream& out) {
  if (json) {
    JsonWriter writer(out);
    writer.BeginObject().Key("micro_credentials").BeginArray();
    for (const v1::MicroCredential& mc : all) {
      const v1::SubmissionRequirements& req = mc.requirements();
      writer.BeginObject()
          .Key("id")
          .String(mc.id())
          .Key("version")
          .String(mc.version())
          .Key("title")
          .String(mc.title())
          .Key("issuer_id")
          .String(mc.issuer_id())
          .Key("competency")
          .String(mc.competency())
          .Key("estimated_hours")
          .Double(mc.estimated_hours());
      WriteStackIds(mc, stacks, writer);
      writer.Key("requirements").BeginObject();
      writer.Key("overview_questions").BeginArray();
      for (const auto& q : req.overview_questions()) writer.String(q.id());
      writer.EndArray().Key("artifacts").BeginArray();
      for (const auto& a : req.artifacts()) writer.String(a.id());
      writer.EndArray();
      if (req.has_reflection()) writer.Key("reflection").String(req.reflection().id());
      writer.EndObject().EndObject();
    }
    writer.EndArray().Key("stacks").BeginArray();
    for (const v1::Stack& stack : stacks) {
      writer.BeginObject()
          .Key("id")
          .String(stack.id())
          .Key("version")
          .String(stack.version())
          .Key("title")
          .String(stack.title())
          .Key("issuer_id")
          .String(stack.issuer_id())
          .Key("micro_credential_ids")
          .BeginArray();
      for (const std::string& id : stack.micro_credential_ids()) writer.String(id);
      writer.EndArray().EndObject();
    }
    writer.EndArray().EndObject();
    out << "\n";
    return;
  }
  if (all.empty()) {
    out << "No micro-credentials on this device yet: sync, or 'cairn catalog publish FILE'.\n";
    return;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    const v1::MicroCredential& mc = all[i];
    if (i > 0) out << "\n";
    out << mc.title() << "\n"
        << "  id " << mc.id() << ", version " << mc.version() << ", about "
        << Hours(mc.estimated_hours()) << " hours; " << RequirementsSummary(mc.requirements())
        << "\n";
    if (const std::string line = StackLine(mc, stacks); !line.empty()) {
      out << "  stack: " << line << "\n";
    }
    out << Wrap(mc.competency(), 2);
  }
  if (stacks.empty()) return;
  Section("Stacks (earn every micro-credential of a stack to earn the stack)", out);
  for (const v1::Stack& stack : stacks) {
    out << "  " << stack.title() << " [" << stack.id() << "], "
        << Plural(stack.micro_credential_ids_size(), "micro-credential") << ": "
        << JoinTexts(stack.micro_credential_ids(), ", ") << "\n";
  }
}

void PrintCatalogSearch(std::string_view query, const std::vector<CatalogMatch>& matches,
                        const std::vector<v1::Stack>& stacks, bool json, std::ostream& out) {
  if (json) {
    JsonWriter writer(out);
    writer.BeginObject().Key("query").String(query).Key("matches").BeginArray();
    for (const CatalogMatch& match : matches) {
      const v1::MicroCredential& mc = *match.micro_credential;
      writer.BeginObject()
          .Key("id")
          .String(mc.id())
          .Key("version")
          .String(mc.version())
          .Key("title")
          .String(mc.title())
          .Key("summary")
          .String(mc.summary())
          .Key("score")
          .Int(match.score)
          .Key("matched")
          .BeginArray();
      for (const std::string& field : match.matched) writer.String(field);
      writer.EndArray();
      WriteStackIds(mc, stacks, writer);
      writer.EndObject();
    }
    writer.EndArray().EndObject();
    out << "\n";
    return;
  }
  if (matches.empty()) {
    out << "No micro-credential on this device matches " << Quote(query)
        << ": try fewer or other words, or 'cairn catalog list'.\n";
    return;
  }
  out << Plural(matches.size(), "micro-credential") << " match"
      << (matches.size() == 1 ? "es " : " ") << Quote(query) << ", best first:\n";
  for (const CatalogMatch& match : matches) {
    const v1::MicroCredential& mc = *match.micro_credential;
    std::string where;
    for (const std::string& field : match.matched) where += (where.empty() ? "" : ", ") + field;
    out << "\n"
        << mc.title() << "\n"
        << "  id " << mc.id() << ", version " << mc.version() << "; matched in " << where << "\n";
    if (const std::string line = StackLine(mc, stacks); !line.empty()) {
      out << "  stack: " << line << "\n";
    }
    out << Wrap(mc.summary(), 2);
  }
}

Status PrintMicroCredential(const v1::MicroCredential& mc, const std::vector<v1::Stack>& stacks,
                            bool json, std::ostream& out) {
  if (json) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string text;
    const auto status = google::protobuf::util::MessageToJsonString(mc, &text, options);
    if (!status.ok()) {
      return Internal("cannot print micro-credential '" + mc.id() +
                      "' as JSON: " + std::string(status.message()));
    }
    out << text << "\n";
    return {};
  }
  out << mc.title() << "\n"
      << "id " << mc.id() << ", version " << mc.version() << ", issuer " << mc.issuer_id()
      << ", about " << Hours(mc.estimated_hours()) << " hours\n";
  if (const std::string line = StackLine(mc, stacks); !line.empty()) {
    out << "stack: " << line << "\n";
  }
  if (!mc.topics().empty()) out << "topics: " << JoinTexts(mc.topics(), ", ") << "\n";
  if (!mc.grade_bands().empty()) {
    std::string grades;
    for (const int band : mc.grade_bands()) {
      grades += (grades.empty() ? "" : ", ") + std::string(GradeBandName(band));
    }
    out << "grades: " << grades << "\n";
  }
  if (!mc.summary().empty()) out << "\n" << Wrap(mc.summary(), 0);
  Section("Competency", out);
  out << Wrap(mc.competency(), 2);
  Section("Key method", out);
  out << Wrap(mc.key_method(), 2);
  if (!mc.method_components().empty()) {
    Section("Method components", out);
    for (int i = 0; i < mc.method_components_size(); ++i) {
      const v1::MethodComponent& c = mc.method_components(i);
      out << "  " << i + 1 << ". " << c.name() << "\n" << Wrap(c.description(), 5);
    }
  }
  if (!mc.supporting_research().empty()) {
    Section("Supporting research", out);
    for (const v1::Citation& c : mc.supporting_research()) {
      std::string line = JoinTexts(c.authors(), "; ");
      if (c.year() > 0) line += " (" + std::to_string(c.year()) + ")";
      line += ". " + c.title() + ".";
      if (!c.source().empty()) line += " " + c.source() + ".";
      if (!c.url().empty()) line += " " + c.url();
      out << "  - " << Wrap(line, 4).substr(4);
    }
  }
  if (!mc.resources().empty()) {
    Section("Resources", out);
    for (const v1::Resource& r : mc.resources()) {
      out << "  - " << r.title() << " (" << ResourceKindName(r.kind()) << ")\n"
          << "    " << r.url() << "\n";
    }
  }
  PrintRequirements(mc.requirements(), out);
  PrintRubric(mc.rubric(), out);
  return {};
}

}  // namespace cairn::cli
