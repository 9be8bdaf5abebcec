#include "badge_input.h"

#include <boost/json.hpp>
#include <cctype>

#include "cairn/badge/baking.h"
#include "cairn/badge/jws.h"

namespace cairn::cli {
namespace {

namespace json = boost::json;

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// The stored credential whose URL is `url`, as a pack of this device's documents.
Result<badge::VerificationPack> DevicePack(Device& device, const std::string& url,
                                           std::string_view file_name) {
  CAIRN_ASSIGN_OR_RETURN(const std::optional<CredentialRecord> record, device.FindCredential(url));
  if (!record) {
    return FailedPrecondition(
        std::string(file_name) + " holds credential " + url +
        ", which is not on this device, so its issuer's keys and status list are not here "
        "either. Ask for its verification pack ('cairn badges export ID --format pack' on the "
        "earner's device) and verify that");
  }
  return badge::BuildVerificationPack(*record);
}

// A pack is its own word for the issuer's keys. When this device holds the same credential,
// its copy of the issuer's documents came through the authenticated sync: check against those
// instead, and against the newer status list snapshot (the pack's on a tie: its list, too, must
// verify with this device's keys).
Status PreferDeviceDocuments(Device& device, VerifyInput& input) {
  const json::value* id = input.pack.credential.if_contains("id");
  if (id == nullptr || !id->is_string()) return Status::Ok();
  CAIRN_ASSIGN_OR_RETURN(const std::optional<CredentialRecord> record,
                         device.FindCredential(std::string(id->as_string())));
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
                                Device& device) {
  VerifyInput input;
  std::string text;
  std::string baked;
  const std::string_view trimmed = Trim(bytes);
  if (bytes.starts_with(kPngSignature) || trimmed.starts_with('<')) {
    const bool png = bytes.starts_with(kPngSignature);
    Result<std::string> extracted = badge::ExtractBaked(bytes);
    if (!extracted.ok()) {
      return extracted.status().Annotate(std::string(file_name) + (png ? " (a PNG)" : " (an SVG)"));
    }
    text = std::string(Trim(*extracted));
    baked = png ? " baked in a PNG" : " baked in an SVG";
  } else {
    text = std::string(trimmed);
  }

  if (text.starts_with('{')) {
    boost::system::error_code ec;
    json::value value = json::parse(text, ec);
    if (ec || !value.is_object()) {
      return InvalidArgument(std::string(file_name) + " is not JSON: " + ec.message());
    }
    const json::object& object = value.as_object();
    const json::value* type = object.if_contains("type");
    if (type != nullptr && type->is_string() && type->as_string() == badge::kVerificationPackType) {
      CAIRN_ASSIGN_OR_RETURN(input.pack, badge::ParseVerificationPack(text));
      input.what = "a verification pack" + baked;
      input.keys_from = "the pack";
      CAIRN_RETURN_IF_ERROR(PreferDeviceDocuments(device, input));
      return input;
    }
    if (!object.contains("proof")) {
      return InvalidArgument(std::string(file_name) +
                             " is credential JSON without an embedded proof: nothing in it is "
                             "signed. Verify the credential's .jws or its verification pack");
    }
    const json::value* id = object.if_contains("id");
    if (id == nullptr || !id->is_string()) {
      return InvalidArgument(std::string(file_name) +
                             " is JSON, but neither a credential (no id) "
                             "nor a verification pack");
    }
    CAIRN_ASSIGN_OR_RETURN(input.pack, DevicePack(device, std::string(id->as_string()), file_name));
    input.pack.credential = object;  // verify what the file holds, not the stored copy
    input.what = "credential JSON" + baked;
    input.keys_from = "this device";
    return input;
  }

  Result<badge::CompactJws> jws = badge::ParseCompactJws(text);
  if (!jws.ok()) {
    return InvalidArgument(std::string(file_name) +
                           " is neither a credential (JSON or VC-JWT), a baked PNG or SVG, nor "
                           "a verification pack: " +
                           jws.status().message());
  }
  boost::system::error_code ec;
  const json::value payload = json::parse(jws->payload, ec);
  const json::value* jti =
      !ec && payload.is_object() ? payload.as_object().if_contains("jti") : nullptr;
  if (jti == nullptr || !jti->is_string()) {
    return InvalidArgument(std::string(file_name) + " is a JWS without a credential id (jti)");
  }
  CAIRN_ASSIGN_OR_RETURN(input.pack, DevicePack(device, std::string(jti->as_string()), file_name));
  input.pack.jws = text;
  input.what = "a VC-JWT" + baked;
  input.keys_from = "this device";
  return input;
}

}  // namespace cairn::cli
