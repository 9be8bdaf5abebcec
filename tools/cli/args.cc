#include "args.h"

#include <algorithm>
#include <array>

namespace cairn::cli {
namespace {

struct OptionSpec {
  std::string_view name;
  bool takes_value;
};

// Every option any command knows. Which command accepts which is in command_table.cc.
constexpr std::array<OptionSpec, 23> kOptions = {{
    {"home", true},     {"json", false},        {"help", false},   {"limit", true},
    {"sha256", true},   {"size", true},         {"type", true},    {"caption", true},
    {"version", false}, {"server", true},       {"enrol", true},   {"pin", true},
    {"ca-file", true},  {"device-name", true},  {"pursuit", true}, {"requirement", true},
    {"metered", false}, {"allow-large", false}, {"out", true},     {"format", true},
    {"now", true},      {"jws", false},         {"hide", false},
}};

const OptionSpec* FindOption(std::string_view name) {
  const auto it = std::find_if(kOptions.begin(), kOptions.end(),
                               [&](const OptionSpec& o) { return o.name == name; });
  return it == kOptions.end() ? nullptr : &*it;
}

}  // namespace

std::optional<std::string> Args::Get(std::string_view name) const {
  const auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

bool OptionTakesValue(std::string_view name) {
  const OptionSpec* spec = FindOption(name);
  return spec != nullptr && spec->takes_value;
}

Result<Args> ParseArgs(std::span<const char* const> argv) {
  Args args;
  bool options_ended = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string_view word = argv[i];
    if (options_ended || word == "-" || !(word.starts_with("--") || word == "-h")) {
      args.positional.emplace_back(word);
      continue;
    }
    if (word == "--") {
      options_ended = true;
      continue;
    }
    std::string_view name = word == "-h" ? std::string_view("help") : word.substr(2);
    std::optional<std::string> inline_value;
    if (const size_t eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = FindOption(name);
    if (spec == nullptr) {
      return InvalidArgument("unknown option --" + std::string(name));
    }
    if (args.options.contains(name)) {
      return InvalidArgument("option --" + std::string(name) + " is given more than once");
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *std::move(inline_value);
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return InvalidArgument("option --" + std::string(name) + " needs a value");
      }
    } else if (inline_value) {
      return InvalidArgument("option --" + std::string(name) + " takes no value");
    }
    args.options.emplace(std::string(name), std::move(value));
  }
  return args;
}

}  // namespace cairn::cli
