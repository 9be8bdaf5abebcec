// The sync engine's memory, kept as settings in the device store (Replica::WriteSettings): one
// key per field, written together in one transaction.
#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "cairn/sync.h"

namespace cairn {
namespace {

Result<uint64_t> ParseCount(std::string_view key, std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return DataLoss("the stored sync setting '" + std::string(key) + "' is damaged ('" +
                    std::string(text) + "')");
  }
  return value;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

}  // namespace

Result<std::optional<SyncSettings>> LoadSyncSettings(Replica& replica) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> token, replica.ReadSetting("sync.token"));
  if (!token) return std::optional<SyncSettings>();
  SyncSettings s;
  s.token = std::move(*token);
  const auto text = [&](std::string_view key, std::string& out) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, replica.ReadSetting(key));
    out = value.value_or("");
    return {};
  };
  const auto count = [&](std::string_view key, uint64_t& out) -> Status {
    CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> value, replica.ReadSetting(key));
    if (!value) return DataLoss("the sync setting '" + std::string(key) + "' is missing");
    CAIRN_ASSIGN_OR_RETURN(out, ParseCount(key, *value));
    return {};
  };
  CAIRN_RETURN_IF_ERROR(text("sync.server_url", s.server_url));
  CAIRN_RETURN_IF_ERROR(text("sync.pin_sha256", s.pin_sha256));
  CAIRN_RETURN_IF_ERROR(text("sync.ca_file", s.ca_file));
  CAIRN_RETURN_IF_ERROR(text("sync.user_id", s.user_id));
  CAIRN_RETURN_IF_ERROR(text("sync.role", s.role));
  std::string scopes;
  CAIRN_RETURN_IF_ERROR(text("sync.scopes", scopes));
  s.scopes = SplitLines(scopes);
  CAIRN_RETURN_IF_ERROR(count("sync.cursor", s.cursor));
  CAIRN_RETURN_IF_ERROR(count("sync.acknowledged_seq", s.acknowledged_seq));
  return std::optional<SyncSettings>(std::move(s));
}

Status SaveSyncSettings(Replica& replica, const SyncSettings& s) {
  std::string scopes;
  for (const std::string& scope : s.scopes) {
    if (!scopes.empty()) scopes += '\n';
    scopes += scope;
  }
  const std::vector<std::pair<std::string, std::string>> settings = {
      {"sync.server_url", s.server_url},
      {"sync.pin_sha256", s.pin_sha256},
      {"sync.ca_file", s.ca_file},
      {"sync.token", s.token},
      {"sync.user_id", s.user_id},
      {"sync.role", s.role},
      {"sync.scopes", scopes},
      {"sync.cursor", std::to_string(s.cursor)},
      {"sync.acknowledged_seq", std::to_string(s.acknowledged_seq)},
  };
  return replica.WriteSettings(settings);
}

}  // namespace cairn
