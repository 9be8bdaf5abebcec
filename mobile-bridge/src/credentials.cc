// cairn_pursuit_assessments, cairn_credential_list / _export / _verify: what the issuer sent
// back — decisions with feedback, and the Open Badges credentials earned as the files wallets
// and recognizers take, verified offline.
#include "cairn/credentials.h"

#include <optional>
#include <vector>

#include "abi.h"
#include "cairn/credential_files.h"
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

Status Export(cairn_store* store, const char* id_data, size_t id_len, const char* format_data,
              size_t format_len, int jws, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view id, RequiredText(id_data, id_len, "credential"));
  CAIRN_ASSIGN_OR_RETURN(const std::string_view format_name,
                         RequiredText(format_data, format_len, "format"));
  CAIRN_ASSIGN_OR_RETURN(const CredentialFormat format, ParseCredentialFormat(format_name));
  return WithStore(store, [&](Device& device, BlobStore&) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const std::optional<CredentialRecord> record, device.FindCredential(id));
    if (!record) {
      return NotFound("no credential '" + std::string(id) +
                      "' on this device; cairn_credential_list gives the ones here, and new ones "
                      "arrive with a sync");
    }
    CAIRN_ASSIGN_OR_RETURN(const std::string bytes,
                           ExportCredential(device, *record, format, jws != 0));
    return Output(bytes, out);
  });
}

void ToProto(const VerifyInput& input, const badge::Verdict& verdict, v1::Verdict& out) {
  out.set_valid(verdict.valid);
  for (const badge::VerificationCheck& check : verdict.checks) {
    v1::Verdict::Check& c = *out.add_checks();
    c.set_name(check.name);
    c.set_ok(check.ok);
    c.set_skipped(check.skipped);
    c.set_detail(check.detail);
  }
  out.set_credential_id(verdict.credential_id);
  out.set_issuer_id(verdict.issuer_id);
  out.set_name(verdict.name);
  out.set_revoked_as_of_ms(verdict.revoked_as_of_ms.value_or(0));
  out.set_what(input.what);
  out.set_keys_from(input.keys_from);
}

Status Verify(cairn_store* store, const uint8_t* bytes, size_t len, const char* name_data,
              size_t name_len, int64_t now_ms, cairn_buffer* out) {
  CAIRN_RETURN_IF_ERROR(CheckOutput(out));
  if (bytes == nullptr && len > 0) {
    return InvalidArgument("the file's bytes are NULL with a length of " + std::to_string(len));
  }
  CAIRN_ASSIGN_OR_RETURN(const std::string_view name, Text(name_data, name_len, "file_name"));
  const std::string_view file(reinterpret_cast<const char*>(bytes), len);
  return WithStore(store, [&](Device& device, BlobStore& blobs) -> Status {
    CAIRN_ASSIGN_OR_RETURN(const VerifyInput input,
                           VerifyInputForFile(file, name.empty() ? "the file" : name, &device));
    const int64_t now = now_ms != 0 ? now_ms : SystemEnv().clock->NowMillis();
    CAIRN_ASSIGN_OR_RETURN(const badge::Verdict verdict,
                           badge::VerifyPack(input.pack, now, badge::EvidenceInBlobStore(blobs)));
    v1::Verdict proto;
    ToProto(input, verdict, proto);
    return Output(proto.SerializeAsString(), out);
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

cairn_code cairn_credential_export(cairn_store* store, const char* credential,
                                   size_t credential_len, const char* format, size_t format_len,
                                   int jws, cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::Export(store, credential, credential_len, format, format_len, jws, out);
  });
}

cairn_code cairn_credential_verify(cairn_store* store, const uint8_t* file, size_t file_len,
                                   const char* file_name, size_t file_name_len, int64_t now_ms,
                                   cairn_buffer* out, cairn_error** error) noexcept {
  return cairn::bridge::Call(error, [&] {
    return cairn::bridge::Verify(store, file, file_len, file_name, file_name_len, now_ms, out);
  });
}

}  // extern "C"
