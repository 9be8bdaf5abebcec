#include "http/log.h"

#include <google/protobuf/stubs/logging.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

#include "api/json_string.h"

namespace cairn::server::log {
namespace {

std::atomic<Level> g_min_level{Level::kInfo};
std::atomic<std::FILE*> g_sink{nullptr};  // null = stderr
std::mutex g_write_mutex;

void AppendTimestamp(std::string& out, int64_t unix_ms) {
  const auto seconds = static_cast<std::time_t>(unix_ms / 1000);
  const int millis = static_cast<int>(unix_ms % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  const int n = std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, millis);
  if (n > 0) out.append(buffer, static_cast<size_t>(n));
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void Field::AppendTo(std::string& out) const {
  AppendJsonString(out, key_);
  out.push_back(':');
  if (const auto* text = std::get_if<std::string_view>(&value_)) {
    AppendJsonString(out, *text);
  } else if (const auto* i = std::get_if<int64_t>(&value_)) {
    out += std::to_string(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&value_)) {
    out += std::to_string(*u);
  } else if (const auto* d = std::get_if<double>(&value_)) {
    if (!std::isfinite(*d)) {
      out += "null";  // JSON has no NaN or infinity
    } else {
      char buffer[32];
      const int n = std::snprintf(buffer, sizeof(buffer), "%.3f", *d);
      if (n > 0) out.append(buffer, static_cast<size_t>(n));
    }
  } else {
    out += std::get<bool>(value_) ? "true" : "false";
  }
}

void SetMinLevel(Level level) { g_min_level.store(level, std::memory_order_relaxed); }

bool Enabled(Level level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void SetSink(std::FILE* sink) { g_sink.store(sink); }

std::string FormatLine(int64_t unix_ms, Level level, std::string_view msg,
                       std::initializer_list<Field> fields) {
  std::string line;
  line.reserve(128);
  line += R"({"ts":")";
  AppendTimestamp(line, unix_ms);
  line += R"(","level":")";
  line += LevelName(level);
  line += R"(","msg":)";
  AppendJsonString(line, msg);
  for (const Field& field : fields) {
    line.push_back(',');
    field.AppendTo(line);
  }
  line.push_back('}');
  return line;
}

void Log(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  std::string line = FormatLine(now_ms, level, msg, fields);
  line.push_back('\n');
  std::FILE* sink = g_sink.load();
  if (sink == nullptr) sink = stderr;
  const std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), sink);
  std::fflush(sink);
}

namespace {

void ProtobufLine(google::protobuf::LogLevel level, const char* filename, int line,
                  const std::string& message) {
  const std::string at =
      std::string(filename != nullptr ? filename : "?") + ":" + std::to_string(line);
  const Level ours = level >= google::protobuf::LOGLEVEL_ERROR     ? Level::kError
                     : level == google::protobuf::LOGLEVEL_WARNING ? Level::kWarn
                                                                   : Level::kInfo;
  Log(ours, "library message", {{"library", "protobuf"}, {"message", message}, {"at", at}});
}

}  // namespace

void CaptureLibraryLogs() { google::protobuf::SetLogHandler(&ProtobufLine); }

}  // namespace cairn::server::log
