// cairn_pursuit_assessments and cairn_credential_list: what the issuer sent back — decisions with
// feedback, and the Open Badges credentials earned.
#include "cairn/credentials.h"

#include <vector>

#include "abi.h"
#include "cairn/v1/bridge.pb.h"
#include "store_handle.h"

namespace cairn::bridge {
namespace {

Status Assessments(cairn_store* store, const char* pursuit_data, size_t pursuit_len,
                   cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const EntityId pursuit, IdArgument(pursuit_data, pursuit_len, "pursuit"));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::vector<v1::Assessment> all, device.ListAssessments(pursuit));
    v1::AssessmentList list;
    for (v1::Assessment& a : all) *list.add_assessments() = std::move(a);
    return Output(list.SerializeAsString(), out);
  });
}

void ToProto(const CredentialRecord& record, v1::Credential& out) {
  out.set_credential_id(record.credential_id);
  out.set_kind(std::string(CredentialKindName(record.kind)));
  out.set_subject_id(record.subject_id);
  out.set_title(record.title);
  if (record.submission) out.set_submission_id(record.submission->ToString());
  out.set_json(record.json);
  out.set_jws(record.jws);
  out.set_issued_at_ms(record.issued_at_ms);
  out.set_valid_until_ms(record.valid_until_ms);
  out.set_state(std::string(CredentialStateName(record.state)));
  out.set_revocation_reason(record.revocation_reason);
}

Status Credentials(cairn_store* store, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<CredentialRecord> all, device.ListCredentials());
    v1::CredentialList list;
    for (const CredentialRecord& record : all) ToProto(record, *list.add_credentials());
    return Output(list.SerializeAsString(), out);
  });
}

}  // namespace
}  // namespace cairn::bridge

extern "C" {

cairn_code cairn_pursuit_assessments(cairn_store* store, const char* pursuit, size_t pursuit_len,
                                     cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(
      error, [&] { return cairn::bridge::Assessments(store, pursuit, pursuit_len, out); });
}

cairn_code cairn_credential_list(cairn_store* store, cairn_buffer* out,
                                 cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] { return cairn::bridge::Credentials(store, out); });
}

}  // extern "C"
