// The credential entities the server writes into the educator's scope, read back as records.
#include "cairn/credentials.h"

#include <algorithm>
#include <cctype>
#include <tuple>
#include <variant>

#include "cairn/device.h"

namespace cairn {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Division rounding towards +infinity, for "days left" (a part day still counts).
int64_t CeilDiv(int64_t a, int64_t b) {
  return a / b + ((a % b != 0 && (a > 0) == (b > 0)) ? 1 : 0);
}

Result<std::string> RequiredText(const EntityData& entity, std::string_view field,
                                 std::string_view credential) {
  const std::string* text = entity.GetText(field);
  if (text == nullptr || text->empty()) {
    return DataLoss("credential " + std::string(credential) + " on this device has no '" +
                    std::string(field) + "'; sync again, and if it stays so, ask the issuer");
  }
  return *text;
}

std::string OptionalText(const EntityData& entity, std::string_view field) {
  const std::string* text = entity.GetText(field);
  return text == nullptr ? std::string() : *text;
}

// The id a credential URL ends with: ".../credentials/<uuid>" (no query or fragment).
std::string_view UuidOfUrl(std::string_view text) {
  constexpr std::string_view kPath = "/credentials/";
  const size_t at = text.rfind(kPath);
  return at == std::string_view::npos ? std::string_view() : text.substr(at + kPath.size());
}

}  // namespace

EntityId CredentialEntityIdFor(std::string_view credential_id) {
  return NameBasedId("cairn:credential:" + std::string(credential_id));
}

std::string_view CredentialKindName(CredentialKind kind) {
  return kind == CredentialKind::kStack ? "stack" : "micro_credential";
}

std::string_view CredentialStateName(CredentialState state) {
  return state == CredentialState::kRevoked ? "revoked" : "active";
}

std::optional<int64_t> DaysUntilExpiry(const CredentialRecord& record, int64_t now_ms) {
  if (!record.expires()) return std::nullopt;
  return CeilDiv(record.valid_until_ms - now_ms, kDayMs);
}

std::vector<ExpiryReminder> ExpiringWithin(const std::vector<CredentialRecord>& records,
                                           int64_t now_ms, int64_t days) {
  std::vector<ExpiryReminder> out;
  for (const CredentialRecord& record : records) {
    const std::optional<int64_t> left = DaysUntilExpiry(record, now_ms);
    if (record.revoked() || !left || *left <= 0 || *left > days) continue;
    out.push_back({record.credential_id, record.title, record.valid_until_ms, *left});
  }
  std::sort(out.begin(), out.end(), [](const ExpiryReminder& a, const ExpiryReminder& b) {
    return std::tie(a.valid_until_ms, a.credential_id) <
           std::tie(b.valid_until_ms, b.credential_id);
  });
  return out;
}

Result<CredentialRecord> CredentialFromEntity(const EntityData& entity) {
  CredentialRecord record;
  record.entity = entity.id;
  const std::string name = entity.id.ToString();
  CAIRN_ASSIGN_OR_RETURN(record.credential_id, RequiredText(entity, "credential_id", name));
  const std::string& id = record.credential_id;

  CAIRN_ASSIGN_OR_RETURN(const std::string kind, RequiredText(entity, "kind", id));
  if (kind == "micro_credential") {
    record.kind = CredentialKind::kMicroCredential;
  } else if (kind == "stack") {
    record.kind = CredentialKind::kStack;
  } else {
    return DataLoss("credential " + id + " has kind '" + kind +
                    "', which this version of Cairn does not know; update Cairn");
  }
  CAIRN_ASSIGN_OR_RETURN(record.subject_id, RequiredText(entity, "subject_id", id));
  record.title = OptionalText(entity, "title");
  if (const Value* submission = entity.Get("submission")) {
    const auto* ref = std::get_if<EntityId>(submission);
    if (ref == nullptr) return DataLoss("credential " + id + " names its submission wrongly");
    record.submission = *ref;
  }
  CAIRN_ASSIGN_OR_RETURN(record.json, RequiredText(entity, "json", id));
  CAIRN_ASSIGN_OR_RETURN(record.jws, RequiredText(entity, "jws", id));
  record.issued_at_ms = entity.GetInteger("issued_at_ms").value_or(0);
  record.valid_until_ms = entity.GetInteger("valid_until_ms").value_or(0);

  CAIRN_ASSIGN_OR_RETURN(const std::string state, RequiredText(entity, "status", id));
  if (state == "active") {
    record.state = CredentialState::kActive;
  } else if (state == "revoked") {
    record.state = CredentialState::kRevoked;
  } else {
    return DataLoss("credential " + id + " has status '" + state +
                    "', which this version of Cairn does not know; update Cairn");
  }
  record.revocation_reason = OptionalText(entity, "revocation_reason");
  record.issuer_did_document = OptionalText(entity, "issuer_did_document");
  record.issuer_jwks = OptionalText(entity, "issuer_jwks");
  record.status_list = OptionalText(entity, "status_list");
  record.status_checked_at_ms = entity.GetInteger("status_checked_at_ms").value_or(0);
  return record;
}

Result<std::optional<CredentialRecord>> FindCredentialIn(std::vector<CredentialRecord> records,
                                                         std::string_view query) {
  if (query.empty()) return InvalidArgument("no credential id given");
  std::string wanted(query);
  std::transform(wanted.begin(), wanted.end(), wanted.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (const std::string_view uuid = UuidOfUrl(query); !uuid.empty()) wanted = std::string(uuid);
  const Result<Id128> as_entity = Id128::Parse(query);
  std::vector<CredentialRecord*> prefixed;
  for (CredentialRecord& record : records) {
    if (record.credential_id == wanted || (as_entity.ok() && record.entity == *as_entity)) {
      return std::optional<CredentialRecord>(std::move(record));
    }
    if (record.credential_id.starts_with(wanted)) prefixed.push_back(&record);
  }
  // A short prefix would name a different credential once more arrive; ask for more digits.
  constexpr size_t kMinPrefix = 4;
  if (prefixed.empty() || wanted.size() < kMinPrefix) {
    if (!prefixed.empty()) {
      return InvalidArgument("'" + std::string(query) +
                             "' is too short to name a credential; give " + "at least " +
                             std::to_string(kMinPrefix) + " characters of its id");
    }
    return std::optional<CredentialRecord>();
  }
  if (prefixed.size() > 1) {
    std::string ids;
    for (const CredentialRecord* record : prefixed) {
      ids += "\n  " + record->credential_id + "  " + record->title;
    }
    return InvalidArgument("'" + std::string(query) + "' names " + std::to_string(prefixed.size()) +
                           " credentials; give more of the id:" + ids);
  }
  return std::optional<CredentialRecord>(std::move(*prefixed.front()));
}

Result<std::vector<CredentialRecord>> Device::ListCredentials() {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<EntityData> entities,
                         replica_->ListByType(kCredentialType));
  std::vector<CredentialRecord> out;
  out.reserve(entities.size());
  for (const EntityData& entity : entities) {
    CAIRN_ASSIGN_OR_RETURN(CredentialRecord record, CredentialFromEntity(entity));
    out.push_back(std::move(record));
  }
  std::sort(out.begin(), out.end(), [](const CredentialRecord& a, const CredentialRecord& b) {
    return std::tie(b.issued_at_ms, b.credential_id) < std::tie(a.issued_at_ms, a.credential_id);
  });
  return out;
}

Result<std::optional<CredentialRecord>> Device::FindCredential(std::string_view query) {
  CAIRN_ASSIGN_OR_RETURN(std::vector<CredentialRecord> all, ListCredentials());
  return FindCredentialIn(std::move(all), query);
}

Result<std::vector<ExpiryReminder>> Device::ExpiryReminders(int64_t days) {
  CAIRN_ASSIGN_OR_RETURN(const std::vector<CredentialRecord> all, ListCredentials());
  return ExpiringWithin(all, env_.clock->NowMillis(), days);
}

}  // namespace cairn
