#include "cairn/replica.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "cairn/change_codec.h"
#include "cairn/v1/change.pb.h"
#include "store/replica_impl.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::cairn::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ReplicaTest : public ::testing::Test {
 protected:
  std::unique_ptr<Replica> Open(const std::string& name, const Schema* schema = nullptr,
                                bool checkpoint_on_close = true) {
    ReplicaOptions options;
    options.env = Env{&clock_, &random_};
    options.schema = schema;
    options.checkpoint_on_close = checkpoint_on_close;
    auto replica = Replica::Open(dir_.File(name), options);
    EXPECT_TRUE(replica.ok()) << replica.status();
    return replica.ok() ? std::move(replica).value() : nullptr;
  }

  static std::string Hash(Replica& r) {
    auto hash = r.StateHash();
    EXPECT_TRUE(hash.ok()) << hash.status();
    return hash.ok() ? *hash : "";
  }

  // Sends everything `from` has that `to` lacks.
  static void Sync(Replica& from, Replica& to) {
    auto batch = from.ExportSince(to.Version());
    ASSERT_TRUE(batch.ok()) << batch.status();
    auto applied = to.ApplyEncoded(*batch);
    ASSERT_TRUE(applied.ok()) << applied.status();
  }

  static EntityData MustGet(Replica& r, const EntityId& id) {
    auto entity = r.Get(id);
    EXPECT_TRUE(entity.ok() && entity->has_value());
    return entity.ok() && entity->has_value() ? **entity : EntityData{};
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRandom random_{99};
};

TEST_F(ReplicaTest, CommittedChangesSurviveReopenWithTheSameActorAndClock) {
  EntityId id;
  ActorId actor;
  Hlc last = 0;
  {
    auto r = Open("a.db");
    actor = r->actor();
    id = r->NewEntityId();
    auto change = r->Commit({Op::Put(id, "title", std::string("Exit tickets"))});
    CAIRN_ASSERT_OK(change);
    EXPECT_EQ(change->seq, 1U);
    last = change->hlc;
  }
  clock_.Advance(-10'000);  // the device clock went back while the app was closed
  auto r = Open("a.db");
  EXPECT_EQ(r->actor(), actor);
  EXPECT_EQ(r->Version().at(actor), 1U);
  EXPECT_EQ(*MustGet(*r, id).GetText("title"), "Exit tickets");
  auto next = r->Commit({Op::Put(id, "title", std::string("Exit tickets, revised"))});
  CAIRN_ASSERT_OK(next);
  EXPECT_EQ(next->seq, 2U);
  EXPECT_GT(next->hlc, last);
}

TEST_F(ReplicaTest, ApplyingTheSameBatchTwiceChangesNothingTheSecondTime) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{1})}));
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{2})}));
  auto batch = a->ExportSince({});
  CAIRN_ASSERT_OK(batch);
  auto first = b->ApplyEncoded(*batch);
  CAIRN_ASSERT_OK(first);
  EXPECT_EQ(first->applied, 2U);
  const std::string hash = Hash(*b);
  auto second = b->ApplyEncoded(*batch);
  CAIRN_ASSERT_OK(second);
  EXPECT_EQ(second->applied, 0U);
  EXPECT_EQ(second->duplicates, 2U);
  EXPECT_EQ(Hash(*b), hash);
  EXPECT_EQ(Hash(*a), hash);
}

TEST_F(ReplicaTest, AnOverlappingBatchStoresOnlyItsNewChanges) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  auto c = Open("c.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{1})}));
  CAIRN_ASSERT_OK(c->Commit({Op::Put(id, "y", int64_t{1})}));
  Sync(*c, *a);
  Sync(*a, *b);
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{2})}));
  // Everything again: old changes of two actors and one new change of a.
  auto all = a->ExportSince({});
  CAIRN_ASSERT_OK(all);
  auto applied = b->ApplyEncoded(*all);
  CAIRN_ASSERT_OK(applied);
  EXPECT_EQ(applied->applied, 1U);
  EXPECT_EQ(applied->duplicates, 2U);
  auto held = b->ChangesSince({});
  CAIRN_ASSERT_OK(held);
  EXPECT_EQ(held->size(), 3U);
  EXPECT_EQ(b->ChangeCount(), 3U);
  // After a restart the replay of the log must agree too.
  b.reset();
  b = Open("b.db");
  held = b->ChangesSince({});
  CAIRN_ASSERT_OK(held);
  EXPECT_EQ(held->size(), 3U);
  EXPECT_EQ(Hash(*b), Hash(*a));
}

TEST_F(ReplicaTest, TwoHandlesOnOneFileSeeEachOthersCommitsAndLoseNothing) {
  // An app and its background sync process can open the same store.
  auto first = Open("a.db");
  auto second = Open("a.db");
  ASSERT_EQ(first->actor(), second->actor());
  const EntityId id = first->NewEntityId();
  CAIRN_ASSERT_OK(first->Commit({Op::Put(id, "title", std::string("v1"))}));
  EXPECT_EQ(*MustGet(*second, id).GetText("title"), "v1");
  CAIRN_ASSERT_OK(first->Commit({Op::Put(id, "title", std::string("v2"))}));
  CAIRN_ASSERT_OK(first->Checkpoint());
  // The second handle commits as the same actor: it must take seq 3, not reuse 2.
  auto third = second->Commit({Op::Put(id, "caption", std::string("c"))});
  CAIRN_ASSERT_OK(third);
  EXPECT_EQ(third->seq, 3U);
  second.reset();
  first.reset();
  auto reopened = Open("a.db");
  const EntityData entity = MustGet(*reopened, id);
  EXPECT_EQ(*entity.GetText("title"), "v2");
  EXPECT_EQ(*entity.GetText("caption"), "c");
  auto fresh = Open("fresh.db");
  auto all = reopened->ChangesSince({});
  CAIRN_ASSERT_OK(all);
  EXPECT_EQ(all->size(), 3U);
  CAIRN_ASSERT_OK(fresh->Apply(*all));
  EXPECT_EQ(Hash(*reopened), Hash(*fresh));
}

TEST_F(ReplicaTest, AGapInSeqIsRefusedWholeAndLeavesTheStoreUnchanged) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  std::vector<Change> changes;
  for (int i = 1; i <= 3; ++i) {
    auto c = a->Commit({Op::Put(id, "x", int64_t{i})});
    CAIRN_ASSERT_OK(c);
    changes.push_back(*c);
  }
  const std::string before = Hash(*b);
  // Seq 1 is fine on its own, but the batch skips seq 2: nothing of it may land.
  const std::vector<Change> gapped = {changes[0], changes[2]};
  EXPECT_THAT(b->Apply(gapped), StatusIs(Code::kFailedPrecondition, HasSubstr("leaves a gap")));
  EXPECT_EQ(Hash(*b), before);
  EXPECT_TRUE(b->Version().empty());
  CAIRN_ASSERT_OK(b->Apply(changes));
  EXPECT_EQ(Hash(*b), Hash(*a));
}

TEST_F(ReplicaTest, AChangeWhoseDepsAreMissingIsRefused) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  auto c = Open("c.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{1})}));
  Sync(*a, *b);
  auto dependent = b->Commit({Op::Put(id, "y", int64_t{2})});
  CAIRN_ASSERT_OK(dependent);
  ASSERT_EQ(dependent->deps.size(), 1U);
  EXPECT_EQ(dependent->deps[0].actor, a->actor());
  const std::vector<Change> only_b = {*dependent};
  EXPECT_THAT(c->Apply(only_b), StatusIs(Code::kFailedPrecondition,
                                         HasSubstr("depends on actor " + a->actor().ToString())));
  EXPECT_TRUE(c->Version().empty());
}

TEST_F(ReplicaTest, GarbageBatchIsRefusedAndTheStoreStillWorks) {
  auto r = Open("a.db");
  const EntityId id = r->NewEntityId();
  CAIRN_ASSERT_OK(r->Commit({Op::Put(id, "x", int64_t{1})}));
  const std::string before = Hash(*r);
  EXPECT_THAT(r->ApplyEncoded("\x0a\x05garbage"), StatusIs(Code::kInvalidArgument, HasSubstr("")));
  EXPECT_EQ(Hash(*r), before);
  CAIRN_ASSERT_OK(r->Commit({Op::Put(id, "x", int64_t{2})}));
}

TEST_F(ReplicaTest, TruncatedBatchesAndUnknownOpsAreRefusedAndChangeNothing) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{1})}));
  Sync(*a, *b);
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{2}), Op::Put(id, "y", std::string("t"))}));
  auto batch = a->ExportSince(b->Version());
  CAIRN_ASSERT_OK(batch);
  const std::string before = Hash(*b);
  const VersionVector version = b->Version();
  for (size_t cut = 1; cut < batch->size(); cut += 3) {
    EXPECT_FALSE(b->ApplyEncoded(std::string_view(*batch).substr(0, cut)).ok()) << cut;
  }
  v1::ChangeBatch unknown;
  ASSERT_TRUE(unknown.ParseFromString(*batch));
  unknown.mutable_runs(0)->set_op_header(1, 0xF);  // an op this version does not know
  EXPECT_THAT(b->ApplyEncoded(unknown.SerializeAsString()),
              StatusIs(Code::kInvalidArgument, HasSubstr("unknown op code 15")));
  EXPECT_EQ(Hash(*b), before);
  EXPECT_EQ(b->Version(), version);
  CAIRN_ASSERT_OK(b->ApplyEncoded(*batch));
  EXPECT_EQ(Hash(*b), Hash(*a));
}

TEST_F(ReplicaTest, UncheckpointedChangesAreReplayedAtOpen) {
  const EntityId id = NameBasedId("replayed");
  {
    auto r = Open("a.db", nullptr, /*checkpoint_on_close=*/false);
    CAIRN_ASSERT_OK(r->Commit({Op::Put(id, "x", int64_t{1}), Op::Add(id, "s", std::string("e"))}));
    CAIRN_ASSERT_OK(r->Commit({Op::Remove(id, "s", std::string("e"))}));
    CAIRN_ASSERT_OK(r->Checkpoint());
    CAIRN_ASSERT_OK(r->Commit({Op::Put(id, "x", int64_t{2}), Op::Add(id, "s", std::string("f"))}));
    // Leave the last change un-checkpointed, as a killed process would.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("a.db").c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw,
                                 "SELECT count(*) FROM actors WHERE materialized_seq < "
                                 "(SELECT max(last_seq) FROM log WHERE log.actor = actors.id)",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
  }
  auto r = Open("a.db");
  const EntityData entity = MustGet(*r, id);
  EXPECT_EQ(std::get<int64_t>(*entity.Get("x")), 2);
  // The add removed before the checkpoint must not come back when the log is replayed.
  EXPECT_THAT(entity.Elements("s"), ElementsAre(Value(std::string("f"))));
  // The replayed state is what a replica that applied the same changes directly holds.
  auto fresh = Open("fresh.db");
  auto all = r->ChangesSince({});
  CAIRN_ASSERT_OK(all);
  CAIRN_ASSERT_OK(fresh->Apply(*all));
  EXPECT_EQ(Hash(*r), Hash(*fresh));
}

TEST_F(ReplicaTest, SchemaViolationsAreRefusedWithReasonsAndNothingIsWritten) {
  Schema schema;
  schema.Add("note", {FieldRule{"body", ValueType::kText, FieldKind::kRegister, true},
                      FieldRule{"tags", ValueType::kText, FieldKind::kSet}});
  auto r = Open("a.db", &schema);
  const EntityId id = r->NewEntityId();
  EXPECT_THAT(r->Commit({Op::Put(id, "body", std::string("hi"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("has no type")));
  EXPECT_THAT(r->Commit({Op::Put(id, "type", std::string("spaceship"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("known entity type")));
  CAIRN_ASSERT_OK(r->Commit({Op::Put(id, "type", std::string("note"))}));
  const std::string before = Hash(*r);
  EXPECT_THAT(r->Commit({Op::Put(id, "body", int64_t{5})}),
              StatusIs(Code::kInvalidArgument,
                       HasSubstr("field 'body' of a note holds text, not integer")));
  EXPECT_THAT(r->Commit({Op::Put(id, "tags", std::string("x"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("is a set; use add or remove")));
  EXPECT_THAT(r->Commit({Op::Put(id, "type", std::string("other"))}),
              StatusIs(Code::kInvalidArgument, HasSubstr("known entity type")));
  EXPECT_EQ(Hash(*r), before);
  EXPECT_EQ(r->ChangeCount(), 1U);
  // A refused change leaves no hole: the next seq is 2.
  auto ok = r->Commit({Op::Put(id, "body", std::string("fine"))});
  CAIRN_ASSERT_OK(ok);
  EXPECT_EQ(ok->seq, 2U);
}

TEST_F(ReplicaTest, ConcurrentPutsKeepTheLoserAsAConflictAndACausalOverwriteDoesNot) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "reflection", std::string("draft"))}));
  Sync(*a, *b);
  // Sequential: b saw a's value, so its put replaces it without a conflict.
  CAIRN_ASSERT_OK(b->Commit({Op::Put(id, "reflection", std::string("draft 2"))}));
  Sync(*b, *a);
  auto conflicts = a->Conflicts();
  CAIRN_ASSERT_OK(conflicts);
  EXPECT_TRUE(conflicts->empty());
  // Concurrent: neither saw the other's put.
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "reflection", std::string("from A"))}));
  clock_.Advance(5);
  CAIRN_ASSERT_OK(b->Commit({Op::Put(id, "reflection", std::string("from B"))}));
  Sync(*a, *b);
  Sync(*b, *a);
  EXPECT_EQ(Hash(*a), Hash(*b));
  EXPECT_EQ(*MustGet(*a, id).GetText("reflection"), "from B");  // the later HLC wins
  conflicts = a->Conflicts();
  CAIRN_ASSERT_OK(conflicts);
  ASSERT_EQ(conflicts->size(), 1U);
  EXPECT_EQ((*conflicts)[0].field, "reflection");
  ASSERT_EQ((*conflicts)[0].values.size(), 2U);
  EXPECT_EQ(std::get<std::string>((*conflicts)[0].values[0].value), "from A");
  EXPECT_EQ(std::get<std::string>((*conflicts)[0].values[1].value), "from B");
  // Resolving: a new put on a replica that holds both supersedes both, everywhere.
  CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "reflection", std::string("merged"))}));
  Sync(*a, *b);
  for (Replica* r : {a.get(), b.get()}) {
    auto left = r->Conflicts();
    CAIRN_ASSERT_OK(left);
    EXPECT_TRUE(left->empty());
    EXPECT_EQ(*MustGet(*r, id).GetText("reflection"), "merged");
  }
}

TEST_F(ReplicaTest, SetAddConcurrentWithRemoveSurvivesAndObservedAddsAreRemoved) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit(
      {Op::Add(id, "tags", std::string("math")), Op::Add(id, "tags", std::string("ela"))}));
  Sync(*a, *b);
  // b removes "math" having seen a's add; a concurrently adds "math" again.
  CAIRN_ASSERT_OK(b->Commit(
      {Op::Remove(id, "tags", std::string("math")), Op::Remove(id, "tags", std::string("ela"))}));
  CAIRN_ASSERT_OK(a->Commit({Op::Add(id, "tags", std::string("math"))}));
  Sync(*a, *b);
  Sync(*b, *a);
  EXPECT_EQ(Hash(*a), Hash(*b));
  EXPECT_THAT(MustGet(*a, id).Elements("tags"), ElementsAre(Value(std::string("math"))));
}

TEST_F(ReplicaTest, DeleteIsFinalEvenAgainstAConcurrentPut) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  CAIRN_ASSERT_OK(a->Commit(
      {Op::Put(id, "type", std::string("evidence")), Op::Put(id, "caption", std::string("v1"))}));
  Sync(*a, *b);
  CAIRN_ASSERT_OK(a->Commit({Op::Delete(id)}));
  CAIRN_ASSERT_OK(b->Commit({Op::Put(id, "caption", std::string("v2"))}));
  Sync(*a, *b);
  Sync(*b, *a);
  EXPECT_EQ(Hash(*a), Hash(*b));
  EXPECT_TRUE(MustGet(*a, id).deleted());
  EXPECT_EQ(MustGet(*b, id).Get("caption"), nullptr);
  auto listed = a->ListByType("evidence");
  CAIRN_ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_F(ReplicaTest, ChangesSinceReturnsOnlyWhatTheOtherSideLacks) {
  auto a = Open("a.db");
  auto b = Open("b.db");
  const EntityId id = a->NewEntityId();
  for (int i = 0; i < 10; ++i) CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{i})}));
  Sync(*a, *b);
  for (int i = 0; i < 3; ++i) CAIRN_ASSERT_OK(a->Commit({Op::Put(id, "x", int64_t{100 + i})}));
  auto missing = a->ChangesSince(b->Version());
  CAIRN_ASSERT_OK(missing);
  ASSERT_EQ(missing->size(), 3U);
  EXPECT_EQ((*missing)[0].seq, 11U);
  EXPECT_EQ((*missing)[2].seq, 13U);
}

TEST_F(ReplicaTest, ChangesSinceFindsNewLogRowsBySearchingNotScanning) {
  // Cost proportional to what is new: the per-actor query must search the primary key, never
  // scan an actor's whole history.
  { auto r = Open("a.db"); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("a.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = std::string("EXPLAIN QUERY PLAN ") + kSelectLogSince;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
    plan += "\n";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_THAT(plan, HasSubstr("SEARCH log USING PRIMARY KEY (actor=? AND first_seq>?)"));
  EXPECT_THAT(plan, HasSubstr("SEARCH log USING PRIMARY KEY (actor=? AND first_seq<?)"));
  EXPECT_THAT(plan, ::testing::Not(HasSubstr("SCAN")));
}

TEST_F(ReplicaTest, InvalidUtf8InNamesIsRefusedBeforeItCanReachTheLog) {
  auto r = Open("a.db");
  const EntityId id = r->NewEntityId();
  EXPECT_THAT(r->Commit({Op::Put(id, "bad\xff", int64_t{1})}),
              StatusIs(Code::kInvalidArgument, HasSubstr("a field name must be UTF-8")));
  EvidenceRef ref;
  ref.size = 1;
  ref.media_type = "video/\xc3";
  EXPECT_THAT(r->Commit({Op::Put(id, "blob", ref)}),
              StatusIs(Code::kInvalidArgument, HasSubstr("media type")));
  EXPECT_EQ(r->ChangeCount(), 0U);
  CAIRN_EXPECT_OK(r->ExportSince({}));
}

TEST_F(ReplicaTest, AFarFutureStampIsRefusedAndCannotStopLocalCommits) {
  auto r = Open("a.db");
  const EntityId id = NameBasedId("clock");
  Change from_future{NewActorId(random_), 1, kMaxRemoteHlc, {}, {Op::Put(id, "x", int64_t{1})}};
  EXPECT_THAT(r->Apply(std::vector<Change>{from_future}),
              StatusIs(Code::kInvalidArgument, HasSubstr("past the year 3000")));
  // The largest stamp accepted still leaves the local clock room to tick.
  from_future.hlc = kMaxRemoteHlc - 1;
  CAIRN_ASSERT_OK(r->Apply(std::vector<Change>{from_future}));
  auto local = r->Commit({Op::Put(id, "x", int64_t{2})});
  CAIRN_ASSERT_OK(local);
  EXPECT_GT(local->hlc, from_future.hlc);
  EXPECT_EQ(std::get<int64_t>(*MustGet(*r, id).Get("x")), 2);
}

TEST_F(ReplicaTest, AReplicaWithASkewLimitRefusesChangesFromAClockAhead) {
  ReplicaOptions options;
  options.env = Env{&clock_, &random_};
  options.max_future_skew_ms = 60'000;
  auto server = Replica::Open(dir_.File("server.db"), options);
  CAIRN_ASSERT_OK(server);
  const EntityId id = NameBasedId("skew");
  const ActorId device = NewActorId(random_);
  Change ahead{
      device, 1, MakeHlc(clock_.NowMillis() + 120'000, 0), {}, {Op::Put(id, "x", int64_t{1})}};
  EXPECT_THAT((*server)->Apply(std::vector<Change>{ahead}),
              StatusIs(Code::kFailedPrecondition, HasSubstr("120 s ahead of this clock")));
  ahead.hlc = MakeHlc(clock_.NowMillis() + 30'000, 0);
  CAIRN_EXPECT_OK((*server)->Apply(std::vector<Change>{ahead}));
}

TEST_F(ReplicaTest, AnEntityEmptiedBySetOpsReadsTheSameBeforeAndAfterACheckpoint) {
  auto r = Open("a.db");
  const EntityId id = r->NewEntityId();
  CAIRN_ASSERT_OK(r->Commit({Op::Add(id, "s", std::string("e"))}));
  CAIRN_ASSERT_OK(r->Commit({Op::Remove(id, "s", std::string("e"))}));
  auto before = r->Get(id);
  CAIRN_ASSERT_OK(before);
  CAIRN_ASSERT_OK(r->Checkpoint());
  r.reset();
  r = Open("a.db");
  auto after = r->Get(id);
  CAIRN_ASSERT_OK(after);
  EXPECT_EQ(before->has_value(), after->has_value());
  EXPECT_TRUE(after->has_value());
  // An id nothing ever touched is absent, before and after.
  auto never = r->Get(NameBasedId("never touched"));
  CAIRN_ASSERT_OK(never);
  EXPECT_FALSE(never->has_value());
}

TEST_F(ReplicaTest, AStoreFromANewerSchemaVersionIsRefusedClearly) {
  { auto r = Open("a.db"); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("a.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ReplicaOptions options;
  options.env = Env{&clock_, &random_};
  EXPECT_THAT(Replica::Open(dir_.File("a.db"), options),
              StatusIs(Code::kFailedPrecondition, HasSubstr("open it with a newer Cairn")));
}

TEST_F(ReplicaTest, AFileThatIsNotAStoreIsRefusedAsDataLoss) {
  {
    FILE* f = std::fopen(dir_.File("junk.db").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'j');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  ReplicaOptions options;
  options.env = Env{&clock_, &random_};
  auto r = Replica::Open(dir_.File("junk.db"), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr("junk.db"));
}

}  // namespace
}  // namespace cairn
