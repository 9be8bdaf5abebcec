// The `cairn-server` command line: argument parsing, the command table's shape, the shared
// context a command runs with (the data directory, the store, stdout and stderr), errors and
// exit codes. The table itself is in main.cc; the commands are in cmd_*.cc.
//
// Conventions: options may come before or after the command words, as `--name value` or
// `--name=value`; `--` ends options. Output meant for scripts (ids, codes, fingerprints) is
// printed alone on stdout; everything else goes to stderr. Errors print
// `cairn-server: error: <what, where, how to fix>` and exit 2 for usage errors, 1 otherwise.
//
// Thread-safety: used from main's thread only.
#ifndef CAIRN_SERVER_SERVER_CLI_H_
#define CAIRN_SERVER_SERVER_CLI_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"
#include "store/server_store.h"

namespace cairn::server::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

struct Io {
  std::ostream& out;
  std::ostream& err;
  // $CAIRN_SERVER_DATA; may be null.
  const char* data_env = nullptr;
};

class Invocation;
using Handler = int (*)(Invocation&);

struct CommandSpec {
  std::string_view name;     // "serve", "user add"
  std::string_view params;   // positional parameters: "USER", "DEVICE_ID", ""
  std::string_view options;  // accepted options besides --data and --help, space-separated
  std::string_view usage;    // the options as shown in the usage line
  std::string_view summary;
  Handler handler;

  size_t ParamCount() const;
  bool Accepts(std::string_view option) const;
  std::string UsageLine() const;
};

// The command table (main.cc).
std::span<const CommandSpec> Commands();

// What a command runs with.
class Invocation {
 public:
  Invocation(const CommandSpec& spec, std::vector<std::string> args,
             std::map<std::string, std::string, std::less<>> options, Io io);

  const CommandSpec& spec() const { return spec_; }
  // Positional arguments after the command words.
  const std::vector<std::string>& args() const { return args_; }
  std::optional<std::string> Option(std::string_view name) const;
  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }

  // --data, else $CAIRN_SERVER_DATA, else ./cairn-data.
  std::string DataDir() const;
  // Creates the data directory (mode 0700) if it is missing.
  Status EnsureDataDir() const;
  // Opens DATA/server.db, creating the directory and the store if needed.
  Result<std::unique_ptr<ServerStore>> OpenStore(ServerStoreOptions options = {}) const;

  // Prints the error and returns kExitError (kExitUsage for InvalidArgument from the command
  // line: use UsageError for those).
  int Fail(const Status& status);
  // Prints the error and the command's usage line; returns kExitUsage.
  int UsageError(std::string_view message);

 private:
  const CommandSpec& spec_;
  std::vector<std::string> args_;
  std::map<std::string, std::string, std::less<>> options_;
  Io io_;
};

// Parses argv[1..], finds the command and runs it; returns the exit code.
int RunServerCli(std::span<const char* const> argv, Io io);

// The full help text.
std::string HelpText();

// "2025-11-25T17:39:00.123Z".
std::string IsoTime(int64_t unix_ms);
// Rows as columns separated by two spaces, the first row a header.
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

}  // namespace cairn::server::cli

#endif  // CAIRN_SERVER_SERVER_CLI_H_
