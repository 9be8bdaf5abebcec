// Child processes for the integration tests: see server_process.h.
#include "server_process.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#ifndef CAIRN_SERVER_BINARY
#error "CAIRN_SERVER_BINARY must name the cairn-server executable"
#endif

namespace cairn::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(2);

// Starts argv[0] with stdin from /dev/null and stdout/stderr into the given files.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::string& out_path,
                    const std::string& err_path) {
  if (argv.empty()) return InvalidArgument("no program to run");
  // Everything the child needs is prepared before fork: it may only call async-signal-safe
  // functions afterwards (the test process has other threads).
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const char* out_c = out_path.c_str();
  const char* err_c = err_path.c_str();

  const pid_t pid = ::fork();
  if (pid < 0) return Internal(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    const int in = ::open("/dev/null", O_RDONLY);
    const int out = ::open(out_c, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_c, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(126);
    // No socket or file of the test process may stay open in the child.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 65536; ++fd) ::close(fd);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

ExitInfo FromWaitStatus(int status) {
  if (WIFEXITED(status)) return {true, WEXITSTATUS(status)};
  return {false, WIFSIGNALED(status) ? WTERMSIG(status) : -1};
}

std::string Chomp(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

Result<pid_t> StartProgram(const std::vector<std::string>& argv, const std::string& out_path,
                           const std::string& err_path) {
  return Spawn(argv, out_path, err_path);
}

std::string ExitInfo::ToString() const {
  return exited ? "exit code " + std::to_string(code) : "signal " + std::to_string(code);
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::optional<ExitInfo> WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return FromWaitStatus(status);
    if (done < 0 && errno != EINTR) return ExitInfo{false, -1};
    if (SteadyClock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                 const std::string& scratch_dir,
                                 std::chrono::milliseconds timeout) {
  static std::atomic<uint64_t> counter{0};
  std::error_code ec;
  std::filesystem::create_directories(scratch_dir, ec);
  const std::string stem = scratch_dir + "/run-" + std::to_string(::getpid()) + "-" +
                           std::to_string(counter.fetch_add(1));
  const std::string out_path = stem + ".out";
  const std::string err_path = stem + ".err";
  CAIRN_ASSIGN_OR_RETURN(const pid_t pid, Spawn(argv, out_path, err_path));
  std::optional<ExitInfo> exit = WaitForExit(pid, timeout);
  if (!exit) {
    ::kill(pid, SIGKILL);
    WaitForExit(pid, std::chrono::seconds(10));
    return Unavailable(argv[0] + " ran longer than " + std::to_string(timeout.count()) +
                       " ms; stderr: " + ReadFileOrEmpty(err_path));
  }
  ProgramResult result{*exit, ReadFileOrEmpty(out_path), ReadFileOrEmpty(err_path)};
  std::filesystem::remove(out_path, ec);
  std::filesystem::remove(err_path, ec);
  return result;
}

ServerProcess::ServerProcess(std::string work_dir)
    : work_dir_(std::move(work_dir)), data_dir_(work_dir_ + "/data") {
  std::filesystem::create_directories(work_dir_);
}

ServerProcess::~ServerProcess() {
  if (running()) (void)Kill();
}

Result<ProgramResult> ServerProcess::Admin(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CAIRN_SERVER_BINARY, "--data", data_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(argv, work_dir_ + "/admin");
}

Result<std::string> ServerProcess::AdminOk(const std::vector<std::string>& args) {
  CAIRN_ASSIGN_OR_RETURN(ProgramResult result, Admin(args));
  if (!result.exit.Ok()) {
    std::string command;
    for (const std::string& arg : args) command += " " + arg;
    return Internal("cairn-server" + command + " failed (" + result.exit.ToString() +
                    "): " + result.err);
  }
  return Chomp(result.out);
}

Result<std::string> ServerProcess::AddUser(const std::string& name, const std::string& role) {
  return AdminOk({"user", "add", "--name", name, "--role", role});
}

Result<std::string> ServerProcess::EnrolCode(const std::string& user) {
  return AdminOk({"enrol-code", user});
}

Result<std::string> ServerProcess::DeviceIdByName(const std::string& device_name) {
  CAIRN_ASSIGN_OR_RETURN(const std::string table, AdminOk({"device", "list"}));
  // Columns: ID  USER  NAME  ACTOR  CREATED  REVOKED, separated by two or more spaces.
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::vector<std::string> columns;
    size_t at = 0;
    while (at < line.size()) {
      size_t end = line.find("  ", at);
      if (end == std::string::npos) end = line.size();
      if (end > at) columns.push_back(line.substr(at, end - at));
      at = line.find_first_not_of(' ', end);
      if (at == std::string::npos) break;
    }
    if (columns.size() >= 3 && columns[2] == device_name) return columns[0];
  }
  return NotFound("no device named '" + device_name + "' in:\n" + table);
}

Status ServerProcess::PublishCatalog(const std::string& catalog_file) {
  return AdminOk({"catalog", "publish", catalog_file}).status();
}

Status ServerProcess::Start() {
  if (running()) return FailedPrecondition("the server is running already");
  if (port_ != 0) {
    Status s = StartOn(port_);
    if (s.ok()) return s;
    // The port was taken meanwhile (rare on loopback): any free one will do.
  }
  return StartOn(0);
}

Status ServerProcess::StartOn(uint16_t port) {
  ++starts_;
  const std::string port_file = work_dir_ + "/port";
  std::error_code ec;
  std::filesystem::remove(port_file, ec);
  stdout_path_ = work_dir_ + "/server-" + std::to_string(starts_) + ".out";
  stderr_path_ = work_dir_ + "/server-" + std::to_string(starts_) + ".err";
  std::vector<std::string> argv = {CAIRN_SERVER_BINARY, "--data",
                                   data_dir_,           "serve",
                                   "--listen",          "127.0.0.1:" + std::to_string(port),
                                   "--port-file",       port_file};
  argv.insert(argv.end(), serve_args_.begin(), serve_args_.end());
  CAIRN_ASSIGN_OR_RETURN(const pid_t pid, Spawn(argv, stdout_path_, stderr_path_));

  // The server writes the port file (atomically) once it listens, after printing the
  // fingerprint; ASan builds start slowly, hence the generous bound.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  while (true) {
    const std::string text = ReadFileOrEmpty(port_file);
    if (!text.empty() && text.back() == '\n') {
      port_ = static_cast<uint16_t>(std::stoul(text));
      break;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return Unavailable("cairn-server serve exited before listening (" +
                         FromWaitStatus(status).ToString() + "): " + LogTail());
    }
    if (SteadyClock::now() > deadline) {
      ::kill(pid, SIGKILL);
      WaitForExit(pid, std::chrono::seconds(10));
      return Unavailable("cairn-server serve wrote no port file within 60 s: " + LogTail());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  pid_ = pid;

  constexpr std::string_view kPrefix = "certificate sha256 ";
  std::istringstream out(ReadFileOrEmpty(stdout_path_));
  std::string line;
  fingerprint_.clear();
  bool listening = false;
  while (std::getline(out, line)) {
    if (line.starts_with(kPrefix)) fingerprint_ = line.substr(kPrefix.size());
    if (line == "listening on " + url()) listening = true;
  }
  if (fingerprint_.size() != 64 || !listening) {
    return Internal("cairn-server serve printed no fingerprint or address: " +
                    ReadFileOrEmpty(stdout_path_));
  }
  return {};
}

Status ServerProcess::Signal(int signal_number) {
  if (!running()) return FailedPrecondition("the server is not running");
  if (::kill(pid_, signal_number) != 0) {
    return Internal(std::string("kill failed: ") + std::strerror(errno));
  }
  return {};
}

std::optional<ExitInfo> ServerProcess::WaitForServerExit(std::chrono::milliseconds timeout) {
  if (!running()) return std::nullopt;
  std::optional<ExitInfo> exit = WaitForExit(pid_, timeout);
  if (exit) pid_ = -1;
  return exit;
}

Status ServerProcess::Stop(std::chrono::milliseconds timeout) {
  CAIRN_RETURN_IF_ERROR(Signal(SIGTERM));
  std::optional<ExitInfo> exit = WaitForServerExit(timeout);
  if (!exit) {
    (void)Kill();
    return Internal("cairn-server did not stop within " + std::to_string(timeout.count()) +
                    " ms of SIGTERM: " + LogTail());
  }
  if (!exit->Ok()) {
    return Internal("cairn-server stopped with " + exit->ToString() +
                    " after SIGTERM: " + LogTail());
  }
  return {};
}

Status ServerProcess::Kill() {
  CAIRN_RETURN_IF_ERROR(Signal(SIGKILL));
  std::optional<ExitInfo> exit = WaitForServerExit(std::chrono::seconds(30));
  if (!exit) return Internal("cairn-server survived SIGKILL for 30 s");
  return {};
}

std::string ServerProcess::url() const { return "https://127.0.0.1:" + std::to_string(port_); }

std::string ServerProcess::Log() const { return ReadFileOrEmpty(stderr_path_); }

std::string ServerProcess::LogTail(size_t lines) const {
  std::string log = Log();
  size_t at = log.size();
  for (size_t n = 0; n <= lines && at > 0; ++n) {
    at = log.rfind('\n', at - 1);
    if (at == std::string::npos) return log;
  }
  return log.substr(at);
}

namespace {

// A read-only connection to the server's store, closed on destruction.
class ReadOnlyDb {
 public:
  static Result<ReadOnlyDb> Open(const std::string& path) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    ReadOnlyDb handle(db);
    if (rc != SQLITE_OK) {
      return Unavailable("cannot open " + path + " read-only: " + sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db, 10'000);
    return handle;
  }

  // Runs `sql` with the actor bound to ?1 (if non-null) and returns the first row's integers.
  Result<std::vector<uint64_t>> Row(const char* sql, const ActorId* actor, int columns) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
      return Internal(std::string("prepare: ") + sqlite3_errmsg(db_.get()));
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    if (actor != nullptr) {
      sqlite3_bind_blob(raw, 1, actor->AsBytes().data(), static_cast<int>(actor->AsBytes().size()),
                        SQLITE_TRANSIENT);
    }
    if (sqlite3_step(raw) != SQLITE_ROW) {
      return Internal(std::string("step: ") + sqlite3_errmsg(db_.get()));
    }
    std::vector<uint64_t> row;
    row.reserve(static_cast<size_t>(columns));
    for (int i = 0; i < columns; ++i) {
      row.push_back(static_cast<uint64_t>(sqlite3_column_int64(raw, i)));
    }
    return row;
  }

 private:
  explicit ReadOnlyDb(sqlite3* db) : db_(db, sqlite3_close_v2) {}
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_;
};

}  // namespace

Result<LogCounts> CountServerChanges(const std::string& db_path, const ActorId& actor) {
  CAIRN_ASSIGN_OR_RETURN(ReadOnlyDb db, ReadOnlyDb::Open(db_path));
  CAIRN_ASSIGN_OR_RETURN(
      const std::vector<uint64_t> row,
      db.Row("SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0) "
             "FROM changes WHERE actor = ?1",
             &actor, 4));
  return LogCounts{row[0], row[1], row[2], row[3]};
}

Result<uint64_t> CountAllServerChanges(const std::string& db_path) {
  CAIRN_ASSIGN_OR_RETURN(ReadOnlyDb db, ReadOnlyDb::Open(db_path));
  CAIRN_ASSIGN_OR_RETURN(const std::vector<uint64_t> row,
                         db.Row("SELECT count(*) FROM changes", nullptr, 1));
  return row[0];
}

}  // namespace cairn::testing
