// Command-line parsing for `cairn`: splits argv into positional words and --options.
//
// Options may appear anywhere, before or after the subcommand. `--name value` and `--name=value`
// are both accepted for options that take a value; `--` ends option parsing so that a text
// argument may start with "--". A lone "-" is a positional argument (it means stdin).
#ifndef CAIRN_TOOLS_CLI_ARGS_H_
#define CAIRN_TOOLS_CLI_ARGS_H_

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/status.h"

namespace cairn::cli {

struct Args {
  // The command words ("evidence", "add") followed by the command's own arguments.
  std::vector<std::string> positional;
  // Option name without dashes ("home", "json") -> value; empty for flags.
  std::map<std::string, std::string, std::less<>> options;

  bool Has(std::string_view name) const { return options.contains(name); }
  std::optional<std::string> Get(std::string_view name) const;
};

// Parses argv[1..]. Unknown options, a missing value and a repeated option are usage errors
// (InvalidArgument naming the option).
Result<Args> ParseArgs(std::span<const char* const> argv);

// Whether `name` is an option that takes a value ("home", "limit", ...).
bool OptionTakesValue(std::string_view name);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_ARGS_H_
