// Shared helpers for the JSON-LD, RDFC and Data Integrity tests: test data paths, JSON files,
// and the reference canonicalizer (jsonld.js + rdf-canonize from the OB3 kit) run as a
// subprocess.
//
// Thread-safety: test-only; call from the test thread.
#ifndef CAIRN_TESTS_BADGE_JSONLD_TEST_UTIL_H_
#define CAIRN_TESTS_BADGE_JSONLD_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cairn::badge::jsonld_testing {

struct ReferenceOutput {
  bool ran = false;    // the kit exists and node ran
  int exit_code = -1;  // 0: canonical N-Quads in `output`; 1: "ERROR: ..." in `output`
  std::string output;
};

// TestdataPath: CAIRN_SOURCE_DIR/tests/badge/testdata/<relative>. ReadTestFile / ReadJsonFile
// fail the current test (and return ""/null) when the file is missing or not JSON. KitProblem is
// empty when the kit (CAIRN_OB3_KIT) is set up, else says how to set it up. RunReference runs
// tests/badge/canonize_reference.mjs on a file. Header-only: the test target globs *_test.cc.
inline std::string TestdataPath(const std::string& relative) {
  return std::string(CAIRN_SOURCE_DIR) + "/tests/badge/testdata/" + relative;
}

inline std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline boost::json::value ReadJsonFile(const std::string& path) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(ReadTestFile(path), ec);
  if (ec) ADD_FAILURE() << path << " is not JSON: " << ec.message();
  return value;
}

inline std::vector<std::string> JsonFilesIn(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(TestdataPath(directory), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string KitProblem() {
  std::string jsonld = std::string(CAIRN_OB3_KIT) + "/verify-di/node_modules/jsonld/package.json";
  if (!std::filesystem::exists(jsonld)) {
    return "the reference canonicalizer is not set up (no " + jsonld +
           "); run `bash scripts/ob3-kit.sh " + std::string(CAIRN_OB3_KIT) +
           "` (needs node and npm)";
  }
  return "";
}

inline ReferenceOutput RunReference(const std::string& path, const std::string& extra_args = "") {
  ReferenceOutput result;
  if (!KitProblem().empty()) return result;
  std::string command = "node '" + std::string(CAIRN_SOURCE_DIR) +
                        "/tests/badge/canonize_reference.mjs' '" + std::string(CAIRN_OB3_KIT) +
                        "' '" + path + "' " + extra_args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.ran = WIFEXITED(status) && WEXITSTATUS(status) != 127;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace cairn::badge::jsonld_testing

#endif  // CAIRN_TESTS_BADGE_JSONLD_TEST_UTIL_H_
