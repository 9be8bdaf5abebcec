// The stored form of entity state: the hand-written serialiser must produce exactly protobuf's
// deterministic serialisation of cairn.v1.EntityState, and parse back to the same state.
#include <gmock/gmock.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <random>

#include "cairn/v1/state.pb.h"
#include "merge/causality.h"
#include "merge/entity_merge.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn::merge {
namespace {

using ::cairn::testing::SeededRandom;

std::string ProtobufCanonical(std::string_view bytes) {
  v1::EntityState state;
  EXPECT_TRUE(state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  state.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

Value RandomValue(std::mt19937_64& rng, const std::vector<EntityId>& ids) {
  switch (rng() % 9) {
    case 0:
      return std::string();  // an empty oneof member is still written
    case 1:
      return std::string("text ") + std::to_string(rng() % 1000);
    case 2:
      return static_cast<int64_t>(rng() % 3) - 1;  // -1, 0, 1
    case 3:
      return static_cast<int64_t>(rng());
    case 4:
      return (rng() % 2) ? 0.0 : -2.5e10;
    case 5:
      return static_cast<bool>(rng() % 2);
    case 6:
      return Blob{std::string(rng() % 4, '\0')};
    case 7: {
      EvidenceRef ref;
      ref.sha256.fill(static_cast<uint8_t>(rng()));
      ref.size = rng() % 2 ? 0 : rng() % 100000;
      ref.media_type = rng() % 2 ? "" : "video/mp4";
      return ref;
    }
    default:
      return ids[rng() % ids.size()];
  }
}

TEST(EntityState, HandWrittenBytesAreProtobufsDeterministicSerialisation) {
  SeededRandom random(5);
  std::mt19937_64 rng(11);
  std::vector<ActorId> actors;
  for (int i = 0; i < 4; ++i) actors.push_back(NewActorId(random));
  const std::vector<EntityId> ids = {NameBasedId("a"), NameBasedId("b")};
  for (int round = 0; round < 300; ++round) {
    EntityData entity;
    entity.id = ids[0];
    const int ops = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < ops; ++i) {
      const ActorId& author = actors[rng() % actors.size()];
      const Stamp stamp{author, 1 + rng() % 5, rng() % 3 == 0 ? 0 : rng() % 100000};
      // An author that saw nothing keeps concurrent entries, so registers hold several values.
      const Knowledge knowledge(author, stamp.seq, {});
      const std::string field = std::string(1, static_cast<char>('a' + rng() % 3));
      switch (rng() % 10) {
        case 0:
          if (round % 7 == 0) ApplyOp(entity, Op::Delete(entity.id), stamp, knowledge);
          break;
        case 1:
        case 2:
          ApplyOp(entity, Op::Add(entity.id, field, std::string(1, 'x' + rng() % 2)), stamp,
                  knowledge);
          break;
        case 3:
          ApplyOp(entity, Op::Remove(entity.id, field, std::string("x")), stamp, knowledge);
          break;
        default:
          ApplyOp(entity, Op::Put(entity.id, field, RandomValue(rng, ids)), stamp, knowledge);
      }
    }
    const std::string bytes = SerializeEntity(entity);
    ASSERT_EQ(bytes, ProtobufCanonical(bytes)) << "round " << round;
    EntityData parsed;
    parsed.id = entity.id;
    ASSERT_THAT(ParseEntity(bytes, &parsed), ::cairn::testing::IsOk());
    ASSERT_EQ(SerializeEntity(parsed), bytes) << "round " << round;
  }
}

}  // namespace
}  // namespace cairn::merge
