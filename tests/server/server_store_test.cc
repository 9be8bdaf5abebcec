// ServerStore below the protocol: the pull query stays an index range whatever the log holds,
// the store survives reopening with its accounts and log, and the server's own changes name
// what their scope has seen.
#include "store/server_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/server_store_impl.h"
#include "store/sqlite.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn::server {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::IsOk;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

TEST(ServerStoreTest, PullQueryIsAnIndexRangeNotAScan) {
  TempDir dir;
  ASSERT_THAT(ServerStore::Open(dir.File("server.db")).status(), IsOk());
  Result<std::unique_ptr<store::Database>> db = store::Database::Open(dir.File("server.db"));
  ASSERT_THAT(db.status(), IsOk());
  Result<store::Statement> plan =
      (*db)->Prepare(std::string("EXPLAIN QUERY PLAN ") + kSelectPullSql);
  ASSERT_THAT(plan.status(), IsOk());
  std::string details;
  while (*plan->Step()) details += std::string(plan->ColumnText(3)) + "\n";
  EXPECT_THAT(details, HasSubstr("USING INDEX changes_by_scope (scope_id=? AND server_seq>?)"));
  EXPECT_THAT(details, Not(HasSubstr("SCAN")));
  EXPECT_THAT(details, Not(HasSubstr("TEMP B-TREE")));
}

TEST(ServerStoreTest, AccountsAndLogSurviveReopening) {
  TempDir dir;
  FakeClock clock;
  SeededRandom random(3);
  ServerStoreOptions options;
  options.env = Env{&clock, &random};
  std::string user_id;
  std::string token;
  Change committed;
  {
    Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(dir.File("s.db"), options);
    ASSERT_THAT(store.status(), IsOk());
    Result<User> user = (*store)->AddUser("Ana", Role::kEducator);
    ASSERT_THAT(user.status(), IsOk());
    user_id = user->id;
    Result<std::string> code = (*store)->NewEnrolCode(user_id);
    ASSERT_THAT(code.status(), IsOk());
    Result<Enrolment> enrolment = (*store)->Enrol(*code, NewActorId(random), "phone");
    ASSERT_THAT(enrolment.status(), IsOk());
    token = enrolment->token;
    const EntityId id = IdGenerator(options.env).Next();
    Result<Change> change = (*store)->CommitServerChange(
        EducatorScopeName(user_id), {Op::Put(id, "type", "pursuit"), Op::Put(id, "status", "x")});
    ASSERT_THAT(change.status(), IsOk());
    committed = *change;
  }
  Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(dir.File("s.db"), options);
  ASSERT_THAT(store.status(), IsOk());
  Result<Principal> principal = (*store)->Authenticate(token);
  ASSERT_THAT(principal.status(), IsOk());
  EXPECT_EQ(principal->user_id, user_id);
  EXPECT_THAT(principal->read_scope_names, SizeIs(2));
  Result<PullResult> pulled = (*store)->Pull(*principal, 0, 100, 1 << 20);
  ASSERT_THAT(pulled.status(), IsOk());
  ASSERT_THAT(pulled->changes, SizeIs(1));
  EXPECT_EQ(pulled->changes[0].actor, committed.actor);
  EXPECT_EQ(pulled->changes[0].hlc, committed.hlc);
  EXPECT_FALSE(pulled->more);
  // A cursor past every server seq, however large (2^63 and beyond are not negative), holds
  // nothing new.
  for (const uint64_t cursor : {pulled->cursor, uint64_t{1} << 63, ~uint64_t{0}}) {
    Result<PullResult> past = (*store)->Pull(*principal, cursor, 100, 1 << 20);
    ASSERT_THAT(past.status(), IsOk());
    EXPECT_THAT(past->changes, SizeIs(0)) << cursor;
    EXPECT_EQ(past->cursor, cursor);
  }
  // A second change of the scope actor follows the first, stamped later.
  Result<Change> next = (*store)->CommitServerChange(
      EducatorScopeName(user_id), {Op::Put(committed.ops[0].entity, "status", "y")});
  ASSERT_THAT(next.status(), IsOk());
  EXPECT_EQ(next->seq, committed.seq + 1);
  EXPECT_GT(next->hlc, committed.hlc);
}

TEST(ServerStoreTest, ServerChangesNameEveryActorOfTheirScopeInDeps) {
  TempDir dir;
  FakeClock clock;
  SeededRandom random(4);
  ServerStoreOptions options;
  options.env = Env{&clock, &random};
  Result<std::unique_ptr<ServerStore>> store = ServerStore::Open(dir.File("s.db"), options);
  ASSERT_THAT(store.status(), IsOk());
  Result<User> user = (*store)->AddUser("Ana", Role::kEducator);
  ASSERT_THAT(user.status(), IsOk());
  Result<std::string> code = (*store)->NewEnrolCode(user->id);
  ASSERT_THAT(code.status(), IsOk());
  const ActorId phone = NewActorId(random);
  Result<Enrolment> enrolment = (*store)->Enrol(*code, phone, "phone");
  ASSERT_THAT(enrolment.status(), IsOk());
  const EntityId pursuit = IdGenerator(options.env).Next();
  Change change{phone, 1, MakeHlc(clock.NowMillis(), 0), {}, {Op::Put(pursuit, "type", "pursuit")}};
  Result<PushResult> pushed = (*store)->Push(enrolment->principal, std::span(&change, 1));
  ASSERT_THAT(pushed.status(), IsOk());
  ASSERT_EQ(pushed->accepted, 1u);
  Result<Change> server = (*store)->CommitServerChange(EducatorScopeName(user->id),
                                                       {Op::Put(pursuit, "status", "received")});
  ASSERT_THAT(server.status(), IsOk());
  ASSERT_THAT(server->deps, SizeIs(1));
  EXPECT_EQ(server->deps[0].actor, phone);
  EXPECT_EQ(server->deps[0].seq, 1u);
  EXPECT_GT(server->hlc, change.hlc) << "the server's stamp orders after what it has seen";
}

}  // namespace
}  // namespace cairn::server
