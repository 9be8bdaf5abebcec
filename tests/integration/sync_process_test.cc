// The sync server as users run it: a real `cairn-server serve` process on loopback, TLS with the
// certificate pinned, and devices that are real `cairn` CLI processes or device stores in this
// process syncing through BeastTransport (optionally through the fault proxy).
//
// What only real processes and a real network can show, and the in-process protocol tests
// (tests/server/sync_service_test.cc) cannot: convergence and scope isolation through TLS and
// the HTTP layer; revocation and forged writes refused over the wire; a lost push answer; the
// server SIGKILLed at random points of a large push (nothing acknowledged is lost, nothing is
// stored twice); SIGTERM during a sync (drains, exits 0, reopens with everything acknowledged);
// hostile requests at the HTTP level (oversized and compressed bodies, malformed requests,
// unknown methods, path traversal) that change nothing and leave the server up; /healthz and
// /metrics.
//
// Every test ends by stopping the server with SIGTERM and requiring exit code 0 (under ASan
// that includes a clean leak check).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "beast_transport.h"
#include "cairn/change_codec.h"
#include "cairn/device.h"
#include "cairn/sync.h"
#include "cairn/v1/sync.pb.h"
#include "faultproxy.h"
#include "integration/server_process.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::CountAllServerChanges;
using ::cairn::testing::CountServerChanges;
using ::cairn::testing::ExitInfo;
using ::cairn::testing::IsOk;
using ::cairn::testing::LogCounts;
using ::cairn::testing::ProgramResult;
using ::cairn::testing::RunProgram;
using ::cairn::testing::ServerProcess;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr std::string_view kMicroCredential = "exit-tickets";

constexpr uint64_t kMissing = UINT64_MAX;

// The value of the first `"key":<digits>` in a JSON text; kMissing (and a failure) if absent.
uint64_t JsonUint(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) {
    ADD_FAILURE() << "no \"" << key << "\" in " << json;
    return kMissing;
  }
  size_t end = at + needle.size();
  uint64_t value = 0;
  bool any = false;
  while (end < json.size() && json[end] >= '0' && json[end] <= '9') {
    value = value * 10 + static_cast<uint64_t>(json[end] - '0');
    ++end;
    any = true;
  }
  if (!any) {
    ADD_FAILURE() << "\"" << key << "\" is not a number in " << json;
    return kMissing;
  }
  return value;
}

// The value of an unlabelled Prometheus sample, e.g. "cairn_changes_accepted_total 12".
std::optional<uint64_t> MetricValue(std::string_view text, std::string_view name) {
  const std::string needle = "\n" + std::string(name) + " ";
  const size_t at = text.find(needle);
  if (at == std::string_view::npos) return std::nullopt;
  return std::stoull(std::string(text.substr(at + needle.size(), 24)));
}

std::string LastLine(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t at = text.rfind('\n');
  return at == std::string::npos ? text : text.substr(at + 1);
}

v1::Error ErrorOf(const HttpResponse& response) {
  v1::Error error;
  EXPECT_TRUE(error.ParseFromString(response.body))
      << "status " << response.status << ", body: " << response.body;
  return error;
}

// Sends `request` as raw bytes over TLS to 127.0.0.1:port, checking the certificate against
// `pin` (hex SHA-256 of its DER), and returns everything the server sent until it closed.
// Lets tests send what no HTTP client library would: unknown methods, broken request lines.
Result<std::string> RawTlsExchange(uint16_t port, const std::string& pin,
                                   const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Unavailable("socket failed");
  std::unique_ptr<int, void (*)(int*)> socket_guard(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return Unavailable("connect failed");
  }
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return Internal("SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);  // pinned below instead
  std::unique_ptr<SSL, void (*)(SSL*)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  if (SSL_connect(ssl.get()) != 1) return Unavailable("TLS handshake failed");
  std::unique_ptr<X509, void (*)(X509*)> cert(SSL_get1_peer_certificate(ssl.get()), X509_free);
  if (!cert) return PermissionDenied("no server certificate");
  unsigned char* der = nullptr;
  const int der_size = i2d_X509(cert.get(), &der);
  if (der_size <= 0) return Internal("i2d_X509 failed");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(der_size), digest);
  OPENSSL_free(der);
  std::string hex;
  for (const unsigned char byte : digest) {
    char two[3];
    std::snprintf(two, sizeof(two), "%02x", byte);
    hex += two;
  }
  if (hex != pin) return PermissionDenied("certificate " + hex + " does not match the pin");
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0) {
    return Unavailable("SSL_write failed");
  }
  std::string answer;
  char buffer[16 * 1024];
  while (true) {
    const int n = SSL_read(ssl.get(), buffer, sizeof(buffer));
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  return answer;
}

int RawStatus(const std::string& answer) {
  // "HTTP/1.1 405 Method Not Allowed"
  if (answer.size() < 12 || !answer.starts_with("HTTP/1.1 ")) return 0;
  return std::stoi(answer.substr(9, 3));
}

struct TestDevice {
  std::string name;
  std::unique_ptr<Device> device;
  Replica& replica() { return device->replica(); }
};

class SyncProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.File("server"));
    ASSERT_THAT(server_->PublishCatalog(CAIRN_DEMO_CATALOG), IsOk());
    ASSERT_THAT(server_->Start(), IsOk());
  }

  void TearDown() override {
    if (server_->running()) {
      EXPECT_THAT(server_->Stop(), IsOk()) << "SIGTERM must stop the server with exit code 0";
    }
    if (HasFailure()) std::cerr << "--- server log (tail) ---\n" << server_->LogTail(40) << "\n";
  }

  std::string AddUser(const std::string& name) {
    Result<std::string> id = server_->AddUser(name);
    EXPECT_THAT(id.status(), IsOk());
    return id.ok() ? *id : std::string();
  }

  std::unique_ptr<BeastTransport> Transport(std::string url = {}) {
    TransportOptions options;
    options.server_url = url.empty() ? server_->url() : std::move(url);
    options.pin_sha256 = server_->fingerprint();
    Result<std::unique_ptr<BeastTransport>> transport = BeastTransport::Create(options);
    EXPECT_THAT(transport.status(), IsOk());
    return transport.ok() ? std::move(*transport) : nullptr;
  }

  // A device store in this process, enrolled for `user_id` over TLS.
  TestDevice NewDevice(const std::string& user_id, const std::string& name) {
    TestDevice d{name, nullptr};
    Result<std::unique_ptr<Device>> device = Device::Open(dir_.File(name + ".db"));
    EXPECT_THAT(device.status(), IsOk());
    d.device = std::move(*device);
    Result<std::string> code = server_->EnrolCode(user_id);
    EXPECT_THAT(code.status(), IsOk());
    SyncSettings settings;
    settings.server_url = server_->url();
    settings.pin_sha256 = server_->fingerprint();
    std::unique_ptr<BeastTransport> transport = Transport();
    EXPECT_THAT(Enrol(d.replica(), *transport, settings, *code, name), IsOk());
    return d;
  }

  Result<SyncReport> TrySync(TestDevice& d, const std::string& url = {}) {
    std::unique_ptr<BeastTransport> transport = Transport(url);
    return RunSync(d.replica(), *transport);
  }

  SyncReport Sync(TestDevice& d) {
    Result<SyncReport> report = TrySync(d);
    EXPECT_THAT(report.status(), IsOk()) << d.name;
    if (!report.ok()) return SyncReport{};
    EXPECT_THAT(report->refused, IsEmpty()) << d.name;
    return *report;
  }

  static std::string Hash(Replica& replica) {
    Result<std::string> hash = replica.StateHash();
    EXPECT_THAT(hash.status(), IsOk());
    return hash.ok() ? *hash : std::string();
  }

  static uint64_t Acknowledged(TestDevice& d) {
    Result<std::optional<SyncSettings>> settings = LoadSyncSettings(d.replica());
    EXPECT_THAT(settings.status(), IsOk());
    return settings.ok() && settings->has_value() ? (*settings)->acknowledged_seq : 0;
  }

  static std::string Token(TestDevice& d) {
    Result<std::optional<SyncSettings>> settings = LoadSyncSettings(d.replica());
    EXPECT_THAT(settings.status(), IsOk());
    return settings.ok() && settings->has_value() ? (*settings)->token : std::string();
  }

  // The changes the device itself wrote, in seq order.
  static std::vector<Change> OwnChanges(TestDevice& d) {
    Result<std::vector<Change>> all = d.replica().ChangesSince({});
    EXPECT_THAT(all.status(), IsOk());
    std::vector<Change> own;
    if (!all.ok()) return own;
    for (const Change& c : *all) {
      if (c.actor == d.replica().actor()) own.push_back(c);
    }
    std::sort(own.begin(), own.end(),
              [](const Change& a, const Change& b) { return a.seq < b.seq; });
    return own;
  }

  static uint64_t OwnCount(TestDevice& d) {
    const VersionVector version = d.replica().Version();
    const auto it = version.find(d.replica().actor());
    return it == version.end() ? 0 : it->second;
  }

  // `n` small changes: successive drafts of the pursuit's reflection, one change each.
  static void CommitDrafts(TestDevice& d, const EntityId& pursuit, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_THAT(d.replica()
                      .Commit({Op::Put(pursuit, "reflection", "draft " + std::to_string(i))})
                      .status(),
                  IsOk());
    }
  }

  LogCounts ServerCounts(TestDevice& d) { return ServerCounts(d.replica().actor()); }
  LogCounts ServerCounts(const ActorId& actor) {
    Result<LogCounts> counts = CountServerChanges(server_->db_path(), actor);
    EXPECT_THAT(counts.status(), IsOk());
    return counts.ok() ? *counts : LogCounts{};
  }

  uint64_t ServerLogSize() {
    Result<uint64_t> count = CountAllServerChanges(server_->db_path());
    EXPECT_THAT(count.status(), IsOk());
    return count.ok() ? *count : 0;
  }

  // Every change the device has recorded as acknowledged is in the server's log exactly once,
  // and the log holds a contiguous run of the device's seqs from 1.
  void ExpectAcknowledgedInLog(TestDevice& d) {
    const uint64_t acknowledged = Acknowledged(d);
    const LogCounts counts = ServerCounts(d);
    EXPECT_GE(counts.rows, acknowledged) << "an acknowledged change is missing from the log";
    EXPECT_EQ(counts.distinct_seqs, counts.rows) << "a change is stored twice";
    if (counts.rows > 0) {
      EXPECT_EQ(counts.min_seq, 1u);
      EXPECT_EQ(counts.max_seq, counts.rows) << "the log has a gap in the device's seqs";
    }
    EXPECT_LE(counts.max_seq, OwnCount(d)) << "the server holds a seq the device never wrote";
  }

  HttpResponse Raw(const HttpRequest& request) {
    std::unique_ptr<BeastTransport> transport = Transport();
    Result<HttpResponse> response = transport->RoundTrip(request);
    EXPECT_THAT(response.status(), IsOk()) << request.method << " " << request.target;
    return response.ok() ? *response : HttpResponse{};
  }

  uint64_t Metric(std::string_view name) {
    const HttpResponse metrics = Raw({"GET", "/metrics", "", "", ""});
    EXPECT_EQ(metrics.status, 200);
    std::optional<uint64_t> value = MetricValue(metrics.body, name);
    EXPECT_TRUE(value.has_value()) << name << " is not in /metrics:\n" << metrics.body;
    return value.value_or(0);
  }

  // `cairn --home HOME args...`, which must exit with `expected_exit`.
  ProgramResult Cli(const std::string& home, std::vector<std::string> args, int expected_exit = 0) {
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

  // The store of a CLI home, opened in this process once the CLI has exited.
  static std::unique_ptr<Device> OpenCliStore(const std::string& home) {
    Result<std::unique_ptr<Device>> device = Device::Open(home + "/device.db");
    EXPECT_THAT(device.status(), IsOk());
    return device.ok() ? std::move(*device) : nullptr;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(SyncProcessTest, FingerprintCommandMatchesTheServedCertificate) {
  Result<std::string> fingerprint = server_->AdminOk({"fingerprint"});
  ASSERT_THAT(fingerprint.status(), IsOk());
  EXPECT_EQ(*fingerprint, server_->fingerprint());
  // A client pinned to another certificate refuses to talk to this server.
  TransportOptions options;
  options.server_url = server_->url();
  options.pin_sha256 = std::string(64, 'a');
  Result<std::unique_ptr<BeastTransport>> wrong_pin = BeastTransport::Create(options);
  ASSERT_THAT(wrong_pin.status(), IsOk());
  EXPECT_THAT((*wrong_pin)->RoundTrip({"GET", "/healthz", "", "", ""}).status(),
              StatusIs(Code::kPermissionDenied, HasSubstr(server_->fingerprint())));
}

// Two educators with two devices each: Ana's are `cairn` CLI processes, Ben's are device stores
// in this process. Both edit the same reflection offline on both devices and sync in different
// orders; each educator's devices converge and keep the losing text, and neither educator's
// devices ever receive the other's entities.
TEST_F(SyncProcessTest, TwoEducatorsTwoDevicesEachConvergeAndKeepTheLosingText) {
  const std::string ana = AddUser("Ana");
  const std::string ben = AddUser("Ben");
  const std::string phone = dir_.File("ana-phone");
  const std::string laptop = dir_.File("ana-laptop");
  for (const std::string& home : {phone, laptop}) {
    Result<std::string> code = server_->EnrolCode(ana);
    ASSERT_THAT(code.status(), IsOk());
    const ProgramResult init =
        Cli(home, {"init", "--server", server_->url(), "--pin", server_->fingerprint(), "--enrol",
                   *code, "--device-name", home.substr(home.rfind('/') + 1)});
    EXPECT_THAT(init.out, HasSubstr("as user " + ana + " (educator)"));
  }
  for (const std::string& home : {phone, laptop}) {
    const ProgramResult sync = Cli(home, {"sync", "--json"});
    EXPECT_GT(JsonUint(sync.out, "pulled"), 0u) << "the catalog reaches the device";
    EXPECT_THAT(Cli(home, {"catalog", "list", "--json"}).out, HasSubstr(kMicroCredential));
  }
  const std::string pursuit = LastLine(Cli(phone, {"pursue", std::string(kMicroCredential)}).out);
  ASSERT_TRUE(EntityId::Parse(pursuit).ok()) << pursuit;
  Cli(phone, {"answer", pursuit, "context", "Grade 7 maths, 28 students."});
  EXPECT_EQ(JsonUint(Cli(phone, {"sync", "--json"}).out, "pushed"), 2u);
  EXPECT_THAT(Cli(laptop, {"status", "--json"}).out, Not(HasSubstr(pursuit)));
  EXPECT_EQ(JsonUint(Cli(laptop, {"sync", "--json"}).out, "pulled"), 2u);
  EXPECT_THAT(Cli(laptop, {"status", "--json"}).out, HasSubstr(pursuit));

  // Offline on both devices, the same field.
  Cli(phone, {"reflect", pursuit, "Written on the phone."});
  Cli(laptop, {"reflect", pursuit, "Written on the laptop."});
  EXPECT_EQ(JsonUint(Cli(phone, {"status", "--json"}).out, "unsent_changes"), 1u);
  // The laptop syncs first, then the phone, then the laptop again.
  EXPECT_EQ(JsonUint(Cli(laptop, {"sync", "--json"}).out, "pushed"), 1u);
  const ProgramResult phone_sync = Cli(phone, {"sync", "--json"});
  EXPECT_EQ(JsonUint(phone_sync.out, "pushed"), 1u);
  EXPECT_EQ(JsonUint(phone_sync.out, "pulled"), 1u);
  EXPECT_EQ(JsonUint(Cli(laptop, {"sync", "--json"}).out, "pulled"), 1u);

  std::vector<uint64_t> cursors;
  for (const std::string& home : {phone, laptop}) {
    const std::string status = Cli(home, {"status", "--json"}).out;
    EXPECT_THAT(status, HasSubstr("\"enrolled\":true"));
    EXPECT_THAT(status, HasSubstr("\"server_url\":\"" + server_->url() + "\""));
    EXPECT_THAT(status, HasSubstr("\"user_id\":\"" + ana + "\""));
    EXPECT_THAT(status, HasSubstr("\"role\":\"educator\""));
    EXPECT_THAT(status, HasSubstr("\"educator:" + ana + "\""));
    EXPECT_EQ(JsonUint(status, "unsent_changes"), 0u);
    EXPECT_EQ(JsonUint(status, "unresolved_conflicts"), 1u);
    cursors.push_back(JsonUint(status, "cursor"));
  }
  EXPECT_EQ(cursors[0], cursors[1]) << "both devices pulled up to the same server sequence";
  const std::string phone_conflicts = Cli(phone, {"conflicts", "--json"}).out;
  EXPECT_EQ(phone_conflicts, Cli(laptop, {"conflicts", "--json"}).out);
  EXPECT_THAT(phone_conflicts, HasSubstr("\"field\":\"reflection\""));
  EXPECT_THAT(phone_conflicts, HasSubstr("Written on the phone."));
  EXPECT_THAT(phone_conflicts, HasSubstr("Written on the laptop."));

  // Ben's devices, syncing in the other order.
  TestDevice ben_phone = NewDevice(ben, "ben-phone");
  TestDevice ben_laptop = NewDevice(ben, "ben-laptop");
  EXPECT_GT(Sync(ben_phone).pulled, 0u);
  EXPECT_GT(Sync(ben_laptop).pulled, 0u);
  Result<EntityId> ben_pursuit = ben_laptop.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(ben_pursuit.status(), IsOk());
  Sync(ben_laptop);
  EXPECT_EQ(Sync(ben_phone).pulled, 1u);
  ASSERT_THAT(ben_phone.device->Reflect(*ben_pursuit, "Ben, on the phone."), IsOk());
  ASSERT_THAT(ben_laptop.device->Reflect(*ben_pursuit, "Ben, on the laptop."), IsOk());
  Sync(ben_phone);
  Sync(ben_laptop);
  Sync(ben_phone);
  EXPECT_EQ(Hash(ben_phone.replica()), Hash(ben_laptop.replica()));
  for (TestDevice* d : {&ben_phone, &ben_laptop}) {
    Result<std::vector<Conflict>> conflicts = d->device->Conflicts();
    ASSERT_THAT(conflicts.status(), IsOk());
    ASSERT_THAT(*conflicts, SizeIs(1)) << d->name;
    EXPECT_THAT(conflicts->front().values, SizeIs(2)) << "both texts are kept";
  }

  // Ana's CLI stores, opened here once the processes are done: the same state, byte for byte.
  std::unique_ptr<Device> phone_store = OpenCliStore(phone);
  std::unique_ptr<Device> laptop_store = OpenCliStore(laptop);
  ASSERT_NE(phone_store, nullptr);
  ASSERT_NE(laptop_store, nullptr);
  EXPECT_EQ(Hash(phone_store->replica()), Hash(laptop_store->replica()));
  EXPECT_NE(Hash(phone_store->replica()), Hash(ben_phone.replica()));

  // Scope isolation, both ways: no entity and no change of the other educator.
  const std::set<ActorId> ana_actors = {phone_store->replica().actor(),
                                        laptop_store->replica().actor()};
  const std::set<ActorId> ben_actors = {ben_phone.replica().actor(), ben_laptop.replica().actor()};
  for (TestDevice* d : {&ben_phone, &ben_laptop}) {
    Result<std::optional<EntityData>> leaked = d->replica().Get(*EntityId::Parse(pursuit));
    ASSERT_THAT(leaked.status(), IsOk());
    EXPECT_FALSE(leaked->has_value()) << d->name << " received Ana's pursuit";
    Result<std::vector<Change>> changes = d->replica().ChangesSince({});
    ASSERT_THAT(changes.status(), IsOk());
    for (const Change& c : *changes) {
      EXPECT_FALSE(ana_actors.contains(c.actor)) << d->name << " holds a change of Ana's";
    }
  }
  for (Device* store : {phone_store.get(), laptop_store.get()}) {
    Result<std::optional<EntityData>> leaked = store->replica().Get(*ben_pursuit);
    ASSERT_THAT(leaked.status(), IsOk());
    EXPECT_FALSE(leaked->has_value()) << "Ana's device received Ben's pursuit";
    Result<std::vector<Change>> changes = store->replica().ChangesSince({});
    ASSERT_THAT(changes.status(), IsOk());
    for (const Change& c : *changes) EXPECT_FALSE(ben_actors.contains(c.actor));
  }
}

// The CLI's exit codes for an unreachable server and a restart on the same port: offline edits
// wait in the store and go once the server is back.
TEST_F(SyncProcessTest, CliSyncSaysUnreachableAndResumesAfterRestart) {
  const std::string ana = AddUser("Ana");
  const std::string home = dir_.File("ana-cli");
  Result<std::string> code = server_->EnrolCode(ana);
  ASSERT_THAT(code.status(), IsOk());
  Cli(home,
      {"init", "--server", server_->url(), "--pin", server_->fingerprint(), "--enrol", *code});
  Cli(home, {"sync"});
  const std::string pursuit = LastLine(Cli(home, {"pursue", std::string(kMicroCredential)}).out);
  const uint16_t port = server_->port();
  ASSERT_THAT(server_->Stop(), IsOk());

  const ProgramResult offline = Cli(home, {"sync"}, /*expected_exit=*/5);
  EXPECT_THAT(offline.err, HasSubstr(server_->url()));
  Cli(home, {"reflect", pursuit, "Written while the server was down."});
  EXPECT_EQ(JsonUint(Cli(home, {"status", "--json"}).out, "unsent_changes"), 2u);

  ASSERT_THAT(server_->Restart(), IsOk());
  ASSERT_EQ(server_->port(), port) << "the restarted server could not take its port back";
  const ProgramResult back = Cli(home, {"sync", "--json"});
  EXPECT_EQ(JsonUint(back.out, "pushed"), 2u);
  EXPECT_EQ(JsonUint(Cli(home, {"status", "--json"}).out, "unsent_changes"), 0u);

  TestDevice tablet = NewDevice(ana, "ana-tablet");
  Sync(tablet);
  std::unique_ptr<Device> cli_store = OpenCliStore(home);
  ASSERT_NE(cli_store, nullptr);
  EXPECT_EQ(Hash(tablet.replica()), Hash(cli_store->replica()));
}

TEST_F(SyncProcessTest, RevokedDeviceAndUnknownTokensGet401WithAMessage) {
  const std::string ana = AddUser("Ana");
  TestDevice phone = NewDevice(ana, "ana-phone");
  TestDevice laptop = NewDevice(ana, "ana-laptop");
  Sync(phone);
  Sync(laptop);
  Result<std::string> device_id = server_->DeviceIdByName("ana-phone");
  ASSERT_THAT(device_id.status(), IsOk());
  ASSERT_THAT(server_->AdminOk({"device", "revoke", *device_id}).status(), IsOk());

  EXPECT_THAT(TrySync(phone).status(), StatusIs(Code::kUnauthenticated, HasSubstr("revoked")));
  const std::string pull = v1::PullRequest().SerializeAsString();
  struct Case {
    std::string name;
    std::string authorization;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"revoked token", "Bearer " + Token(phone), "revoked"},
      {"unknown token", "Bearer " + std::string(43, 'A'), "unknown"},
      {"no token", "", "Authorization: Bearer"},
      {"other scheme", "Basic YW5hOmFuYQ==", "Authorization: Bearer"},
  };
  for (const Case& c : cases) {
    const HttpResponse response =
        Raw({"POST", "/v1/pull", c.authorization, "application/x-protobuf", pull});
    EXPECT_EQ(response.status, 401) << c.name;
    const v1::Error error = ErrorOf(response);
    EXPECT_EQ(error.code(), "unauthenticated") << c.name;
    EXPECT_THAT(error.message(), HasSubstr(c.message)) << c.name;
  }
  // Revocation is per device: Ana's laptop carries on.
  Result<EntityId> pursuit = laptop.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  EXPECT_EQ(Sync(laptop).pushed, 1u);
  // `device list` shows the revocation: a time in the REVOKED column, "-" for the laptop.
  Result<std::string> devices = server_->AdminOk({"device", "list"});
  ASSERT_THAT(devices.status(), IsOk());
  std::istringstream lines(*devices);
  int rows = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("ana-phone") != std::string::npos) {
      ++rows;
      EXPECT_FALSE(line.ends_with(" -")) << line;
    } else if (line.find("ana-laptop") != std::string::npos) {
      ++rows;
      EXPECT_TRUE(line.ends_with(" -")) << line;
    }
  }
  EXPECT_EQ(rows, 2) << *devices;
}

TEST_F(SyncProcessTest, ForgedWriteToAnotherEducatorsEntityIsRefusedWithAReason) {
  TestDevice ana = NewDevice(AddUser("Ana"), "ana-phone");
  TestDevice ben = NewDevice(AddUser("Ben"), "ben-phone");
  Sync(ana);
  Sync(ben);
  Result<EntityId> pursuit = ana.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  Sync(ana);
  // Ben's device writes to Ana's pursuit, knowing only its id; then something of its own.
  ASSERT_THAT(ben.replica()
                  .Commit({Op::Put(*pursuit, "type", "pursuit"),
                           Op::Put(*pursuit, "reflection", "mine now")})
                  .status(),
              IsOk());
  Result<EntityId> own = ben.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(own.status(), IsOk());
  Result<SyncReport> report = TrySync(ben);
  ASSERT_THAT(report.status(), IsOk());
  EXPECT_EQ(report->pushed, 0u);
  ASSERT_THAT(report->refused, SizeIs(2));
  EXPECT_EQ(report->refused[0].seq, 1u);
  EXPECT_EQ(report->refused[0].code, Code::kPermissionDenied);
  EXPECT_THAT(report->refused[0].message, HasSubstr("another account"));
  EXPECT_FALSE(report->refused[0].blocked);
  EXPECT_TRUE(report->refused[1].blocked);
  EXPECT_EQ(ServerCounts(ben).rows, 0u) << "nothing of the forged batch reached the log";

  Sync(ana);
  Result<std::optional<EntityData>> state = ana.replica().Get(*pursuit);
  ASSERT_THAT(state.status(), IsOk());
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ((*state)->GetText("reflection"), nullptr) << "the forged text reached Ana";
}

// Fault (a): the server commits a push but its answer never reaches the device.
TEST_F(SyncProcessTest, LostPushAnswerIsRetriedAsDuplicatesWithNoLoss) {
  const std::string ana = AddUser("Ana");
  TestDevice phone = NewDevice(ana, "ana-phone");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  ASSERT_THAT(phone.device->Answer(*pursuit, "context", "Grade 7 maths."), IsOk());
  ASSERT_THAT(phone.device->Reflect(*pursuit, "First thoughts."), IsOk());
  const uint64_t own = OwnCount(phone);
  ASSERT_EQ(own, 3u);

  FaultProxy::Options options;
  options.target_port = server_->port();
  FaultProxy proxy(options);
  ASSERT_THAT(proxy.Start(), IsOk());
  options.drop_first_responses = 1;
  proxy.SetOptions(options);
  const std::string via_proxy = "https://127.0.0.1:" + std::to_string(proxy.port());

  EXPECT_THAT(TrySync(phone, via_proxy).status(), StatusIs(Code::kUnavailable, ::testing::_));

  EXPECT_EQ(proxy.stats().responses_dropped, 1u);
  EXPECT_EQ(Acknowledged(phone), 0u) << "the device never heard the answer";
  LogCounts counts = ServerCounts(phone);
  EXPECT_EQ(counts.rows, own) << "the server committed the push whose answer was lost";

  // The network is back: the device pushes the same changes again.
  proxy.Stop();
  Result<SyncReport> retry = TrySync(phone);

  ASSERT_THAT(retry.status(), IsOk());
  EXPECT_EQ(retry->pushed, 0u);
  EXPECT_EQ(retry->duplicates, own);
  EXPECT_THAT(retry->refused, IsEmpty());
  EXPECT_EQ(Acknowledged(phone), own);
  counts = ServerCounts(phone);
  EXPECT_EQ(counts.rows, own) << "the retried push stored nothing twice";
  EXPECT_EQ(counts.distinct_seqs, own);
  EXPECT_EQ(counts.max_seq, own);

  TestDevice laptop = NewDevice(ana, "ana-laptop");
  Sync(laptop);
  EXPECT_EQ(Hash(phone.replica()), Hash(laptop.replica()));
  proxy.Stop();
}

// Fault (b): the server is SIGKILLed at random points while a device pushes 20,000 changes in
// batches of 2,000. After each restart on the same store, everything the device recorded as
// acknowledged is in the log, once; the device then finishes, and another device converges.
TEST_F(SyncProcessTest, ServerKilledDuringALargePushLosesNothingAcknowledged) {
  const std::string ana = AddUser("Ana");
  TestDevice phone = NewDevice(ana, "ana-phone");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  CommitDrafts(phone, *pursuit, 20'000);
  ASSERT_FALSE(HasFatalFailure());

  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  constexpr int kRuns = 10;
  // Kill points: wait until the server's log holds a random number of the device's changes,
  // from what it had acknowledged (a kill right at the start: in the TLS handshake or the first
  // batch) to two batches short of all, then a random 0-15 ms more, which lands in the device's
  // handling of an answer or in the server's handling of the next batch.
  const ActorId actor = phone.replica().actor();  // the sync thread owns the replica meanwhile
  std::uniform_int_distribution<int> extra_ms(0, 15);
  int interrupted = 0;
  for (int run = 0; run < kRuns; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    const uint64_t acknowledged = Acknowledged(phone);
    if (OwnCount(phone) - acknowledged < 3 * SyncEngine::kMaxChangesPerPush) {
      CommitDrafts(phone, *pursuit, 6'000);  // keep a push of several batches going every run
      ASSERT_FALSE(HasFatalFailure());
    }
    const uint64_t target = std::uniform_int_distribution<uint64_t>(
        acknowledged, OwnCount(phone) - 2 * SyncEngine::kMaxChangesPerPush)(random);
    std::optional<Result<SyncReport>> result;
    std::atomic<bool> done{false};
    std::unique_ptr<BeastTransport> transport = Transport();
    std::thread sync([&] {
      result.emplace(RunSync(phone.replica(), *transport));
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!done && ServerCounts(actor).rows < target &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // A random kill point, not a synchronisation: the sync runs on its own meanwhile.
    std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms(random)));
    ASSERT_THAT(server_->Kill(), IsOk());
    sync.join();
    ASSERT_TRUE(result.has_value());
    EXPECT_THAT(result->status(), AnyOf(IsOk(), StatusIs(Code::kUnavailable, ::testing::_)));
    if (!result->ok()) ++interrupted;
    ASSERT_THAT(server_->Restart(), IsOk());
    ExpectAcknowledgedInLog(phone);
  }
  std::cerr << "[          ] " << interrupted << " of " << kRuns << " syncs cut by SIGKILL\n";
  EXPECT_GE(interrupted, kRuns / 2) << "most kills must land during a sync, or the test proves "
                                       "little";

  const SyncReport rest = Sync(phone);
  EXPECT_EQ(Acknowledged(phone), OwnCount(phone));
  const LogCounts counts = ServerCounts(phone);
  EXPECT_EQ(counts.rows, OwnCount(phone));
  EXPECT_EQ(counts.distinct_seqs, counts.rows);
  EXPECT_EQ(rest.refused.size(), 0u);

  TestDevice laptop = NewDevice(ana, "ana-laptop");
  Sync(laptop);
  EXPECT_EQ(Hash(phone.replica()), Hash(laptop.replica()));
}

// SIGTERM while a device is mid-sync: the request in flight completes (its answer arrives), the
// server exits 0, and the store opens again with everything it acknowledged.
TEST_F(SyncProcessTest, SigtermDuringASyncDrainsExitsZeroAndKeepsEverything) {
  const std::string ana = AddUser("Ana");
  TestDevice phone = NewDevice(ana, "ana-phone");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  CommitDrafts(phone, *pursuit, 12'000);
  ASSERT_FALSE(HasFatalFailure());
  const uint64_t own = OwnCount(phone);
  const ActorId actor = phone.replica().actor();  // the sync thread owns the replica meanwhile

  std::optional<Result<SyncReport>> result;
  std::unique_ptr<BeastTransport> transport = Transport();
  std::atomic<bool> done{false};
  std::thread sync([&] {
    result.emplace(RunSync(phone.replica(), *transport));
    done = true;
  });
  // Signal once the first batch is in the log: five more are still to go.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done && ServerCounts(actor).rows == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_THAT(server_->Signal(SIGTERM), IsOk());
  const std::optional<ExitInfo> exit = server_->WaitForServerExit(std::chrono::seconds(60));
  sync.join();
  ASSERT_TRUE(exit.has_value()) << "the server did not stop within 60 s of SIGTERM";
  EXPECT_TRUE(exit->Ok()) << exit->ToString();
  EXPECT_THAT(server_->Log(), HasSubstr("\"msg\":\"stopped\""));
  ASSERT_TRUE(result.has_value());
  EXPECT_THAT(result->status(), AnyOf(IsOk(), StatusIs(Code::kUnavailable, ::testing::_)))
      << "the cut sync fails cleanly, as a network failure";
  const uint64_t acknowledged = Acknowledged(phone);
  EXPECT_GE(acknowledged, SyncEngine::kMaxChangesPerPush);
  EXPECT_LT(acknowledged, own) << "SIGTERM landed after the sync: the test proved nothing";

  ASSERT_THAT(server_->Restart(), IsOk());
  const LogCounts counts = ServerCounts(phone);
  EXPECT_EQ(counts.rows, acknowledged)
      << "a request the server handled while draining must deliver its answer";
  ExpectAcknowledgedInLog(phone);
  const SyncReport rest = Sync(phone);
  EXPECT_EQ(rest.pushed, own - acknowledged);
  EXPECT_EQ(rest.duplicates, 0u);
  TestDevice laptop = NewDevice(ana, "ana-laptop");
  Sync(laptop);
  EXPECT_EQ(Hash(phone.replica()), Hash(laptop.replica()));
}

// Hostile and malformed requests over TLS: each gets its status and an Error saying why,
// changes nothing in the log, and the server stays up for the next request.
TEST_F(SyncProcessTest, BadRequestsOverTheWireAreRefusedAndChangeNothing) {
  TestDevice ana = NewDevice(AddUser("Ana"), "ana-phone");
  TestDevice ben = NewDevice(AddUser("Ben"), "ben-phone");
  Sync(ana);
  Sync(ben);
  Result<EntityId> pursuit = ana.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  ASSERT_THAT(ana.device->Reflect(*pursuit, "Offline thoughts."), IsOk());
  const std::vector<Change> own = OwnChanges(ana);
  ASSERT_THAT(own, SizeIs(2));
  const uint64_t before = ServerLogSize();
  const std::string auth = "Bearer " + Token(ana);
  constexpr std::string_view kProtobuf = "application/x-protobuf";

  v1::PushRequest valid;
  valid.set_batch(EncodeChanges(own));
  std::string truncated_request = valid.SerializeAsString();
  truncated_request.resize(truncated_request.size() - 5);
  v1::PushRequest truncated_batch = valid;
  truncated_batch.mutable_batch()->resize(truncated_batch.batch().size() / 2);
  // One change with more ops than any change may have.
  Change huge = own[0];
  huge.ops.clear();
  for (size_t i = 0; i <= kMaxOpsPerChange; ++i) {
    huge.ops.push_back(Op::Put(*pursuit, "reflection", "x" + std::to_string(i)));
  }
  v1::PushRequest over_limit;
  over_limit.set_batch(EncodeChanges(std::vector<Change>{huge}));

  struct Case {
    std::string name;
    HttpRequest request;
    int status;
    std::string code;
    std::string message;
  };
  const std::string ct(kProtobuf);
  const std::vector<Case> cases = {
      {"garbage body",
       {"POST", "/v1/push", auth, ct, "\xff\xff\xff garbage"},
       400,
       "invalid_argument",
       "not a valid PushRequest"},
      {"truncated protobuf",
       {"POST", "/v1/push", auth, ct, truncated_request},
       400,
       "invalid_argument",
       "PushRequest"},
      {"truncated batch",
       {"POST", "/v1/push", auth, ct, truncated_batch.SerializeAsString()},
       400,
       "invalid_argument",
       "the pushed batch"},
      {"wrong content type",
       {"POST", "/v1/push", auth, "text/plain", valid.SerializeAsString()},
       400,
       "invalid_argument",
       "application/x-protobuf"},
      {"change over the op limit",
       {"POST", "/v1/push", auth, ct, over_limit.SerializeAsString()},
       413,
       "too_large",
       "ops"},
      {"forged actor",
       {"POST", "/v1/push", "Bearer " + Token(ben), ct, valid.SerializeAsString()},
       403,
       "permission_denied",
       "own changes"},
      {"path traversal",
       {"POST", "/v1/../../etc/passwd", auth, ct, ""},
       404,
       "not_found",
       "no such endpoint"},
      {"encoded traversal",
       {"GET", "/%2e%2e/%2e%2e/etc/passwd", "", "", ""},
       404,
       "not_found",
       "no such endpoint"},
      {"traversal after a route",
       {"POST", "/v1/push/../../etc/passwd", auth, ct, ""},
       404,
       "not_found",
       "no such endpoint"},
      {"wrong method", {"DELETE", "/v1/push", auth, ct, ""}, 405, "invalid_argument", "takes POST"},
      {"GET a POST route",
       {"GET", "/v1/pull", auth, "", ""},
       405,
       "invalid_argument",
       "takes POST"},
  };
  for (const Case& c : cases) {
    const HttpResponse response = Raw(c.request);
    EXPECT_EQ(response.status, c.status) << c.name;
    const v1::Error error = ErrorOf(response);
    EXPECT_EQ(error.code(), c.code) << c.name;
    EXPECT_THAT(error.message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_EQ(ServerLogSize(), before);

  // A string field that is not UTF-8: protobuf refuses the parse and complains on its own; the
  // complaint must arrive as a structured line, the log one JSON object per line throughout.
  v1::EnrolRequest enrol;
  enrol.set_code("ABCD-EFGH-JKMN-PQRS");
  enrol.set_actor(std::string(16, '\x01'));
  std::string bad_utf8 = enrol.SerializeAsString();
  const std::string name_field = std::string("\x1a\x04") + "\xff\xfe\xfd\xfc";  // field 3
  bad_utf8 += name_field;
  const HttpResponse refused_enrol = Raw({"POST", "/v1/enrol", "", ct, bad_utf8});
  EXPECT_EQ(refused_enrol.status, 400);
  EXPECT_THAT(ErrorOf(refused_enrol).message(), HasSubstr("EnrolRequest"));
  const std::string server_log = server_->Log();
  EXPECT_THAT(server_log, HasSubstr(R"("msg":"library message","library":"protobuf")"));
  std::istringstream lines(server_log);
  for (std::string line; std::getline(lines, line);) {
    boost::system::error_code error;
    const boost::json::value parsed = boost::json::parse(line, error);
    EXPECT_TRUE(!error && parsed.is_object()) << "not a JSON line: " << line;
  }

  // Bodies over 16 MiB: one that does not compress (Content-Length says too much), one that
  // the transport zstd-compresses to a few bytes (too much only once decompressed). The server
  // answers 413 and then the next request.
  std::string noise(size_t{17} << 20, '\0');
  std::mt19937_64 random(1);
  for (char& c : noise) c = static_cast<char>(random());
  const std::string zeros(size_t{17} << 20, 'z');
  for (const std::string* body : std::vector<const std::string*>{&noise, &zeros}) {
    const HttpResponse response = Raw({"POST", "/v1/push", auth, ct, *body});
    EXPECT_EQ(response.status, 413);
    const v1::Error error = ErrorOf(response);
    EXPECT_EQ(error.code(), "too_large");
    EXPECT_FALSE(error.retryable());
    EXPECT_THAT(error.message(), HasSubstr("16 MiB"));
    const HttpResponse health = Raw({"GET", "/healthz", "", "", ""});
    EXPECT_EQ(health.status, 200) << "the server answers the next request";
  }

  // What no HTTP library sends: an unknown method, a broken request line, an unencoded
  // traversal outside origin form. JSON errors, as curl users get them.
  struct RawCase {
    std::string name;
    std::string request;
    int status;
    std::string code;
  };
  const std::vector<RawCase> raw_cases = {
      {"unknown method",
       "BREW /v1/push HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: "
       "close\r\nContent-Length: 0\r\n\r\n",
       405, "invalid_argument"},
      {"broken request line", "GARBAGE\r\n\r\n", 400, "invalid_argument"},
      {"absolute traversal",
       "GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: "
       "close\r\n\r\n",
       404, "not_found"},
      // Refused before the headers are whole, so before Accept is known: a protobuf body.
      {"headers over 16 KiB",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(20000, 'p') + "\r\n\r\n",
       431, "too_large"},
  };
  for (const RawCase& c : raw_cases) {
    Result<std::string> answer = RawTlsExchange(server_->port(), server_->fingerprint(), c.request);
    ASSERT_THAT(answer.status(), IsOk()) << c.name;
    EXPECT_EQ(RawStatus(*answer), c.status) << c.name << ":\n" << *answer;
    if (c.status == 431) {
      const size_t body = answer->find("\r\n\r\n");
      ASSERT_NE(body, std::string::npos) << c.name;
      v1::Error error;
      ASSERT_TRUE(error.ParseFromString(answer->substr(body + 4))) << c.name;
      EXPECT_EQ(error.code(), c.code);
      EXPECT_FALSE(error.retryable());
      EXPECT_THAT(error.message(), HasSubstr("16 KiB"));
    } else if (c.status != 400) {
      EXPECT_THAT(*answer, HasSubstr("\"code\":\"" + c.code + "\"")) << c.name;
    }
  }
  EXPECT_EQ(ServerLogSize(), before);

  // After all of it, the device's real push goes through whole.
  const SyncReport report = Sync(ana);
  EXPECT_EQ(report.pushed, own.size());
  EXPECT_EQ(ServerLogSize(), before + own.size());
}

TEST_F(SyncProcessTest, HealthzAndMetricsCountExactlyTheAcceptedChanges) {
  const HttpResponse health = Raw({"GET", "/healthz", "", "", ""});
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, StartsWith("ok"));

  const uint64_t accepted_before = Metric("cairn_changes_accepted_total");
  const uint64_t duplicates_before = Metric("cairn_changes_duplicate_total");
  TestDevice phone = NewDevice(AddUser("Ana"), "ana-phone");
  Sync(phone);
  Result<EntityId> pursuit = phone.device->StartPursuit(kMicroCredential);
  ASSERT_THAT(pursuit.status(), IsOk());
  for (int i = 0; i < 4; ++i) {
    ASSERT_THAT(phone.device->Reflect(*pursuit, "draft " + std::to_string(i)), IsOk());
  }
  EXPECT_EQ(Sync(phone).pushed, 5u);
  EXPECT_EQ(Metric("cairn_changes_accepted_total"), accepted_before + 5);

  // The same changes again, as a retried push: duplicates, not accepted.
  v1::PushRequest replay;
  replay.set_batch(EncodeChanges(OwnChanges(phone)));
  const HttpResponse response = Raw({"POST", "/v1/push", "Bearer " + Token(phone),
                                     "application/x-protobuf", replay.SerializeAsString()});
  ASSERT_EQ(response.status, 200);
  v1::PushResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response.body));
  EXPECT_EQ(answer.accepted(), 0u);
  EXPECT_EQ(answer.duplicates(), 5u);
  EXPECT_EQ(Metric("cairn_changes_accepted_total"), accepted_before + 5);
  EXPECT_EQ(Metric("cairn_changes_duplicate_total"), duplicates_before + 5);
}

}  // namespace
}  // namespace cairn
