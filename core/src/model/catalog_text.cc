#include "cairn/catalog_text.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cairn/catalog_check.h"

namespace cairn {
namespace {

namespace fs = std::filesystem;

class DirectoryFiles : public CatalogFiles {
 public:
  explicit DirectoryFiles(std::string dir) : dir_(std::move(dir)) {}

  Result<std::string> Read(std::string_view path, uint64_t max_bytes) override {
    const fs::path file = fs::path(dir_) / std::string(path);
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(file, ec);
    if (ec || !fs::exists(status)) return NotFound("is not in the catalog file's directory");
    if (fs::is_symlink(status)) {
      return FailedPrecondition("is a symbolic link; put the file itself there");
    }
    if (!fs::is_regular_file(status)) return FailedPrecondition("is not a regular file");
    const uintmax_t size = fs::file_size(file, ec);
    if (ec) return DataLoss(ec.message());
    if (size > max_bytes) return TooLarge("is " + std::to_string(size) + " bytes");
    std::ifstream in(file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in || in.bad()) return DataLoss(std::strerror(errno));
    return bytes.str();
  }

 private:
  std::string dir_;
};

}  // namespace

Result<v1::Catalog> ParseCatalogText(std::string_view text, std::string_view name,
                                     CatalogFiles* files) {
  if (text.size() > kMaxCatalogFileBytes) {
    return CatalogErrorsStatus(
        {{std::string(name), 1, 1,
          "the file is " + std::to_string(text.size()) + " bytes; catalog files are at most " +
              std::to_string(kMaxCatalogFileBytes) +
              " bytes (1 MiB): split it into an issuer repository (docs/catalog-format.md)"}});
  }
  CatalogChecker checker;
  checker.AddCatalogFile(name, text);
  return checker.Finish(/*commit=*/{}, files);
}

std::unique_ptr<CatalogFiles> DirectoryCatalogFiles(std::string dir) {
  return std::make_unique<DirectoryFiles>(std::move(dir));
}

Result<v1::Catalog> ParseCatalogFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return NotFound("cannot read catalog file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return DataLoss("error reading catalog file " + path);
  const std::unique_ptr<CatalogFiles> files =
      DirectoryCatalogFiles(fs::path(path).parent_path().string());
  return ParseCatalogText(text.str(), path, files.get());
}

}  // namespace cairn
