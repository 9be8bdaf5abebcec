#include "invocation.h"

#include <filesystem>
#include <iterator>

#include "command_table.h"
#include "store.h"

namespace cairn::cli {

Invocation::Invocation(const CommandSpec& spec, Args args, size_t command_words, Io io)
    : spec_(spec), args_(std::move(args)), command_words_(command_words), io_(io) {}

std::span<const std::string> Invocation::args() const {
  return std::span<const std::string>(args_.positional).subspan(command_words_);
}

int Invocation::Fail(const Status& status) {
  io_.err << "cairn: " << status.message() << "\n";
  return kExitError;
}

int ReportUsageError(const CommandSpec& spec, std::string_view message, std::ostream& err) {
  err << "cairn " << spec.name << ": " << message << "\n"
      << "usage: " << spec.UsageLine() << "\n";
  return kExitUsage;
}

int Invocation::UsageError(std::string_view message) {
  return ReportUsageError(spec_, message, io_.err);
}

std::optional<EntityId> Invocation::IdArg(size_t index, std::string_view what) {
  Result<Id128> id = Id128::Parse(arg(index));
  if (!id.ok()) {
    UsageError(std::string(what) + ": " + id.status().message());
    return std::nullopt;
  }
  return *id;
}

std::string Invocation::TextArg(size_t index) {
  if (arg(index) != "-") return arg(index);
  std::string text{std::istreambuf_iterator<char>(io_.in), std::istreambuf_iterator<char>()};
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

Result<std::string> Invocation::Home() const {
  return ResolveHome(args_.Get("home"), io_.cairn_home_env, io_.home_env);
}

Result<bool> Invocation::HasDeviceStore() const {
  CAIRN_ASSIGN_OR_RETURN(const std::string home, Home());
  std::error_code ec;
  return std::filesystem::exists(DatabasePath(home), ec);
}

Result<Device*> Invocation::OpenDevice() {
  if (device_ == nullptr) {
    CAIRN_ASSIGN_OR_RETURN(const std::string home, Home());
    CAIRN_ASSIGN_OR_RETURN(device_, OpenStore(home));
    // A damaged catalog entry is skipped, not fatal; the teacher is told which one (on stderr,
    // so that --json output stays parseable).
    std::ostream& err = io_.err;
    device_->set_catalog_damage_sink([&err](const CatalogDamage& damage) {
      err << "cairn: warning: " << damage.message << "\n";
    });
  }
  return device_.get();
}

}  // namespace cairn::cli
