// Checking catalog sources against catalog.proto before anything is published.
//
// A catalog comes either from an issuer's repository (docs/catalog-format.md: one Issuer, Stack
// or MicroCredential per file under issuers/, stacks/ and micro-credentials/) or from a single
// cairn.v1.Catalog file (`catalog publish FILE`). CatalogChecker takes the files' text, parses
// each with protobuf's text format parser, checks every rule that catalog.proto's comments
// state (per message and across files), and reports EVERY problem it finds, each located at the
// line and column of the field concerned. Only a catalog without a single error is returned.
//
// Thread-safety: a CatalogChecker is used by one thread; distinct checkers share nothing.
#ifndef CAIRN_CATALOG_CHECK_H_
#define CAIRN_CATALOG_CHECK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"
#include "cairn/v1/catalog.pb.h"

namespace cairn {

// Catalog source files larger than this are refused unread: no honest micro-credential is a
// mebibyte of text, and the importer holds every file in memory.
inline constexpr uint64_t kMaxCatalogFileBytes = uint64_t{1} << 20;

// One problem in a catalog source.
struct CatalogError {
  std::string path;  // the file, as the repository (or the command line) names it
  int line = 0;      // 1-based; 0 when the problem belongs to no line (a missing directory)
  int column = 0;    // 1-based; 0 when unknown
  // "what is wrong; how to fix it", for the author of the file.
  std::string message;

  // "path:line:column: message" (or "path: message" without a line).
  std::string ToString() const;
};

// Every error, one per line, as InvalidArgument with a closing count ("3 errors; nothing was
// published"). REQUIRES: !errors.empty().
Status CatalogErrorsStatus(const std::vector<CatalogError>& errors);

// Where a repository file belongs, from its path alone.
enum class CatalogFileRole {
  kIgnored,          // not a .textproto (README.md, LICENSE, images...)
  kIssuer,           // issuers/<id>.textproto
  kStack,            // stacks/<id>.textproto
  kMicroCredential,  // micro-credentials/<id>.textproto
  kMisplaced,        // a .textproto anywhere else: an error
};
CatalogFileRole RoleOfCatalogPath(std::string_view path);

// The files a catalog refers to by path (badge images, catalog.proto's BadgeImage): the tree of
// the imported commit, or the directory of a single-file catalog. The checker reads through it
// only the paths that entries name.
class CatalogFiles {
 public:
  virtual ~CatalogFiles() = default;

  // Reads the regular file at `path` ('/'-separated, relative, no "." or ".." segment; the
  // checker refuses other paths before asking). A non-OK Status's message is a phrase that
  // follows the path in an error for the author:
  //   NotFound            "is not in the repository at this commit"
  //   FailedPrecondition  "is a symbolic link; commit the file itself" (a directory, submodule)
  //   TooLarge            "is 300000 bytes" (larger than `max_bytes`; refused unread)
  // and any other code a failure to read it.
  virtual Result<std::string> Read(std::string_view path, uint64_t max_bytes) = 0;
};

class CatalogChecker {
 public:
  CatalogChecker();
  ~CatalogChecker();
  CatalogChecker(const CatalogChecker&) = delete;
  CatalogChecker& operator=(const CatalogChecker&) = delete;

  // Adds one repository file (`path` relative to the repository root, '/'-separated). Files
  // RoleOfCatalogPath ignores are ignored here too; misplaced ones are errors.
  void AddRepositoryFile(std::string_view path, std::string_view text);
  // Adds a whole catalog written as one cairn.v1.Catalog (the `catalog publish FILE` input).
  void AddCatalogFile(std::string_view path, std::string_view text);
  // Records a problem the caller found about a file it did not add (too large, not a file).
  void AddError(CatalogError error);

  // Runs the checks that span files, and reads and checks every badge image through `files`
  // (null: no file can be read, so every image is an error). Returns the catalog, with `commit`
  // as its commit and every micro-credential's and stack's version, and each BadgeImage's png,
  // svg, width, height and sha256 filled in from its files; or InvalidArgument listing every
  // error (CatalogErrorsStatus). `errors` (if not null) receives the errors themselves.
  Result<v1::Catalog> Finish(std::string_view commit, CatalogFiles* files,
                             std::vector<CatalogError>* errors = nullptr);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cairn

#endif  // CAIRN_CATALOG_CHECK_H_
