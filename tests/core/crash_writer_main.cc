// A child process for the crash test: opens (or reopens) a replica and commits changes as fast
// as it can, printing "<seq> <entity id> <text size>" on stdout after each commit returns. The
// test kills it with SIGKILL at a random moment and checks that everything printed survived.
//
// Usage: cairn_crash_writer STORE COUNT SEED
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "cairn/replica.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STORE COUNT SEED\n", argv[0]);
    return 2;
  }
  auto replica = cairn::Replica::Open(argv[1], cairn::ReplicaOptions{});
  if (!replica.ok()) {
    std::fprintf(stderr, "%s\n", replica.status().ToString().c_str());
    return 1;
  }
  const long count = std::strtol(argv[2], nullptr, 10);
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
  const cairn::EntityId shared = cairn::NameBasedId("crash-test-shared-set");
  for (long i = 0; i < count; ++i) {
    const cairn::EntityId id = (*replica)->NewEntityId();
    // Sizes up to 48 KiB spread commits over many pages, so kills land mid-write.
    const size_t size = rng() % (48 * 1024);
    std::string text(size, static_cast<char>('a' + i % 26));
    std::vector<cairn::Op> ops;
    ops.push_back(cairn::Op::Put(id, "n", static_cast<int64_t>(i)));
    ops.push_back(cairn::Op::Put(id, "text", std::move(text)));
    ops.push_back(cairn::Op::Add(shared, "members", id));
    auto change = (*replica)->Commit(std::move(ops));
    if (!change.ok()) {
      std::fprintf(stderr, "%s\n", change.status().ToString().c_str());
      return 1;
    }
    std::printf("%llu %s %zu\n", static_cast<unsigned long long>(change->seq),
                id.ToString().c_str(), size);
    std::fflush(stdout);
  }
  return 0;
}
