// Forwarding with real processes (decision 0013): a `cairn-server serve`, a teacher's device (the
// real `cairn` CLI) and a receiving issuer — a real HTTP receiver (webhook_receiver.py) that
// fails the first deliveries with 500, verifies the HMAC signature and the timestamp, and records
// what it accepts; and, for the git target, a bare repository on disk.
//
// What must hold: a complete submission is accepted exactly once by idempotency key, across
// retries and a SIGKILL of the server while its delivery is failing; an incomplete one (a blob
// never uploaded) is never forwarded; the device shows "forwarded" after its next sync; the git
// remote gets one commit per submission holding every evidence file with the right SHA-256,
// and re-delivery adds none.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/evidence_fixture.h"

namespace cairn::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kIssuer = "northbridge-institute";  // the demo catalog's issuer
constexpr std::string_view kContext =
    "Grade 7 science, 28 students, a lesson on photosynthesis. The objective was that every "
    "student can name the inputs and outputs of photosynthesis and explain where the energy "
    "comes from.";

// Where webhook_receiver.py is.
std::string ThisDir() { return CAIRN_INTEGRATION_DIR; }

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Sha256HexOf(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 0xF]);
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// Polls `done` every 50 ms for up to `limit`.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class ForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.File("server"));
    ASSERT_THAT(server_->PublishCatalog(CAIRN_DEMO_CATALOG), IsOk());
    // Short delays: a failed delivery is retried within a quarter of a second.
    const std::string config = dir_.File("serve.conf");
    WriteFile(config,
              "forward_backoff_ms = 150\nforward_backoff_max_ms = 400\n"
              "public_url = https://cairn.example.org\n");
    server_->SetServeArgs({"--config", config});
  }

  void TearDown() override {
    if (receiver_ > 0) {
      ::kill(receiver_, SIGKILL);
      WaitForExit(receiver_, std::chrono::seconds(10));
    }
    if (server_->running()) {
      EXPECT_THAT(server_->Stop(), IsOk());
    }
    if (HasFailure()) std::cerr << "--- server log (tail) ---\n" << server_->LogTail(40) << "\n";
  }

  // Starts the receiver; returns its URL.
  std::string StartReceiver(int fail_first) {
    WriteFile(dir_.File("secret"), "0123456789abcdef0123456789abcdef-receiver-secret\n");
    const std::string port_file = dir_.File("receiver.port");
    Result<pid_t> pid =
        StartProgram({"/usr/bin/python3", ThisDir() + "/webhook_receiver.py", "--secret-file",
                      dir_.File("secret"), "--record", dir_.File("received.log"), "--port-file",
                      port_file, "--fail-first", std::to_string(fail_first)},
                     dir_.File("receiver.out"), dir_.File("receiver.err"));
    EXPECT_THAT(pid.status(), IsOk());
    receiver_ = pid.ok() ? *pid : -1;
    EXPECT_TRUE(WaitFor([&] { return !ReadFileOrEmpty(port_file).empty(); }))
        << ReadFileOrEmpty(dir_.File("receiver.err"));
    std::string port = ReadFileOrEmpty(port_file);
    while (!port.empty() && port.back() == '\n') port.pop_back();
    return "http://127.0.0.1:" + port + "/hooks/cairn";
  }

  std::vector<std::string> Received() { return Lines(ReadFileOrEmpty(dir_.File("received.log"))); }
  size_t CountReceived(std::string_view kind, const std::string& key) {
    size_t n = 0;
    for (const std::string& line : Received()) {
      if (line.starts_with(std::string(kind) + " " + key)) ++n;
    }
    return n;
  }

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
        << "cairn" << command << ": " << result->exit.ToString() << "\nstdout: " << result->out
        << "\nstderr: " << result->err;
    return *result;
  }

  std::string NewHome(const std::string& name) {
    Result<std::string> user = server_->AddUser("Ana");
    EXPECT_THAT(user.status(), IsOk());
    std::string home = dir_.File(name);
    Result<std::string> code = server_->EnrolCode(*user);
    EXPECT_THAT(code.status(), IsOk());
    Cli(home, {"init", "--server", server_->url(), "--pin", server_->fingerprint(), "--enrol",
               *code, "--device-name", name});
    Cli(home, {"sync"});
    return home;
  }

  // A pursuit of the demo micro-credential, answered, with a captured video and two captured
  // photos of student work, submitted. Returns the evidence files' SHA-256s (hex).
  std::vector<std::string> SubmitWithEvidence(const std::string& home, uint64_t seed) {
    const std::string pursuit = LastLineOf(Cli(home, {"pursue", "exit-tickets"}).out);
    Cli(home, {"answer", pursuit, "context", std::string(kContext)});
    Cli(home, {"answer", pursuit, "design", "Three questions, each checking the objective."});
    const std::string video = dir_.File("lesson-" + std::to_string(seed) + ".mp4");
    WriteVideo(video, 300'000, seed);
    Cli(home, {"capture", video, "--pursuit", pursuit, "--requirement", "classroom-video",
               "--caption", "The exit ticket, handed out"});
    std::vector<std::string> shas = {FileSha256Hex(video)};
    for (int i = 0; i < 2; ++i) {
      const std::string photo =
          dir_.File("work-" + std::to_string(seed) + "-" + std::to_string(i) + ".png");
      WriteFile(photo, std::string("\x89PNG\r\n\x1a\n", 8) + "student work " +
                           std::to_string(seed) + "/" + std::to_string(i));
      Cli(home, {"capture", photo, "--pursuit", pursuit, "--requirement", "student-work"});
      shas.push_back(FileSha256Hex(photo));
    }
    Cli(home, {"reflect", pursuit, "The tickets showed me who needed a second explanation."});
    Cli(home, {"submit", pursuit});
    return shas;
  }

  // The submission ids of the outbox rows in `state` (from `outbox list`).
  std::vector<std::string> Outbox(const std::string& state) {
    Result<std::string> out = server_->AdminOk({"outbox", "list", "--state", state});
    EXPECT_THAT(out.status(), IsOk());
    std::vector<std::string> ids;
    if (!out.ok()) return ids;
    const std::vector<std::string> lines = Lines(*out);
    for (size_t i = 1; i < lines.size(); ++i) ids.push_back(lines[i].substr(0, 36));
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  pid_t receiver_ = -1;
};

TEST_F(ForwardTest, WebhookAcceptsEachCompleteSubmissionOnceAcrossRetriesAndASigkill) {
  // Three failures in a row: the server is killed after the first, so the delivery is pending
  // and failing when it dies.
  const std::string url = StartReceiver(/*fail_first=*/3);
  ASSERT_THAT(url, Not(HasSubstr("1:/"))) << "the receiver did not start";
  ASSERT_THAT(
      server_
          ->AdminOk({"issuer", "add", std::string(kIssuer), "--name", "Northbridge", "--webhook",
                     url, "--secret-file", dir_.File("secret"), "--max-attempts", "20"})
          .status(),
      IsOk());
  ASSERT_THAT(server_->Start(), IsOk());
  const std::string home = NewHome("phone");
  const std::vector<std::string> shas = SubmitWithEvidence(home, 1);

  // An incomplete submission: its evidence names a blob the device does not have, so it can
  // never be uploaded.
  const std::string waiting = LastLineOf(Cli(home, {"pursue", "exit-tickets"}).out);
  Cli(home, {"answer", waiting, "context", std::string(kContext)});
  Cli(home, {"answer", waiting, "design", "Two questions."});
  Cli(home, {"evidence", "add", waiting, "classroom-video", "--sha256", std::string(64, 'a'),
             "--size", "1000", "--type", "video/mp4"});
  for (int i = 0; i < 2; ++i) {
    Cli(home, {"evidence", "add", waiting, "student-work", "--sha256",
               std::string(63, 'b') + std::to_string(i), "--size", "10", "--type", "image/png"});
  }
  Cli(home, {"reflect", waiting, "Not all of it is here."});
  Cli(home, {"submit", waiting});
  Cli(home, {"sync"});

  // The complete one is in the outbox; the first delivery fails (500), then the server dies.
  ASSERT_TRUE(WaitFor([&] { return !Received().empty(); })) << server_->LogTail();
  const std::vector<std::string> pending = Outbox("pending");
  ASSERT_EQ(pending.size(), 1u) << "only the complete submission is queued";
  const std::string& id = pending[0];
  EXPECT_GE(CountReceived("failed", id), 1u);
  ASSERT_THAT(server_->Kill(), IsOk());
  ASSERT_THAT(server_->Restart(), IsOk());

  // Restarted, the server resumes the pending delivery: more failures, then one acceptance.
  ASSERT_TRUE(WaitFor([&] { return CountReceived("accepted", id) == 1; })) << server_->LogTail();
  ASSERT_TRUE(WaitFor([&] { return Outbox("delivered").size() == 1; }));
  EXPECT_EQ(CountReceived("failed", id), 3u);
  EXPECT_EQ(CountReceived("refused", ""), 0u) << "every delivery was signed and fresh";

  // The envelope the issuer accepted.
  std::string accepted_file;
  for (const std::string& line : Received()) {
    if (line.starts_with("accepted " + id)) accepted_file = line.substr(line.rfind(' ') + 1);
  }
  const std::string envelope = ReadFileOrEmpty(accepted_file);
  EXPECT_THAT(envelope, HasSubstr("\"submission_id\":\"" + id + "\""));
  EXPECT_THAT(envelope, HasSubstr("\"micro_credential\":{\"id\":\"exit-tickets\""));
  EXPECT_THAT(envelope, HasSubstr("\"name\":\"Ana\""));
  for (const std::string& sha : shas) {
    EXPECT_THAT(envelope, HasSubstr("\"sha256\":\"" + sha + "\""));
    EXPECT_THAT(envelope, HasSubstr("https://cairn.example.org/v1/issuer/submissions/" + id +
                                    "/evidence/" + sha));
  }

  // An operator's retry of the delivered row sends it again: the receiver sees the same key
  // and accepts nothing new.
  ASSERT_THAT(server_->AdminOk({"outbox", "retry", id}).status(), IsOk());
  ASSERT_TRUE(WaitFor([&] { return CountReceived("duplicate", id) == 1; })) << server_->LogTail();
  EXPECT_EQ(CountReceived("accepted", id), 1u);

  // The device learns it on its next sync.
  Cli(home, {"sync"});
  const std::string status = Cli(home, {"status", "--json"}).out;
  EXPECT_THAT(status, HasSubstr("\"status\":\"forwarded\"")) << status;
  EXPECT_THAT(status, HasSubstr("\"status\":\"received\""))
      << "the incomplete one is held but not forwarded: " << status;

  // The incomplete submission never left, however long we wait.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Outbox("pending").size(), 0u);
  size_t accepted = 0;
  for (const std::string& line : Received()) accepted += line.starts_with("accepted ") ? 1 : 0;
  EXPECT_EQ(accepted, 1u);
  const Result<std::string> show = server_->AdminOk({"outbox", "show", id});
  ASSERT_THAT(show.status(), IsOk());
  EXPECT_THAT(*show, HasSubstr("state: delivered"));
  EXPECT_THAT(*show, HasSubstr("\"idempotency_key\":\"" + id + "\""));
}

TEST_F(ForwardTest, GitRemoteGetsOneCommitPerSubmissionWithEveryEvidenceFile) {
  const std::string remote = dir_.File("issuer-submissions.git");
  Result<ProgramResult> init =
      RunProgram({"/usr/bin/git", "init", "--bare", "--initial-branch=main", remote},
                 dir_.File("git-scratch"));
  ASSERT_THAT(init.status(), IsOk());
  ASSERT_TRUE(init->exit.Ok()) << init->err;
  ASSERT_THAT(server_
                  ->AdminOk({"issuer", "add", std::string(kIssuer), "--name", "Northbridge",
                             "--git", remote})
                  .status(),
              IsOk());
  ASSERT_THAT(server_->Start(), IsOk());
  const std::string home = NewHome("phone");
  const std::vector<std::string> first_shas = SubmitWithEvidence(home, 1);
  Cli(home, {"sync"});
  ASSERT_TRUE(WaitFor([&] { return Outbox("delivered").size() == 1; })) << server_->LogTail();
  const std::string first = Outbox("delivered")[0];

  const auto git = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/git", "--git-dir", remote};
    argv.insert(argv.end(), args.begin(), args.end());
    Result<ProgramResult> result = RunProgram(argv, dir_.File("git-scratch"));
    EXPECT_THAT(result.status(), IsOk());
    EXPECT_TRUE(result.ok() && result->exit.Ok()) << (result.ok() ? result->err : "");
    return result.ok() ? result->out : std::string();
  };
  const auto commits = [&] { return LastLineOf(git({"rev-list", "--count", "main"})); };
  EXPECT_EQ(commits(), "1");

  // The tree: the envelope and every evidence file, each with the bytes the device captured.
  const std::vector<std::string> files =
      Lines(git({"ls-tree", "-r", "--name-only", "main", "submissions/" + first}));
  ASSERT_EQ(files.size(), 4u) << git({"ls-tree", "-r", "main"});
  EXPECT_EQ(files[0],
            "submissions/" + first + "/evidence/classroom-video/" + first_shas[0] + ".mp4");
  for (const std::string& sha : first_shas) {
    bool found = false;
    for (const std::string& file : files) {
      if (file.find(sha) == std::string::npos) continue;
      found = true;
      EXPECT_EQ(Sha256HexOf(git({"cat-file", "blob", "main:" + file})), sha) << file;
    }
    EXPECT_TRUE(found) << sha;
  }
  EXPECT_THAT(git({"cat-file", "blob", "main:submissions/" + first + "/submission.json"}),
              HasSubstr("\"submission_id\":\"" + first + "\""));
  EXPECT_THAT(git({"log", "-1", "--format=%an <%ae>"}), HasSubstr("Cairn <cairn@invalid>"));

  // Re-delivery (an operator's retry) finds the submission on the branch: no new commit.
  ASSERT_THAT(server_->AdminOk({"outbox", "retry", first}).status(), IsOk());
  ASSERT_TRUE(WaitFor([&] { return Outbox("delivered").size() == 1; }));
  ASSERT_TRUE(WaitFor([&] {
    return server_->Log().find("\"new_commit\":false") != std::string::npos;
  })) << server_->LogTail();
  EXPECT_EQ(commits(), "1");

  // A second submission: one more commit, on top of the first.
  SubmitWithEvidence(home, 2);
  Cli(home, {"sync"});
  ASSERT_TRUE(WaitFor([&] { return Outbox("delivered").size() == 2; })) << server_->LogTail();
  EXPECT_EQ(commits(), "2");
  EXPECT_EQ(Lines(git({"ls-tree", "--name-only", "main", "submissions/"})).size(), 2u);

  // A restart redoes nothing: the deliveries are recorded.
  ASSERT_THAT(server_->Kill(), IsOk());
  ASSERT_THAT(server_->Restart(), IsOk());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(commits(), "2");
  Cli(home, {"sync"});
  EXPECT_THAT(Cli(home, {"status", "--json"}).out, Not(HasSubstr("\"status\":\"received\"")));
}

}  // namespace
}  // namespace cairn::testing
