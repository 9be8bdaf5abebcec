// OpenSSL's reasons as text, for the Status messages of code that signs or verifies badges (the
// core's JOSE verifier, the server's signer and key store): one wording everywhere.
//
// Thread-safety: OpenSSL keeps its error queue per thread; this reads the calling thread's.
#ifndef CAIRN_BADGE_OPENSSL_ERRORS_H_
#define CAIRN_BADGE_OPENSSL_ERRORS_H_

#include <string>

namespace cairn::badge {

// The reasons OpenSSL queued on this thread, "; "-joined, or "no OpenSSL reason"; the queue is
// cleared, so that a later failure does not report this one's reasons.
std::string TakeOpenSslErrors();

}  // namespace cairn::badge

#endif  // CAIRN_BADGE_OPENSSL_ERRORS_H_
