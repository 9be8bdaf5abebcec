// The table of `cairn` commands: names, usage lines, one-line summaries, and the help text
// built from them.
#ifndef CAIRN_TOOLS_CLI_COMMAND_TABLE_H_
#define CAIRN_TOOLS_CLI_COMMAND_TABLE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::cli {

class Invocation;
using Handler = int (*)(Invocation&);

struct CommandSpec {
  // One or two words: "status", "evidence add".
  std::string_view name;
  // Positional parameters, optional ones in brackets: "PURSUIT TEXT", "[COMMAND]".
  std::string_view params;
  // The options the command accepts besides --home and --help, as shown in its usage line:
  // "[--json] [--limit N]".
  std::string_view flags;
  std::string_view summary;
  Handler handler;

  // "cairn answer PURSUIT QUESTION_ID TEXT".
  std::string UsageLine() const;
  // How many positional arguments the command takes.
  size_t MinArgs() const;
  size_t MaxArgs() const;
  // The name of positional parameter `index` ("TEXT").
  std::string ParamName(size_t index) const;
  // Whether the command accepts option --`option` (--home and --help always apply).
  bool Accepts(std::string_view option) const;
};

std::span<const CommandSpec> Commands();

// The command named by the leading words of `positional` (two-word names first); null if none.
// Sets `*words` to the number of words its name has.
const CommandSpec* FindCommand(std::span<const std::string> positional, size_t* words);

// Whether `word` starts two-word commands ("catalog", "evidence").
bool IsCommandGroup(std::string_view word);

// The one-line synopsis: "usage: cairn [--home DIR] COMMAND [ARGS...] ..."
std::string_view Synopsis();
// The full help: every command with one line each, the global options, the exit codes.
std::string HelpText();
// One command's usage line and summary.
std::string CommandHelp(const CommandSpec& spec);
// The usage lines of every command in a group ("catalog").
std::string GroupUsage(std::string_view group);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_COMMAND_TABLE_H_
