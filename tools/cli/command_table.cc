#include "command_table.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "commands.h"
#include "format.h"

namespace cairn::cli {
namespace {

constexpr auto kCommands = std::to_array<CommandSpec>({
    {"init", "", "[--server URL --enrol CODE [--pin SHA256] [--ca-file FILE] [--device-name NAME]]",
     "Create the device store; with --server, enrol it with a sync server.", &RunInit},
    {"catalog publish", "FILE", "", "Publish a catalog file (a cairn.v1.Catalog in text format).",
     &RunCatalogPublish},
    {"catalog list", "", "[--json]", "List the micro-credentials on this device.", &RunCatalogList},
    {"catalog show", "ID", "[--json]",
     "Show a micro-credential in full: method, requirements, rubric.", &RunCatalogShow},
    {"catalog search", "TEXT", "[--json]",
     "Find micro-credentials by title, summary, competency, topic or stack, best first.",
     &RunCatalogSearch},
    {"pursue", "MC_ID", "", "Start pursuing a micro-credential; prints the pursuit id.",
     &RunPursue},
    {"answer", "PURSUIT QUESTION_ID TEXT", "", "Answer an overview question (TEXT - reads stdin).",
     &RunAnswer},
    {"reflect", "PURSUIT TEXT", "", "Write the reflection (TEXT - reads stdin).", &RunReflect},
    {"evidence add", "PURSUIT REQUIREMENT_ID",
     "--sha256 HEX --size N --type MEDIA/TYPE [--caption TEXT]",
     "Record evidence for an artifact; prints its id.", &RunEvidenceAdd},
    {"capture", "FILE", "--pursuit ID --requirement REQUIREMENT_ID [--caption TEXT] [--json]",
     "Capture a file as evidence (kept encrypted here); prints its id.", &RunCapture},
    {"evidence list", "PURSUIT", "[--json]", "List the evidence of a pursuit.", &RunEvidenceList},
    {"evidence remove", "EVIDENCE_ID", "", "Remove a piece of evidence from its pursuit.",
     &RunEvidenceRemove},
    {"evidence fetch", "EVIDENCE_ID", "[--out FILE] [--json]",
     "Fetch evidence captured on another device (resumes); --out writes the file.",
     &RunEvidenceFetch},
    {"check", "PURSUIT", "", "List what keeps a pursuit from being submitted (exit code 3).",
     &RunCheck},
    {"submit", "PURSUIT", "", "Freeze a ready pursuit into a submission (works offline).",
     &RunSubmit},
    {"status", "", "[--json]", "Each pursuit's status, attempt and evidence; open conflicts.",
     &RunStatus},
    {"conflicts", "", "[--json]", "Texts edited concurrently on two devices, kept for you.",
     &RunConflicts},
    {"resolve", "ENTITY FIELD TEXT", "", "Settle a conflict with the text to keep (- is stdin).",
     &RunResolve},
    {"log", "", "[--json] [--limit N]", "The change log on this device, one change per line.",
     &RunLog},
    {"sync", "", "[--json] [--metered] [--allow-large]",
     "Push and pull changes, then upload captured evidence.", &RunSync},
    {"export", "FILE", "", "Write every change on this device to FILE (- is stdout).", &RunExport},
    {"import", "FILE", "", "Apply changes written by 'cairn export' (- is stdin).", &RunImport},
    {"badges list", "", "[--json]",
     "The Open Badges credentials the issuer sent you; which to renew.", &RunBadgesList},
    {"badges show", "ID", "[--json]", "One credential in full: issuer, dates, status, evidence.",
     &RunBadgesShow},
    {"badges export", "ID", "--format json|jws|png|svg|pack [--jws] [--out FILE]",
     "Write a credential as JSON, VC-JWT, baked badge image or verification pack.",
     &RunBadgesExport},
    {"badges verify", "FILE", "[--now ISO] [--json]",
     "Verify a credential file offline: every check, exit 6 if invalid.", &RunBadgesVerify},
    {"badges name", "[NAME]", "[--hide]",
     "The name your credentials' public pages show (none until you choose one).", &RunBadgesName},
    {"demo", "", "", "Walk through one pursuit on a fresh --home, ending with the log.", &RunDemo},
    {"help", "[COMMAND] [SUBCOMMAND]", "", "Show this help, or one command's.", &RunHelp},
});

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = std::min(text.find(' ', pos), text.size());
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace

std::string CommandSpec::UsageLine() const {
  std::string out = "cairn " + std::string(name);
  if (!params.empty()) out += " " + std::string(params);
  if (!flags.empty()) out += " " + std::string(flags);
  return out;
}

size_t CommandSpec::MinArgs() const {
  const std::vector<std::string_view> words = Words(params);
  return static_cast<size_t>(
      std::count_if(words.begin(), words.end(), [](std::string_view w) { return w[0] != '['; }));
}

size_t CommandSpec::MaxArgs() const { return Words(params).size(); }

std::string CommandSpec::ParamName(size_t index) const {
  const std::vector<std::string_view> words = Words(params);
  if (index >= words.size()) return "argument";
  std::string_view word = words[index];
  if (word.starts_with('[')) word = word.substr(1, word.size() - 2);
  return std::string(word);
}

bool CommandSpec::Accepts(std::string_view option) const {
  if (option == "home" || option == "help") return true;
  for (std::string_view word : Words(flags)) {
    if (word.starts_with('[')) word.remove_prefix(1);
    if (word.ends_with(']')) word.remove_suffix(1);
    if (word.starts_with("--") && word.substr(2) == option) return true;
  }
  return false;
}

std::span<const CommandSpec> Commands() { return kCommands; }

const CommandSpec* FindCommand(std::span<const std::string> positional, size_t* words) {
  for (size_t n : {size_t{2}, size_t{1}}) {
    if (positional.size() < n) continue;
    std::string name = positional[0];
    if (n == 2) name += " " + positional[1];
    for (const CommandSpec& spec : kCommands) {
      if (spec.name == name) {
        *words = n;
        return &spec;
      }
    }
  }
  return nullptr;
}

bool IsCommandGroup(std::string_view word) {
  return std::any_of(kCommands.begin(), kCommands.end(), [&](const CommandSpec& spec) {
    return spec.name.size() > word.size() && spec.name.starts_with(word) &&
           spec.name[word.size()] == ' ';
  });
}

std::string_view Synopsis() {
  return "usage: cairn [--home DIR] COMMAND [ARGS...]   ('cairn help' lists the commands)";
}

std::string HelpText() {
  constexpr size_t kColumn = 36;
  std::ostringstream out;
  out << "cairn - the Cairn command-line client: pursue micro-credentials with classroom\n"
         "evidence, offline. Every change is kept in a log that syncs with your other devices.\n\n"
      << "usage: cairn [--home DIR] COMMAND [ARGS...]\n\ncommands:\n";
  for (const CommandSpec& spec : kCommands) {
    const std::string usage = spec.UsageLine().substr(6);  // without "cairn "
    out << "  " << Pad(usage, kColumn - 2);
    if (DisplayWidth(usage) >= kColumn - 2) out << "  ";
    out << spec.summary << "\n";
  }
  out << "\noptions (before or after the command):\n"
         "  --home DIR    the device store's directory; the store is DIR/device.db\n"
         "                (default: $CAIRN_HOME, else $HOME/.cairn)\n"
         "  --json        machine-readable output, where a command shows [--json]\n"
         "  --help, -h    this help; 'cairn help COMMAND' for one command\n"
         "  --version     print the version\n"
         "  --            end of options: later words are arguments even if they start with --\n"
         "\nPURSUIT, EVIDENCE_ID and ENTITY are ids as cairn prints them, e.g.\n"
         "0190f3c2-7a1b-7c3d-8e4f-0123456789ab. MC_ID is a micro-credential's id from\n"
         "'cairn catalog list'. A credential ID is its id from 'cairn badges list' or the\n"
         "first 4 or more characters of it.\n"
         "\nexit codes:\n"
         "  0  success\n"
         "  1  the device store refused or failed (the reason is printed on stderr)\n"
         "  2  usage error: unknown command, missing or malformed arguments\n"
         "  3  'cairn check' found issues that keep the pursuit from being submitted\n"
         "  4  'cairn sync' finished, but the server refused changes (they are listed)\n"
         "  5  'cairn sync' could not reach the server; nothing is lost, sync again later\n"
         "  6  'cairn badges verify' found the credential invalid (the failed checks are listed)\n";
  return out.str();
}

std::string CommandHelp(const CommandSpec& spec) {
  return "usage: " + spec.UsageLine() + "\n\n" + std::string(spec.summary) +
         "\n\nGlobal options: --home DIR, --help. 'cairn help' lists every command and the exit "
         "codes.\n";
}

std::string GroupUsage(std::string_view group) {
  std::string out;
  for (const CommandSpec& spec : kCommands) {
    if (spec.name.starts_with(std::string(group) + " ")) {
      out += "usage: " + spec.UsageLine() + "\n";
    }
  }
  return out;
}

}  // namespace cairn::cli
