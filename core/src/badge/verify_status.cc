// The "status" check: the credential's BitstringStatusListEntry read from the pack's signed
// status list snapshot.
#include <charconv>

#include "badge/verify_internal.h"
#include "cairn/badge/bitstring_status.h"
#include "cairn/badge/rfc3339.h"

namespace cairn::badge::verify_internal {
namespace {

constexpr std::string_view kName = "status";

bool HasType(const boost::json::object& object, std::string_view type) {
  const boost::json::value* types = object.if_contains("type");
  if (types == nullptr) return false;
  if (types->is_string()) return types->as_string() == type;
  if (!types->is_array()) return false;
  for (const boost::json::value& t : types->as_array()) {
    if (t.is_string() && t.as_string() == type) return true;
  }
  return false;
}

// The status list entry's checks that do not need the list: OK, or why not.
Status CheckEntry(const boost::json::object& entry, const boost::json::object& list,
                  uint64_t* index) {
  if (StringMember(entry, "type") != "BitstringStatusListEntry") {
    return InvalidArgument("credential.credentialStatus.type is \"" + StringMember(entry, "type") +
                           "\"; only BitstringStatusListEntry can be checked offline");
  }
  if (StringMember(entry, "statusPurpose") != "revocation") {
    return InvalidArgument("credential.credentialStatus.statusPurpose is \"" +
                           StringMember(entry, "statusPurpose") +
                           "\"; Cairn checks revocation lists only");
  }
  const std::string text = StringMember(entry, "statusListIndex");
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *index);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("credential.credentialStatus.statusListIndex \"" + text +
                           "\" is not a decimal index");
  }
  const std::string list_url = StringMember(entry, "statusListCredential");
  if (list_url.empty() || list_url != StringMember(list, "id")) {
    return InvalidArgument("credential.credentialStatus.statusListCredential \"" + list_url +
                           "\" is not the pack's status list (\"" + StringMember(list, "id") +
                           "\")");
  }
  return Status::Ok();
}

// The list credential's own checks: type, issuer, signature, dates. OK, or why not.
Status CheckList(const VerificationPack& pack, std::string_view issuer_id, int64_t now_ms) {
  const boost::json::object& list = pack.status_list;
  if (!HasType(list, "BitstringStatusListCredential")) {
    return InvalidArgument("statusList.type does not include BitstringStatusListCredential");
  }
  if (IssuerIdOf(list) != issuer_id) {
    return InvalidArgument("statusList.issuer \"" + IssuerIdOf(list) +
                           "\" is not the credential's issuer \"" + std::string(issuer_id) + "\"");
  }
  CAIRN_RETURN_IF_ERROR(
      VerifyEmbeddedProof(list, pack.did_document, issuer_id, "statusList").status());
  if (const std::string until = StringMember(list, "validUntil"); !until.empty()) {
    Result<int64_t> until_ms = ParseRfc3339(until);
    if (!until_ms.ok()) return until_ms.status().Annotate("statusList.validUntil");
    if (*until_ms < now_ms) {
      return FailedPrecondition("the status list expired at " + until +
                                "; sync to get a fresh one");
    }
  }
  return Status::Ok();
}

}  // namespace

VerificationCheck CheckStatus(const VerificationPack& pack, int64_t now_ms,
                              std::optional<int64_t>* revoked_as_of_ms) {
  const boost::json::value* status = pack.credential.if_contains("credentialStatus");
  if (status == nullptr) {
    return Skipped(std::string(kName), "the credential names no status list; it cannot be revoked");
  }
  if (!status->is_object()) {
    return Failed(std::string(kName), "credential.credentialStatus must be one object");
  }
  uint64_t index = 0;
  if (Status s = CheckEntry(status->as_object(), pack.status_list, &index); !s.ok()) {
    return Failed(std::string(kName), s.message());
  }
  const std::string issuer_id = IssuerIdOf(pack.credential);
  if (Status s = CheckList(pack, issuer_id, now_ms); !s.ok()) {
    return Failed(std::string(kName), s.message());
  }
  const boost::json::value* subject = pack.status_list.if_contains("credentialSubject");
  if (subject == nullptr || !subject->is_object()) {
    return Failed(std::string(kName), "statusList.credentialSubject is missing or not an object");
  }
  const boost::json::object& list = subject->as_object();
  if (StringMember(list, "statusPurpose") != "revocation") {
    return Failed(std::string(kName), "statusList.credentialSubject.statusPurpose is \"" +
                                          StringMember(list, "statusPurpose") +
                                          R"(", not the credential's "revocation")");
  }
  Result<std::string> bits = DecodeBitstringStatusList(StringMember(list, "encodedList"));
  if (!bits.ok()) {
    return Failed(std::string(kName), "statusList.credentialSubject." + bits.status().message());
  }
  Result<bool> revoked = BitstringStatusAt(*bits, index);
  if (!revoked.ok()) return Failed(std::string(kName), revoked.status().message());
  const std::string as_of = FormatRfc3339(pack.status_checked_at_ms);
  if (*revoked) {
    *revoked_as_of_ms = pack.status_checked_at_ms;
    return Failed(std::string(kName), "revoked: the issuer's status list of " + as_of +
                                          " marks it (index " + std::to_string(index) + ")");
  }
  return Passed(std::string(kName), "not revoked as of " + as_of + " (status list index " +
                                        std::to_string(index) + ", signed by the issuer)");
}

}  // namespace cairn::badge::verify_internal
