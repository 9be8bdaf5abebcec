#include "cairn/device.h"

#include <algorithm>
#include <functional>
#include <map>

#include "model/media_types.h"

namespace cairn {
namespace {

// Field names in the change log (model.proto documents them).
constexpr std::string_view kAnswerPrefix = "answer:";
constexpr const char* kStatusDraft = "draft";
constexpr const char* kStatusSubmitted = "submitted";

std::string OrdinalName(std::string_view noun, int index, std::string_view title) {
  std::string out(noun);
  out += " " + std::to_string(index + 1);
  if (!title.empty()) out += " ('" + std::string(title) + "')";
  return out;
}

v1::PursuitStatus StatusFromText(std::string_view text) {
  static const std::map<std::string_view, v1::PursuitStatus> kByName = {
      {"draft", v1::PURSUIT_STATUS_DRAFT},         {"submitted", v1::PURSUIT_STATUS_SUBMITTED},
      {"received", v1::PURSUIT_STATUS_RECEIVED},   {"forwarded", v1::PURSUIT_STATUS_FORWARDED},
      {"in_review", v1::PURSUIT_STATUS_IN_REVIEW}, {"awarded", v1::PURSUIT_STATUS_AWARDED},
      {"not_yet", v1::PURSUIT_STATUS_NOT_YET},
  };
  const auto it = kByName.find(text);
  return it == kByName.end() ? v1::PURSUIT_STATUS_UNSPECIFIED : it->second;
}

void ToProto(const EvidenceRef& ref, v1::EvidenceRef* out) {
  out->set_sha256(ref.sha256.data(), ref.sha256.size());
  out->set_size(ref.size);
  out->set_media_type(ref.media_type);
}

const EntityId* RefOf(const EntityData& entity, std::string_view field) {
  const Value* v = entity.Get(field);
  return v ? std::get_if<EntityId>(v) : nullptr;
}

// The pursuit message of a pursuit entity that has `submissions` submissions so far.
v1::Pursuit PursuitFromEntity(const EntityData& entity, int64_t submissions) {
  v1::Pursuit pursuit;
  pursuit.set_id(std::string(entity.id.AsBytes()));
  if (const std::string* v = entity.GetText("micro_credential_id")) {
    pursuit.set_micro_credential_id(*v);
  }
  if (const std::string* v = entity.GetText("micro_credential_version")) {
    pursuit.set_micro_credential_version(*v);
  }
  pursuit.set_started_at_ms(entity.GetInteger("started_at_ms").value_or(0));
  for (const auto& [name, reg] : entity.fields) {
    if (!name.starts_with(kAnswerPrefix) || reg.empty()) continue;
    if (const auto* text = std::get_if<std::string>(&reg.back().value)) {
      (*pursuit.mutable_answers())[name.substr(kAnswerPrefix.size())] = *text;
    }
  }
  if (const std::string* v = entity.GetText("reflection")) pursuit.set_reflection(*v);
  if (const std::string* v = entity.GetText("status")) pursuit.set_status(StatusFromText(*v));
  pursuit.set_attempt(submissions + 1);
  return pursuit;
}

v1::EvidenceItem EvidenceFromEntity(const EntityData& entity) {
  v1::EvidenceItem item;
  item.set_id(std::string(entity.id.AsBytes()));
  if (const EntityId* pursuit = RefOf(entity, "pursuit")) {
    item.set_pursuit(std::string(pursuit->AsBytes()));
  }
  if (const std::string* req = entity.GetText("requirement_id")) item.set_requirement_id(*req);
  if (const Value* blob = entity.Get("blob")) {
    if (const auto* ref = std::get_if<EvidenceRef>(blob)) ToProto(*ref, item.mutable_blob());
  }
  if (const std::string* caption = entity.GetText("caption")) item.set_caption(*caption);
  item.set_captured_at_ms(entity.GetInteger("captured_at_ms").value_or(0));
  return item;
}

// "1 word", "3 words".
std::string Plural(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

// `limit` and `min_words` of 0 mean no bound.
void CheckWords(std::string_view what, std::string_view text, uint32_t limit, uint32_t min_words,
                const std::string& requirement_id, std::vector<ValidationIssue>& issues) {
  const size_t words = CountWords(text);
  if (words == 0) {
    issues.push_back({requirement_id, std::string(what) + " has no answer yet."});
    return;
  }
  if (limit > 0 && words > limit) {
    issues.push_back({requirement_id, std::string(what) + " has " + std::to_string(words) +
                                          " words; the limit is " + std::to_string(limit) +
                                          ". Cut " + Plural(words - limit, "word") + "."});
  }
  if (words < min_words) {
    issues.push_back({requirement_id, std::string(what) + " has " + Plural(words, "word") +
                                          "; write at least " + std::to_string(min_words) + "."});
  }
}

}  // namespace

size_t CountWords(std::string_view text) {
  // Words are runs of characters that are not Unicode White_Space (catalog.proto). Text pasted
  // from word processors is full of no-break and other typographic spaces.
  const auto space_length = [&](size_t i) -> size_t {
    const auto byte = [&](size_t k) {
      return k < text.size() ? static_cast<unsigned char>(text[k]) : 0U;
    };
    const unsigned b0 = byte(i);
    if (b0 == ' ' || (b0 >= '\t' && b0 <= '\r')) return 1;
    const unsigned b1 = byte(i + 1);
    const unsigned b2 = byte(i + 2);
    if (b0 == 0xC2 && (b1 == 0x85 || b1 == 0xA0)) return 2;  // U+0085, U+00A0
    if (b0 == 0xE1 && b1 == 0x9A && b2 == 0x80) return 3;    // U+1680
    if (b0 == 0xE2 && b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) {
      return 3;  // U+2000..200A, 2028/9, 202F
    }
    if (b0 == 0xE2 && b1 == 0x81 && b2 == 0x9F) return 3;  // U+205F
    if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return 3;  // U+3000
    return 0;
  };
  size_t words = 0;
  bool in_word = false;
  for (size_t i = 0; i < text.size();) {
    if (const size_t n = space_length(i); n > 0) {
      in_word = false;
      i += n;
      continue;
    }
    if (!in_word) ++words;
    in_word = true;
    ++i;
  }
  return words;
}

const Schema& CairnSchema() {
  static const Schema* schema = [] {
    auto* s = new Schema();
    const auto text = [](std::string name, bool free_text = false) {
      return FieldRule{std::move(name), ValueType::kText, FieldKind::kRegister, free_text};
    };
    const auto of = [](std::string name, ValueType type, bool write_once = false) {
      FieldRule rule{std::move(name), type};
      rule.write_once = write_once;
      return rule;
    };
    FieldRule answer = text(std::string(kAnswerPrefix), /*free_text=*/true);
    answer.prefix = true;
    // Catalog entries (catalog_publish.h): written by the server's catalog actor only.
    for (const std::string_view type : {kMicroCredentialType, kStackType, kIssuerType}) {
      s->Add(std::string(type),
             {text("slug"), text("version"), text("title"), of("definition", ValueType::kBlob),
              of("published_at_ms", ValueType::kInteger)},
             /*deletable=*/false);
    }
    s->Add(std::string(kPursuitType),
           {text("micro_credential_id"), text("micro_credential_version"),
            of("started_at_ms", ValueType::kInteger), answer, text("reflection", true),
            text("status")});
    s->Add(std::string(kEvidenceType), {of("pursuit", ValueType::kEntity), text("requirement_id"),
                                        of("blob", ValueType::kEvidence), text("caption", true),
                                        of("captured_at_ms", ValueType::kInteger)});
    s->Add(
        std::string(kSubmissionType),
        {of("pursuit", ValueType::kEntity, true), of("attempt", ValueType::kInteger, true),
         of("snapshot", ValueType::kBlob, true), of("submitted_at_ms", ValueType::kInteger, true),
         // Written by the server and the issuer only (received, forwarded, in_review, ...).
         text("status")},
        /*deletable=*/false);
    s->Add(std::string(kAssessmentType),
           {of("submission", ValueType::kEntity), text("decision"), text("feedback"),
            of("scores", ValueType::kBlob), of("decided_at_ms", ValueType::kInteger)},
           /*deletable=*/false);
    // One per device that set it first; the latest public_name of any of them wins.
    s->Add(std::string(kProfileType), {text("public_name")});
    // Written by the server only (credentials.h); no field is free text.
    s->Add(
        std::string(kCredentialType),
        {text("credential_id"), text("kind"), text("subject_id"), text("title"),
         of("submission", ValueType::kEntity), text("json"), text("jws"), text("clr"),
         of("issued_at_ms", ValueType::kInteger), of("valid_until_ms", ValueType::kInteger),
         text("status"), text("revocation_reason"), text("issuer_did_document"),
         text("issuer_jwks"), text("status_list"), of("status_checked_at_ms", ValueType::kInteger)},
        /*deletable=*/false);
    return s;
  }();
  return *schema;
}

Result<std::unique_ptr<Device>> Device::Open(const std::string& path, Env env) {
  ReplicaOptions options;
  options.env = env;
  options.schema = &CairnSchema();
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Replica> replica, Replica::Open(path, options));
  return std::unique_ptr<Device>(new Device(std::move(replica), env));
}

Result<PublishedCatalog> Device::LoadPublishedCatalog() {
  // Entries in the order their definitions were written: the last one of an id is current.
  struct Entry {
    Stamp stamp;
    EntityId entity;
    std::string type;
    std::string slug;
    std::string definition;
  };
  std::vector<Entry> entries;
  for (const std::string_view type : {kIssuerType, kStackType, kMicroCredentialType}) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<EntityData> entities, replica_->ListByType(type));
    for (const EntityData& entity : entities) {
      const std::string* slug = entity.GetText("slug");
      const auto it = entity.fields.find("definition");
      if (slug == nullptr || it == entity.fields.end() || it->second.empty()) continue;
      const auto* blob = std::get_if<Blob>(&it->second.back().value);
      if (blob == nullptr) continue;
      entries.push_back({it->second.back().stamp, entity.id, std::string(type), *slug, blob->data});
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.stamp < b.stamp; });
  PublishedCatalog published;
  for (Entry& entry : entries) {
    published.Add(entry.entity, entry.type, entry.slug, std::move(entry.definition));
  }
  return published;
}

Result<CatalogPublication> Device::PublishCatalog(const v1::Catalog& catalog) {
  CAIRN_ASSIGN_OR_RETURN(const PublishedCatalog published, LoadPublishedCatalog());
  CAIRN_ASSIGN_OR_RETURN(CatalogPublication publication,
                         PlanCatalogPublication(catalog, published, env_.clock->NowMillis()));
  if (publication.ops.empty()) return publication;
  CAIRN_RETURN_IF_ERROR(replica_->Commit(std::move(publication.ops)).status());
  publication.ops.clear();
  return publication;
}

template <typename T>
Result<std::vector<T>> Device::ListCurrent(std::string_view type) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entries, replica_->ListByType(type));
  // Every entry of each id, newest definition first: the first that parses is shown.
  struct Candidate {
    Stamp stamp;
    const EntityData* entry;
    const Blob* definition;  // null when the definition is not a blob: damaged
  };
  std::map<std::string, std::vector<Candidate>> by_id;
  for (const EntityData& entry : entries) {
    const std::string* slug = entry.GetText("slug");
    const auto it = entry.fields.find("definition");
    if (slug == nullptr || it == entry.fields.end() || it->second.empty()) continue;
    by_id[*slug].push_back(
        {it->second.back().stamp, &entry, std::get_if<Blob>(&it->second.back().value)});
  }
  std::vector<T> out;
  out.reserve(by_id.size());
  for (auto& [id, candidates] : by_id) {
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return b.stamp < a.stamp; });
    for (size_t i = 0; i < candidates.size(); ++i) {
      T message;
      if (candidates[i].definition != nullptr &&
          message.ParseFromString(candidates[i].definition->data)) {
        out.push_back(std::move(message));
        break;
      }
      const std::string* version = candidates[i].entry->GetText("version");
      ReportDamage(type, id, type == kIssuerType || version == nullptr ? "" : *version,
                   /*older_shown=*/i + 1 < candidates.size());
    }
  }
  return out;
}

void Device::ReportDamage(std::string_view type, const std::string& id, const std::string& version,
                          bool older_shown) {
  if (!damage_sink_) return;
  const std::string noun = type == kMicroCredentialType ? "micro-credential" : std::string(type);
  CatalogDamage damage{std::string(type), id, version, {}};
  damage.message = "the catalog entry for " + noun + " '" + id + "'" +
                   (version.empty() ? "" : " (version " + version + ")") +
                   " is damaged and was skipped" +
                   (older_shown ? "; its previous version is shown instead" : "") +
                   ". Sync again; if this stays, tell the issuer, whose catalog needs publishing "
                   "again";
  damage_sink_(damage);
}

Result<std::vector<v1::MicroCredential>> Device::ListMicroCredentials() {
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::MicroCredential> out,
                         ListCurrent<v1::MicroCredential>(kMicroCredentialType));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.title() < b.title(); });
  return out;
}

Result<std::vector<v1::Stack>> Device::ListStacks() {
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Stack> out, ListCurrent<v1::Stack>(kStackType));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.title() < b.title(); });
  return out;
}

Result<std::vector<v1::Issuer>> Device::ListIssuers() {
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Issuer> out, ListCurrent<v1::Issuer>(kIssuerType));
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return out;
}

Result<v1::MicroCredential> Device::GetMicroCredential(std::string_view id,
                                                       std::string_view version) {
  if (version.empty()) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<v1::MicroCredential> all, ListMicroCredentials());
    for (v1::MicroCredential& mc : all) {
      if (mc.id() == id) return std::move(mc);
    }
    return NotFound("no micro-credential '" + std::string(id) +
                    "' in the catalog on this device; sync, or check the id with "
                    "'cairn catalog list'");
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<EntityData> entry,
                         replica_->Get(CatalogEntryId(kMicroCredentialType, id, version)));
  const Value* definition = entry ? entry->Get("definition") : nullptr;
  const auto* blob = definition ? std::get_if<Blob>(definition) : nullptr;
  if (blob == nullptr) {
    return NotFound("version " + std::string(version) + " of micro-credential '" + std::string(id) +
                    "' is not on this device; sync the catalog");
  }
  v1::MicroCredential mc;
  if (!mc.ParseFromString(blob->data)) {
    ReportDamage(kMicroCredentialType, std::string(id), std::string(version), false);
    return DataLoss("version " + std::string(version) + " of micro-credential '" + std::string(id) +
                    "' is damaged on this device; sync again, and tell the issuer if it stays");
  }
  return mc;
}

Result<EntityId> Device::StartPursuit(std::string_view micro_credential_id) {
  CAIRN_ASSIGN_OR_RETURN(const v1::MicroCredential mc, GetMicroCredential(micro_credential_id));
  const EntityId id = replica_->NewEntityId();
  std::vector<Op> ops;
  ops.push_back(Op::Put(id, std::string(kTypeField), std::string(kPursuitType)));
  ops.push_back(Op::Put(id, "micro_credential_id", mc.id()));
  ops.push_back(Op::Put(id, "micro_credential_version", mc.version()));
  ops.push_back(Op::Put(id, "started_at_ms", env_.clock->NowMillis()));
  ops.push_back(Op::Put(id, "status", std::string(kStatusDraft)));
  CAIRN_RETURN_IF_ERROR(replica_->Commit(std::move(ops)).status());
  return id;
}

Result<EntityData> Device::LoadLive(const EntityId& id, std::string_view type,
                                    std::string_view noun) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<EntityData> entity, replica_->Get(id));
  if (!entity || entity->deleted()) {
    return NotFound("no " + std::string(noun) + " " + id.ToString() + " on this device");
  }
  const std::string* actual = entity->GetText(kTypeField);
  if (actual == nullptr || *actual != type) {
    const bool vowel = std::string_view("aeiou").find(noun.front()) != std::string_view::npos;
    return InvalidArgument(id.ToString() + " is not " + (vowel ? "an " : "a ") + std::string(noun));
  }
  return std::move(*entity);
}

Result<v1::Pursuit> Device::GetPursuit(const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(const EntityData entity, LoadLive(id, kPursuitType, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const auto submissions, SubmissionsByPursuit());
  const auto it = submissions.find(id);
  return PursuitFromEntity(entity, it == submissions.end() ? 0 : it->second);
}

Result<std::vector<v1::Pursuit>> Device::ListPursuits() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kPursuitType));
  CAIRN_ASSIGN_OR_RETURN(const auto submissions, SubmissionsByPursuit());
  std::vector<v1::Pursuit> out;
  out.reserve(entities.size());
  for (const EntityData& entity : entities) {
    const auto it = submissions.find(entity.id);
    out.push_back(PursuitFromEntity(entity, it == submissions.end() ? 0 : it->second));
  }
  return out;
}

Result<std::map<EntityId, int64_t>> Device::SubmissionsByPursuit() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kSubmissionType));
  std::map<EntityId, int64_t> counts;
  for (const EntityData& entity : entities) {
    if (const EntityId* pursuit = RefOf(entity, "pursuit")) ++counts[*pursuit];
  }
  return counts;
}

Result<v1::MicroCredential> Device::MicroCredentialOf(const EntityData& pursuit) {
  const std::string* id = pursuit.GetText("micro_credential_id");
  const std::string* version = pursuit.GetText("micro_credential_version");
  if (id == nullptr || version == nullptr) {
    return DataLoss("pursuit " + pursuit.id.ToString() + " names no micro-credential");
  }
  return GetMicroCredential(*id, *version);
}

Status Device::Answer(const EntityId& pursuit, std::string_view question_id,
                      std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(const EntityData entity, LoadLive(pursuit, kPursuitType, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const v1::MicroCredential mc, MicroCredentialOf(entity));
  const auto& questions = mc.requirements().overview_questions();
  const bool known = std::any_of(questions.begin(), questions.end(),
                                 [&](const auto& q) { return q.id() == question_id; });
  if (!known) {
    std::string ids;
    for (const auto& q : questions) ids += (ids.empty() ? "" : ", ") + q.id();
    return InvalidArgument("'" + mc.title() + "' has no question '" + std::string(question_id) +
                           "'; its questions are: " + ids);
  }
  return replica_
      ->Commit({Op::Put(pursuit, std::string(kAnswerPrefix) + std::string(question_id),
                        std::string(text))})
      .status();
}

Status Device::Reflect(const EntityId& pursuit, std::string_view text) {
  CAIRN_RETURN_IF_ERROR(LoadLive(pursuit, kPursuitType, "pursuit").status());
  return replica_->Commit({Op::Put(pursuit, "reflection", std::string(text))}).status();
}

Status Device::CheckArtifact(const EntityId& pursuit, std::string_view requirement_id) {
  CAIRN_ASSIGN_OR_RETURN(const EntityData entity, LoadLive(pursuit, kPursuitType, "pursuit"));
  CAIRN_ASSIGN_OR_RETURN(const v1::MicroCredential mc, MicroCredentialOf(entity));
  const auto& artifacts = mc.requirements().artifacts();
  const auto artifact = std::find_if(artifacts.begin(), artifacts.end(),
                                     [&](const auto& a) { return a.id() == requirement_id; });
  if (artifact != artifacts.end()) return {};
  std::string ids;
  for (const auto& a : artifacts) ids += (ids.empty() ? "" : ", ") + a.id();
  return InvalidArgument("'" + mc.title() + "' asks for no artifact '" +
                         std::string(requirement_id) + "'; its artifacts are: " + ids);
}

Result<EntityId> Device::AddEvidence(const EntityId& pursuit, std::string_view requirement_id,
                                     const EvidenceRef& blob, std::string_view caption) {
  CAIRN_RETURN_IF_ERROR(CheckArtifact(pursuit, requirement_id));
  if (blob.media_type.empty()) {
    return InvalidArgument("the evidence has no media type; capture it again");
  }
  const EntityId id = replica_->NewEntityId();
  std::vector<Op> ops;
  ops.push_back(Op::Put(id, std::string(kTypeField), std::string(kEvidenceType)));
  ops.push_back(Op::Put(id, "pursuit", pursuit));
  ops.push_back(Op::Put(id, "requirement_id", std::string(requirement_id)));
  ops.push_back(Op::Put(id, "blob", blob));
  if (!caption.empty()) ops.push_back(Op::Put(id, "caption", std::string(caption)));
  ops.push_back(Op::Put(id, "captured_at_ms", env_.clock->NowMillis()));
  CAIRN_RETURN_IF_ERROR(replica_->Commit(std::move(ops)).status());
  return id;
}

Status Device::RemoveEvidence(const EntityId& evidence) {
  CAIRN_RETURN_IF_ERROR(LoadLive(evidence, kEvidenceType, "evidence item").status());
  return replica_->Commit({Op::Delete(evidence)}).status();
}

Result<EvidenceRef> Device::EvidenceBlob(const EntityId& id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<EntityData> entity, replica_->Get(id));
  if (!entity || entity->deleted()) {
    return NotFound("no evidence item " + id.ToString() +
                    " on this device; if it was captured on another device, sync there and here "
                    "first");
  }
  const std::string* type = entity->GetText(kTypeField);
  if (type == nullptr || *type != kEvidenceType) {
    return InvalidArgument(
        id.ToString() +
        " is not an evidence item (the pursuit's evidence list gives the evidence ids)");
  }
  const Value* value = entity->Get("blob");
  const auto* ref = value != nullptr ? std::get_if<EvidenceRef>(value) : nullptr;
  if (ref == nullptr) {
    return FailedPrecondition("evidence item " + id.ToString() + " names no file");
  }
  return *ref;
}

Result<std::vector<v1::EvidenceItem>> Device::ListEvidence(const EntityId& pursuit) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kEvidenceType));
  std::vector<v1::EvidenceItem> out;
  for (const EntityData& entity : entities) {
    const EntityId* owner = RefOf(entity, "pursuit");
    if (owner != nullptr && *owner == pursuit) out.push_back(EvidenceFromEntity(entity));
  }
  return out;
}

Result<std::vector<ValidationIssue>> Device::Validate(const EntityId& pursuit_id) {
  CAIRN_ASSIGN_OR_RETURN(const v1::Pursuit pursuit, GetPursuit(pursuit_id));
  CAIRN_ASSIGN_OR_RETURN(
      const v1::MicroCredential mc,
      GetMicroCredential(pursuit.micro_credential_id(), pursuit.micro_credential_version()));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::EvidenceItem> evidence, ListEvidence(pursuit_id));
  const v1::SubmissionRequirements& req = mc.requirements();
  std::vector<ValidationIssue> issues;

  for (int i = 0; i < req.overview_questions_size(); ++i) {
    const v1::OverviewQuestion& q = req.overview_questions(i);
    const auto answer = pursuit.answers().find(q.id());
    CheckWords("Your answer to question " + std::to_string(i + 1),
               answer == pursuit.answers().end() ? std::string_view() : answer->second,
               q.word_limit(), q.min_words(), q.id(), issues);
  }

  for (int i = 0; i < req.artifacts_size(); ++i) {
    const v1::ArtifactRequirement& a = req.artifacts(i);
    const std::string name = OrdinalName("Artifact", i, a.title());
    uint32_t count = 0;
    for (const v1::EvidenceItem& item : evidence) {
      if (item.requirement_id() != a.id()) continue;
      ++count;
      const std::string& type = item.blob().media_type();
      const bool accepted =
          a.media_types().empty() ||
          std::any_of(a.media_types().begin(), a.media_types().end(),
                      [&](const std::string& p) { return model::MediaTypeMatches(p, type); });
      if (!accepted) {
        issues.push_back({a.id(), name + " needs " + model::DescribeAccepted(a.media_types()) +
                                      "; you attached " + model::DescribeMediaType(type) + " (" +
                                      type + ")."});
      }
    }
    if (count < a.min_count()) {
      issues.push_back({a.id(), name + " needs " + std::to_string(a.min_count()) + " item" +
                                    (a.min_count() == 1 ? "" : "s") + "; you attached " +
                                    std::to_string(count) + "."});
    }
    if (a.max_count() > 0 && count > a.max_count()) {
      issues.push_back({a.id(), name + " takes at most " + std::to_string(a.max_count()) +
                                    "; you attached " + std::to_string(count) + ". Remove " +
                                    std::to_string(count - a.max_count()) + "."});
    }
  }
  for (const v1::EvidenceItem& item : evidence) {
    const bool known = std::any_of(req.artifacts().begin(), req.artifacts().end(),
                                   [&](const auto& a) { return a.id() == item.requirement_id(); });
    if (!known) {
      issues.push_back({item.requirement_id(),
                        "Evidence '" + item.caption() + "' answers '" + item.requirement_id() +
                            "', which this version of the micro-credential does not ask for."});
    }
  }

  if (req.has_reflection()) {
    CheckWords("Your reflection", pursuit.reflection(), req.reflection().word_limit(), 0,
               req.reflection().id(), issues);
  }
  return issues;
}

Result<EntityId> Device::Submit(const EntityId& pursuit_id) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<ValidationIssue> issues, Validate(pursuit_id));
  if (!issues.empty()) {
    std::string message = "the pursuit is not ready to submit:";
    for (const ValidationIssue& issue : issues) message += "\n  - " + issue.message;
    return FailedPrecondition(std::move(message));
  }
  CAIRN_ASSIGN_OR_RETURN(const v1::Pursuit pursuit, GetPursuit(pursuit_id));
  CAIRN_ASSIGN_OR_RETURN(std::vector<v1::EvidenceItem> evidence, ListEvidence(pursuit_id));

  v1::SubmissionSnapshot snapshot;
  snapshot.set_pursuit(std::string(pursuit_id.AsBytes()));
  snapshot.set_micro_credential_id(pursuit.micro_credential_id());
  snapshot.set_micro_credential_version(pursuit.micro_credential_version());
  snapshot.set_attempt(pursuit.attempt());
  snapshot.set_submitted_at_ms(env_.clock->NowMillis());
  std::map<std::string, std::string> answers(pursuit.answers().begin(), pursuit.answers().end());
  for (const auto& [question, text] : answers) {
    auto* answer = snapshot.add_answers();
    answer->set_question_id(question);
    answer->set_text(text);
  }
  snapshot.set_reflection(pursuit.reflection());
  std::sort(evidence.begin(), evidence.end(), [](const auto& a, const auto& b) {
    return std::tie(a.requirement_id(), a.id()) < std::tie(b.requirement_id(), b.id());
  });
  for (const v1::EvidenceItem& item : evidence) {
    auto* out = snapshot.add_evidence();
    out->set_evidence_id(item.id());
    out->set_requirement_id(item.requirement_id());
    *out->mutable_blob() = item.blob();
    out->set_caption(item.caption());
  }
  std::string bytes;
  snapshot.SerializeToString(&bytes);

  const EntityId id = replica_->NewEntityId();
  std::vector<Op> ops;
  ops.push_back(Op::Put(id, std::string(kTypeField), std::string(kSubmissionType)));
  ops.push_back(Op::Put(id, "pursuit", pursuit_id));
  ops.push_back(Op::Put(id, "attempt", pursuit.attempt()));
  ops.push_back(Op::Put(id, "submitted_at_ms", snapshot.submitted_at_ms()));
  ops.push_back(Op::Put(id, "snapshot", Blob{std::move(bytes)}));
  ops.push_back(Op::Put(pursuit_id, "status", std::string(kStatusSubmitted)));
  CAIRN_RETURN_IF_ERROR(replica_->Commit(std::move(ops)).status());
  return id;
}

Result<std::vector<v1::Submission>> Device::ListSubmissions(const EntityId& pursuit) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kSubmissionType));
  std::vector<v1::Submission> out;
  for (const EntityData& entity : entities) {
    const EntityId* owner = RefOf(entity, "pursuit");
    if (owner == nullptr || *owner != pursuit) continue;
    v1::Submission submission;
    submission.set_id(std::string(entity.id.AsBytes()));
    const Value* snapshot = entity.Get("snapshot");
    const auto* blob = snapshot ? std::get_if<Blob>(snapshot) : nullptr;
    if (blob == nullptr || !submission.mutable_snapshot()->ParseFromString(blob->data)) {
      return DataLoss("submission " + entity.id.ToString() + " has a damaged snapshot");
    }
    out.push_back(std::move(submission));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.snapshot().attempt() < b.snapshot().attempt();
  });
  return out;
}

Result<std::vector<v1::Assessment>> Device::ListAssessments(const EntityId& pursuit) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::Submission> submissions, ListSubmissions(pursuit));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kAssessmentType));
  std::map<EntityId, const EntityData*> by_submission;
  for (const EntityData& entity : entities) {
    if (const EntityId* submission = RefOf(entity, "submission")) {
      by_submission[*submission] = &entity;
    }
  }
  std::vector<v1::Assessment> out;
  for (const v1::Submission& submission : submissions) {  // in attempt order
    const auto it = by_submission.find(EntityId::FromBytes(submission.id()));
    if (it == by_submission.end()) continue;
    const EntityData& entity = *it->second;
    v1::Assessment assessment;
    // The scores travel as a serialised Assessment; the entity's own fields say the rest.
    if (const Value* scores = entity.Get("scores")) {
      const auto* blob = std::get_if<Blob>(scores);
      if (blob == nullptr || !assessment.ParseFromString(blob->data)) {
        return DataLoss("the assessment of submission " + it->first.ToString() +
                        " is damaged; sync again");
      }
    }
    assessment.set_id(std::string(entity.id.AsBytes()));
    assessment.set_submission(submission.id());
    if (const std::string* feedback = entity.GetText("feedback")) {
      assessment.set_feedback(*feedback);
    }
    const std::string* decision = entity.GetText("decision");
    assessment.set_decision(decision == nullptr      ? v1::DECISION_UNSPECIFIED
                            : *decision == "award"   ? v1::DECISION_AWARD
                            : *decision == "not_yet" ? v1::DECISION_NOT_YET
                                                     : v1::DECISION_UNSPECIFIED);
    assessment.set_decided_at_ms(entity.GetInteger("decided_at_ms").value_or(0));
    out.push_back(std::move(assessment));
  }
  return out;
}

Result<std::vector<Conflict>> Device::Conflicts() { return replica_->Conflicts(); }

Status Device::Resolve(const EntityId& entity, std::string_view field, std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(const std::optional<EntityData> data, replica_->Get(entity));
  const std::string* type = data ? data->GetText(kTypeField) : nullptr;
  const bool conflicted = type != nullptr && CairnSchema().IsFreeText(*type, field) &&
                          data->fields.contains(field) &&
                          data->fields.find(field)->second.size() >= 2;
  if (!conflicted) {
    return NotFound("no conflict on field '" + std::string(field) + "' of " + entity.ToString());
  }
  // This replica has applied every conflicting value, so the new put's deps cover them all and
  // it supersedes each one everywhere.
  return replica_->Commit({Op::Put(entity, std::string(field), std::string(text))}).status();
}

}  // namespace cairn
