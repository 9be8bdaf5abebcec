#include "files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cairn::cli {

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) return FailedPrecondition("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return FailedPrecondition("cannot rename " + temp + " to " + path + ": " + ec.message());
  return {};
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("cannot read " + path);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) return DataLoss("error reading " + path);
  return bytes.str();
}

}  // namespace cairn::cli
