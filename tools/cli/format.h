// Text formatting shared by the `cairn` commands: short ids, times, quoted values, sizes.
#ifndef CAIRN_TOOLS_CLI_FORMAT_H_
#define CAIRN_TOOLS_CLI_FORMAT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/change.h"
#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "cairn/v1/model.pb.h"

namespace cairn::cli {

// Values longer than this many characters are cut and end in "…" in human-readable output.
inline constexpr size_t kMaxValueChars = 60;

// The first 8 hex digits of an actor id: actors are random, so this is enough to tell them apart.
std::string ShortActor(const ActorId& actor);
// "0190f3c2..89ab": the first 8 and last 4 hex digits. Entity ids are UUIDv7, whose leading
// digits are a timestamp shared by ids made together, and whose trailing digits differ.
std::string ShortId(const EntityId& id);
// An entity id held in a proto `bytes` field, in full; "(none)" when not 16 bytes.
std::string IdFromBytes(std::string_view bytes);

// "2025-11-25T17:39:00.123Z": milliseconds since the Unix epoch, in UTC.
std::string IsoTime(int64_t millis);
// "2025-11-25T17:39:00.123Z #0": an HLC's wall-clock time and its counter.
std::string HlcText(Hlc hlc);

// `text` in double quotes with quotes, backslashes and control characters escaped, cut to
// `max_chars` characters (not bytes) with a trailing "…".
std::string Quote(std::string_view text, size_t max_chars = kMaxValueChars);
// A change-log value the way `cairn log` shows it: "text" quoted, numbers as numbers,
// blobs as <N bytes>, evidence as its media type, size and hash prefix, entities as ShortId.
std::string ValueText(const Value& value);

// "512 B", "2.0 MB".
std::string HumanSize(uint64_t bytes);
// Lower-case hex of `bytes`.
std::string Hex(std::string_view bytes);
// 64 hex digits (either case) into 32 bytes; nullopt if malformed.
std::optional<std::array<uint8_t, 32>> ParseSha256(std::string_view hex);

// "draft", "submitted", "in_review", ... (the names the change log uses).
std::string_view PursuitStatusName(v1::PursuitStatus status);
// The attempt a status line shows: the one being prepared while a pursuit is a draft or came
// back "not yet", otherwise the one last submitted.
int64_t CurrentAttempt(const v1::Pursuit& pursuit);

// "1 item", "3 items".
std::string Plural(uint64_t n, std::string_view noun);

// `text` padded with spaces to `width` characters (counting UTF-8 code points).
std::string Pad(std::string_view text, size_t width);
// `text` wrapped at `width` columns, every line starting with `indent` spaces and ending in a
// newline. Line breaks in `text` are kept.
std::string Wrap(std::string_view text, size_t indent, size_t width = 100);
// Number of UTF-8 code points in `text`.
size_t DisplayWidth(std::string_view text);

}  // namespace cairn::cli

#endif  // CAIRN_TOOLS_CLI_FORMAT_H_
