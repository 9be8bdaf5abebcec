#include "cairn/ids.h"

#include <openssl/sha.h>

#include <cstring>

namespace cairn {
namespace {

constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint64_t LoadBigEndian(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

void StoreBigEndian(uint64_t v, uint8_t* p) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

}  // namespace

uint64_t Id128::Hi() const { return LoadBigEndian(bytes.data()); }
uint64_t Id128::Lo() const { return LoadBigEndian(bytes.data() + 8); }

Id128 Id128::FromHalves(uint64_t hi, uint64_t lo) {
  Id128 id;
  StoreBigEndian(hi, id.bytes.data());
  StoreBigEndian(lo, id.bytes.data() + 8);
  return id;
}

Id128 Id128::FromBytes(std::string_view raw) {
  Id128 id;
  std::memcpy(id.bytes.data(), raw.data(), id.bytes.size());
  return id;
}

bool Id128::IsZero() const { return Hi() == 0 && Lo() == 0; }

std::string Id128::ToString() const {
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xF]);
  }
  return out;
}

Result<Id128> Id128::Parse(std::string_view text) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) {
    return InvalidArgument("id '" + std::string(text) +
                           "' is not a UUID: expected 36 characters like "
                           "0190f3c2-7a1b-7c3d-8e4f-0123456789ab");
  }
  Id128 id;
  size_t pos = 0;
  for (size_t i = 0; i < id.bytes.size(); ++i) {
    if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
      if (text[pos] != '-') {
        return InvalidArgument("id '" + std::string(text) + "' has no '-' at position " +
                               std::to_string(pos + 1));
      }
      ++pos;
    }
    const int hi = HexValue(text[pos]);
    const int lo = HexValue(text[pos + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgument("id '" + std::string(text) + "' has a non-hex digit near position " +
                             std::to_string(pos + 1));
    }
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    pos += 2;
  }
  return id;
}

ActorId NewActorId(Random& random) {
  ActorId id;
  random.Fill(id.bytes);
  id.bytes[6] = (id.bytes[6] & 0x0F) | 0x40;  // version 4
  id.bytes[8] = (id.bytes[8] & 0x3F) | 0x80;  // RFC 9562 variant
  return id;
}

EntityId NameBasedId(std::string_view name) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(name.data()), name.size(), digest);
  EntityId id;
  std::memcpy(id.bytes.data(), digest, id.bytes.size());
  id.bytes[6] = (id.bytes[6] & 0x0F) | 0x80;  // version 8
  id.bytes[8] = (id.bytes[8] & 0x3F) | 0x80;
  return id;
}

EntityId IdGenerator::Next() {
  constexpr uint64_t kRandLoMask = (uint64_t{1} << 62) - 1;
  constexpr uint64_t kRandHiMask = (uint64_t{1} << 12) - 1;
  const auto now = static_cast<uint64_t>(env_.clock->NowMillis()) & ((uint64_t{1} << 48) - 1);
  bool fresh = now > last_ms_;
  if (!fresh) {
    // Same millisecond, or the clock went back: count up from the last id so ids stay monotonic.
    rand_lo_ = (rand_lo_ + 1) & kRandLoMask;
    if (rand_lo_ == 0) {
      rand_hi_ = (rand_hi_ + 1) & kRandHiMask;
      if (rand_hi_ == 0) {  // 74-bit counter exhausted within one ms: borrow the next ms
        ++last_ms_;
        fresh = true;
      }
    }
  } else {
    last_ms_ = now;
  }
  if (fresh) {
    uint8_t seed[16];
    env_.random->Fill(seed);
    rand_hi_ = LoadBigEndian(seed) & kRandHiMask;
    // Start low in the 62-bit space so a burst never wraps.
    rand_lo_ = LoadBigEndian(seed + 8) & (kRandLoMask >> 1);
  }
  const uint64_t hi = (last_ms_ << 16) | (uint64_t{0x7} << 12) | rand_hi_;
  const uint64_t lo = (uint64_t{0x2} << 62) | rand_lo_;
  return Id128::FromHalves(hi, lo);
}

}  // namespace cairn
