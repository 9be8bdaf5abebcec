// What a device does with the credentials it earned, for every front end (the CLI's `badges
// export|verify`, the mobile bridge): the files a wallet or a recognizer takes, and the
// verification input for a file someone hands over.
//
// Export: the credential JSON with its proof, its VC-JWT, a verification pack (verify.h), or the
// catalog's badge image baked with the JSON (or with `jws`, the VC-JWT) as PNG or SVG.
//
// Verify: a pack file is taken as it is (the issuer's keys are the pack's word) unless this
// device holds the same credential, whose issuer documents came through the authenticated sync
// and are used instead; a bare credential — JSON with its proof, a VC-JWT, or either baked into a
// PNG or SVG — is checked against the keys and status list this device received with the stored
// credential of the same id.
//
// Thread-safety: as Device (one thread).
#ifndef CAIRN_CREDENTIAL_FILES_H_
#define CAIRN_CREDENTIAL_FILES_H_

#include <string>
#include <string_view>

#include "cairn/badge/verify.h"
#include "cairn/credentials.h"
#include "cairn/device.h"
#include "cairn/status.h"

namespace cairn {

enum class CredentialFormat : uint8_t { kJson, kJws, kPack, kPng, kSvg };

// "json", "jws", "pack", "png", "svg"; InvalidArgument naming the five otherwise.
Result<CredentialFormat> ParseCredentialFormat(std::string_view name);

// The credential as a file of `format`. `jws` chooses what a PNG or SVG carries (InvalidArgument
// for the other formats). FailedPrecondition when the catalog on this device has no badge image
// for a baked format, or the record lacks a document the pack needs; each says what to do.
Result<std::string> ExportCredential(Device& device, const CredentialRecord& record,
                                     CredentialFormat format, bool jws);

struct VerifyInput {
  badge::VerificationPack pack;
  // "a verification pack", "credential JSON", "a VC-JWT", "... baked in a PNG"
  std::string what;
  // Whose word the keys are: "the pack" or "this device".
  std::string keys_from;
};

// The pack for the bytes of `file_name`. `device` may be null (a recognizer's machine with no
// device store): a pack is then taken as it is. FailedPrecondition, saying what to do instead,
// for a bare credential this device does not hold (or with no device at all).
Result<VerifyInput> VerifyInputForFile(std::string_view bytes, std::string_view file_name,
                                       Device* device);

}  // namespace cairn

#endif  // CAIRN_CREDENTIAL_FILES_H_
