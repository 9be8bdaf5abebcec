// 128-bit identifiers: actors (one per device install) and entities (UUIDv7).
//
// Entity ids are UUIDv7 (RFC 9562) made offline. Ids from one generator increase monotonically:
// within one millisecond the 74 random bits are incremented by one (RFC 9562 §6.2, method 2),
// so ids made in a burst sort together and cost ~2 bytes each in a change batch's entity table.
//
// Thread-safety: Id128 is a value. IdGenerator is not thread-safe.
#ifndef CAIRN_IDS_H_
#define CAIRN_IDS_H_

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "cairn/env.h"
#include "cairn/status.h"

namespace cairn {

struct Id128 {
  std::array<uint8_t, 16> bytes{};

  // Big-endian halves: the id as a 128-bit number is (Hi() << 64) | Lo().
  uint64_t Hi() const;
  uint64_t Lo() const;
  static Id128 FromHalves(uint64_t hi, uint64_t lo);
  // REQUIRES: raw.size() == 16
  static Id128 FromBytes(std::string_view raw);
  std::string_view AsBytes() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }

  bool IsZero() const;
  // Canonical 8-4-4-4-12 lower-case hex form.
  std::string ToString() const;
  // Parses the 8-4-4-4-12 form (either case) or 32 plain hex digits.
  static Result<Id128> Parse(std::string_view text);

  friend auto operator<=>(const Id128&, const Id128&) = default;  // NOLINT(modernize-use-nullptr)
};

using ActorId = Id128;
using EntityId = Id128;

struct Id128Hash {
  size_t operator()(const Id128& id) const { return id.Hi() ^ (id.Lo() * 0x9E3779B97F4A7C15ULL); }
};

// A random actor id (version-4 layout).
ActorId NewActorId(Random& random);

// A name-based entity id (UUIDv8 over SHA-256 of `name`), for entities every replica must agree
// on without talking, such as a catalog entry named by its slug.
EntityId NameBasedId(std::string_view name);

class IdGenerator {
 public:
  explicit IdGenerator(Env env) : env_(env) {}
  // A new UUIDv7, greater than every id this generator made before.
  EntityId Next();

 private:
  Env env_;
  uint64_t last_ms_ = 0;
  // The 74 non-time, non-version, non-variant bits of the last id, as a counter.
  uint64_t rand_hi_ = 0;  // upper 12 bits (rand_a)
  uint64_t rand_lo_ = 0;  // lower 62 bits (rand_b)
};

}  // namespace cairn

#endif  // CAIRN_IDS_H_
