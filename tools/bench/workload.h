// The shared benchmark workloads of ../shared/workloads/README.md, exactly: the mulberry32 PRNG,
// random strings and ints, the W1/W2 base document and update streams. Other sync systems are
// measured on the same data, so nothing here may drift from the reference scripts.
#ifndef CAIRN_TOOLS_BENCH_WORKLOAD_H_
#define CAIRN_TOOLS_BENCH_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>

namespace cairn::bench {

class Mulberry32 {
 public:
  explicit Mulberry32(uint32_t seed) : state_(seed) {}
  uint32_t Next() {
    state_ += 0x6D2B79F5U;
    uint32_t t = state_;
    t = (t ^ (t >> 15)) * (t | 1U);
    t ^= t + (t ^ (t >> 7)) * (t | 61U);
    return t ^ (t >> 14);
  }

 private:
  uint32_t state_;
};

inline constexpr int kRecords = 10'000;
inline constexpr int kFields = 8;  // s0..s5 are strings, i0 and i1 ints
inline constexpr std::array<const char*, kFields> kFieldNames = {"s0", "s1", "s2", "s3",
                                                                 "s4", "s5", "i0", "i1"};
inline constexpr uint32_t kBaseSeed = 42;
inline constexpr int kW1Actors = 4;
inline constexpr int kW1UpdatesPerActor = 25'000;
inline constexpr uint32_t W1ActorSeed(int k) { return 1000 + static_cast<uint32_t>(k); }
inline constexpr uint32_t kW2HistorySeed = 2000;
inline constexpr uint32_t kW2NewSeed = 3000;

using FieldValue = std::variant<std::string, int64_t>;

inline std::string RandomString(Mulberry32& rng) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(32, ' ');
  for (char& c : out) c = kAlphabet[rng.Next() % 62];
  return out;
}

// The value for field f, drawing from the PRNG in the reference order.
inline FieldValue RandomFieldValue(Mulberry32& rng, int f) {
  if (f < 6) return RandomString(rng);
  return static_cast<int64_t>(rng.Next() % 1'000'000);
}

// "r" + 5-digit zero-padded index.
inline std::string RecordKey(int i) {
  char key[16];
  std::snprintf(key, sizeof(key), "r%05d", i);
  return key;
}

struct Update {
  int record;
  int field;
  FieldValue value;
};

// The update stream for a seed: r = next() % 10000, f = next() % 8, then the value.
class UpdateStream {
 public:
  explicit UpdateStream(uint32_t seed) : rng_(seed) {}
  Update Next() {
    const int r = static_cast<int>(rng_.Next() % kRecords);
    const int f = static_cast<int>(rng_.Next() % kFields);
    return Update{r, f, RandomFieldValue(rng_, f)};
  }

 private:
  Mulberry32 rng_;
};

}  // namespace cairn::bench

#endif  // CAIRN_TOOLS_BENCH_WORKLOAD_H_
