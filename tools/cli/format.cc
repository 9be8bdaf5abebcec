#include "format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <variant>

namespace cairn::cli {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string ShortActor(const ActorId& actor) { return actor.ToString().substr(0, 8); }

std::string ShortId(const EntityId& id) {
  const std::string full = id.ToString();
  return full.substr(0, 8) + ".." + full.substr(full.size() - 4);
}

std::string IdFromBytes(std::string_view bytes) {
  if (bytes.size() != 16) return "(none)";
  return Id128::FromBytes(bytes).ToString();
}

std::string IsoTime(int64_t millis) {
  int64_t seconds = millis / 1000;
  int64_t ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(millis) + "ms";
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", date, static_cast<int>(ms));
  return out;
}

std::string HlcText(Hlc hlc) {
  const auto counter = static_cast<unsigned>(hlc & ((Hlc{1} << kHlcCounterBits) - 1));
  return IsoTime(HlcMillis(hlc)) + " #" + std::to_string(counter);
}

std::string Quote(std::string_view text, size_t max_chars) {
  std::string out = "\"";
  size_t chars = 0;
  for (const char c : text) {
    if (!IsContinuationByte(c)) {
      if (chars == max_chars) {
        out += "…";
        break;
      }
      ++chars;
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
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string ValueText(const Value& value) {
  struct Visitor {
    std::string operator()(const std::string& text) const { return Quote(text); }
    std::string operator()(int64_t n) const { return std::to_string(n); }
    std::string operator()(double d) const {
      char out[32];
      std::snprintf(out, sizeof(out), "%g", d);
      return out;
    }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const Blob& blob) const {
      return "<" + HumanSize(blob.data.size()) + " blob>";
    }
    std::string operator()(const EvidenceRef& ref) const {
      const std::string_view hash(reinterpret_cast<const char*>(ref.sha256.data()),
                                  ref.sha256.size());
      return "<" + ref.media_type + ", " + HumanSize(ref.size) + ", sha256 " +
             Hex(hash).substr(0, 12) + "..>";
    }
    std::string operator()(const EntityId& id) const { return ShortId(id); }
  };
  return std::visit(Visitor{}, value);
}

std::string HumanSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  constexpr const char* kUnits[] = {"KB", "MB", "GB", "TB"};
  double size = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (size >= 1024.0 && unit + 1 < std::size(kUnits)) {
    size /= 1024.0;
    ++unit;
  }
  char out[32];
  std::snprintf(out, sizeof(out), "%.1f %s", size, kUnits[unit]);
  return out;
}

std::string Hex(std::string_view bytes) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

std::optional<std::array<uint8_t, 32>> ParseSha256(std::string_view hex) {
  std::array<uint8_t, 32> out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(hex[2 * i]);
    const int lo = HexDigit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string_view PursuitStatusName(v1::PursuitStatus status) {
  switch (status) {
    case v1::PURSUIT_STATUS_DRAFT:
      return "draft";
    case v1::PURSUIT_STATUS_SUBMITTED:
      return "submitted";
    case v1::PURSUIT_STATUS_RECEIVED:
      return "received";
    case v1::PURSUIT_STATUS_FORWARDED:
      return "forwarded";
    case v1::PURSUIT_STATUS_IN_REVIEW:
      return "in_review";
    case v1::PURSUIT_STATUS_AWARDED:
      return "awarded";
    case v1::PURSUIT_STATUS_NOT_YET:
      return "not_yet";
    default:
      return "unknown";
  }
}

int64_t CurrentAttempt(const v1::Pursuit& pursuit) {
  // Pursuit.attempt is the attempt the *next* submission will be.
  switch (pursuit.status()) {
    case v1::PURSUIT_STATUS_DRAFT:
    case v1::PURSUIT_STATUS_NOT_YET:
    case v1::PURSUIT_STATUS_UNSPECIFIED:
      return pursuit.attempt();
    default:
      return pursuit.attempt() > 1 ? pursuit.attempt() - 1 : pursuit.attempt();
  }
}

std::string Plural(uint64_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

size_t DisplayWidth(std::string_view text) {
  size_t width = 0;
  for (const char c : text) width += IsContinuationByte(c) ? 0 : 1;
  return width;
}

std::string Wrap(std::string_view text, size_t indent, size_t width) {
  const std::string margin(indent, ' ');
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t newline = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, newline - start);
    std::string current = margin;
    size_t current_width = indent;
    size_t pos = 0;
    while (pos < line.size()) {
      const size_t word_end = std::min(line.find(' ', pos), line.size());
      const std::string_view word = line.substr(pos, word_end - pos);
      pos = word_end + 1;
      if (word.empty()) continue;
      const size_t word_width = DisplayWidth(word);
      if (current_width > indent && current_width + 1 + word_width > width) {
        out += current + "\n";
        current = margin;
        current_width = indent;
      }
      if (current_width > indent) {
        current += ' ';
        ++current_width;
      }
      current += word;
      current_width += word_width;
    }
    out += (current_width > indent ? current : std::string()) + "\n";
    start = newline + 1;
  }
  return out;
}

std::string Pad(std::string_view text, size_t width) {
  std::string out(text);
  for (size_t w = DisplayWidth(text); w < width; ++w) out += ' ';
  return out;
}

}  // namespace cairn::cli
