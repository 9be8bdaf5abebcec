#include "badge_input.h"

#include "cairn/badge/credential_file.h"

namespace cairn::cli {
namespace {

// The stored credential whose URL is `url`, as a pack of this device's documents.
Result<badge::VerificationPack> DevicePack(Device* device, const std::string& url,
                                           std::string_view file_name) {
  std::optional<CredentialRecord> record;
  if (device != nullptr) {
    CAIRN_ASSIGN_OR_RETURN(record, device->FindCredential(url));
  }
  if (!record) {
    return FailedPrecondition(
        std::string(file_name) + " holds credential " + url + ", which is not on this " +
        (device != nullptr ? "device" : "machine (it has no device store)") +
        ", so its issuer's keys and status list are not here either. Ask for its verification "
        "pack ('cairn badges export ID --format pack' on the earner's device) and verify that");
  }
  return badge::BuildVerificationPack(*record);
}

// A pack is its own word for the issuer's keys. When this device holds the same credential,
// its copy of the issuer's documents came through the authenticated sync: check against those
// instead, and against the newer status list snapshot (the pack's on a tie: its list, too, must
// verify with this device's keys).
Status PreferDeviceDocuments(Device* device, const std::string& url, VerifyInput& input) {
  if (url.empty() || device == nullptr) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(const std::optional<CredentialRecord> record, device->FindCredential(url));
  if (!record) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(const badge::VerificationPack mine, badge::BuildVerificationPack(*record));
  input.pack.did_document = mine.did_document;
  input.pack.jwks = mine.jwks;
  if (mine.status_checked_at_ms > input.pack.status_checked_at_ms) {
    input.pack.status_list = mine.status_list;
    input.pack.status_checked_at_ms = mine.status_checked_at_ms;
  }
  input.keys_from = "this device";
  return Status::Ok();
}

}  // namespace

Result<VerifyInput> PackForFile(std::string_view bytes, std::string_view file_name,
                                Device* device) {
  CAIRN_ASSIGN_OR_RETURN(badge::CredentialFile file, badge::ReadCredentialFile(bytes, file_name));
  VerifyInput input;
  input.what = file.what;
  if (file.kind == badge::CredentialFile::Kind::kPack) {
    input.pack = std::move(file.pack);
    input.keys_from = "the pack";
    CAIRN_RETURN_IF_ERROR(PreferDeviceDocuments(device, file.credential_id, input));
    return input;
  }
  CAIRN_ASSIGN_OR_RETURN(input.pack, DevicePack(device, file.credential_id, file_name));
  // Verify what the file holds, not the stored copy.
  if (file.kind == badge::CredentialFile::Kind::kJws) {
    input.pack.jws = std::move(file.pack.jws);
  } else {
    input.pack.credential = std::move(file.pack.credential);
  }
  input.keys_from = "this device";
  return input;
}

}  // namespace cairn::cli
