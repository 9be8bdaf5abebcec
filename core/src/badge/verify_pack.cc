// Verification packs: built from a credential this device holds, written, and read back.
#include <algorithm>
#include <array>

#include "badge/jose_json.h"
#include "badge/jsonld_shipped.h"
#include "cairn/badge/rfc3339.h"
#include "cairn/badge/verify.h"

namespace cairn::badge {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 9> kPackMembers = {
    "type", "version",    "credential",      "jws",     "didDocument",
    "jwks", "statusList", "statusCheckedAt", "contexts"};

std::string MemberList() {
  std::string out;
  for (const std::string_view name : kPackMembers)
    out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

// A stored JSON document of the record, or why it cannot go into a pack.
Result<json::object> StoredDocument(const CredentialRecord& record, const std::string& text,
                                    std::string_view what) {
  if (text.empty()) {
    return FailedPrecondition("credential " + record.credential_id + ": the issuer's " +
                              std::string(what) +
                              " has not reached this device yet; sync and try again");
  }
  Result<json::object> parsed = jose_internal::ParseStrictObject(text, what);
  if (!parsed.ok()) {
    return DataLoss("credential " + record.credential_id + " on this device: " +
                    parsed.status().message() + "; sync again, and if it stays so, ask the issuer");
  }
  return parsed;
}

// The context URLs `document` names (inline contexts need nothing shipped).
std::vector<std::string> ContextUrls(const json::object& document) {
  std::vector<std::string> out;
  const json::value* context = document.if_contains("@context");
  if (context == nullptr) return out;
  if (context->is_string()) {
    out.emplace_back(context->as_string());
  } else if (context->is_array()) {
    for (const json::value& entry : context->as_array()) {
      if (entry.is_string()) out.emplace_back(entry.as_string());
    }
  }
  return out;
}

Result<const json::object*> ObjectMember(const json::object& pack, std::string_view name) {
  const json::value* value = pack.if_contains(name);
  if (value == nullptr)
    return InvalidArgument("pack: member \"" + std::string(name) + "\" is missing");
  if (!value->is_object()) {
    return InvalidArgument("pack: member \"" + std::string(name) + "\" must be a JSON object");
  }
  return &value->as_object();
}

Result<std::string> StringMemberOf(const json::object& pack, std::string_view name) {
  const json::value* value = pack.if_contains(name);
  if (value == nullptr)
    return InvalidArgument("pack: member \"" + std::string(name) + "\" is missing");
  if (!value->is_string() || value->as_string().empty()) {
    return InvalidArgument("pack: member \"" + std::string(name) + "\" must be a non-empty string");
  }
  return std::string(value->as_string());
}

}  // namespace

Result<VerificationPack> BuildVerificationPack(const CredentialRecord& record) {
  VerificationPack pack;
  CAIRN_ASSIGN_OR_RETURN(pack.credential, StoredDocument(record, record.json, "credential JSON"));
  if (record.jws.empty()) {
    return FailedPrecondition("credential " + record.credential_id +
                              ": its VC-JWT has not reached this device yet; sync and try again");
  }
  pack.jws = record.jws;
  CAIRN_ASSIGN_OR_RETURN(pack.did_document,
                         StoredDocument(record, record.issuer_did_document, "DID document"));
  CAIRN_ASSIGN_OR_RETURN(pack.jwks, StoredDocument(record, record.issuer_jwks, "JWKS"));
  CAIRN_ASSIGN_OR_RETURN(pack.status_list,
                         StoredDocument(record, record.status_list, "status list"));
  pack.status_checked_at_ms = record.status_checked_at_ms;
  for (const json::object* document : {&pack.credential, &pack.status_list}) {
    for (const std::string& url : ContextUrls(*document)) {
      Result<const json::object*> shipped = jsonld_internal::ShippedContext(url);
      if (!shipped.ok()) {
        return shipped.status().Annotate("credential " + record.credential_id);
      }
      pack.contexts.emplace(url, **shipped);
    }
  }
  return pack;
}

std::string SerializeVerificationPack(const VerificationPack& pack) {
  json::object contexts;
  for (const auto& [url, context] : pack.contexts) contexts[url] = context;
  const json::object out{
      {"type", kVerificationPackType},
      {"version", kVerificationPackVersion},
      {"credential", pack.credential},
      {"jws", pack.jws},
      {"didDocument", pack.did_document},
      {"jwks", pack.jwks},
      {"statusList", pack.status_list},
      {"statusCheckedAt", FormatRfc3339(pack.status_checked_at_ms)},
      {"contexts", std::move(contexts)},
  };
  return json::serialize(out) + "\n";
}

Result<VerificationPack> ParseVerificationPack(std::string_view text) {
  CAIRN_ASSIGN_OR_RETURN(const json::object object, jose_internal::ParseStrictObject(text, "pack"));
  const json::value* type = object.if_contains("type");
  if (type == nullptr || !type->is_string() || type->as_string() != kVerificationPackType) {
    return InvalidArgument(
        R"(pack: "type" must be ")" + std::string(kVerificationPackType) + "\"" +
        (type == nullptr ? "; it is missing" : ", not " + json::serialize(*type)) +
        ": this is not a Cairn verification pack");
  }
  const json::value* version = object.if_contains("version");
  if (version == nullptr || !version->is_int64()) {
    return InvalidArgument("pack: \"version\" must be the integer " +
                           std::to_string(kVerificationPackVersion));
  }
  if (version->as_int64() > kVerificationPackVersion) {
    return InvalidArgument("pack: version " + std::to_string(version->as_int64()) +
                           " is newer than this Cairn reads (" +
                           std::to_string(kVerificationPackVersion) + "); update Cairn");
  }
  if (version->as_int64() != kVerificationPackVersion) {
    return InvalidArgument("pack: version " + std::to_string(version->as_int64()) +
                           " does not exist; version " + std::to_string(kVerificationPackVersion) +
                           " is the first");
  }
  for (const auto& member : object) {
    const std::string_view key(member.key().data(), member.key().size());
    if (std::find(kPackMembers.begin(), kPackMembers.end(), key) == kPackMembers.end()) {
      return InvalidArgument("pack: unknown member \"" + std::string(key) +
                             "\" (a version 1 pack has " + MemberList() + ")");
    }
  }

  VerificationPack pack;
  CAIRN_ASSIGN_OR_RETURN(const json::object* credential, ObjectMember(object, "credential"));
  if (!credential->contains("proof")) {
    return InvalidArgument(
        "pack: credential has no \"proof\": a pack carries the credential "
        "with its embedded Data Integrity proof");
  }
  pack.credential = *credential;
  CAIRN_ASSIGN_OR_RETURN(pack.jws, StringMemberOf(object, "jws"));
  CAIRN_ASSIGN_OR_RETURN(const json::object* did_document, ObjectMember(object, "didDocument"));
  pack.did_document = *did_document;
  CAIRN_ASSIGN_OR_RETURN(const json::object* jwks, ObjectMember(object, "jwks"));
  pack.jwks = *jwks;
  CAIRN_ASSIGN_OR_RETURN(const json::object* status_list, ObjectMember(object, "statusList"));
  pack.status_list = *status_list;
  CAIRN_ASSIGN_OR_RETURN(const std::string checked_at, StringMemberOf(object, "statusCheckedAt"));
  Result<int64_t> checked_at_ms = ParseRfc3339(checked_at);
  if (!checked_at_ms.ok()) return checked_at_ms.status().Annotate("pack: statusCheckedAt");
  pack.status_checked_at_ms = *checked_at_ms;
  CAIRN_ASSIGN_OR_RETURN(const json::object* contexts, ObjectMember(object, "contexts"));
  for (const auto& entry : *contexts) {
    const std::string url(entry.key().data(), entry.key().size());
    if (!entry.value().is_object()) {
      return InvalidArgument("pack: contexts[\"" + url + "\"] must be a JSON object");
    }
    pack.contexts.emplace(url, entry.value().as_object());
  }
  return pack;
}

}  // namespace cairn::badge
