#include "cairn/change_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/v1/change.pb.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::testing::HasSubstr;

class ChangeCodecTest : public ::testing::Test {
 protected:
  ChangeCodecTest() : ids_(Env{&clock_, &random_}) {
    actor_ = NewActorId(random_);
    other_ = NewActorId(random_);
  }

  Change MakeChange(uint64_t seq, std::vector<Op> ops, std::vector<Dep> deps = {}) {
    return Change{actor_, seq, MakeHlc(1'700'000'000'000 + static_cast<int64_t>(seq), 0),
                  std::move(deps), std::move(ops)};
  }

  // A valid batch, as a protobuf the test can then break.
  v1::ChangeBatch ValidBatch() {
    const EntityId e = ids_.Next();
    std::vector<Change> changes = {
        MakeChange(
            1, {Op::Put(e, "title", std::string("Exit tickets")), Op::Put(e, "count", int64_t{3})}),
        MakeChange(2, {Op::Put(e, "score", 2.5)}, {Dep{other_, 4}}),
    };
    v1::ChangeBatch batch;
    EXPECT_TRUE(batch.ParseFromString(EncodeChanges(changes)));
    return batch;
  }

  static Result<std::vector<Change>> Decode(const v1::ChangeBatch& batch) {
    return DecodeChanges(batch.SerializeAsString());
  }

  FakeClock clock_;
  SeededRandom random_{42};
  IdGenerator ids_;
  ActorId actor_;
  ActorId other_;
};

TEST_F(ChangeCodecTest, RoundTripsEveryOpAndValueType) {
  const EntityId a = ids_.Next();
  const EntityId b = ids_.Next();
  EvidenceRef ref;
  ref.sha256.fill(0xAB);
  ref.size = 1234;
  ref.media_type = "video/mp4";
  std::vector<Change> changes = {
      MakeChange(
          7,
          {Op::Put(a, "text", std::string("héllo")), Op::Put(a, "int", int64_t{-42}),
           Op::Put(a, "real", 3.25), Op::Put(a, "flag", true),
           Op::Put(a, "blob", Blob{std::string("\0\1\2", 3)}), Op::Put(a, "ev", ref),
           Op::Put(a, "ref", b), Op::Add(a, "tags", std::string("math")), Op::Add(a, "links", b),
           Op::Remove(a, "tags", std::string("math")), Op::Remove(a, "links", b)},
          {Dep{other_, 9}}),
      MakeChange(8, {Op::Delete(b)}),
  };
  changes[1].hlc = changes[0].hlc + 70'000;
  auto decoded = DecodeChanges(EncodeChanges(changes));
  CAIRN_ASSERT_OK(decoded);
  ASSERT_EQ(decoded->size(), 2U);
  for (size_t c = 0; c < changes.size(); ++c) {
    const Change& want = changes[c];
    const Change& got = (*decoded)[c];
    EXPECT_EQ(got.actor, want.actor);
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.hlc, want.hlc);
    ASSERT_EQ(got.deps.size(), want.deps.size());
    for (size_t d = 0; d < want.deps.size(); ++d) {
      EXPECT_EQ(got.deps[d].actor, want.deps[d].actor);
      EXPECT_EQ(got.deps[d].seq, want.deps[d].seq);
    }
    ASSERT_EQ(got.ops.size(), want.ops.size());
    for (size_t i = 0; i < want.ops.size(); ++i) {
      EXPECT_EQ(got.ops[i].kind, want.ops[i].kind) << i;
      EXPECT_EQ(got.ops[i].entity, want.ops[i].entity) << i;
      EXPECT_EQ(got.ops[i].field, want.ops[i].field) << i;
      if (want.ops[i].kind != OpKind::kDelete) {
        EXPECT_EQ(got.ops[i].value, want.ops[i].value) << i;
      }
    }
  }
}

TEST_F(ChangeCodecTest, InterleavedActorsSplitIntoRunsAndKeepOrder) {
  const EntityId e = ids_.Next();
  std::vector<Change> changes;
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    changes.push_back(MakeChange(seq, {Op::Put(e, "x", static_cast<int64_t>(seq))}));
    Change theirs{other_, seq, MakeHlc(5, static_cast<uint16_t>(seq)), {}, {}};
    theirs.ops.push_back(Op::Put(e, "y", static_cast<int64_t>(seq)));
    changes.push_back(std::move(theirs));
  }
  v1::ChangeBatch batch;
  ASSERT_TRUE(batch.ParseFromString(EncodeChanges(changes)));
  EXPECT_EQ(batch.actors_size(), 2);
  EXPECT_EQ(batch.runs_size(), 6);
  auto decoded = DecodeChanges(batch.SerializeAsString());
  CAIRN_ASSERT_OK(decoded);
  ASSERT_EQ(decoded->size(), changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ((*decoded)[i].actor, changes[i].actor);
    EXPECT_EQ((*decoded)[i].seq, changes[i].seq);
  }
}

TEST_F(ChangeCodecTest, BurstOfSingleOpChangesCostsAFewBytesBeyondTheValue) {
  // 1,000 one-op changes over 100 entities made in one burst: the entity table and columns must
  // keep the per-change overhead near the 8-byte integer payload, not the ~70 bytes of a naive
  // encoding with ids per op.
  std::vector<EntityId> entities;
  for (int i = 0; i < 100; ++i) entities.push_back(ids_.Next());
  std::vector<Change> changes;
  for (uint64_t seq = 1; seq <= 1000; ++seq) {
    changes.push_back(MakeChange(
        seq, {Op::Put(entities[seq * 37 % 100], "i0", static_cast<int64_t>(seq * 7919))}));
  }
  const std::string bytes = EncodeChanges(changes);
  EXPECT_LT(bytes.size(), 1000U * 8);
}

TEST_F(ChangeCodecTest, GarbageAndTruncatedBytesAreRefused) {
  EXPECT_THAT(DecodeChanges("\xff\xff\xff\xff garbage"),
              StatusIs(Code::kInvalidArgument, HasSubstr("not a valid ChangeBatch")));
  const std::string good = ValidBatch().SerializeAsString();
  for (size_t cut : {good.size() - 1, good.size() / 2, size_t{3}}) {
    const auto r = DecodeChanges(std::string_view(good).substr(0, cut));
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  }
}

TEST_F(ChangeCodecTest, UnknownOpCodeIsRefusedNamingTheOp) {
  v1::ChangeBatch batch = ValidBatch();
  batch.mutable_runs(0)->set_op_header(1, 0xE);
  EXPECT_THAT(Decode(batch),
              StatusIs(Code::kInvalidArgument, HasSubstr("run 0: op 1: unknown op code 14")));
}

TEST_F(ChangeCodecTest, ColumnsOfDifferentLengthsAreRefused) {
  v1::ChangeBatch batch = ValidBatch();
  batch.mutable_runs(0)->add_op_entity(0);
  EXPECT_THAT(Decode(batch), StatusIs(Code::kInvalidArgument, HasSubstr("different lengths")));
}

TEST_F(ChangeCodecTest, ValueColumnsMustMatchTheOpsExactly) {
  v1::ChangeBatch shorter = ValidBatch();
  shorter.mutable_runs(0)->clear_reals();
  EXPECT_THAT(Decode(shorter),
              StatusIs(Code::kInvalidArgument, HasSubstr("column reals has fewer values")));
  v1::ChangeBatch longer = ValidBatch();
  longer.mutable_runs(0)->add_integers(5);
  EXPECT_THAT(Decode(longer),
              StatusIs(Code::kInvalidArgument, HasSubstr("integers has values no op uses")));
}

TEST_F(ChangeCodecTest, IndexesOutsideTheirTablesAreRefused) {
  v1::ChangeBatch field = ValidBatch();
  field.mutable_runs(0)->set_op_header(0, (uint64_t{9} << 4) | v1::OP_CODE_PUT_TEXT);
  EXPECT_THAT(Decode(field), StatusIs(Code::kInvalidArgument, HasSubstr("field index 9")));
  v1::ChangeBatch entity = ValidBatch();
  entity.mutable_runs(0)->set_op_entity(0, 5);
  EXPECT_THAT(Decode(entity), StatusIs(Code::kInvalidArgument, HasSubstr("entity index 5")));
  v1::ChangeBatch actor = ValidBatch();
  actor.mutable_runs(0)->set_actor(3);
  EXPECT_THAT(Decode(actor), StatusIs(Code::kInvalidArgument, HasSubstr("actor index 3")));
}

TEST_F(ChangeCodecTest, EntityTableMustBeStrictlyAscending) {
  v1::ChangeBatch batch = ValidBatch();
  v1::ActorChanges* run = batch.mutable_runs(0);
  run->add_entity_hi_delta(0);
  run->add_entity_lo(0);  // a duplicate of the previous id
  EXPECT_THAT(Decode(batch), StatusIs(Code::kInvalidArgument, HasSubstr("strictly ascending")));
}

TEST_F(ChangeCodecTest, BadIdsTextAndDepsAreRefused) {
  v1::ChangeBatch short_actor = ValidBatch();
  short_actor.set_actors(0, "tooshort");
  EXPECT_THAT(Decode(short_actor), StatusIs(Code::kInvalidArgument, HasSubstr("has 8 bytes")));

  v1::ChangeBatch duplicate = ValidBatch();
  duplicate.set_actors(1, duplicate.actors(0));
  EXPECT_THAT(Decode(duplicate), StatusIs(Code::kInvalidArgument, HasSubstr("same actor twice")));

  v1::ChangeBatch utf8 = ValidBatch();
  std::string* data = utf8.mutable_runs(0)->mutable_text_data();
  (*data)[0] = '\xC3';
  (*data)[1] = '\x28';
  EXPECT_THAT(Decode(utf8), StatusIs(Code::kInvalidArgument, HasSubstr("not valid UTF-8")));

  v1::ChangeBatch self_dep = ValidBatch();
  self_dep.mutable_runs(0)->set_dep_actor(0, self_dep.runs(0).actor());
  EXPECT_THAT(Decode(self_dep), StatusIs(Code::kInvalidArgument, HasSubstr("the author itself")));

  v1::ChangeBatch zero_hlc = ValidBatch();
  zero_hlc.mutable_runs(0)->set_hlc_delta(0, 0);
  EXPECT_THAT(Decode(zero_hlc),
              StatusIs(Code::kInvalidArgument, HasSubstr("does not start a change")));

  v1::ChangeBatch zero_seq = ValidBatch();
  zero_seq.mutable_runs(0)->set_first_seq(0);
  EXPECT_THAT(Decode(zero_seq), StatusIs(Code::kInvalidArgument, HasSubstr("first_seq is 0")));
}

TEST_F(ChangeCodecTest, OversizedBatchesAreRefusedBeforeDecoding) {
  EXPECT_THAT(DecodeChanges(std::string(kMaxBatchBytes + 1, '\0')),
              StatusIs(Code::kTooLarge, HasSubstr("send it in smaller batches")));
  // Many tiny ops: refused on the count, before any op is built.
  v1::ChangeBatch batch = ValidBatch();
  v1::ActorChanges* run = batch.mutable_runs(0);
  for (size_t i = 0; i < kMaxOpsPerBatch; ++i) {
    run->add_hlc_delta(2);
    run->add_op_header(v1::OP_CODE_PUT_FLAG);
    run->add_op_entity(0);
    run->add_flags(true);
  }
  EXPECT_THAT(Decode(batch), StatusIs(Code::kTooLarge, HasSubstr("ops; at most")));
}

TEST_F(ChangeCodecTest, ValidateChangeShapeRefusesMalformedLocalChanges) {
  const EntityId e = ids_.Next();
  EXPECT_THAT(ValidateChangeShape(MakeChange(1, {})),
              StatusIs(Code::kInvalidArgument, HasSubstr("at least one op")));
  EXPECT_THAT(ValidateChangeShape(MakeChange(1, {Op::Put(e, "", int64_t{1})})),
              StatusIs(Code::kInvalidArgument, HasSubstr("field name")));
  EXPECT_THAT(ValidateChangeShape(MakeChange(1, {Op::Add(e, "tags", int64_t{1})})),
              StatusIs(Code::kInvalidArgument, HasSubstr("set elements are text or entities")));
  EXPECT_THAT(ValidateChangeShape(MakeChange(1, {Op::Put(e, "x", int64_t{1})}, {Dep{actor_, 1}})),
              StatusIs(Code::kInvalidArgument, HasSubstr("another actor")));
  CAIRN_EXPECT_OK(ValidateChangeShape(MakeChange(1, {Op::Put(e, "x", int64_t{1})})));
}

}  // namespace
}  // namespace cairn
