// What `cairn badges verify FILE` verifies: the file's credential turned into a verification
// pack. A pack file is taken as it is (the issuer's keys are the pack's word) unless this device
// holds the same credential, whose issuer documents are used instead; a credential —
// JSON with its proof, a VC-JWT, or either baked into a PNG or SVG — is checked against the keys
// and status list this device received with the stored credential of the same id.
#ifndef CAIRN_TOOLS_CLI_BADGE_INPUT_H_
#define CAIRN_TOOLS_CLI_BADGE_INPUT_H_

#include <string>
#include <string_view>

#include "cairn/badge/verify.h"
#include "cairn/device.h"
#include "cairn/status.h"

namespace cairn::cli {

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
Result<VerifyInput> PackForFile(std::string_view bytes, std::string_view file_name, Device* device);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_BADGE_INPUT_H_
