#include "http/log.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>

namespace cairn::server::log {
namespace {

std::atomic<Level> g_min_level{Level::kInfo};
std::atomic<std::FILE*> g_sink{nullptr};  // null = stderr
std::mutex g_write_mutex;

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 if it is not one.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  size_t n = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    min = 0x80;
    cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    min = 0x800;
    cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    min = 0x10000;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

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

void AppendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(text.substr(i));
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
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

}  // namespace cairn::server::log
