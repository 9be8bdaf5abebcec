// Test support for the integration tests: runs programs as child processes and a real
// `cairn-server serve` on loopback, so that tests exercise the binaries users run — TLS, the
// HTTP layer, signals, and a store that survives SIGKILL — rather than the in-process Service.
//
// ServerProcess owns one data directory. Start() runs `serve --listen 127.0.0.1:0
// --port-file F` (or the port it had before, on a restart), polls until the port file appears
// or the child exits, and reads the certificate fingerprint from the child's stdout. Stop()
// sends SIGTERM and reports how the child exited; Kill() sends SIGKILL. The child's stdout and
// stderr go to files next to the data directory (never pipes, which a chatty server could fill),
// so its log can be shown when a test fails.
//
// Children are started with fork + exec; between the two the child only calls
// async-signal-safe functions, and it closes every descriptor above stderr, so that sockets and
// SQLite files of the test process never leak into a server.
//
// Thread-safety: a ServerProcess is used from one thread; RunProgram may be called from any.
#ifndef CAIRN_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define CAIRN_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/ids.h"
#include "cairn/status.h"

namespace cairn::testing {

// How a child process ended.
struct ExitInfo {
  bool exited = false;  // else killed by a signal
  int code = 0;         // exit code, or the signal number
  bool Ok() const { return exited && code == 0; }
  std::string ToString() const;
};

struct ProgramResult {
  ExitInfo exit;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] a path) to completion with stdin from /dev/null, capturing its output
// through files in `scratch_dir`. DeadlineExceeded-like failures (the program ran past
// `timeout`, it is then killed) and failures to start come back as an error Status.
Result<ProgramResult> RunProgram(const std::vector<std::string>& argv,
                                 const std::string& scratch_dir,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(120));

// Starts `argv` (argv[0] a path) with stdin from /dev/null and stdout and stderr into the given
// files, and returns its pid at once (for tests that signal a client mid-run); reap it with
// WaitForExit.
Result<pid_t> StartProgram(const std::vector<std::string>& argv, const std::string& out_path,
                           const std::string& err_path);

// Waits for `pid` to end, polling; nullopt if it is still running after `timeout`.
std::optional<ExitInfo> WaitForExit(pid_t pid, std::chrono::milliseconds timeout);

// Reads a whole file; empty if it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

class ServerProcess {
 public:
  // `work_dir` is created if missing; the server's data directory is work_dir/data.
  explicit ServerProcess(std::string work_dir);
  ~ServerProcess();  // SIGKILLs a running child
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // `cairn-server --data DATA args...`, run to completion.
  Result<ProgramResult> Admin(const std::vector<std::string>& args);
  // The same, failing unless it exits 0; returns its stdout with the trailing newline removed.
  Result<std::string> AdminOk(const std::vector<std::string>& args);

  Result<std::string> AddUser(const std::string& name, const std::string& role = "educator");
  Result<std::string> EnrolCode(const std::string& user);
  // The id of the device enrolled under `device_name`, from `device list`.
  Result<std::string> DeviceIdByName(const std::string& device_name);
  // `catalog publish FILE`: the catalog actor publishes a catalog text file to every device.
  Status PublishCatalog(const std::string& catalog_file);

  // Extra arguments for every later `serve` (e.g. {"--config", FILE}).
  void SetServeArgs(std::vector<std::string> args) { serve_args_ = std::move(args); }

  // Starts `serve` and returns once it listens. The first start takes any free port; later
  // starts ask for the previous port and fall back to a free one if it is taken.
  Status Start();
  // SIGTERM, then waits for the exit: OK only if the server exited 0.
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // SIGKILL and reap.
  Status Kill();
  // Start() again after Stop() or Kill().
  Status Restart() { return Start(); }

  // For tests that act between the signal and the exit.
  Status Signal(int signal_number);
  std::optional<ExitInfo> WaitForServerExit(std::chrono::milliseconds timeout);

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  std::string url() const;
  // Hex SHA-256 of the certificate, as `serve` printed it.
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string db_path() const { return data_dir_ + "/server.db"; }
  // What the current (or last) child wrote to stderr: its structured log.
  std::string Log() const;
  // The last lines of Log(), for failure messages.
  std::string LogTail(size_t lines = 30) const;

 private:
  Status StartOn(uint16_t port);

  std::string work_dir_;
  std::string data_dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string fingerprint_;
  int starts_ = 0;
  std::string stdout_path_;
  std::string stderr_path_;
  std::vector<std::string> serve_args_;
};

// Read-only queries on a server's SQLite store (decision 0008's `changes` table), opened per
// call so no connection outlives the query.
struct LogCounts {
  uint64_t rows = 0;
  uint64_t distinct_seqs = 0;
  uint64_t min_seq = 0;
  uint64_t max_seq = 0;
};
Result<LogCounts> CountServerChanges(const std::string& db_path, const ActorId& actor);
Result<uint64_t> CountAllServerChanges(const std::string& db_path);

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_INTEGRATION_SERVER_PROCESS_H_
