// Property test of the merge: on randomised histories, every replica that has applied the same
// set of changes holds byte-identical state (equal canonical state hashes), whatever the order,
// duplication and batching of delivery.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "cairn/change_codec.h"
#include "cairn/replica.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::SeededRandom;

constexpr int kAuthors = 5;
constexpr int kReceivers = 5;

int HistoryCount() {
  const char* env = std::getenv("CAIRN_PROPERTY_HISTORIES");
  return env ? std::atoi(env) : 1000;
}

struct World {
  explicit World(uint64_t seed) : rng(seed), random(seed) {}

  std::unique_ptr<Replica> NewReplica() {
    ReplicaOptions options;
    options.env = Env{&clock, &random};
    auto r = Replica::Open(":memory:", options);
    EXPECT_TRUE(r.ok()) << r.status();
    return std::move(r).value();
  }

  std::mt19937_64 rng;
  FakeClock clock;
  SeededRandom random;
};

// One random local op over a small pool of entities, fields and elements, so that concurrent
// writes collide often.
Op RandomOp(std::mt19937_64& rng, const std::vector<EntityId>& pool) {
  const EntityId& e = pool[rng() % pool.size()];
  static const char* const kElements[] = {"x", "y", "z"};
  switch (rng() % 20) {
    case 0:
      return Op::Delete(e);
    case 1:
    case 2:
    case 3:
      return Op::Add(e, "tags", std::string(kElements[rng() % 3]));
    case 4:
    case 5:
      return Op::Remove(e, "tags", std::string(kElements[rng() % 3]));
    case 6:
      return Op::Add(e, "links", pool[rng() % pool.size()]);
    case 7:
    case 8:
      return Op::Put(e, "n", static_cast<int64_t>(rng() % 100));
    case 9:
      return Op::Put(e, "ref", pool[rng() % pool.size()]);
    default:
      return Op::Put(e, (rng() % 2) ? "a" : "b", "v" + std::to_string(rng() % 1000));
  }
}

// A random order of `changes` that respects causality: each change after its actor's earlier
// changes and after every change its deps name.
std::vector<Change> RandomCausalOrder(std::mt19937_64& rng, std::vector<Change> changes) {
  std::map<ActorId, std::vector<Change>> by_actor;
  for (Change& c : changes) by_actor[c.actor].push_back(std::move(c));
  for (auto& [actor, list] : by_actor) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  }
  std::map<ActorId, size_t> next;
  std::map<ActorId, uint64_t> delivered;
  std::vector<Change> out;
  while (true) {
    std::vector<ActorId> ready;
    for (auto& [actor, list] : by_actor) {
      const size_t i = next[actor];
      if (i == list.size()) continue;
      const bool deps_met = std::all_of(list[i].deps.begin(), list[i].deps.end(),
                                        [&](const Dep& d) { return delivered[d.actor] >= d.seq; });
      if (deps_met) ready.push_back(actor);
    }
    if (ready.empty()) break;
    const ActorId& pick = ready[rng() % ready.size()];
    const Change& c = by_actor[pick][next[pick]++];
    delivered[pick] = c.seq;
    out.push_back(c);
  }
  EXPECT_EQ(out.size(), changes.size()) << "the history is not causally closed";
  return out;
}

std::string HashOf(Replica& r) {
  auto h = r.StateHash();
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? *h : std::string();
}

// Runs one history; returns false (with gtest failures) when replicas diverge.
void RunHistory(uint64_t seed) {
  SCOPED_TRACE("history seed " + std::to_string(seed));
  World w(seed);
  std::vector<std::unique_ptr<Replica>> authors;
  for (int i = 0; i < kAuthors; ++i) authors.push_back(w.NewReplica());
  std::vector<EntityId> pool;
  for (int i = 0; i < 4; ++i) pool.push_back(NameBasedId("entity " + std::to_string(i)));

  // Authors edit offline and now and then sync with one another, pairwise and partially, so the
  // history mixes concurrent and causally ordered writes.
  const int steps = 20 + static_cast<int>(w.rng() % 40);
  for (int step = 0; step < steps; ++step) {
    w.clock.Advance(static_cast<int64_t>(w.rng() % 3));  // often the same millisecond
    Replica& a = *authors[w.rng() % kAuthors];
    if (w.rng() % 4 == 0) {
      Replica& b = *authors[w.rng() % kAuthors];
      if (&a == &b) continue;
      auto batch = a.ExportSince(b.Version());
      ASSERT_TRUE(batch.ok()) << batch.status();
      ASSERT_TRUE(b.ApplyEncoded(*batch).ok());
      continue;
    }
    std::vector<Op> ops;
    const int n = 1 + static_cast<int>(w.rng() % 3);
    for (int i = 0; i < n; ++i) ops.push_back(RandomOp(w.rng, pool));
    ASSERT_TRUE(a.Commit(std::move(ops)).ok());
  }

  // Everything that was written, from the authors' logs.
  std::map<std::pair<ActorId, uint64_t>, Change> all;
  for (auto& author : authors) {
    auto changes = author->ChangesSince({});
    ASSERT_TRUE(changes.ok()) << changes.status();
    for (Change& c : *changes) all.emplace(std::make_pair(c.actor, c.seq), std::move(c));
  }
  std::vector<Change> history;
  for (auto& [key, c] : all) history.push_back(c);

  std::vector<std::string> hashes;
  for (int r = 0; r < kReceivers; ++r) {
    auto receiver = w.NewReplica();
    const std::vector<Change> order = RandomCausalOrder(w.rng, history);
    size_t pos = 0;
    while (pos < order.size()) {
      const size_t size = 1 + w.rng() % 8;
      std::vector<Change> batch(
          order.begin() + static_cast<long>(pos),
          order.begin() + static_cast<long>(std::min(pos + size, order.size())));
      // Duplicates: re-send a few changes already delivered.
      for (int d = 0; pos > 0 && d < 2; ++d) {
        if (w.rng() % 3 == 0) batch.insert(batch.begin(), order[w.rng() % pos]);
      }
      // Now and then a batch from too far ahead, which must be refused without effect.
      if (pos + size + 1 < order.size() && w.rng() % 5 == 0) {
        const std::string before = HashOf(*receiver);
        const VersionVector version = receiver->Version();
        const std::vector<Change> ahead(order.begin() + static_cast<long>(pos + size + 1),
                                        order.end());
        auto refused = receiver->Apply(ahead);
        if (!refused.ok()) {
          ASSERT_EQ(refused.status().code(), Code::kFailedPrecondition) << refused.status();
          ASSERT_EQ(HashOf(*receiver), before);
          ASSERT_EQ(receiver->Version(), version);
        }
        if (refused.ok()) {
          // Possible only when every change ahead was causally independent of the gap; then
          // delivering the rest later must still converge, so keep going.
        }
      }
      // Deliver through the wire encoding half of the time.
      Result<ApplyStats> applied =
          w.rng() % 2 ? receiver->ApplyEncoded(EncodeChanges(batch)) : receiver->Apply(batch);
      ASSERT_TRUE(applied.ok()) << applied.status();
      pos += size;
    }
    ASSERT_EQ(receiver->ChangeCount(), history.size());
    hashes.push_back(HashOf(*receiver));
  }
  // The authors converge too once each has everything.
  for (auto& author : authors) {
    for (auto& other : authors) {
      auto batch = other->ExportSince(author->Version());
      ASSERT_TRUE(batch.ok());
      ASSERT_TRUE(author->ApplyEncoded(*batch).ok());
    }
    hashes.push_back(HashOf(*author));
  }
  for (const std::string& h : hashes) ASSERT_EQ(h, hashes.front());
}

TEST(Convergence, RandomHistoriesConvergeWhateverTheDeliveryOrderDuplicationAndBatching) {
  const int histories = HistoryCount();
  for (int seed = 0; seed < histories; ++seed) {
    RunHistory(static_cast<uint64_t>(seed));
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasNonfatalFailure()) {
      FAIL() << "diverged or failed on history seed " << seed;
    }
  }
}

}  // namespace
}  // namespace cairn
