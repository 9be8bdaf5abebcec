// Test-only seams: a clock the test moves by hand and a seeded random source, so that every
// replica history can be replayed exactly.
#ifndef CAIRN_TESTS_SUPPORT_FAKES_H_
#define CAIRN_TESTS_SUPPORT_FAKES_H_

#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>

#include "cairn/env.h"

namespace cairn::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'760'000'000'000) : now_ms_(now_ms) {}
  int64_t NowMillis() override { return now_ms_; }
  void Advance(int64_t ms) { now_ms_ += ms; }
  void Set(int64_t ms) { now_ms_ = ms; }

 private:
  int64_t now_ms_;
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(engine_());
  }

 private:
  std::mt19937_64 engine_;
};

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace cairn::testing

#endif  // CAIRN_TESTS_SUPPORT_FAKES_H_
