// Reading an issuer's catalog repository with libgit2 (DESIGN.md §5): open a local repository
// (a working tree or a bare one) or fetch a remote one into a cache, resolve a ref to a commit,
// and hand every catalog file of the commit's tree to a CatalogChecker. Files are read from the
// object database; nothing is checked out, so what is imported is exactly what was committed.
//
// libgit2 errors are caught here and become Statuses that name the repository and what to do.
//
// Thread-safety: functions with no shared state; libgit2 is initialised per call (reference
// counted by libgit2 itself).
#ifndef CAIRN_SERVER_CATALOG_GIT_SOURCE_H_
#define CAIRN_SERVER_CATALOG_GIT_SOURCE_H_

#include <memory>
#include <string>
#include <string_view>

#include "cairn/catalog_check.h"
#include "cairn/status.h"

namespace cairn::server {

// Whether `source` is a URL (file://, https://) rather than a local path.
bool IsCatalogUrl(std::string_view source);

// The cache directory a URL is fetched into: `cache_root`/<sha256 of the URL, hex>.
std::string CatalogCacheDir(std::string_view cache_root, std::string_view url);

struct CatalogTree {
  std::string commit;      // hex commit id the ref resolved to
  std::string repository;  // where it was read: the local path or the cache directory
  // The commit's tree, for the files catalog entries name (badge images); holds the repository
  // open until destroyed. Pass it to CatalogChecker::Finish.
  std::unique_ptr<CatalogFiles> files;
};

// Opens `source` (a local path; URLs are first cloned, or fetched again, into CatalogCacheDir of
// `cache_root`), resolves `ref` (a branch, tag, "HEAD" or a commit id) to a commit and adds
// every file of its tree to `checker` (RoleOfCatalogPath decides which are read; files over
// kMaxCatalogFileBytes, symbolic links and submodules in catalog directories are errors).
Result<CatalogTree> ReadCatalogTree(std::string_view source, std::string_view ref,
                                    std::string_view cache_root, CatalogChecker& checker);

}  // namespace cairn::server

#endif  // CAIRN_SERVER_CATALOG_GIT_SOURCE_H_
