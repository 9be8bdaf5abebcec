// RunCli: from argv to a command handler, with every usage error reported the same way.
#include <string>

#include "command_table.h"
#include "commands.h"

#ifndef CAIRN_VERSION
#define CAIRN_VERSION "unknown"
#endif

namespace cairn::cli {
namespace {

int UnknownCommand(std::span<const std::string> positional, Io& io) {
  const std::string& first = positional[0];
  if (IsCommandGroup(first)) {
    if (positional.size() < 2) {
      io.err << "cairn " << first << ": missing subcommand\n";
    } else {
      io.err << "cairn " << first << ": unknown subcommand '" << positional[1] << "'\n";
    }
    io.err << GroupUsage(first);
    return kExitUsage;
  }
  io.err << "cairn: unknown command '" << first << "'\n\n" << HelpText();
  return kExitUsage;
}

}  // namespace

int RunCli(std::span<const char* const> argv, Io io) {
  Result<Args> parsed = ParseArgs(argv);
  if (!parsed.ok()) {
    io.err << "cairn: " << parsed.status().message() << "\n" << Synopsis() << "\n";
    return kExitUsage;
  }
  Args args = std::move(parsed).value();
  if (args.Has("version")) {
    io.out << "cairn " << CAIRN_VERSION << "\n";
    return kExitOk;
  }
  if (args.positional.empty()) {
    if (args.Has("help")) {
      io.out << HelpText();
      return kExitOk;
    }
    io.err << "cairn: no command given\n\n" << HelpText();
    return kExitUsage;
  }

  size_t words = 0;
  const CommandSpec* spec = FindCommand(args.positional, &words);
  if (spec == nullptr) {
    if (args.Has("help")) {
      io.out << HelpText();
      return kExitOk;
    }
    return UnknownCommand(args.positional, io);
  }
  if (args.Has("help")) {
    io.out << CommandHelp(*spec);
    return kExitOk;
  }

  for (const auto& [name, value] : args.options) {
    if (!spec->Accepts(name)) {
      return ReportUsageError(*spec, "option --" + name + " does not apply to this command",
                              io.err);
    }
  }
  Invocation inv(*spec, std::move(args), words, io);
  const size_t count = inv.args().size();
  if (count < spec->MinArgs()) {
    return inv.UsageError("missing " + spec->ParamName(count));
  }
  if (count > spec->MaxArgs()) {
    return inv.UsageError("unexpected argument '" + inv.arg(spec->MaxArgs()) + "'");
  }
  return spec->handler(inv);
}

}  // namespace cairn::cli
