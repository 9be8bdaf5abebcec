#include "store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace cairn::cli {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kPrivateDir = fs::perms::owner_all;

Status FsError(std::string_view what, const fs::path& path, const std::error_code& ec) {
  return FailedPrecondition("cannot " + std::string(what) + " " + path.string() + ": " +
                            ec.message());
}

}  // namespace

Result<std::string> ResolveHome(const std::optional<std::string>& flag, const char* cairn_home_env,
                                const char* home_env) {
  if (flag) {
    if (flag->empty()) return InvalidArgument("--home needs a directory, not an empty string");
    return *flag;
  }
  if (cairn_home_env != nullptr && *cairn_home_env != '\0') return std::string(cairn_home_env);
  if (home_env != nullptr && *home_env != '\0') {
    return (fs::path(home_env) / ".cairn").string();
  }
  return FailedPrecondition(
      "no device store directory: pass --home DIR or set CAIRN_HOME (HOME is not set)");
}

std::string DatabasePath(const std::string& home) {
  return (fs::path(home) / "device.db").string();
}

Result<std::unique_ptr<Device>> CreateStore(const std::string& home, std::ostream& warnings) {
  const fs::path dir(home);
  const std::string db = DatabasePath(home);
  std::error_code ec;
  if (fs::exists(db, ec)) {
    return AlreadyExists("a device store already exists at " + db);
  }
  const fs::file_status status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      return FailedPrecondition(dir.string() + " exists and is not a directory");
    }
    if ((status.permissions() & (fs::perms::group_all | fs::perms::others_all)) !=
        fs::perms::none) {
      warnings << "cairn: warning: " << dir.string()
               << " is readable by other users; the store holds evidence of students "
                  "(chmod 700 it)\n";
    }
  } else {
    if (dir.has_parent_path()) {
      fs::create_directories(dir.parent_path(), ec);
      if (ec) return FsError("create", dir.parent_path(), ec);
    }
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return FsError("create", dir, std::error_code(errno, std::generic_category()));
    }
    // mkdir's mode is filtered through the umask; make sure the owner has full access.
    fs::permissions(dir, kPrivateDir, fs::perm_options::replace, ec);
    if (ec) return FsError("set permissions of", dir, ec);
  }
  return Device::Open(db);
}

Result<std::unique_ptr<Device>> OpenStore(const std::string& home) {
  const std::string db = DatabasePath(home);
  std::error_code ec;
  if (!fs::exists(db, ec)) {
    return FailedPrecondition("no device store at " + db +
                              "; run 'cairn init' first, or pass --home DIR");
  }
  return Device::Open(db);
}

Result<std::unique_ptr<BlobStore>> OpenBlobStore(const std::string& home) {
  FileKeyProvider keys(home + "/blob.key");
  return BlobStore::Open(home + "/blobs", keys);
}

}  // namespace cairn::cli
