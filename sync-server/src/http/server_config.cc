#include "http/server_config.h"

#include <charconv>

#include "http/files.h"
#include "http/http_server.h"

namespace cairn::server {
namespace {

std::string_view Trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

template <typename Int>
std::optional<Int> ParseInteger(std::string_view text) {
  Int value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

constexpr std::string_view kKnownKeys =
    "listen, tls_cert, tls_key, threads, max_future_skew_ms, max_blob_bytes, scope_quota_bytes, "
    "public_url, webhook_ca_file, forward_backoff_ms, forward_backoff_max_ms";

}  // namespace

Result<int> ParseThreadCount(std::string_view text, std::string_view what) {
  const std::optional<int> threads = ParseInteger<int>(text);
  if (!threads || *threads < 1 || *threads > 256) {
    return InvalidArgument(std::string(what) + " must be a whole number from 1 to 256, not '" +
                           std::string(text) + "'");
  }
  return *threads;
}

Result<ServeConfig> ParseServeConfig(std::string_view text, std::string_view file_name) {
  ServeConfig config;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    line = Trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;

    const std::string where = std::string(file_name) + ":" + std::to_string(line_number);
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return InvalidArgument(where + ": expected 'key = value', got '" + std::string(line) + "'");
    }
    const std::string_view key = Trim(line.substr(0, equals));
    const std::string_view value = Trim(line.substr(equals + 1));
    if (value.empty()) {
      return InvalidArgument(where + ": '" + std::string(key) + "' has no value");
    }
    const auto set_once = [&](auto& field, auto parsed) -> Status {
      if (field.has_value()) {
        return InvalidArgument(where + ": '" + std::string(key) +
                               "' is set twice; keep one of the lines");
      }
      field = std::move(parsed);
      return {};
    };
    if (key == "listen") {
      Result<ListenAddress> address = ParseListenAddress(value);
      if (!address.ok()) return address.status().Annotate(where);
      CAIRN_RETURN_IF_ERROR(set_once(config.listen, std::string(value)));
    } else if (key == "tls_cert") {
      CAIRN_RETURN_IF_ERROR(set_once(config.tls_cert, std::string(value)));
    } else if (key == "tls_key") {
      CAIRN_RETURN_IF_ERROR(set_once(config.tls_key, std::string(value)));
    } else if (key == "threads") {
      Result<int> threads = ParseThreadCount(value, "threads");
      if (!threads.ok()) return threads.status().Annotate(where);
      CAIRN_RETURN_IF_ERROR(set_once(config.threads, *threads));
    } else if (key == "max_future_skew_ms") {
      const std::optional<int64_t> skew = ParseInteger<int64_t>(value);
      if (!skew || *skew < 0) {
        return InvalidArgument(where +
                               ": max_future_skew_ms must be a whole number of "
                               "milliseconds, 0 or more, not '" +
                               std::string(value) + "'");
      }
      CAIRN_RETURN_IF_ERROR(set_once(config.max_future_skew_ms, *skew));
    } else if (key == "max_blob_bytes" || key == "scope_quota_bytes") {
      const std::optional<uint64_t> bytes = ParseInteger<uint64_t>(value);
      if (!bytes || *bytes == 0) {
        return InvalidArgument(where + ": " + std::string(key) +
                               " must be a whole number of bytes, 1 or more, not '" +
                               std::string(value) + "'");
      }
      CAIRN_RETURN_IF_ERROR(set_once(
          key == "max_blob_bytes" ? config.max_blob_bytes : config.scope_quota_bytes, *bytes));
    } else if (key == "public_url") {
      if (Status s = CheckPublicUrl(value); !s.ok()) return s.Annotate(where);
      CAIRN_RETURN_IF_ERROR(set_once(config.public_url, std::string(value)));
    } else if (key == "webhook_ca_file") {
      CAIRN_RETURN_IF_ERROR(set_once(config.webhook_ca_file, std::string(value)));
    } else if (key == "forward_backoff_ms" || key == "forward_backoff_max_ms") {
      const std::optional<int64_t> ms = ParseInteger<int64_t>(value);
      if (!ms || *ms < 1) {
        return InvalidArgument(where + ": " + std::string(key) +
                               " must be a whole number of milliseconds, 1 or more, not '" +
                               std::string(value) + "'");
      }
      CAIRN_RETURN_IF_ERROR(set_once(
          key == "forward_backoff_ms" ? config.forward_backoff_ms : config.forward_backoff_max_ms,
          *ms));
    } else {
      return InvalidArgument(where + ": unknown key '" + std::string(key) + "'; the keys are " +
                             std::string(kKnownKeys));
    }
  }
  return config;
}

Result<ServeConfig> LoadServeConfig(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return InvalidArgument("cannot read the config file: " + text.status().message() +
                           " (check --config)");
  }
  return ParseServeConfig(*text, path);
}

Status CheckPublicUrl(std::string_view url) {
  if (!url.starts_with("https://") || url.size() <= 8 || url.back() == '/') {
    return InvalidArgument(
        "public_url must be the https:// URL issuers and verifiers reach this "
        "server at, without a trailing '/', not '" +
        std::string(url) + "'");
  }
  return {};
}

}  // namespace cairn::server
