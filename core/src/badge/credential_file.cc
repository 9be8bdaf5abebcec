#include "cairn/badge/credential_file.h"

#include <boost/json.hpp>
#include <cctype>

#include "cairn/badge/baking.h"
#include "cairn/badge/jws.h"

namespace cairn::badge {
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

std::string IdOf(const json::object& object, std::string_view member) {
  const json::value* id = object.if_contains(member);
  return id != nullptr && id->is_string() ? std::string(id->get_string()) : "";
}

Result<CredentialFile> ReadJson(const std::string& text, std::string_view name,
                                const std::string& baked) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) {
    return InvalidArgument(std::string(name) + " is not a JSON object" +
                           (ec ? ": " + ec.message() : ""));
  }
  json::object& object = value.get_object();
  CredentialFile file;
  const json::value* type = object.if_contains("type");
  if (type != nullptr && type->is_string() && type->get_string() == kVerificationPackType) {
    CAIRN_ASSIGN_OR_RETURN(file.pack, ParseVerificationPack(text));
    file.kind = CredentialFile::Kind::kPack;
    file.what = "a verification pack" + baked;
    file.credential_id = IdOf(file.pack.credential, "id");
    return file;
  }
  if (!object.contains("proof")) {
    return InvalidArgument(std::string(name) +
                           " is credential JSON without an embedded proof: nothing in it is "
                           "signed. Verify the credential's .jws or its verification pack");
  }
  file.credential_id = IdOf(object, "id");
  if (file.credential_id.empty()) {
    return InvalidArgument(std::string(name) +
                           " is JSON, but neither a credential (it has no \"id\") nor a "
                           "verification pack");
  }
  file.kind = CredentialFile::Kind::kCredentialJson;
  file.what = "credential JSON" + baked;
  file.pack.credential = std::move(object);
  return file;
}

}  // namespace

Result<CredentialFile> ReadCredentialFile(std::string_view bytes, std::string_view name) {
  std::string text;
  std::string baked;
  const std::string_view trimmed = Trim(bytes);
  if (bytes.starts_with(kPngSignature) || trimmed.starts_with('<')) {
    const bool png = bytes.starts_with(kPngSignature);
    Result<std::string> extracted = ExtractBaked(bytes);
    if (!extracted.ok()) {
      return extracted.status().Annotate(std::string(name) + (png ? " (a PNG)" : " (an SVG)"));
    }
    text = std::string(Trim(*extracted));
    baked = png ? " baked in a PNG" : " baked in an SVG";
  } else {
    text = std::string(trimmed);
  }
  if (text.starts_with('{')) return ReadJson(text, name, baked);

  Result<CompactJws> jws = ParseCompactJws(text);
  if (!jws.ok()) {
    return InvalidArgument(std::string(name) +
                           " is neither a credential (JSON or VC-JWT), a baked PNG or SVG, nor "
                           "a verification pack: " +
                           jws.status().message());
  }
  boost::system::error_code ec;
  const json::value payload = json::parse(jws->payload, ec);
  CredentialFile file;
  file.credential_id = !ec && payload.is_object() ? IdOf(payload.get_object(), "jti") : "";
  if (file.credential_id.empty()) {
    return InvalidArgument(std::string(name) + " is a JWS without a credential id (jti)");
  }
  file.kind = CredentialFile::Kind::kJws;
  file.what = "a VC-JWT" + baked;
  file.pack.jws = std::move(text);
  return file;
}

}  // namespace cairn::badge
