// What a file handed to a verifier holds: a verification pack, an OpenBadgeCredential as JSON
// with its embedded proof, or a VC-JWT — each either as it is or baked into a PNG or SVG
// (OB 3.0 §5.3). `cairn badges verify FILE` and the server's public `POST /v1/verify` read
// their input with this one function, then find the issuer's keys each in its own way.
//
// Ownership: values in, values out. Thread-safety: a pure function.
#ifndef CAIRN_BADGE_CREDENTIAL_FILE_H_
#define CAIRN_BADGE_CREDENTIAL_FILE_H_

#include <string>
#include <string_view>

#include "cairn/badge/verify.h"
#include "cairn/status.h"

namespace cairn::badge {

struct CredentialFile {
  enum class Kind : uint8_t { kPack, kCredentialJson, kJws };
  Kind kind = Kind::kCredentialJson;
  // For people: "a verification pack", "credential JSON baked in a PNG", "a VC-JWT", ...
  std::string what;
  // The credential's URL: its "id" (JSON, pack) or the JWS's "jti".
  std::string credential_id;
  // kPack: the whole pack. kCredentialJson: only `credential` is set. kJws: only `jws`.
  VerificationPack pack;
};

// Reads `bytes`, named `name` in errors ("lesson.png", "the request body"). InvalidArgument
// saying what was found and what is wrong: an image without exactly one baked credential, JSON
// that is neither a pack nor a credential with a proof, a JWS without a credential id, or
// something that is none of these.
Result<CredentialFile> ReadCredentialFile(std::string_view bytes, std::string_view name);

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_CREDENTIAL_FILE_H_
