// Decoding Bitstring Status Lists: multibase base64url, then GUNZIP with a size bound.
#include <zlib.h>

#include <algorithm>

#include "cairn/badge/bitstring_status.h"
#include "cairn/base64.h"

namespace cairn::badge {
namespace {

Result<std::string> Gunzip(std::string_view gzip) {
  z_stream stream{};
  constexpr int kGzipOnlyWindowBits = 15 + 16;  // GZIP wrapper only, not zlib or raw deflate
  if (inflateInit2(&stream, kGzipOnlyWindowBits) != Z_OK) {
    return Internal("zlib could not start a GUNZIP stream");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  stream.avail_in = static_cast<uInt>(gzip.size());
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    const size_t done = out.size();
    if (done >= kMaxStatusListBytes) {
      inflateEnd(&stream);
      return InvalidArgument("encodedList inflates to more than " +
                             std::to_string(kMaxStatusListBytes) + " bytes; refused");
    }
    const size_t room = std::min<size_t>(size_t{64} << 10, kMaxStatusListBytes + 1 - done);
    out.resize(done + room);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + done);
    stream.avail_out = static_cast<uInt>(room);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.resize(done + room - stream.avail_out);
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended before the stream did
  }
  const bool trailing = stream.avail_in != 0;
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    return InvalidArgument("encodedList is not complete GZIP data (zlib: " +
                           std::string(rc == Z_BUF_ERROR ? "truncated" : zError(rc)) + ")");
  }
  if (trailing) return InvalidArgument("encodedList has bytes after its GZIP data");
  if (out.size() > kMaxStatusListBytes) {
    return InvalidArgument("encodedList inflates to more than " +
                           std::to_string(kMaxStatusListBytes) + " bytes; refused");
  }
  return out;
}

}  // namespace

Result<std::string> DecodeBitstringStatusList(std::string_view encoded_list) {
  if (!encoded_list.starts_with('u')) {
    return InvalidArgument(
        "encodedList must be multibase base64url, starting with 'u'; it starts with " +
        (encoded_list.empty() ? std::string("nothing")
                              : "'" + std::string(1, encoded_list[0]) + "'"));
  }
  Result<std::string> gzip = Base64UrlDecode(encoded_list.substr(1));
  if (!gzip.ok()) return gzip.status().Annotate("encodedList");
  CAIRN_ASSIGN_OR_RETURN(std::string bits, Gunzip(*gzip));
  if (bits.size() * 8 < kMinStatusListEntries) {
    return InvalidArgument("encodedList holds " + std::to_string(bits.size() * 8) +
                           " entries; a status list has at least " +
                           std::to_string(kMinStatusListEntries));
  }
  return bits;
}

Result<bool> BitstringStatusAt(std::string_view bitstring, uint64_t index) {
  if (index / 8 >= bitstring.size()) {
    return OutOfRange("status list index " + std::to_string(index) +
                      " is past the end of a list of " + std::to_string(bitstring.size() * 8) +
                      " entries");
  }
  const auto byte = static_cast<unsigned char>(bitstring[index / 8]);
  return ((byte >> (7 - index % 8)) & 1U) != 0;
}

}  // namespace cairn::badge
