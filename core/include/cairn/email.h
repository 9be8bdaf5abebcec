// E-mail addresses, as Cairn checks them where people type them (an issuer's profile in the
// catalog, an educator's account): a plausibility check, not RFC 5322 — one '@', something
// before it, a dot in the domain, no spaces or the characters that separate addresses in a
// list — and the one spelling that is hashed into a credential's identifier.
//
// Thread-safety: pure functions.
#ifndef CAIRN_EMAIL_H_
#define CAIRN_EMAIL_H_

#include <string>
#include <string_view>

namespace cairn {

bool IsEmailAddress(std::string_view address);

// Surrounding white space dropped and ASCII letters in lower case, so that a recognizer who
// hashes the address the teacher gave them gets the credential's hash whatever the case it was
// typed in (the local part is case-sensitive in theory, never in practice).
std::string NormaliseEmail(std::string_view address);

}  // namespace cairn

#endif  // CAIRN_EMAIL_H_
