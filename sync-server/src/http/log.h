// Structured logging for cairn-server: one JSON object per line on stderr, e.g.
//
//   {"ts":"2025-01-31T09:12:03.041Z","level":"info","msg":"request","method":"POST",
//    "route":"/v1/push","status":200,"ms":3.2,"bytes_in":812,"bytes_out":64}
//
// `ts` is UTC with milliseconds. Field values are text, integers, reals or flags; text is
// escaped for JSON, and bytes that are not UTF-8 become U+FFFD, so a hostile value can never
// break a line or the format. Operators filter with jq; the format is part of
// docs/operations.md.
//
// Thread-safety: Log() may be called from any thread; each line is formatted first and written
// with one call under a mutex, so lines never interleave.
#ifndef CAIRN_SERVER_HTTP_LOG_H_
#define CAIRN_SERVER_HTTP_LOG_H_

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace cairn::server::log {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
std::string_view LevelName(Level level);

// One key/value pair of a log line. Holds views: build fields in the call to Log().
class Field {
 public:
  Field(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  Field(std::string_view key, const char* value) : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, const std::string& value)
      : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}
  Field(std::string_view key, double value) : key_(key), value_(value) {}
  template <typename Int,
            typename = std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>>>
  Field(std::string_view key, Int value) : key_(key) {
    if constexpr (std::is_signed_v<Int>) {
      value_ = static_cast<int64_t>(value);
    } else {
      value_ = static_cast<uint64_t>(value);
    }
  }

  std::string_view key() const { return key_; }
  // Appends `"key":value` to `out`.
  void AppendTo(std::string& out) const;

 private:
  std::string_view key_;
  std::variant<std::string_view, int64_t, uint64_t, double, bool> value_;
};

// Lines below `level` are dropped. Default: kInfo.
void SetMinLevel(Level level);
bool Enabled(Level level);

// Where lines go; default stderr. For tests. REQUIRES: `sink` outlives all logging.
void SetSink(std::FILE* sink);

// The line Log() would write (without the newline), with the given time in Unix ms.
std::string FormatLine(int64_t unix_ms, Level level, std::string_view msg,
                       std::initializer_list<Field> fields);

void Log(Level level, std::string_view msg, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log(Level::kDebug, msg, fields);
}
inline void Info(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log(Level::kInfo, msg, fields);
}
inline void Warn(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log(Level::kWarn, msg, fields);
}
inline void Error(std::string_view msg, std::initializer_list<Field> fields = {}) {
  Log(Level::kError, msg, fields);
}

// Sends the messages libraries print on their own (protobuf's complaints about a string field
// holding invalid UTF-8, say) through Log() as structured lines — `"msg":"library message"`
// with `library`, `message` and `at` (file:line) — so that the log stays one JSON object per
// line whatever a client sends. Call once, before serving (protobuf's hook is not thread-safe).
void CaptureLibraryLogs();

// JSON string literals: api/json_string.h (server::AppendJsonString).

}  // namespace cairn::server::log

#endif  // CAIRN_SERVER_HTTP_LOG_H_
