// Reading a catalog (cairn.v1.Catalog) written in protobuf text format, as issuers author it,
// and the demo catalog compiled into the binary.
#ifndef CAIRN_TOOLS_CLI_CATALOG_FILE_H_
#define CAIRN_TOOLS_CLI_CATALOG_FILE_H_

#include <string>
#include <string_view>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn::cli {

// Reads and parses the catalog file at `path`.
Result<v1::Catalog> ReadCatalogFile(const std::string& path);

// tools/cli/demo_catalog.textproto, as compiled in.
std::string_view DemoCatalogText();

// The demo catalog's badge image, tools/cli/badges/exit-tickets.png, as compiled in. The
// catalog names it as kDemoBadgePath, relative to the catalog file.
inline constexpr std::string_view kDemoBadgePath = "badges/exit-tickets.png";
std::string_view DemoBadgePng();

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_CATALOG_FILE_H_
