// A QR code as an SVG element, for the "add to wallet" offer on a credential's hosted page: a
// phone's camera (or the wallet's own scanner) reads the link from the screen of the computer
// the page is open on. The symbol comes from libqrencode (Debian's libqrencode-dev); this file
// only draws its modules.
//
// Thread-safety: pure function (libqrencode is built with pthread support in Debian).
#ifndef CAIRN_SERVER_BADGE_QR_SVG_H_
#define CAIRN_SERVER_BADGE_QR_SVG_H_

#include <string>
#include <string_view>

#include "cairn/status.h"

namespace cairn::server {

// `text` as an inline <svg> element (8-bit mode, error correction level M, the four-module quiet
// zone the standard asks for), with `label` as its accessible name. InvalidArgument for text a
// QR code cannot hold (more than 2,331 bytes at level M) or holding a NUL byte.
Result<std::string> QrSvg(std::string_view text, std::string_view label);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_BADGE_QR_SVG_H_
