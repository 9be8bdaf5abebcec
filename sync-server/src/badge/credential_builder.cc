#include "badge/credential_builder.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "badge/issuer_documents.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/base64.h"
#include "cairn/blob_store.h"
#include "cairn/hex.h"

namespace cairn::server {
namespace {

namespace json = boost::json;

json::array Types(std::initializer_list<std::string_view> names) {
  json::array out;
  for (std::string_view name : names) out.emplace_back(name);
  return out;
}

// The method-specific id did:web gives an https:// URL: the host with its port's colon
// percent-encoded, then each path segment after a ':' (did:web resolves it back to the URL).
std::string DidWebHost(std::string_view public_url) {
  constexpr std::string_view kScheme = "https://";
  std::string_view rest = public_url;
  if (rest.starts_with(kScheme)) rest.remove_prefix(kScheme.size());
  std::string out;
  bool in_host = true;
  for (const char c : rest) {
    if (c == '/') {
      in_host = false;
      if (out.back() != ':') out += ':';
    } else if (c == ':' && in_host) {
      out += "%3A";
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ':') out.pop_back();
  return out;
}

json::object ImageObject(std::string url) {
  return json::object{{"id", std::move(url)}, {"type", "Image"}};
}

// The criteria a person reads: the key method and its components, as Markdown.
std::string CriteriaNarrative(const v1::MicroCredential& mc) {
  std::string out = "## Key method\n\n" + mc.key_method() + "\n";
  if (mc.method_components_size() > 0) {
    out += "\n## Method components\n\n";
    for (const v1::MethodComponent& component : mc.method_components()) {
      out += "- **" + component.name() + "**: " + component.description() + "\n";
    }
  }
  // OB 3.0 has no term for the effort a micro-credential takes (creditsAvailable is academic
  // credit), and safe-mode canonicalization refuses undefined ones: the hours go in the
  // narrative, where people read them.
  if (mc.estimated_hours() > 0) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%g", mc.estimated_hours());
    out += "\n## Time\n\nAbout " + std::string(hours) +
           (mc.estimated_hours() == 1 ? " hour" : " hours") +
           " of planning, classroom practice and reflection.\n";
  }
  out +=
      "\n## Evidence\n\nThe educator submitted classroom evidence for every requirement, and "
      "trained assessors scored it against the rubric.\n";
  return out;
}

// OB 3.0 Evidence.genre: what kind of artifact, from its media type.
std::string_view Genre(std::string_view media_type) {
  if (media_type.starts_with("video/")) return "Video";
  if (media_type.starts_with("audio/")) return "Audio";
  if (media_type.starts_with("image/")) return "Image";
  return "Document";
}

std::string LevelId(const std::string& criterion_id_url, std::string_view level) {
  return criterion_id_url + "-level-" + std::string(level);
}

const v1::ArtifactRequirement* FindArtifact(const v1::MicroCredential& mc, std::string_view id) {
  for (const v1::ArtifactRequirement& artifact : mc.requirements().artifacts()) {
    if (artifact.id() == id) return &artifact;
  }
  return nullptr;
}

// The lowest passing level: what a criterion needs when every criterion must pass. Levels run
// from highest to lowest achievement (catalog.proto Rubric.levels).
const v1::RubricLevel* RequiredLevel(const v1::Rubric& rubric) {
  if (rubric.award_rule().kind() != v1::AWARD_RULE_KIND_ALL_CRITERIA_PASSING) return nullptr;
  const v1::RubricLevel* required = nullptr;
  for (const v1::RubricLevel& level : rubric.levels()) {
    if (level.passing()) required = &level;
  }
  return required;
}

json::object SubjectOf(const Earner& earner, json::object achievement) {
  json::object subject{{"id", earner.subject_id},
                       {"type", Types({"AchievementSubject"})},
                       {"achievement", std::move(achievement)}};
  if (earner.email) {
    subject["identifier"] =
        json::array{json::object{{"type", "IdentityObject"},
                                 {"identityHash", IdentityHash(*earner.email, earner.salt)},
                                 {"identityType", "emailAddress"},
                                 {"hashed", true},
                                 {"salt", earner.salt}}};
  }
  return subject;
}

// What every Cairn credential has around its subject: contexts, id, type, issuer, dates,
// schema and status.
json::object Envelope(const IssuerUrls& urls, const v1::Issuer& issuer, std::string_view uuid,
                      std::string_view name, std::string_view description, int64_t valid_from_ms,
                      const StatusSlot& status, json::object subject) {
  const std::string list = urls.StatusList();
  return json::object{
      {"@context", json::array{kVcContext, kObContext, kObExtensionsContext}},
      {"id", urls.Credential(uuid)},
      {"type", Types({"VerifiableCredential", "OpenBadgeCredential"})},
      {"name", name},
      {"description", description},
      {"issuer", IssuerProfileMember(urls, issuer)},
      {"validFrom", badge::FormatRfc3339(valid_from_ms)},
      {"credentialSubject", std::move(subject)},
      {"credentialSchema", json::array{json::object{{"id", kObCredentialSchema},
                                                    {"type", "1EdTechJsonSchemaValidator2019"}}}},
      {"credentialStatus", json::object{{"id", list + "#" + std::to_string(status.index)},
                                        {"type", "BitstringStatusListEntry"},
                                        {"statusPurpose", "revocation"},
                                        {"statusListIndex", std::to_string(status.index)},
                                        {"statusListCredential", list}}},
  };
}

}  // namespace

std::string IssuerUrls::Did() const {
  return "did:web:" + DidWebHost(public_url) + ":issuers:" + issuer_slug;
}
std::string IssuerUrls::DidDocument() const { return Profile() + "/did.json"; }

std::string IssuerUrls::Jwks() const { return Profile() + "/jwks.json"; }
std::string IssuerUrls::Profile() const { return public_url + "/issuers/" + issuer_slug; }
std::string IssuerUrls::StatusList() const { return Profile() + "/status/revocation"; }
std::string IssuerUrls::RevocationList() const { return Profile() + "/status/revocations.json"; }
std::string IssuerUrls::Credential(std::string_view uuid) const {
  return public_url + "/credentials/" + std::string(uuid);
}
std::string IssuerUrls::Achievement(std::string_view micro_credential_id,
                                    std::string_view version) const {
  return public_url + "/achievements/" + std::string(micro_credential_id) + "/" +
         std::string(version);
}
std::string IssuerUrls::Image(std::string_view sha256_hex) const {
  return public_url + "/badge-images/" + std::string(sha256_hex) + ".png";
}

std::optional<int64_t> ValidUntilMs(int64_t valid_from_ms, uint32_t years) {
  if (years == 0) return std::nullopt;
  using namespace std::chrono;
  const sys_time<milliseconds> from{milliseconds(valid_from_ms)};
  const sys_days day = floor<days>(from);
  const year_month_day ymd{day};
  year_month_day until = ymd + std::chrono::years(years);
  if (!until.ok()) until = until.year() / until.month() / last;  // 29 February
  const sys_time<milliseconds> result = sys_days(until) + (from - day);
  return result.time_since_epoch().count();
}

std::string IdentityHash(std::string_view value, std::string_view salt) {
  return "sha256$" + Sha256Hex(Sha256Of(std::string(value) + std::string(salt)));
}

std::string EvidenceUri(std::string_view sha256_hex, std::string_view media_type) {
  const std::optional<std::string> raw = ParseHex(sha256_hex);
  return "ni:///sha-256;" + Base64UrlEncode(raw.value_or(std::string())) +
         "?ct=" + std::string(media_type);
}

json::object AchievementOf(const IssuerUrls& urls, const v1::Issuer& issuer,
                           const v1::MicroCredential& mc) {
  const v1::Rubric& rubric = mc.rubric();
  const std::string achievement_id = urls.Achievement(mc.id(), mc.version());
  // One ResultDescription per rubric criterion, its levels the rubric's, each described by the
  // criterion's own descriptor.
  const v1::RubricLevel* required = RequiredLevel(rubric);
  json::array result_descriptions;
  for (const v1::RubricCriterion& criterion : rubric.criteria()) {
    const std::string criterion_url = achievement_id + "#criterion-" + criterion.id();
    json::array levels;
    for (const v1::RubricLevel& level : rubric.levels()) {
      json::object entry{{"id", LevelId(criterion_url, level.id())},
                         {"type", Types({"RubricCriterionLevel"})},
                         {"name", level.label()}};
      for (const v1::LevelDescriptor& descriptor : criterion.descriptors()) {
        if (descriptor.level_id() == level.id()) entry["description"] = descriptor.text();
      }
      levels.emplace_back(std::move(entry));
    }
    json::object description{{"id", criterion_url},
                             {"type", Types({"ResultDescription"})},
                             {"name", criterion.description()},
                             {"resultType", "RubricCriterion"},
                             {"rubricCriterionLevel", std::move(levels)}};
    if (required != nullptr) description["requiredLevel"] = LevelId(criterion_url, required->id());
    result_descriptions.emplace_back(std::move(description));
  }

  json::array tags;
  for (const std::string& topic : mc.topics()) tags.emplace_back(topic);

  json::object achievement{
      {"id", achievement_id},
      {"type", Types({"Achievement"})},
      {"achievementType", "MicroCredential"},
      {"name", mc.title()},
      {"description", mc.competency()},
      {"criteria", json::object{{"narrative", CriteriaNarrative(mc)}}},
      {"alignment", json::array{json::object{{"type", Types({"Alignment"})},
                                             {"targetName", mc.title() + ": competency"},
                                             {"targetDescription", mc.competency()},
                                             {"targetUrl", achievement_id + "#competency"},
                                             {"targetType", "ceasn:Competency"}}}},
      {"resultDescription", std::move(result_descriptions)},
      {"version", mc.version()},
      {"creator", IssuerProfileMember(urls, issuer)},
  };
  if (!tags.empty()) achievement["tag"] = std::move(tags);
  if (!mc.image().sha256().empty()) {
    achievement["image"] = ImageObject(urls.Image(mc.image().sha256()));
  }

  return achievement;
}

Result<boost::json::object> BuildAwardCredential(const AwardFacts& facts) {
  const v1::MicroCredential& mc = facts.micro_credential;
  const v1::Rubric& rubric = mc.rubric();
  if (facts.assessment.decision() != v1::DECISION_AWARD) {
    return InvalidArgument("the assessment is not an award; only an award becomes a credential");
  }
  if (!mc.image().sha256().empty() && mc.image().sha256().size() != 64) {
    return InvalidArgument("micro-credential " + mc.id() + " has a badge image hash of " +
                           std::to_string(mc.image().sha256().size()) + " characters, not 64");
  }
  const std::string achievement_id = facts.urls.Achievement(mc.id(), mc.version());

  json::array results;
  for (const v1::CriterionScore& score : facts.assessment.scores()) {
    const auto& criteria = rubric.criteria();
    if (std::none_of(criteria.begin(), criteria.end(), [&](const v1::RubricCriterion& c) {
          return c.id() == score.criterion_id();
        })) {
      return InvalidArgument("the assessment scores criterion '" + score.criterion_id() +
                             "', which the rubric of " + mc.id() + "@" + mc.version() +
                             " does not have");
    }
    const std::string criterion_url = achievement_id + "#criterion-" + score.criterion_id();
    results.emplace_back(json::object{{"type", Types({"Result"})},
                                      {"resultDescription", criterion_url},
                                      {"achievedLevel", LevelId(criterion_url, score.level_id())}});
  }

  json::object achievement = AchievementOf(facts.urls, facts.issuer, mc);

  json::object subject = SubjectOf(facts.earner, std::move(achievement));
  subject["result"] = std::move(results);

  // The evidence is described, never linked: its hash is in its id (EvidenceUri).
  json::array evidence;
  for (const v1::SubmissionSnapshot::SubmittedEvidence& item : facts.snapshot.evidence()) {
    const v1::ArtifactRequirement* artifact = FindArtifact(mc, item.requirement_id());
    json::object entry{
        {"id", EvidenceUri(LowerHex(item.blob().sha256()), item.blob().media_type())},
        {"type", Types({"Evidence"})},
        {"name", artifact != nullptr ? artifact->title() : item.requirement_id()},
        {"genre", Genre(item.blob().media_type())}};
    if (!item.caption().empty()) entry["narrative"] = item.caption();
    evidence.emplace_back(std::move(entry));
  }

  json::object credential =
      Envelope(facts.urls, facts.issuer, facts.credential_uuid, mc.title(), mc.summary(),
               facts.valid_from_ms, facts.status, std::move(subject));
  if (!evidence.empty()) credential["evidence"] = std::move(evidence);
  if (const std::optional<int64_t> until =
          ValidUntilMs(facts.valid_from_ms, mc.valid_for_years())) {
    credential["validUntil"] = badge::FormatRfc3339(*until);
  }
  return credential;
}

Result<boost::json::object> BuildStackCredential(const StackFacts& facts) {
  const v1::Stack& stack = facts.stack;
  if (facts.components.size() != static_cast<size_t>(stack.micro_credential_ids_size())) {
    return InvalidArgument("stack " + stack.id() + " has " +
                           std::to_string(stack.micro_credential_ids_size()) +
                           " micro-credentials; its credential needs a component for each");
  }
  const std::string achievement_id = facts.urls.Achievement(stack.id(), stack.version());
  std::string narrative = "Awarded for earning every micro-credential of the stack:\n\n";
  for (const StackFacts::Component& component : facts.components) {
    narrative += "- [" + component.title + "](" + component.credential_url + ")\n";
  }
  json::object achievement{
      {"id", achievement_id},
      {"type", Types({"Achievement"})},
      {"achievementType", "Certificate"},
      {"name", stack.title()},
      {"description", stack.description().empty() ? stack.title() : stack.description()},
      {"criteria", json::object{{"narrative", std::move(narrative)}}},
      {"version", stack.version()},
      {"creator", IssuerProfileMember(facts.urls, facts.issuer)},
  };
  if (!stack.image().sha256().empty()) {
    achievement["image"] = ImageObject(facts.urls.Image(stack.image().sha256()));
  }
  // The component credentials are the evidence: each one is public and verifiable itself.
  json::array evidence;
  for (const StackFacts::Component& component : facts.components) {
    evidence.emplace_back(json::object{{"id", component.credential_url},
                                       {"type", Types({"Evidence"})},
                                       {"name", component.title},
                                       {"genre", "Credential"}});
  }
  json::object credential =
      Envelope(facts.urls, facts.issuer, facts.credential_uuid, stack.title(), stack.description(),
               facts.valid_from_ms, facts.status, SubjectOf(facts.earner, std::move(achievement)));
  credential["evidence"] = std::move(evidence);
  return credential;
}

namespace {

// The achievement a signed credential's subject holds.
Result<json::object> AchievementIn(const json::object& credential) {
  const json::value* subject = credential.if_contains("credentialSubject");
  const json::value* achievement =
      subject && subject->is_object() ? subject->get_object().if_contains("achievement") : nullptr;
  if (achievement == nullptr || !achievement->is_object()) {
    return InvalidArgument("a credential of the CLR has no credentialSubject.achievement");
  }
  return achievement->get_object();
}

}  // namespace

Result<boost::json::object> BuildClrCredential(const ClrFacts& facts) {
  CAIRN_ASSIGN_OR_RETURN(const json::object stack_achievement,
                         AchievementIn(facts.stack_credential));
  json::array credentials{facts.stack_credential};
  json::array achievements{stack_achievement};
  json::array associations;
  for (const json::object& component : facts.component_credentials) {
    CAIRN_ASSIGN_OR_RETURN(const json::object achievement, AchievementIn(component));
    credentials.emplace_back(component);
    associations.emplace_back(json::object{{"type", "Association"},
                                           {"associationType", "isParentOf"},
                                           {"sourceId", stack_achievement.at("id")},
                                           {"targetId", achievement.at("id")}});
    achievements.emplace_back(achievement);
  }
  json::object subject{{"id", facts.earner.subject_id},
                       {"type", Types({"ClrSubject"})},
                       {"verifiableCredential", std::move(credentials)},
                       {"achievement", std::move(achievements)},
                       {"association", std::move(associations)}};
  const std::string name = [&] {
    const json::value* n = stack_achievement.if_contains("name");
    return n && n->is_string() ? std::string(n->get_string()) : std::string("Stack");
  }();
  return json::object{
      {"@context", json::array{kVcContext, kClrContext, kObContext, kObExtensionsContext}},
      {"id", facts.urls.Credential(facts.stack_credential_uuid) + "/clr"},
      {"type", Types({"VerifiableCredential", "ClrCredential"})},
      {"name", name + ": comprehensive learner record"},
      {"issuer", IssuerProfileMember(facts.urls, facts.issuer)},
      {"validFrom", badge::FormatRfc3339(facts.valid_from_ms)},
      {"credentialSubject", std::move(subject)},
  };
}

}  // namespace cairn::server
