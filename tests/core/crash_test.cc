// Crash tests of the device store. A writer process (crash_writer_main.cc) commits changes to a
// replica and reports each commit on stdout; the test kills it with SIGKILL at random points and
// checks that the store reopens, passes PRAGMA integrity_check and holds every change the writer
// reported committed. A second test damages the tail of a killed writer's -wal file and checks
// the store still opens as a consistent prefix of the commits.
//
// Every random choice comes from a fixed seed, so a failure replays with the same kill points.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/ids.h"
#include "cairn/replica.h"
#include "cairn/status.h"
#include "support/fakes.h"

namespace cairn {
namespace {

using ::cairn::testing::TempDir;

constexpr char kWriterPath[] = CAIRN_CRASH_WRITER;
// Far more than any run gets through before it is killed.
constexpr int kWriterCount = 100'000;
// A child that prints nothing for this long is hung: it is killed and the test fails.
constexpr int kSilenceTimeoutMs = 10'000;
constexpr char kSharedSetName[] = "crash-test-shared-set";

// One line the writer printed: a change it saw committed.
struct Report {
  uint64_t seq = 0;
  EntityId id;
  size_t text_size = 0;
};

// When to kill the writer: after it has reported `after_reports` commits, plus `extra_delay`
// so that the kill also lands in the middle of a commit.
struct KillPoint {
  size_t after_reports = 1;
  std::chrono::microseconds extra_delay{0};
};

// A writer process with its stdout on a pipe. The destructor kills and reaps it if the test
// left early, so no child outlives the test.
class WriterProcess {
 public:
  WriterProcess() = default;
  WriterProcess(const WriterProcess&) = delete;
  WriterProcess& operator=(const WriterProcess&) = delete;
  ~WriterProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int ignored = 0;
      waitpid(pid_, &ignored, 0);
    }
    if (out_fd_ >= 0) close(out_fd_);
  }

  Status Start(const std::string& store, uint64_t seed) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe2: ") + strerror(errno));
    out_fd_ = fds[0];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 onto stdout clears close-on-exec for the child's copy only.
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::vector<std::string> args = {kWriterPath, store, std::to_string(kWriterCount),
                                     std::to_string(seed)};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, kWriterPath, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      pid_ = -1;
      return Internal(std::string("posix_spawn ") + kWriterPath + ": " + strerror(rc));
    }
    return {};
  }

  // Reads the writer's reports as they come, kills it at `kill_point`, and keeps reading to EOF
  // so that lines printed just before it died count too. Fails if the writer hangs, exits on its
  // own or prints something malformed.
  Result<std::vector<Report>> RunUntilKilled(KillPoint kill_point) {
    std::vector<Report> reports;
    std::string pending;
    bool killed = false;
    char buffer[4096];
    while (true) {
      pollfd poll_fd{out_fd_, POLLIN, 0};
      const int ready = poll(&poll_fd, 1, kSilenceTimeoutMs);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return Internal(std::string("poll: ") + strerror(errno));
      if (ready == 0) {
        Reap(/*kill_first=*/true);
        return Internal("the writer printed nothing for " + std::to_string(kSilenceTimeoutMs) +
                        " ms after " + std::to_string(reports.size()) + " reports");
      }
      const ssize_t n = read(out_fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal(std::string("read: ") + strerror(errno));
      if (n == 0) break;  // EOF: the writer is gone.
      pending.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        const std::string line = pending.substr(0, newline);
        pending.erase(0, newline + 1);
        Result<Report> report = ParseReport(line);
        if (!report.ok()) {
          Reap(/*kill_first=*/true);
          return report.status();
        }
        reports.push_back(*report);
      }
      if (!killed && reports.size() >= kill_point.after_reports) {
        std::this_thread::sleep_for(kill_point.extra_delay);
        kill(pid_, SIGKILL);
        killed = true;
      }
    }
    // A torn last line (no newline) was never fully reported; it does not count.
    const int wait_status = Reap(/*kill_first=*/false);
    if (!killed || !WIFSIGNALED(wait_status) || WTERMSIG(wait_status) != SIGKILL) {
      return Internal("the writer ended on its own (wait status " + std::to_string(wait_status) +
                      ") after " + std::to_string(reports.size()) +
                      " reports; see its stderr above");
    }
    return reports;
  }

 private:
  static Result<Report> ParseReport(const std::string& line) {
    std::istringstream in(line);
    uint64_t seq = 0;
    std::string id_text;
    size_t size = 0;
    std::string extra;
    if (!(in >> seq >> id_text >> size) || (in >> extra)) {
      return Internal("malformed writer line: '" + line + "'");
    }
    Result<EntityId> id = Id128::Parse(id_text);
    if (!id.ok()) return id.status().Annotate("writer line '" + line + "'");
    return Report{seq, *id, size};
  }

  // Waits for the child and returns its wait status.
  int Reap(bool kill_first) {
    if (pid_ <= 0) return 0;
    if (kill_first) kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
};

// Runs one writer on `store` and kills it at `kill_point`; returns what it reported.
Result<std::vector<Report>> RunWriterAndKill(const std::string& store, uint64_t seed,
                                             KillPoint kill_point) {
  WriterProcess writer;
  CAIRN_RETURN_IF_ERROR(writer.Start(store, seed));
  return writer.RunUntilKilled(kill_point);
}

// Runs PRAGMA integrity_check on its own SQLite connection; returns the rows joined by '\n'
// ("ok" for a sound file).
std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  // No SQLITE_OPEN_CREATE: a missing store must fail, not come back empty.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    std::string error = "cannot open: " + std::string(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
  std::string out;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (!out.empty()) out += '\n';
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out += text ? reinterpret_cast<const char*>(text) : "(null)";
    }
  }
  if (rc != SQLITE_DONE) out += "\nsqlite error: " + std::string(sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::unique_ptr<Replica> OpenReplica(const std::string& path) {
  Result<std::unique_ptr<Replica>> replica = Replica::Open(path, ReplicaOptions{});
  EXPECT_TRUE(replica.ok()) << replica.status();
  return replica.ok() ? std::move(replica).value() : nullptr;
}

uint64_t LocalVersion(const Replica& replica) {
  const VersionVector version = replica.Version();
  const auto it = version.find(replica.actor());
  return it == version.end() ? 0 : it->second;
}

std::set<EntityId> SharedSetMembers(Replica& replica) {
  Result<std::optional<EntityData>> shared = replica.Get(NameBasedId(kSharedSetName));
  EXPECT_TRUE(shared.ok()) << shared.status();
  std::set<EntityId> members;
  if (!shared.ok() || !shared->has_value()) return members;
  for (const Value& element : (*shared)->Elements("members")) {
    if (const auto* id = std::get_if<EntityId>(&element)) members.insert(*id);
  }
  return members;
}

// Expects the entity of `report` to hold exactly what the writer committed: an "n" field and a
// "text" field of the reported size, filled with the letter the writer derives from n.
void ExpectReportedEntity(Replica& replica, const Report& report) {
  Result<std::optional<EntityData>> entity = replica.Get(report.id);
  ASSERT_TRUE(entity.ok()) << entity.status();
  ASSERT_TRUE(entity->has_value()) << "seq " << report.seq << ": entity " << report.id.ToString()
                                   << " was reported committed but is missing";
  const std::optional<int64_t> n = (*entity)->GetInteger("n");
  ASSERT_TRUE(n.has_value()) << "seq " << report.seq << ": field n is missing";
  const std::string* text = (*entity)->GetText("text");
  ASSERT_NE(text, nullptr) << "seq " << report.seq << ": field text is missing";
  EXPECT_EQ(text->size(), report.text_size) << "seq " << report.seq;
  const char letter = static_cast<char>('a' + *n % 26);
  EXPECT_EQ(std::count(text->begin(), text->end(), letter),
            static_cast<std::ptrdiff_t>(text->size()))
      << "seq " << report.seq << ": text is not all '" << letter << "'";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

TEST(CrashRecovery, SigkillAtRandomPointsLosesNoReportedCommit) {
  constexpr int kRuns = 24;
  TempDir dir;
  // One store for every run: each writer appends to what the killed ones left, so recovery
  // from a crashed WAL happens again and again on a growing file.
  const std::string store = dir.File("device.db");
  std::mt19937 rng(20240601);
  std::vector<Report> all_reports;
  uint64_t version = 0;  // the local actor's highest seq after the last reopen
  for (int run = 0; run < kRuns; ++run) {
    const uint64_t seed = 1000 + static_cast<uint64_t>(run);
    KillPoint kill_point;
    kill_point.after_reports = std::uniform_int_distribution<size_t>(1, 300)(rng);
    kill_point.extra_delay =
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng));
    SCOPED_TRACE("run " + std::to_string(run) + ", writer seed " + std::to_string(seed) +
                 ", kill after " + std::to_string(kill_point.after_reports) + " reports + " +
                 std::to_string(kill_point.extra_delay.count()) + " us");

    Result<std::vector<Report>> reports = RunWriterAndKill(store, seed, kill_point);
    ASSERT_TRUE(reports.ok()) << reports.status();
    ASSERT_GE(reports->size(), kill_point.after_reports);
    // The writer reopened the store the test left at `version` and counts on from there.
    for (size_t i = 0; i < reports->size(); ++i) {
      ASSERT_EQ((*reports)[i].seq, version + 1 + i) << "report " << i << " of this run";
    }
    // The killed writer never closed the store, so its WAL is left for recovery.
    std::error_code error;
    const uintmax_t wal_size = std::filesystem::file_size(store + "-wal", error);
    EXPECT_FALSE(error) << store << "-wal: " << error.message();
    EXPECT_TRUE(error || wal_size > 0) << "the killed writer left an empty WAL";
    all_reports.insert(all_reports.end(), reports->begin(), reports->end());

    std::unique_ptr<Replica> replica = OpenReplica(store);
    ASSERT_NE(replica, nullptr);
    // A second connection, while the replica holds the recovered WAL open.
    EXPECT_EQ(IntegrityCheck(store), "ok");
    const uint64_t reported = reports->back().seq;
    version = LocalVersion(*replica);
    EXPECT_GE(version, reported) << "reported commits were lost";
    // At most the one commit the writer made but did not get to print.
    EXPECT_LE(version, reported + 1) << "more commits than the writer reported";
    // Every commit of every run so far, not just this one: a later recovery must not lose an
    // earlier run's work either.
    for (const Report& report : all_reports) {
      ASSERT_NO_FATAL_FAILURE(ExpectReportedEntity(*replica, report));
    }
    const std::set<EntityId> members = SharedSetMembers(*replica);
    for (const Report& report : all_reports) {
      ASSERT_TRUE(members.contains(report.id))
          << "seq " << report.seq << ": " << report.id.ToString() << " is not in the shared set";
    }
    EXPECT_GE(members.size(), all_reports.size());
    replica.reset();  // close before the next writer starts
  }
}

TEST(CrashRecovery, DamagedWalTailOpensAsACommittedPrefix) {
  TempDir dir;
  const std::filesystem::path source = dir.path() / "source";
  std::filesystem::create_directory(source);
  const std::string store = (source / "device.db").string();
  std::mt19937 rng(7);

  // A first writer creates the store; reopening and closing it checkpoints everything into the
  // main file and removes the WAL, so the second writer's WAL holds only its own commits.
  Result<std::vector<Report>> first = RunWriterAndKill(store, 1, KillPoint{20, {}});
  ASSERT_TRUE(first.ok()) << first.status();
  uint64_t base_version = 0;
  {
    std::unique_ptr<Replica> replica = OpenReplica(store);
    ASSERT_NE(replica, nullptr);
    base_version = LocalVersion(*replica);
  }
  ASSERT_FALSE(std::filesystem::exists(store + "-wal"));
  // Few enough commits that the WAL stays under SQLite's 1000-frame auto-checkpoint: the main
  // file is then exactly the base state, and any prefix of the WAL is a state some crash could
  // leave. (Cutting a WAL whose frames were already copied into the main file would mix
  // versions of pages, which no crash can do.)
  const KillPoint kill_point{
      std::uniform_int_distribution<size_t>(10, 25)(rng),
      std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng))};
  Result<std::vector<Report>> second = RunWriterAndKill(store, 2, kill_point);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_FALSE(second->empty());

  // The writer is dead and reaped: nothing has the store open while it is copied.
  const std::string db_bytes = ReadFile(store);
  const std::string wal_bytes = ReadFile(store + "-wal");
  ASSERT_GT(wal_bytes.size(), 32u);
  const uint32_t page_size = (static_cast<uint32_t>(static_cast<uint8_t>(wal_bytes[8])) << 24) |
                             (static_cast<uint32_t>(static_cast<uint8_t>(wal_bytes[9])) << 16) |
                             (static_cast<uint32_t>(static_cast<uint8_t>(wal_bytes[10])) << 8) |
                             static_cast<uint32_t>(static_cast<uint8_t>(wal_bytes[11]));
  ASSERT_GT(page_size, 0u);
  ASSERT_LT((wal_bytes.size() - 32) / (page_size + 24), 1000u)
      << "the writer reached an auto-checkpoint; lower its kill point";

  struct Damage {
    size_t keep;     // bytes of the WAL kept
    size_t garbage;  // random bytes appended after them
  };
  std::vector<Damage> damages;
  std::uniform_int_distribution<size_t> any_length(0, wal_bytes.size());
  std::uniform_int_distribution<size_t> garbage_length(1, 3 * (page_size + 24));
  for (int i = 0; i < 5; ++i) damages.push_back({any_length(rng), 0});
  for (int i = 0; i < 3; ++i) damages.push_back({any_length(rng), garbage_length(rng)});
  damages.push_back({wal_bytes.size(), garbage_length(rng)});  // intact WAL, garbage after it
  damages.push_back({16, 0});                                  // torn WAL header

  for (size_t i = 0; i < damages.size(); ++i) {
    const Damage& damage = damages[i];
    SCOPED_TRACE("WAL of " + std::to_string(wal_bytes.size()) + " bytes cut to " +
                 std::to_string(damage.keep) + " + " + std::to_string(damage.garbage) +
                 " garbage bytes");
    const std::filesystem::path copy_dir = dir.path() / ("copy" + std::to_string(i));
    std::filesystem::create_directory(copy_dir);
    const std::string copy = (copy_dir / "device.db").string();
    ASSERT_NO_FATAL_FAILURE(WriteFile(copy, db_bytes));
    std::string wal = wal_bytes.substr(0, damage.keep);
    for (size_t b = 0; b < damage.garbage; ++b) wal.push_back(static_cast<char>(rng()));
    ASSERT_NO_FATAL_FAILURE(WriteFile(copy + "-wal", wal));

    std::unique_ptr<Replica> replica = OpenReplica(copy);
    ASSERT_NE(replica, nullptr);
    EXPECT_EQ(IntegrityCheck(copy), "ok");
    const uint64_t version = LocalVersion(*replica);
    EXPECT_GE(version, base_version) << "checkpointed commits were lost";
    EXPECT_LE(version, second->back().seq + 1);
    if (damage.keep == wal_bytes.size()) {
      EXPECT_GE(version, second->back().seq) << "garbage after an intact WAL lost commits";
    }
    // The state is exactly the commits up to `version`: each change is all there or absent.
    const std::set<EntityId> members = SharedSetMembers(*replica);
    for (const Report& report : *second) {
      if (report.seq <= version) {
        ASSERT_NO_FATAL_FAILURE(ExpectReportedEntity(*replica, report));
        EXPECT_TRUE(members.contains(report.id)) << "seq " << report.seq;
      } else {
        Result<std::optional<EntityData>> entity = replica->Get(report.id);
        ASSERT_TRUE(entity.ok()) << entity.status();
        EXPECT_FALSE(entity->has_value()) << "seq " << report.seq << " is past the version "
                                          << version << " but its entity exists";
        EXPECT_FALSE(members.contains(report.id)) << "seq " << report.seq;
      }
    }
    for (const Report& report : *first) {
      ASSERT_NO_FATAL_FAILURE(ExpectReportedEntity(*replica, report));
    }
    // The change log agrees with the state: every held change can be exported.
    Result<std::vector<Change>> log = replica->ChangesSince({});
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_EQ(log->size(), version);
  }
}

}  // namespace
}  // namespace cairn
