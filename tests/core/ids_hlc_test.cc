#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cairn/hlc.h"
#include "cairn/ids.h"
#include "support/fakes.h"
#include "support/status_matchers.h"

namespace cairn {
namespace {

using ::cairn::testing::FakeClock;
using ::cairn::testing::SeededRandom;
using ::cairn::testing::StatusIs;
using ::testing::HasSubstr;

TEST(Id128, TextFormRoundTripsAndParsesBothForms) {
  const Id128 id = Id128::FromHalves(0x0190f3c27a1b7c3dULL, 0x8e4f0123456789abULL);
  EXPECT_EQ(id.ToString(), "0190f3c2-7a1b-7c3d-8e4f-0123456789ab");
  auto parsed = Id128::Parse("0190F3C2-7A1B-7C3D-8E4F-0123456789AB");
  CAIRN_ASSERT_OK(parsed);
  EXPECT_EQ(*parsed, id);
  auto plain = Id128::Parse("0190f3c27a1b7c3d8e4f0123456789ab");
  CAIRN_ASSERT_OK(plain);
  EXPECT_EQ(*plain, id);
}

TEST(Id128, ParseRefusesMalformedTextWithPosition) {
  EXPECT_THAT(Id128::Parse("xyz"), StatusIs(Code::kInvalidArgument, HasSubstr("36 characters")));
  EXPECT_THAT(Id128::Parse("0190f3c2-7a1b-7c3d-8e4f-0123456789ag"),
              StatusIs(Code::kInvalidArgument, HasSubstr("non-hex")));
  EXPECT_THAT(Id128::Parse("0190f3c2x7a1b-7c3d-8e4f-0123456789ab"),
              StatusIs(Code::kInvalidArgument, HasSubstr("position 9")));
}

TEST(IdGenerator, MakesMonotonicUuidV7WithinAndAcrossMilliseconds) {
  FakeClock clock;
  SeededRandom random(7);
  IdGenerator ids(Env{&clock, &random});
  EntityId previous = ids.Next();
  for (int i = 0; i < 5000; ++i) {
    if (i % 1000 == 999) clock.Advance(1);
    if (i == 2500) clock.Advance(-50);  // the clock stepping back must not break monotonicity
    const EntityId next = ids.Next();
    EXPECT_LT(previous, next) << "at " << i;
    EXPECT_EQ(next.bytes[6] >> 4, 7) << "version nibble";
    EXPECT_EQ(next.bytes[8] >> 6, 2) << "variant bits";
    previous = next;
  }
}

TEST(IdGenerator, IdsOfOneMillisecondDifferOnlyInLowBits) {
  FakeClock clock;
  SeededRandom random(1);
  IdGenerator ids(Env{&clock, &random});
  const EntityId a = ids.Next();
  const EntityId b = ids.Next();
  EXPECT_EQ(a.Hi(), b.Hi());
  EXPECT_EQ(b.Lo() - a.Lo(), 1U);
  EXPECT_EQ(static_cast<int64_t>(a.Hi() >> 16), clock.NowMillis());
}

TEST(NameBasedId, IsStableAndDistinguishesNames) {
  EXPECT_EQ(NameBasedId("stack:a"), NameBasedId("stack:a"));
  EXPECT_NE(NameBasedId("stack:a"), NameBasedId("stack:b"));
  EXPECT_EQ(NameBasedId("x").bytes[6] >> 4, 8);
}

TEST(HlcClock, TicksStrictlyIncreaseEvenWhenTheWallClockStallsOrGoesBack) {
  FakeClock clock(1000);
  HlcClock hlc(&clock);
  const Hlc a = hlc.Tick();
  EXPECT_EQ(a, MakeHlc(1000, 0));
  const Hlc b = hlc.Tick();
  EXPECT_EQ(b, MakeHlc(1000, 1));
  clock.Set(900);
  const Hlc c = hlc.Tick();
  EXPECT_GT(c, b);
  clock.Set(2000);
  EXPECT_EQ(hlc.Tick(), MakeHlc(2000, 0));
}

TEST(HlcClock, ObservingARemoteStampMovesPastIt) {
  FakeClock clock(1000);
  HlcClock hlc(&clock);
  const Hlc remote = MakeHlc(5000, 3);
  hlc.Observe(remote);
  EXPECT_EQ(hlc.Tick(), MakeHlc(5000, 4));
  hlc.Observe(MakeHlc(10, 0));  // an older stamp changes nothing
  EXPECT_EQ(hlc.Tick(), MakeHlc(5000, 5));
}

TEST(Status, CarriesCodeMessageAndRetryGuidance) {
  const Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "ok");
  const Status s = Unavailable("server busy").Annotate("sync");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.ToString(), "unavailable: sync: server busy");
  EXPECT_FALSE(InvalidArgument("x").retryable());
  const Status copy = s;
  EXPECT_EQ(copy.message(), "sync: server busy");
  const Result<int> r = NotFound("gone");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace cairn
