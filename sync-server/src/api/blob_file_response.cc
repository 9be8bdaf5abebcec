#include "api/blob_file_response.h"

#include <algorithm>
#include <charconv>

#include "cairn/hex.h"

namespace cairn::server {
namespace {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// A position in a Range header: digits only, any number of them. One too large for 64 bits is
// past the end of every file (so `bytes=18446744073709551616-` is unsatisfiable, not ignored).
std::optional<uint64_t> RangeBound(std::string_view digits) {
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const std::optional<uint64_t> value = ParseDecimal(digits);
  return value ? value : std::optional<uint64_t>(UINT64_MAX);
}

// nullopt: no usable Range (absent, not bytes, several ranges): send the whole. An error:
// unsatisfiable (416).
Result<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size,
                                            std::string_view noun) {
  constexpr std::string_view kBytes = "bytes=";
  if (!header.starts_with(kBytes)) return std::optional<ByteRange>();
  const std::string_view spec = header.substr(kBytes.size());
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos) {
    return std::optional<ByteRange>();
  }
  const std::optional<uint64_t> a = RangeBound(spec.substr(0, dash));
  const std::optional<uint64_t> b = RangeBound(spec.substr(dash + 1));
  const auto unsatisfiable = [&] {
    return OutOfRange("the range '" + std::string(header) + "' is outside the " +
                      std::string(noun) + "'s " + std::to_string(size) + " bytes");
  };
  if (dash == 0) {  // a suffix: the last b bytes
    if (!b) return std::optional<ByteRange>();
    if (*b == 0 || size == 0) return unsatisfiable();
    return std::optional<ByteRange>(ByteRange{size - std::min(*b, size), size - 1});
  }
  if (!a || (dash + 1 < spec.size() && !b)) return std::optional<ByteRange>();
  if (b && *b < *a) return std::optional<ByteRange>();  // invalid: ignored (RFC 9110 14.1.1)
  if (*a >= size) return unsatisfiable();
  return std::optional<ByteRange>(ByteRange{*a, b ? std::min(*b, size - 1) : size - 1});
}

}  // namespace

Result<std::string> ParseSha256(std::string_view text, std::string_view noun) {
  std::optional<std::string> bytes = text.size() == 64 ? ParseHex(text) : std::nullopt;
  if (!bytes) {
    return InvalidArgument(std::string(noun) + " is the SHA-256 of its bytes as 64 hex digits");
  }
  return *std::move(bytes);
}

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 19) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<Response> BlobFileResponse(const BlobLocation& location, std::string_view range_header,
                                  std::string_view etag_hex, std::string_view noun) {
  CAIRN_ASSIGN_OR_RETURN(const std::optional<ByteRange> range,
                         ParseRange(range_header, location.size, noun));
  Response response;
  response.content_type =
      location.media_type.empty() ? "application/octet-stream" : location.media_type;
  response.headers.emplace_back("Accept-Ranges", "bytes");
  response.headers.emplace_back("ETag", "\"" + std::string(etag_hex) + "\"");
  // Evidence shows children (DESIGN.md §8): no shared cache keeps it.
  response.headers.emplace_back("Cache-Control", "private, no-store");
  if (range) {
    response.status = 206;
    response.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                       std::to_string(range->last) + "/" +
                                                       std::to_string(location.size));
    response.file =
        Response::FileRange{location.path, range->first, range->last - range->first + 1};
  } else {
    response.file = Response::FileRange{location.path, 0, location.size};
  }
  return response;
}

Response UnsatisfiableRange(std::string_view accept, const Status& status, uint64_t size) {
  Response error = ErrorResponse(accept, status, HttpRefinement::kRangeNotSatisfiable);
  error.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
  return error;
}

}  // namespace cairn::server
