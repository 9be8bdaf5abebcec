#include "server_cli.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <set>
#include <system_error>

namespace cairn::server::cli {
namespace {

constexpr std::string_view kProgram = "cairn-server";
constexpr std::string_view kDefaultDataDir = "./cairn-data";

// Options that take a value: --data and every option some command accepts. All others are
// refused; --help is the one flag.
const std::set<std::string, std::less<>>& ValueOptions() {
  static const auto* const kOptions = [] {
    auto* options = new std::set<std::string, std::less<>>{"data"};
    for (const CommandSpec& spec : Commands()) {
      std::string_view rest = spec.options;
      while (!rest.empty()) {
        const size_t space = std::min(rest.find(' '), rest.size());
        if (space > 0) options->emplace(rest.substr(0, space));
        rest.remove_prefix(std::min(space + 1, rest.size()));
      }
    }
    return options;
  }();
  return *kOptions;
}

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string, std::less<>> options;
  bool help = false;
};

Result<ParsedArgs> ParseArgs(std::span<const char* const> argv) {
  ParsedArgs parsed;
  bool options_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string_view arg = argv[i] == nullptr ? std::string_view() : argv[i];
    if (options_done || arg.size() < 2 || arg.front() != '-') {
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      return InvalidArgument("unknown option '" + std::string(arg) + "'");
    }
    std::string name(arg.substr(2));
    std::optional<std::string> value;
    if (const size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (!ValueOptions().contains(name)) {
      return InvalidArgument("unknown option '--" + name + "'");
    }
    if (!value) {
      if (i + 1 >= argv.size() || argv[i + 1] == nullptr) {
        return InvalidArgument("option '--" + name + "' needs a value");
      }
      value = argv[++i];
    }
    if (parsed.options.contains(name)) {
      return InvalidArgument("option '--" + name + "' is given twice");
    }
    parsed.options.emplace(std::move(name), std::move(*value));
  }
  return parsed;
}

bool IsGroup(std::string_view word) {
  return std::any_of(Commands().begin(), Commands().end(), [&](const CommandSpec& spec) {
    return spec.name.starts_with(word) && spec.name.size() > word.size() &&
           spec.name[word.size()] == ' ';
  });
}

// The command named by the leading words of `positional`; sets `*words`.
const CommandSpec* FindCommand(const std::vector<std::string>& positional, size_t* words) {
  if (positional.size() >= 2) {
    const std::string two = positional[0] + " " + positional[1];
    for (const CommandSpec& spec : Commands()) {
      if (spec.name == two) {
        *words = 2;
        return &spec;
      }
    }
  }
  if (!positional.empty()) {
    for (const CommandSpec& spec : Commands()) {
      if (spec.name == positional[0]) {
        *words = 1;
        return &spec;
      }
    }
  }
  return nullptr;
}

std::string GroupUsage(std::string_view group) {
  std::string text;
  for (const CommandSpec& spec : Commands()) {
    if (spec.name.starts_with(group) && spec.name.size() > group.size() &&
        spec.name[group.size()] == ' ') {
      text += "  " + spec.UsageLine() + "\n";
    }
  }
  return text;
}

std::string CommandHelp(const CommandSpec& spec) {
  return "usage: " + spec.UsageLine() + "\n\n" + std::string(spec.summary) +
         "\n\nCommon options:\n  --data DIR   the data directory (default $CAIRN_SERVER_DATA, "
         "else ./cairn-data)\n";
}

}  // namespace

size_t CommandSpec::ParamCount() const {
  if (params.empty()) return 0;
  return static_cast<size_t>(std::count(params.begin(), params.end(), ' ')) + 1;
}

bool CommandSpec::Accepts(std::string_view option) const {
  std::string_view rest = options;
  while (!rest.empty()) {
    const size_t space = rest.find(' ');
    if (rest.substr(0, space) == option) return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
}

std::string CommandSpec::UsageLine() const {
  std::string line = std::string(kProgram) + " " + std::string(name);
  if (!params.empty()) line += " " + std::string(params);
  if (!usage.empty()) line += " " + std::string(usage);
  line += " [--data DIR]";
  return line;
}

Invocation::Invocation(const CommandSpec& spec, std::vector<std::string> args,
                       std::map<std::string, std::string, std::less<>> options, Io io)
    : spec_(spec), args_(std::move(args)), options_(std::move(options)), io_(io) {}

std::optional<std::string> Invocation::Option(std::string_view name) const {
  const auto it = options_.find(name);
  if (it == options_.end()) return std::nullopt;
  return it->second;
}

std::string Invocation::DataDir() const {
  if (auto data = Option("data"); data && !data->empty()) return *data;
  if (io_.data_env != nullptr && io_.data_env[0] != '\0') return io_.data_env;
  return std::string(kDefaultDataDir);
}

Status Invocation::EnsureDataDir() const {
  const std::string dir = DataDir();
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  if (std::filesystem::exists(dir, ec)) {
    return FailedPrecondition("the data directory " + dir +
                              " exists but is not a directory; pass --data with a directory");
  }
  if (!std::filesystem::create_directories(dir, ec) && ec) {
    return Unavailable("cannot create the data directory " + dir + ": " + ec.message() +
                       " (pass --data with a writable location)");
  }
  // The store holds device tokens' hashes and teachers' evidence: owner only.
  ::chmod(dir.c_str(), 0700);
  return {};
}

Result<std::unique_ptr<ServerStore>> Invocation::OpenStore(ServerStoreOptions options) const {
  CAIRN_RETURN_IF_ERROR(EnsureDataDir());
  const std::string path = DataDir() + "/server.db";
  Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(path, options);
  if (!store.ok()) return store.status().Annotate("cannot open the server store " + path);
  return store;
}

int Invocation::Fail(const Status& status) {
  io_.err << kProgram << ": error: " << status.message() << "\n";
  return kExitError;
}

int Invocation::UsageError(std::string_view message) {
  io_.err << kProgram << ": error: " << message << "\nusage: " << spec_.UsageLine() << "\n";
  return kExitUsage;
}

std::string HelpText() {
  std::string text =
      "usage: cairn-server COMMAND [ARGS...] [--data DIR]\n\n"
      "The Cairn sync server and its administration. Every command works on the data\n"
      "directory (--data, else $CAIRN_SERVER_DATA, else ./cairn-data), created if missing:\n"
      "server.db is the store, tls/ the certificate and key.\n\nCommands:\n";
  size_t width = 0;
  for (const CommandSpec& spec : Commands()) {
    std::string head = std::string(spec.name);
    if (!spec.params.empty()) head += " " + std::string(spec.params);
    width = std::max(width, head.size());
  }
  for (const CommandSpec& spec : Commands()) {
    std::string head = std::string(spec.name);
    if (!spec.params.empty()) head += " " + std::string(spec.params);
    head.resize(width, ' ');
    text += "  " + head + "  " + std::string(spec.summary) + "\n";
  }
  text +=
      "\n'cairn-server help COMMAND' shows a command's options.\n"
      "Exit codes: 0 success, 1 error, 2 usage error.\n";
  return text;
}

std::string IsoTime(int64_t unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  const int n = std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

int RunServerCli(std::span<const char* const> argv, Io io) {
  const auto usage_error = [&](std::string_view message, std::string_view usage) {
    io.err << kProgram << ": error: " << message << "\n" << usage;
    return kExitUsage;
  };
  Result<ParsedArgs> parsed = ParseArgs(argv);
  if (!parsed.ok()) {
    return usage_error(parsed.status().message(), "run 'cairn-server help' for the commands\n");
  }
  std::vector<std::string>& positional = parsed->positional;

  if (positional.empty() || positional[0] == "help") {
    if (positional.empty() && !parsed->help) {
      return usage_error("no command given", HelpText());
    }
    const std::vector<std::string> topic(positional.begin() + (positional.empty() ? 0 : 1),
                                         positional.end());
    size_t words = 0;
    if (topic.empty()) {
      io.out << HelpText();
    } else if (const CommandSpec* spec = FindCommand(topic, &words)) {
      io.out << CommandHelp(*spec);
    } else if (IsGroup(topic[0])) {
      io.out << "usage:\n" << GroupUsage(topic[0]);
    } else {
      return usage_error("no command '" + topic[0] + "'", HelpText());
    }
    return kExitOk;
  }

  size_t words = 0;
  const CommandSpec* spec = FindCommand(positional, &words);
  if (spec == nullptr) {
    if (IsGroup(positional[0])) {
      if (parsed->help) {
        io.out << "usage:\n" << GroupUsage(positional[0]);
        return kExitOk;
      }
      const std::string what = positional.size() > 1
                                   ? "no command '" + positional[0] + " " + positional[1] + "'"
                                   : "'" + positional[0] + "' needs a command";
      return usage_error(what, "usage:\n" + GroupUsage(positional[0]));
    }
    return usage_error("no command '" + positional[0] + "'", HelpText());
  }
  if (parsed->help) {
    io.out << CommandHelp(*spec);
    return kExitOk;
  }

  std::vector<std::string> args(positional.begin() + static_cast<std::ptrdiff_t>(words),
                                positional.end());
  Invocation invocation(*spec, std::move(args), std::move(parsed->options), io);
  for (const std::string& name : ValueOptions()) {
    if (name == "data" || !invocation.Option(name)) continue;
    if (!spec->Accepts(name)) {
      return invocation.UsageError("'" + std::string(spec->name) + "' takes no option --" + name);
    }
  }
  if (invocation.args().size() != spec->ParamCount()) {
    const size_t want = spec->ParamCount();
    return invocation.UsageError("'" + std::string(spec->name) + "' takes " +
                                 (want == 0 ? std::string("no arguments")
                                            : std::to_string(want) + " argument" +
                                                  (want == 1 ? "" : "s") + " (" +
                                                  std::string(spec->params) + ")") +
                                 ", not " + std::to_string(invocation.args().size()));
  }
  return spec->handler(invocation);
}

}  // namespace cairn::server::cli
