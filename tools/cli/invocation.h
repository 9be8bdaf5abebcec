// Invocation: everything one run of a `cairn` command works with — its parsed arguments, the
// output streams, the device store — and the helpers that turn failures into exit codes.
//
// Exit codes: 0 ok; 1 an error from the core (or the file system); 2 a usage error;
// 3 `cairn check` found issues; 4 `cairn sync` done but changes refused; 5 server unreachable;
// 6 `cairn badges verify` found the credential invalid.
#ifndef CAIRN_TOOLS_CLI_INVOCATION_H_
#define CAIRN_TOOLS_CLI_INVOCATION_H_

#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "args.h"
#include "cairn/device.h"
#include "cairn/status.h"

namespace cairn::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitIssues = 3;
inline constexpr int kExitRefused = 4;
inline constexpr int kExitUnreachable = 5;
inline constexpr int kExitInvalid = 6;

struct CommandSpec;

// The process's surroundings, injected so that the dispatcher can run in tests.
struct Io {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  // $CAIRN_HOME and $HOME, or null.
  const char* cairn_home_env = nullptr;
  const char* home_env = nullptr;
};

// Prints "cairn <command>: <message>" and the command's usage line; returns kExitUsage.
int ReportUsageError(const CommandSpec& spec, std::string_view message, std::ostream& err);

class Invocation {
 public:
  // `command_words` is how many leading positional words name the command.
  Invocation(const CommandSpec& spec, Args args, size_t command_words, Io io);
  Invocation(const Invocation&) = delete;
  Invocation& operator=(const Invocation&) = delete;

  const CommandSpec& spec() const { return spec_; }
  // The command's own arguments, after its name.
  std::span<const std::string> args() const;
  const std::string& arg(size_t index) const { return args()[index]; }
  bool json() const { return args_.Has("json"); }
  std::optional<std::string> option(std::string_view name) const { return args_.Get(name); }

  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }
  std::istream& in() { return io_.in; }

  // Prints "cairn: <message>" to stderr; returns kExitError.
  int Fail(const Status& status);
  // ReportUsageError for this command.
  int UsageError(std::string_view message);

  // Argument `index` as an id (UUID text), or nullopt after reporting a usage error that quotes
  // the parser's message. `what` names the argument ("PURSUIT").
  std::optional<EntityId> IdArg(size_t index, std::string_view what);
  // Argument `index` as text; "-" reads stdin (without its trailing newlines).
  std::string TextArg(size_t index);

  // The store's directory (--home, $CAIRN_HOME or $HOME/.cairn).
  Result<std::string> Home() const;
  // The existing store; opened once, kept for the rest of the invocation.
  Result<Device*> OpenDevice();
  // Whether the home holds a device store (OpenDevice would find one).
  Result<bool> HasDeviceStore() const;

 private:
  const CommandSpec& spec_;
  Args args_;
  size_t command_words_;
  Io io_;
  std::unique_ptr<Device> device_;
};

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_INVOCATION_H_
