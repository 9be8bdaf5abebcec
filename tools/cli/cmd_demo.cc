// cairn demo: a scripted walk through one pursuit on a fresh --home. Every step runs the real
// command in-process (RunCli) and shows its command line and output, so the demo shows exactly
// what a teacher would see.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "catalog_file.h"
#include "commands.h"
#include "store.h"

namespace cairn::cli {
namespace {

// Well-formed SHA-256 values for the demo's evidence: the digests of short phrases, standing in
// for files the evidence capture (a later issue) will hash.
constexpr char kVideoSha[] = "bd253828c2c5bab2da805fd3c8e57be475d2c4efa187b6cb1ed96c0cf3d692bf";
constexpr char kPhotoSha[] = "dd4431134b9ef5e3debb788f51da33eb3ba1d4983cc20e553acf1e39bde5a94e";
constexpr char kScanSha[] = "31d21f3fe5863528de988f8502d047492380ae89dc82c13703889c9590fd76d2";

constexpr char kContext[] =
    "Grade 7 science, 28 students, mixed reading levels. The lesson introduced speed as distance "
    "divided by time; the objective was that every student can compute a speed from a table.";
constexpr char kDesign[] =
    "Question 1 asks for a cyclist's speed from a distance-time table, which checks the objective "
    "directly. Question 2 asks whether a faster runner covers more distance in the same time, to "
    "reveal the common mix-up of speed and distance.";
constexpr char kReflection[] =
    "About a third of the tickets divided time by distance. The next morning I opened with a "
    "two-minute unit check (metres per second means metres on top) and grouped those students "
    "for a short worked example; on the following exit ticket all but two computed speed "
    "correctly.";

// `word` quoted for a POSIX shell when it needs it.
std::string ShellQuote(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./:=@+,") == std::string::npos;
  if (plain) return word;
  std::string out = "'";
  for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class DemoScript {
 public:
  DemoScript(Invocation& inv, std::string home) : inv_(inv), home_(std::move(home)) {}

  // Prints a comment line that explains the next steps.
  void Say(std::string_view text) { inv_.out() << "\n# " << text << "\n"; }

  // Runs `cairn ARGS` against the demo's home, printing the command line and its output.
  // Returns its stdout, or nullopt (after printing why) if its exit code is not `expected`.
  std::optional<std::string> Run(const std::vector<std::string>& args, int expected = kExitOk) {
    std::string line = "$ cairn";
    for (const std::string& arg : args) line += " " + ShellQuote(arg);
    inv_.out() << line << "\n";

    std::vector<const char*> argv;
    argv.reserve(args.size() + 2);
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    argv.push_back("--home");
    argv.push_back(home_.c_str());
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in;
    const int code = RunCli(argv, Io{out, err, in, nullptr, nullptr});
    inv_.out() << out.str();
    if (code != expected) {
      inv_.err() << err.str() << "cairn demo: stopped: 'cairn " << args[0] << "' exited with "
                 << code << "\n";
      exit_code_ = code == kExitOk ? kExitError : code;
      return std::nullopt;
    }
    inv_.out() << err.str();
    if (code != kExitOk) inv_.out() << "(exit code " << code << ")\n";
    return out.str();
  }

  int exit_code() const { return exit_code_; }

 private:
  Invocation& inv_;
  std::string home_;
  int exit_code_ = kExitOk;
};

// The first line of `text` without its newline.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

int RunDemo(Invocation& inv) {
  Result<std::string> home = inv.Home();
  if (!home.ok()) return inv.Fail(home.status());
  DemoScript demo(inv, *home);
  inv.out() << "Cairn demo: a teacher pursues a micro-credential on this device, offline.\n"
            << "Every command below runs with --home " << *home << "\n";

  demo.Say("Create this device's store; the actor id names this install in the change log.");
  if (!demo.Run({"init"})) return demo.exit_code();

  demo.Say("An issuer's catalog normally arrives through sync; here we publish the demo file.");
  const std::string catalog_path = *home + "/demo_catalog.textproto";
  {
    std::ofstream file(catalog_path, std::ios::binary | std::ios::trunc);
    file << DemoCatalogText();
    if (!file) return inv.Fail(FailedPrecondition("cannot write " + catalog_path));
  }
  {
    // The catalog names its badge image relative to itself.
    const std::string badge_path = *home + "/" + std::string(kDemoBadgePath);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(badge_path).parent_path(), ec);
    std::ofstream file(badge_path, std::ios::binary | std::ios::trunc);
    file << DemoBadgePng();
    if (ec || !file) return inv.Fail(FailedPrecondition("cannot write " + badge_path));
  }
  if (!demo.Run({"catalog", "publish", catalog_path})) return demo.exit_code();
  if (!demo.Run({"catalog", "list"})) return demo.exit_code();

  demo.Say("Start a pursuit and answer the two overview questions.");
  const std::optional<std::string> started = demo.Run({"pursue", "exit-tickets"});
  if (!started) return demo.exit_code();
  const std::string pursuit = FirstLine(*started);
  if (!demo.Run({"answer", pursuit, "context", kContext})) return demo.exit_code();
  if (!demo.Run({"answer", pursuit, "design", kDesign})) return demo.exit_code();

  demo.Say("Attach the classroom video and one student work sample, and write the reflection.");
  if (!demo.Run({"evidence", "add", pursuit, "classroom-video", "--sha256", kVideoSha, "--size",
                 "48234496", "--type", "video/mp4", "--caption", "End of lesson, exit ticket"})) {
    return demo.exit_code();
  }
  if (!demo.Run({"evidence", "add", pursuit, "student-work", "--sha256", kPhotoSha, "--size",
                 "1843200", "--type", "image/jpeg", "--caption", "Ticket that mixes up units"})) {
    return demo.exit_code();
  }
  if (!demo.Run({"reflect", pursuit, kReflection})) return demo.exit_code();

  demo.Say("Is it ready? The check explains what is missing, in the teacher's terms.");
  if (!demo.Run({"check", pursuit}, kExitIssues)) return demo.exit_code();

  demo.Say("Add a second student work sample; now the pursuit can be submitted.");
  if (!demo.Run({"evidence", "add", pursuit, "student-work", "--sha256", kScanSha, "--size",
                 "421888", "--type", "application/pdf", "--caption", "Ticket that got it"})) {
    return demo.exit_code();
  }
  if (!demo.Run({"check", pursuit})) return demo.exit_code();

  demo.Say("Everything above is a change in the device's log, ready to sync.");
  if (!demo.Run({"log"})) return demo.exit_code();
  if (!demo.Run({"status"})) return demo.exit_code();

  inv.out() << "\nNext: cairn submit " << pursuit << " --home " << ShellQuote(*home) << "\n";
  return kExitOk;
}

}  // namespace cairn::cli
