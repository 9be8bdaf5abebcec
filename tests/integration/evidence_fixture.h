// Test support for the evidence transfer tests (issue 4): a real `cairn-server serve` on
// loopback, an in-process FaultProxy in front of it that counts (and, when asked, slows) what
// devices send, and devices that are homes of the real `cairn` CLI.
//
// Header-only so that each *_test.cc of this directory can include it; one fixture per test.
#ifndef CAIRN_TESTS_INTEGRATION_EVIDENCE_FIXTURE_H_
#define CAIRN_TESTS_INTEGRATION_EVIDENCE_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "beast_transport.h"
#include "cairn/blob_store.h"
#include "cairn/device.h"
#include "cairn/sync.h"
#include "faultproxy.h"
#include "integration/server_process.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn::testing {

inline constexpr uint64_t kAbsent = UINT64_MAX;

// The value of the first `"key":<digits>` in a JSON text, or kAbsent.
inline uint64_t JsonNumber(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return kAbsent;
  size_t end = at + needle.size();
  uint64_t value = 0;
  bool any = false;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') {
    value = value * 10 + static_cast<uint64_t>(json[end] - '0');
    ++end;
    any = true;
  }
  return any ? value : kAbsent;
}

// The value of an unlabelled Prometheus sample ("cairn_blobs_completed_total 3").
inline std::optional<uint64_t> PrometheusValue(std::string_view text, std::string_view name) {
  const std::string needle = "\n" + std::string(name) + " ";
  const size_t at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  return std::stoull(std::string(text.substr(at + needle.size(), 24)));
}

inline std::string LastLineOf(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t at = text.rfind('\n');
  return at == std::string::npos ? text : text.substr(at + 1);
}

inline std::string FirstLineOf(const std::string& text) { return text.substr(0, text.find('\n')); }

// Writes `size` bytes to `path`: an ISO BMFF 'ftyp' box (so that capture detects video/mp4),
// then bytes from a seeded generator, 1 MiB at a time (memory stays small for big files).
inline void WriteVideo(const std::string& path, uint64_t size, uint64_t seed) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  static constexpr char kFtyp[] =
      "\x00\x00\x00\x18"
      "ftypmp42\x00\x00\x00\x00mp42isom";
  const std::string head(kFtyp, sizeof(kFtyp) - 1);
  std::mt19937_64 engine(seed);
  std::string piece;
  uint64_t written = 0;
  while (written < size) {
    piece.assign(static_cast<size_t>(std::min<uint64_t>(size - written, uint64_t{1} << 20)), '\0');
    for (size_t i = 0; i + 8 <= piece.size(); i += 8) {
      const uint64_t word = engine();
      std::memcpy(piece.data() + i, &word, 8);
    }
    for (size_t i = piece.size() / 8 * 8; i < piece.size(); ++i) {
      piece[i] = static_cast<char>(engine());
    }
    if (written == 0) std::memcpy(piece.data(), head.data(), std::min(head.size(), piece.size()));
    file.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    written += piece.size();
  }
}

// Lower-case hex SHA-256 of a file, read 1 MiB at a time; empty if it cannot be read.
inline std::string FileSha256Hex(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return "";
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(size_t{1} << 20);
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(file.gcount()));
  }
  Sha256 digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  return Sha256Hex(digest);
}

class EvidenceTransferTest : public ::testing::Test {
 protected:
  static constexpr std::string_view kMicroCredential = "exit-tickets";
  static constexpr std::string_view kVideoRequirement = "classroom-video";

  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.File("server"));
    ASSERT_NO_FATAL_FAILURE(PrepareCatalog());
    ASSERT_THAT(server_->Start(), IsOk());
    FaultProxy::Options options;
    options.target_port = server_->port();
    proxy_ = std::make_unique<FaultProxy>(options);
    ASSERT_THAT(proxy_->Start(), IsOk());
  }

  void TearDown() override {
    proxy_->Stop();
    if (server_->running()) {
      EXPECT_THAT(server_->Stop(), IsOk()) << "SIGTERM must stop the server with exit code 0";
    }
    if (HasFailure()) std::cerr << "--- server log (tail) ---\n" << server_->LogTail(40) << "\n";
  }

  // Before the server starts: the catalog its devices will pull. The CLI's demo catalog unless
  // a test needs another.
  virtual void PrepareCatalog() {
    ASSERT_THAT(server_->PublishCatalog(CAIRN_DEMO_CATALOG), IsOk());
  }

  std::string ProxyUrl() const { return "https://127.0.0.1:" + std::to_string(proxy_->port()); }

  // `cairn --home HOME args...`, which must exit with `expected_exit`.
  ProgramResult Cli(const std::string& home, const std::vector<std::string>& args,
                    int expected_exit = 0) {
    std::vector<std::string> argv = {CAIRN_CLI_BINARY, "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<ProgramResult> result = RunProgram(argv, dir_.File("cli-scratch"));
    EXPECT_THAT(result.status(), IsOk());
    if (!result.ok()) return {};
    std::string command;
    for (const std::string& arg : args) command += " " + arg;
    EXPECT_TRUE(result->exit.exited && result->exit.code == expected_exit)
        << "cairn" << command << ": " << result->exit.ToString() << ", expected exit "
        << expected_exit << "\nstdout: " << result->out << "\nstderr: " << result->err;
    return *result;
  }

  // Starts `cairn --home HOME args...` and returns at once; its output goes to files named
  // after `label` in the test directory.
  pid_t StartCli(const std::string& home, const std::vector<std::string>& args,
                 const std::string& label) {
    std::vector<std::string> argv = {CAIRN_CLI_BINARY, "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<pid_t> pid = StartProgram(argv, dir_.File(label + ".out"), dir_.File(label + ".err"));
    EXPECT_THAT(pid.status(), IsOk());
    return pid.ok() ? *pid : -1;
  }

  // A CLI home of `user` (a new enrol code), enrolled through `url`, catalog pulled.
  std::string NewHome(const std::string& name, const std::string& user, const std::string& url) {
    std::string home = dir_.File(name);
    Result<std::string> code = server_->EnrolCode(user);
    EXPECT_THAT(code.status(), IsOk());
    Cli(home, {"init", "--server", url, "--pin", server_->fingerprint(), "--enrol", *code,
               "--device-name", name});
    Cli(home, {"sync"});
    return home;
  }

  // A request to the server itself (not through the proxy).
  HttpResponse Direct(const HttpRequest& request) {
    TransportOptions options;
    options.server_url = server_->url();
    options.pin_sha256 = server_->fingerprint();
    Result<std::unique_ptr<BeastTransport>> transport = BeastTransport::Create(options);
    EXPECT_THAT(transport.status(), IsOk());
    if (!transport.ok()) return {};
    Result<HttpResponse> response = (*transport)->RoundTrip(request);
    EXPECT_THAT(response.status(), IsOk()) << request.method << " " << request.target;
    return response.ok() ? *response : HttpResponse{};
  }

  std::string Metrics() {
    HttpRequest request;
    request.method = "GET";
    request.target = "/metrics";
    const HttpResponse metrics = Direct(request);
    EXPECT_EQ(metrics.status, 200);
    return metrics.body;
  }

  uint64_t Metric(std::string_view name) {
    const std::string text = Metrics();
    const std::optional<uint64_t> value = PrometheusValue(text, name);
    EXPECT_TRUE(value.has_value()) << name << " is not in /metrics";
    return value.value_or(0);
  }

  // Adds issuer `slug`, keeping the API token `cairn-server issuer add` prints.
  void AddIssuer(const std::string& slug = "northbridge-institute",
                 const std::string& name = "Northbridge Institute") {
    Result<std::string> out = server_->AdminOk({"issuer", "add", slug, "--name", name});
    ASSERT_THAT(out.status(), IsOk());
    const size_t at = out->find("api-token: ");
    ASSERT_NE(at, std::string::npos) << *out;
    token_ = FirstLineOf(out->substr(at + 11));
  }

  // A call to the issuer API over TLS, pinned to the server's certificate.
  HttpResponse Issuer(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& range = "") {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.authorization = "Bearer " + token_;
    request.content_type = body.empty() ? "" : "application/json";
    request.body = body;
    request.range = range;
    return Direct(request);
  }

  // The JSON answer of an issuer API call, which must be 200.
  boost::json::value IssuerJson(const std::string& method, const std::string& target,
                                const std::string& body = "") {
    const HttpResponse response = Issuer(method, target, body);
    EXPECT_EQ(response.status, 200) << method << " " << target << ": " << response.body;
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(response.body, error);
    EXPECT_FALSE(error) << response.body;
    return value;
  }

  // The device token of a CLI home (read once the CLI has exited).
  static std::string TokenOf(const std::string& home) {
    Result<std::unique_ptr<Device>> device = Device::Open(home + "/device.db");
    EXPECT_THAT(device.status(), IsOk());
    if (!device.ok()) return "";
    Result<std::optional<SyncSettings>> settings = LoadSyncSettings((*device)->replica());
    EXPECT_THAT(settings.status(), IsOk());
    return settings.ok() && settings->has_value() ? (*settings)->token : "";
  }

  // Where the server keeps a present blob (DATA/blobs/<2 hex>/<64 hex>).
  std::string ServerBlobPath(const std::string& sha_hex) const {
    return server_->data_dir() + "/blobs/" + sha_hex.substr(0, 2) + "/" + sha_hex;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::string token_;  // the issuer's API token (AddIssuer)
  std::unique_ptr<FaultProxy> proxy_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_INTEGRATION_EVIDENCE_FIXTURE_H_
