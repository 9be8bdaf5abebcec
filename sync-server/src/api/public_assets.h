// The static files the server's public pages load (their style and script), served under
// /assets/ and compiled into the binary: a hosted badge page works with no file beside the
// server and loads nothing from elsewhere.
//
// Thread-safety: immutable data.
#ifndef CAIRN_SERVER_API_PUBLIC_ASSETS_H_
#define CAIRN_SERVER_API_PUBLIC_ASSETS_H_

#include <string_view>

namespace cairn::server {

struct PublicAsset {
  std::string_view path;  // e.g. "/assets/badge.css"
  std::string_view content_type;
  std::string_view body;
};

// The asset at `path`; nullptr if none.
const PublicAsset* FindPublicAsset(std::string_view path);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_API_PUBLIC_ASSETS_H_
