#include "bench_util.h"

#include <openssl/sha.h>
#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

namespace cairn::bench {

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

size_t GzipSize(std::string_view data, int level) {
  z_stream stream{};
  // windowBits 15 + 16: a gzip wrapper, as node's zlib.gzipSync writes.
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    Die("deflateInit2 failed");
  }
  std::vector<unsigned char> out(deflateBound(&stream, data.size()) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) Die("deflate failed");
  const size_t size = stream.total_out;
  deflateEnd(&stream);
  return size;
}

size_t ZstdSize(std::string_view data, int level) {
  std::vector<char> out(ZSTD_compressBound(data.size()));
  const size_t size = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(size)) Die(std::string("zstd: ") + ZSTD_getErrorName(size));
  return size;
}

std::string SizesJson(std::string_view data) {
  return "{\"bytes\":" + std::to_string(data.size()) +
         ",\"gzip6\":" + std::to_string(GzipSize(data)) +
         ",\"zstd3\":" + std::to_string(ZstdSize(data)) + "}";
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFileOrDie(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) Die("cannot write " + path);
}

void Die(const std::string& message) {
  std::fprintf(stderr, "bench: %s\n", message.c_str());
  std::exit(1);
}

}  // namespace cairn::bench
