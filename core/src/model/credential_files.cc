#include "cairn/credential_files.h"

#include <optional>
#include <utility>
#include <vector>

#include "cairn/badge/baking.h"
#include "cairn/badge/credential_file.h"

namespace cairn {
namespace {

// The catalog badge image of the credential's micro-credential or stack.
Result<v1::BadgeImage> BadgeImageOf(Device& device, const CredentialRecord& record) {
  if (record.kind == CredentialKind::kStack) {
    CAIRN_ASSIGN_OR_RETURN(const std::vector<v1::Stack> stacks, device.ListStacks());
    for (const v1::Stack& stack : stacks) {
      if (stack.id() == record.subject_id) return stack.image();
    }
    return NotFound("stack '" + record.subject_id +
                    "' is not in the catalog on this device, so its badge image is not either; "
                    "sync the catalog, or export it as json");
  }
  CAIRN_ASSIGN_OR_RETURN(const v1::MicroCredential mc,
                         device.GetMicroCredential(record.subject_id));
  return mc.image();
}

// The baked image (png or svg) of the credential: the JSON with its proof, or with --jws the
// VC-JWT.
Result<std::string> Baked(Device& device, const CredentialRecord& record, bool svg, bool jws) {
  CAIRN_ASSIGN_OR_RETURN(const v1::BadgeImage image, BadgeImageOf(device, record));
  if (image.png().empty()) {
    return FailedPrecondition("the catalog on this device has no badge image for '" +
                              record.subject_id + "'; sync the catalog, or export it as json");
  }
  const std::string& credential = jws ? record.jws : record.json;
  if (!svg) return badge::BakePng(image.png(), credential);
  if (!image.svg().empty()) return badge::BakeSvg(image.svg(), credential);
  int width = static_cast<int>(image.width());
  int height = static_cast<int>(image.height());
  if (width <= 0 || height <= 0) {
    CAIRN_ASSIGN_OR_RETURN(const badge::PngInfo info, badge::InspectPng(image.png()));
    width = static_cast<int>(info.width);
    height = static_cast<int>(info.height);
  }
  return badge::BakeSvg(badge::SvgWrappingPng(image.png(), width, height), credential);
}

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

Result<CredentialFormat> ParseCredentialFormat(std::string_view name) {
  if (name == "json") return CredentialFormat::kJson;
  if (name == "jws") return CredentialFormat::kJws;
  if (name == "pack") return CredentialFormat::kPack;
  if (name == "png") return CredentialFormat::kPng;
  if (name == "svg") return CredentialFormat::kSvg;
  return InvalidArgument("format '" + std::string(name) +
                         "' is not one of json, jws, pack, png, svg");
}

Result<std::string> ExportCredential(Device& device, const CredentialRecord& record,
                                     CredentialFormat format, bool jws) {
  const bool image = format == CredentialFormat::kPng || format == CredentialFormat::kSvg;
  if (jws && !image) {
    return InvalidArgument(
        "the VC-JWT choice is for what a png or svg carries; export as jws for the VC-JWT itself");
  }
  switch (format) {
    case CredentialFormat::kJson:
      return record.json + "\n";
    case CredentialFormat::kJws:
      return record.jws + "\n";
    case CredentialFormat::kPack: {
      CAIRN_ASSIGN_OR_RETURN(const badge::VerificationPack pack,
                             badge::BuildVerificationPack(record));
      return badge::SerializeVerificationPack(pack);
    }
    case CredentialFormat::kPng:
    case CredentialFormat::kSvg:
      break;
  }
  return Baked(device, record, format == CredentialFormat::kSvg, jws);
}

Result<VerifyInput> VerifyInputForFile(std::string_view bytes, std::string_view file_name,
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

}  // namespace cairn
